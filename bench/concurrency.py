"""Benchmark: 16 concurrent clients on SQLite mixing page reads, API reads and API decisions
against the real server (gunicorn, several workers and threads, as in production), counting
errors: "database is locked" anywhere, any 5xx, any unexpected answer.

    python bench/concurrency.py [--clients 16] [--seconds 60] [--workers 2] [--threads 4]

It builds its own database (migrations, demo data, applications waiting for an endorsement),
starts gunicorn and a private redis-server (decisions hand their work to the queue, as in
production), runs the clients and stops everything. ``mix`` is also what
tests/web/test_concurrent_clients.py runs (a few requests per client instead of a minute).
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

import requests  # noqa: E402

from bench.stack import Stack, product_env  # noqa: E402

PASSWORD = "Pilot#2026"  # the demo accounts' password (app/demo/seed.py)
READERS = ("office", "kunming_office", "wuhua_applicant")  # office, prefecture endorser, applicant
DECIDER = "wuhua_office"  # endorses the applications waiting for it
PAGES = ("/inbox", "/applications/")
API_READS = ("applications?per_page=20", "applications?per_page=20&state=endorsing")
TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


@dataclass
class Outcome:
    requests: Counter = field(default_factory=Counter)  # by kind: page, api_read, decision
    errors: list[str] = field(default_factory=list)     # 5xx, "database is locked", unexpected answers
    conflicts: int = 0                                  # 409: another client's decision came first
    latencies: list[float] = field(default_factory=list)
    lock = threading.Lock()

    def add(self, kind: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.requests[kind] += 1
            self.latencies.append(seconds)
            if error:
                self.errors.append(error)

    @property
    def locked(self) -> int:
        return sum("database is locked" in e for e in self.errors)

    @property
    def server_errors(self) -> int:
        return sum(e.startswith("5") for e in self.errors)


def client_session() -> requests.Session:
    """A client that opens a connection per request (no keep-alive: gunicorn closes idle
    connections on its own schedule, and a request racing that close is reset)."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def sign_in(base_url: str, username: str, password: str = PASSWORD) -> requests.Session:
    session = client_session()
    token = TOKEN.search(session.get(f"{base_url}/login", timeout=60).text).group(1)
    response = session.post(f"{base_url}/login", data={"csrf_token": token, "username": username,
                                                       "password": password}, allow_redirects=False, timeout=60)
    if response.status_code != 302:
        raise RuntimeError(f"cannot sign in as {username}: {response.status_code}")
    return session


def _check(response: requests.Response, ok: tuple[int, ...]) -> str | None:
    body = response.text[:300]
    if "database is locked" in response.text:
        return f"{response.status_code} database is locked: {response.request.method} {response.url}"
    if response.status_code >= 500 or response.status_code not in ok:
        return f"{response.status_code} {response.request.method} {response.url}: {body}"
    return None


def mix(base_url: str, tokens: dict[str, str], decisions: list[tuple[int, int]], *, clients: int = 16,
        seconds: float | None = None, per_client: int | None = None) -> Outcome:
    """``clients`` threads, each signed in as one of READERS, cycling through a page read, an API
    read and (every third request) an API decision taken from ``decisions`` (id, version), until
    ``seconds`` have passed or each has made ``per_client`` requests."""
    outcome = Outcome()
    pending = list(reversed(decisions))
    take = threading.Lock()
    sessions = [sign_in(base_url, READERS[i % len(READERS)]) for i in range(clients)]
    deadline = time.monotonic() + seconds if seconds else None
    start = threading.Barrier(clients)

    def client(n: int) -> None:
        web = sessions[n]
        api = client_session()
        reader = READERS[n % len(READERS)]
        start.wait()
        i = 0
        while (per_client is None or i < per_client) and (deadline is None or time.monotonic() < deadline):
            kind = ("page", "api_read", "decision")[(i + n) % 3]
            began = time.perf_counter()
            try:
                if kind == "page":
                    response = web.get(base_url + PAGES[(i // 3) % len(PAGES)], timeout=120)
                    error = _check(response, (200,))
                elif kind == "api_read":
                    response = api.get(f"{base_url}/api/v1/{API_READS[(i // 3) % len(API_READS)]}", timeout=120,
                                       headers={"Authorization": f"Bearer {tokens[reader]}"})
                    error = _check(response, (200,))
                else:
                    with take:
                        item = pending.pop() if pending else None
                    if item is None:
                        kind, error = "decision", None
                        response = api.get(f"{base_url}/api/v1/applications?per_page=1", timeout=120,
                                           headers={"Authorization": f"Bearer {tokens[DECIDER]}"})
                        error = _check(response, (200,))
                    else:
                        response = api.post(f"{base_url}/api/v1/applications/{item[0]}/actions/endorse", timeout=120,
                                            json={"version": item[1], "opinion": "同意上报"},
                                            headers={"Authorization": f"Bearer {tokens[DECIDER]}"})
                        error = _check(response, (200, 409))
                        if response.status_code == 409:
                            with outcome.lock:
                                outcome.conflicts += 1
            except requests.RequestException as exc:
                error = f"connection: {exc}"
            outcome.add(kind, time.perf_counter() - began, error)
            i += 1

    threads = [threading.Thread(target=client, args=(n,), name=f"client-{n}") for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome


def locked_in_logs(workdir: Path) -> int:
    """'database is locked' lines in the servers' logs (a failure the answer may not show)."""
    return sum(path.read_text(errors="replace").count("database is locked") for path in workdir.glob("*.log"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--app-root", default=str(BENCH.parent), help="the checkout whose code is served")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    result = run(Path(args.app_root), clients=args.clients, seconds=args.seconds, workers=args.workers,
                 threads=args.threads, keep=args.keep)
    print(result[0])
    sys.exit(1 if result[1] else 0)


def run(app_root: Path, *, clients: int = 16, seconds: float = 60, workers: int = 2, threads: int = 4,
        keep: bool = False, demo_database: Path | None = None) -> tuple[str, int]:
    """The whole benchmark; returns its report and the number of errors. ``demo_database``: a
    SQLite file already migrated and loaded with the demo data (copied), else one is made."""
    workdir = Path(tempfile.mkdtemp(prefix="pf-concurrency-"))
    stack = Stack(workdir, app_root)
    try:
        env = product_env(workdir, f"sqlite:///{workdir / 'pilotflow.sqlite3'}")
        if demo_database is not None:
            shutil.copyfile(demo_database, workdir / "pilotflow.sqlite3")
        else:
            stack.flask(env, "db", "upgrade")
            stack.flask(env, "demo", "load", "--no-history")
        tokens = {user: stack.flask(env, "users", "token", "create", user, "--name", "bench", "--quiet").strip()
                  for user in (*READERS, DECIDER)}
        items = seed_waiting(stack, env, int(seconds * 40) + 100)
        env["REDIS_URL"] = stack.redis()
        url = stack.gunicorn("gunicorn", "wsgi:app", env, workers=workers, threads=threads)
        started = time.perf_counter()
        outcome = mix(url, tokens, items, clients=clients, seconds=seconds)
        took = time.perf_counter() - started
        stack.stop_all()
        in_logs = locked_in_logs(workdir)
        total = sum(outcome.requests.values())
        ordered = sorted(outcome.latencies)
        p95 = ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0
        report = (f"{clients} clients × {took:.0f} s on SQLite (gunicorn {workers} workers × {threads} threads): "
                  f"{total} requests ({outcome.requests['page']} pages, {outcome.requests['api_read']} API reads, "
                  f"{outcome.requests['decision']} decisions, {outcome.conflicts} conflicts), p95 {p95 * 1000:.0f} ms; "
                  f"errors {len(outcome.errors)} (5xx {outcome.server_errors}, 'database is locked' "
                  f"{outcome.locked} in answers, {in_logs} in logs)")
        for error in outcome.errors[:5]:
            report += f"\n  {error}"
        return report, len(outcome.errors) + in_logs
    finally:
        stack.stop_all()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def seed_waiting(stack: Stack, env: dict[str, str], count: int) -> list[tuple[int, int]]:
    """Bulk-insert ``count`` applications waiting for DECIDER (bench/seed.py, on the code under
    test) and return their (id, version)."""
    items = stack.in_app(env, f"    from bench import seed\n    with transaction():\n"
                              f"        result = seed.endorsing({count})")
    return [tuple(item) for item in items]


if __name__ == "__main__":
    main()
