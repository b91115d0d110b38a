"""Benchmark: the job queue on a real stack — a private redis-server (unix socket), a migrated
database with the demo data and a few concluded acceptances, gunicorn (2 workers) on a
loopback port and `flask worker` processes, all started and stopped here. In the same run:

- p50/p95 of a cheap decision over HTTP (an endorsement through the JSON API, bearer token)
  with the worker idle, then while it renders a backlog of acceptance reports; the ratio of the
  two p95s (goal ≤ 1.2×);
- acceptance reports rendered per second by one `flask worker --burst` (its start-up, measured
  on an empty queue in the same run, subtracted);
- decision to document ready: an approval (批准立项) over HTTP until its 立项批复 has a file,
  polled through the API; median over several decisions.

    .venv/bin/python bench/jobs.py [--quick] [--database-url postgresql://…] [--keep]

``--database-url`` must name an empty database (it is migrated and loaded with the demo data).
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV = ROOT / ".venv" / "bin"
USERS = ("wuhua_applicant", "wuhua_office", "kunming_office", "office", "leader", "fgw", "czt", "xxb")


@dataclass(frozen=True)
class Sizes:
    acceptances: int  # applications driven through `flask demo lifecycle` (gives the acceptances)
    decisions: int  # timed endorsements per phase
    backlog: int  # acceptance reports queued before the busy phase
    burst: int  # acceptance reports for the timed `flask worker --burst`
    approvals: int  # decision-to-document measurements


QUICK = Sizes(acceptances=3, decisions=40, backlog=12, burst=6, approvals=3)
FULL = Sizes(acceptances=8, decisions=120, backlog=60, burst=20, approvals=8)


class Stack:
    """The processes this run started, each in its own session, stopped in reverse order."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.workdir, self.env = workdir, env
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append((name, proc))
        return proc

    def stop(self, proc: subprocess.Popen, grace: float = 20.0) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # its own group: gunicorn's workers, nothing else
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs = [(n, p) for n, p in self.procs if p is not proc]

    def stop_all(self) -> None:
        for _name, proc in reversed(list(self.procs)):
            try:
                self.stop(proc, grace=10.0)
            except ProcessLookupError:
                pass

    def flask(self, *args: str, timeout: float = 600) -> str:
        """Run one `flask …` command to completion; its output, or the log tail on failure."""
        result = subprocess.run([str(VENV / "flask"), *args], cwd=ROOT, env=self.env, capture_output=True,
                                text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what: str, timeout: float, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


class Api:
    def __init__(self, port: int, tokens: dict[str, str]):
        self.port, self.tokens = port, tokens

    def call(self, method: str, path: str, user: str, body: dict | None = None) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)  # gunicorn sync: no keep-alive
        try:
            conn.request(method, f"/api/v1/{path}", body=json.dumps(body) if body is not None else None,
                         headers={"Authorization": f"Bearer {self.tokens[user]}", "Accept-Language": "en",
                                  "Content-Type": "application/json"})
            response = conn.getresponse()
            data = json.loads(response.read() or b"null")
        finally:
            conn.close()
        if response.status not in (200, 201):
            raise RuntimeError(f"{method} {path} as {user}: {response.status} {data}")
        return data


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]  # nearest rank


# --- the database, seen from this process (counting jobs, queueing acceptance reports) ----------
def render_counts(app) -> dict[str, int]:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import OutboxMessage
    from app.services.documents.issuing import RENDER_JOB

    with app.app_context():
        rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count(OutboxMessage.id))
                                  .where(OutboxMessage.kind == RENDER_JOB).group_by(OutboxMessage.status)).all()
        db.session.remove()
    return {str(status): n for status, n in rows}


def pending_jobs(app) -> int:
    from app.services.records import outbox

    with app.app_context():
        counts = outbox.counts()
        from app.extensions import db
        db.session.remove()
    return counts.queued


def queue_acceptance_reports(app, n: int) -> None:
    """Number ``n`` new acceptance reports for the concluded acceptances (round robin), in one
    transaction: after its commit the n render jobs go to Redis, exactly as after a decision."""
    import sqlalchemy as sa

    from app.database import transaction
    from app.extensions import db
    from app.models import Acceptance
    from app.services.documents import issuing

    with app.app_context():
        with transaction():
            accs = list(db.session.scalars(sa.select(Acceptance).where(Acceptance.conclusion.is_not(None))
                                           .order_by(Acceptance.id)))
            if not accs:
                raise RuntimeError("the lifecycle concluded no acceptance: raise the number of applications")
            for i in range(n):
                issuing.reserve("acceptance_report", accs[i % len(accs)], None)
        db.session.remove()


# --- the HTTP scenario ------------------------------------------------------------------------------
def file_applications(api: Api, n: int) -> list[tuple[int, int]]:
    """n applications submitted by wuhua_applicant: (id, version), waiting for wuhua_office."""
    batch = api.call("GET", "batches", "wuhua_applicant")["items"][0]
    item = api.call("GET", "plan-items?category=online_service", "wuhua_applicant")["items"][0]
    filed = []
    for i in range(n):
        draft = api.call("POST", "applications", "wuhua_applicant", {
            "batch_id": batch["id"], "name": f"基准测试信息平台 {i:04d}", "category": "online_service",
            "domain": "social_security", "contact_name": "刘洋", "contact_phone": "0871-65123456",
            "requested_budget": "120.50", "construction_months": 18, "objectives": "提高办事效率",
            "content": "建设社区服务系统", "expected_benefits": "群众少跑腿", "plan_item_id": item["id"]})
        submitted = api.call("POST", f"applications/{draft['id']}/actions/submit", "wuhua_applicant",
                             {"version": draft["version"]})
        filed.append((draft["id"], submitted["version"]))
    return filed


def endorse_timed(api: Api, filed: list[tuple[int, int]]) -> list[float]:
    times = []
    for app_id, version in filed:
        started = time.perf_counter()
        api.call("POST", f"applications/{app_id}/actions/endorse", "wuhua_office",
                 {"version": version, "opinion": "同意上报"})
        times.append(time.perf_counter() - started)
    return times


def up_to_project_approval(api: Api, filed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Each application through the reviews, up to the leader's 批准立项 (not taken)."""
    ready = []
    for app_id, version in filed:
        steps = [("wuhua_office", "endorse", {"opinion": "同意上报"}),
                 ("kunming_office", "endorse", {"opinion": "同意上报"}),
                 ("office", "pass_initial_review", {"opinion": "初审通过"}),
                 ("leader", "leader_approve", {"opinion": "同意"}),
                 *[(r, "record_joint_opinion", {"recommendation": "approve", "opinion": "同意"})
                   for r in ("fgw", "czt", "xxb")],
                 ("office", "re_review_approve", {"opinion": "复审通过"})]
        for user, trigger, body in steps:
            version = api.call("POST", f"applications/{app_id}/actions/{trigger}", user,
                               {"version": version, **body})["version"]
        ready.append((app_id, version))
    return ready


def approval_to_document(api: Api, app_id: int, version: int) -> tuple[float, float]:
    """(decision seconds, decision-to-file seconds) for one 批准立项 and its 立项批复."""
    started = time.perf_counter()
    result = api.call("POST", f"applications/{app_id}/actions/approve_project", "leader",
                      {"version": version, "opinion": "批准立项", "approved_budget": "100.00",
                       "construction_months": 12})
    decided = time.perf_counter() - started
    project_id = result["created"]["id"]

    def has_file():
        docs = api.call("GET", f"projects/{project_id}/documents", "leader")
        return any(d["kind"] == "project_approval" and d["versions"] for d in docs)

    wait_for(has_file, f"the approval of project {project_id}", timeout=120, every=0.02)
    return decided, time.perf_counter() - started


# --- the run ----------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Small sizes: the whole run in about a minute.")
    parser.add_argument("--database-url", default=None, help="An empty PostgreSQL database (default: SQLite).")
    parser.add_argument("--worker-nice", type=int, default=0,
                        help="Run the job workers at this nice level (e.g. 10: rendering yields to requests).")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary directory (logs, database).")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    if not shutil.which("redis-server"):
        sys.exit("redis-server is not installed (Debian: apt-get install redis-server)")
    print("command:", shlex.join([".venv/bin/python", "bench/jobs.py", *sys.argv[1:]]))
    began = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="pfjobs-"))
    sock = workdir / "redis.sock"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PILOTFLOW_", "REDIS_", "DATABASE_"))}
    env.update({
        "FLASK_APP": "wsgi", "SECRET_KEY": "bench-" + os.urandom(8).hex(),
        "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'pilotflow.sqlite3'}",
        "REDIS_URL": f"unix://{sock}", "PILOTFLOW_PKI_DIR": str(workdir / "pki"),
        "PILOTFLOW_DOCUMENT_DIR": str(workdir / "documents"), "PILOTFLOW_UPLOAD_DIR": str(workdir / "uploads"),
        "PILOTFLOW_RATELIMIT_ENABLED": "0",
    })
    stack = Stack(workdir, env)
    nice = ["nice", "-n", str(args.worker_nice)] if args.worker_nice else []
    try:
        # Redis, the database, the demo data and a few concluded acceptances (rendered in-process).
        stack.start("redis", ["redis-server", "--port", "0", "--unixsocket", str(sock), "--save", "",
                              "--appendonly", "no"])
        from redis import Redis
        from rq import Worker
        from rq.registry import StartedJobRegistry

        redis = Redis(unix_socket_path=str(sock))
        wait_for(lambda: sock.exists() and redis.ping(), "redis-server", timeout=10)
        stack.flask("db", "upgrade")
        stack.flask("demo", "load", "--no-history")
        # The lifecycle, the tokens and gunicorn's start overlap (SQLite writers queue).
        port = free_port()
        gunicorn = stack.start("gunicorn", [str(VENV / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2",
                               "wsgi:app"])
        lifecycle = subprocess.Popen([str(VENV / "flask"), "demo", "lifecycle", "--count", str(sizes.acceptances)],
                                     cwd=ROOT, env=env, stdout=open(workdir / "lifecycle.log", "wb"),
                                     stderr=subprocess.STDOUT)
        stack.procs.append(("lifecycle", lifecycle))
        creating = {user: subprocess.Popen([str(VENV / "flask"), "users", "token", "create", user, "--name", "bench",
                                            "--quiet"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
                    for user in USERS}
        tokens = {user: proc.communicate(timeout=120)[0].strip() for user, proc in creating.items()}
        if lifecycle.wait(600) != 0 or not all(tokens.values()):
            raise RuntimeError("`flask demo lifecycle` or `flask users token create` failed; see the logs")
        os.environ.update(env)  # this process reads the same database (counts, queueing)
        from app.factory import create_app

        app = create_app()
        api = Api(port, tokens)

        def web_up():
            if gunicorn.poll() is not None:
                raise RuntimeError("gunicorn exited; see its log")
            try:
                return api.call("GET", "batches", "office")
            except (OSError, http.client.HTTPException):
                return None

        wait_for(web_up, "gunicorn", timeout=60, every=0.2)
        database = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
        print(f"setup               {time.perf_counter() - began:.1f} s  ({database}, redis on a unix socket, "
              f"gunicorn --workers 2, worker nice {args.worker_nice}, {os.cpu_count()} CPUs)")

        # A worker's start-up (imports, WeasyPrint and pyHanko preloaded) on an empty queue.
        started = time.perf_counter()
        stack.flask("worker", "--burst", "--name", "bench-empty")
        startup = time.perf_counter() - started

        # One worker running; the applications for both phases and the approvals filed meanwhile.
        worker = stack.start("worker", [*nice, str(VENV / "flask"), "worker", "--name", "bench-1"])
        filed = file_applications(api, 2 * sizes.decisions + sizes.approvals)
        idle_set, busy_set = filed[:sizes.decisions], filed[sizes.decisions:2 * sizes.decisions]
        approvals = up_to_project_approval(api, filed[2 * sizes.decisions:])
        wait_for(lambda: pending_jobs(app) == 0, "the worker to finish the set-up's jobs", timeout=120, every=0.2)

        # Phase 1: the worker idle (it still runs each decision's own notification job).
        idle = endorse_timed(api, idle_set)
        wait_for(lambda: pending_jobs(app) == 0, "the idle phase's jobs", timeout=60, every=0.1)

        # Phase 2: the same decisions while the worker renders acceptance reports.
        before = render_counts(app).get("done", 0)
        queue_acceptance_reports(app, sizes.backlog)
        wait_for(lambda: StartedJobRegistry("pilotflow", connection=redis).count > 0,
                 "the worker to start rendering", timeout=30, every=0.02)
        busy = endorse_timed(api, busy_set)
        after = render_counts(app)
        rendered_meanwhile = after.get("done", 0) - before
        still_queued = after.get("pending", 0)
        if still_queued == 0:
            print("warning: the render backlog ran out before the busy phase ended; raise Sizes.backlog")

        # Throughput: the continuous worker stops (it finishes its current job), one burst worker
        # takes what is left of the backlog topped up to `burst` reports, timed from its start.
        stack.stop(worker, grace=60)
        left = render_counts(app).get("pending", 0)
        if left < sizes.burst:
            queue_acceptance_reports(app, sizes.burst - left)
        before = render_counts(app)
        started = time.perf_counter()
        stack.flask("worker", "--burst", "--name", "bench-burst")
        burst_s = time.perf_counter() - started
        after = render_counts(app)
        burst_jobs = after.get("done", 0) - before.get("done", 0)
        if after.get("failed", 0) or after.get("pending", 0):
            print(f"warning: render jobs not done after the burst: {after}")

        # Decision to document: a worker waiting on an empty queue, one approval at a time.
        worker = stack.start("worker", [*nice, str(VENV / "flask"), "worker", "--name", "bench-2"])
        wait_for(lambda: any(w.name == "bench-2" for w in Worker.all(connection=redis)),  # start-up excluded
                 "the worker to start", timeout=60, every=0.1)
        to_doc, decide = [], []
        for app_id, version in approvals:
            decided, ready = approval_to_document(api, app_id, version)
            decide.append(decided)
            to_doc.append(ready)
        stack.stop(worker)

        # The table.
        ms = 1000
        ratio = pct(busy, 0.95) / pct(idle, 0.95)
        net = burst_s - startup
        print()
        print(f"{'decision over HTTP (endorse, JSON API)':<44}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}")
        print(f"{'  worker idle':<44}{len(idle):>5}{pct(idle, 0.5) * ms:>9.1f}{pct(idle, 0.95) * ms:>9.1f}")
        print(f"{'  worker rendering acceptance reports':<44}{len(busy):>5}{pct(busy, 0.5) * ms:>9.1f}"
              f"{pct(busy, 0.95) * ms:>9.1f}")
        print(f"  p95 ratio busy/idle: {ratio:.2f}x  (goal <= 1.2x; {'met' if ratio <= 1.2 else 'NOT met'}); "
              f"{rendered_meanwhile} reports rendered during the busy phase, {still_queued} still queued at its end")
        print()
        print(f"acceptance reports, one `flask worker --burst`: {burst_jobs} jobs in {burst_s:.2f} s "
              f"= {burst_jobs / burst_s:.2f} jobs/s; start-up {startup:.2f} s (empty queue) subtracted: "
              f"{burst_jobs / net if net > 0 else float('nan'):.2f} jobs/s "
              f"({net / max(burst_jobs, 1) * ms:.0f} ms per report)")
        print(f"decision -> document ready (批准立项 -> 立项批复 has a file, polled via the API every 20 ms): "
              f"median {statistics.median(to_doc) * ms:.0f} ms over {len(to_doc)} "
              f"(min {min(to_doc) * ms:.0f}, max {max(to_doc) * ms:.0f}); the decision's own request: "
              f"median {statistics.median(decide) * ms:.0f} ms")
        print(f"\ntotal {time.perf_counter() - began:.1f} s")
    except BaseException:
        print(f"\nfailed; logs in {workdir} (kept)", file=sys.stderr)
        args.keep = True
        raise
    finally:
        stack.stop_all()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        elif workdir.exists():
            print(f"kept {workdir}")


if __name__ == "__main__":
    main()
