"""The one benchmark entry point (issue 10): every figure as a ratio against its bare baseline,
measured interleaved in the same run so that a busy machine slows both sides alike.

    python bench/run.py [--quick] [--app-root /path/to/checkout] [--no-postgres] [--keep]

1. lists and inboxes — the office, a prefecture endorser and an applicant: their inbox page,
   their applications page and the API's application list, at a small and a large number of
   applications; each request timed against a minimal Flask + SQLAlchemy Core app
   (bench/bare_app.py) running the page's query on the same database behind the same gunicorn;
   and p95 at the large size ÷ p95 at the small size;
2. one decision over HTTP (an endorsement through the API, the queue on a private Redis) against
   a bare transaction of the same shape (compare-and-set UPDATE + audit INSERT + outbox INSERT)
   served by the same gunicorn — on SQLite and on a private PostgreSQL (scripts/pg.sh); and, for
   diagnosis, against the bare transaction with every statement the product sends;
3. the acceptance report rendered by the product against raw WeasyPrint on the same HTML, and
   one signature's time (bench/documents.py);
4. the audit trail's verification (bench/audit_verify.py), per 100,000 records;
5. 16 concurrent clients on SQLite mixing reads and decisions (bench/concurrency.py): errors.

Sizes: 1,000 and 100,000 applications, 60 s of concurrency; ``--quick``: 1,000 and 20,000,
fewer repeats, 15 s. ``--app-root`` measures another checkout's code (e.g. main, for "before").
Everything it starts (gunicorn, redis-server, PostgreSQL) is stopped at the end.
"""
from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


@dataclass(frozen=True)
class Sizes:
    small: int
    large: int
    repeat: int        # timed requests per page and size (each paired with a bare one)
    decisions: int     # timed decisions per database
    doc_repeat: int
    audit_records: int
    concurrency_seconds: float


FULL = Sizes(small=1_000, large=100_000, repeat=30, decisions=200, doc_repeat=15, audit_records=100_000,
             concurrency_seconds=60)
QUICK = Sizes(small=1_000, large=20_000, repeat=10, decisions=60, doc_repeat=3, audit_records=20_000,
              concurrency_seconds=15)

READERS = {"office": "office_reviewer", "kunming_office": "endorser", "wuhua_applicant": "applicant"}
LABELS = {"office": "office", "kunming_office": "endorser (prefecture)", "wuhua_applicant": "applicant"}


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]  # nearest rank


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def waiting_states() -> dict[str, list[str]]:
    """For each role, the application states in which a step of that role is awaited (the inbox)."""
    from workflows.registry import FLOWS

    flow = FLOWS["application"]
    states: dict[str, list[str]] = {}
    for state in flow.states:
        for step in flow.waiting_steps(state):
            states.setdefault(step.role, [])
            if state.value not in states[step.role]:
                states[step.role].append(state.value)
    return states


# --- 1. lists and inboxes -----------------------------------------------------------------------------
def page_cases(scope: dict, states: dict[str, list[str]]) -> list[tuple[str, str, str, str, dict]]:
    """(label, user, kind, product path, bare query) for every page measured. The bare query
    reads as many rows as the product's page shows: 20 on a list, the inbox's page of tasks."""
    from app.services.reads.inbox import PER_PAGE

    org, area = scope["organisation"], scope["area"]
    bare_inbox = {
        "office": {"where": "states", "states": ",".join(states["office_reviewer"]), "order": "waiting"},
        "kunming_office": {"where": "area_states", "area": area, "states": ",".join(states["endorser"]),
                           "order": "waiting"},
        "wuhua_applicant": {"where": "organisation_states", "organisation": org,
                            "states": ",".join(states["applicant"]), "order": "waiting"},
    }
    for query in bare_inbox.values():
        query["per_page"] = PER_PAGE
    bare_list = {"office": {"where": "all"}, "kunming_office": {"where": "area", "area": area},
                 "wuhua_applicant": {"where": "organisation", "organisation": org}}
    cases = []
    for user in READERS:
        cases.append((f"{LABELS[user]} inbox", user, "web", "/inbox", bare_inbox[user]))
        cases.append((f"{LABELS[user]} list", user, "web", "/applications/", bare_list[user]))
        cases.append((f"{LABELS[user]} API list", user, "api", "/api/v1/applications?per_page=20", bare_list[user]))
    return cases


def bare_env(database_url: str) -> dict[str, str]:
    """The bare app's environment: always this checkout's bench/bare_app.py, whatever ``--app-root``
    points the product at (an older tree's baseline would not be the same baseline)."""
    return {**os.environ, "BARE_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}


def measure_pages(stack, env: dict, database: Path, scope: dict, tokens: dict, states, repeat: int) -> dict:
    from bench.concurrency import client_session, sign_in

    env = {**env, "DATABASE_URL": f"sqlite:///{database}"}
    product = stack.gunicorn(f"product-{database.stem}", "wsgi:app", env)
    bare = stack.gunicorn(f"bare-{database.stem}", "bench.bare_app:app",
                          bare_env(f"sqlite:///{database}"), cwd=ROOT)
    webs = {user: sign_in(product, user) for user in READERS}
    api, plain = client_session(), client_session()
    cases = page_cases(scope, states)
    samples = {label: ([], []) for label, *_ in cases}

    def product_call(user, kind, path):
        if kind == "web":
            response = webs[user].get(product + path, timeout=300)
        else:
            response = api.get(product + path, headers={"Authorization": f"Bearer {tokens[user]}"}, timeout=300)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])

    def bare_call(query):
        response = plain.get(bare + "/rows", params={"per_page": 20, **query}, timeout=300)
        assert response.status_code == 200, (query, response.status_code)

    for label, user, kind, path, query in cases:  # warm both (imports, caches, connections)
        for _ in range(2):
            product_call(user, kind, path)
            bare_call(query)
    for _ in range(repeat):
        for label, user, kind, path, query in cases:  # interleaved: product, bare, next page…
            samples[label][0].append(timed(lambda: product_call(user, kind, path)))
            samples[label][1].append(timed(lambda: bare_call(query)))
    stack.stop_all_servers()
    return samples


def section_pages(stack, workdir: Path, env: dict, demo: Path, sizes: Sizes) -> None:
    states = waiting_states()
    results, seeded = {}, {}
    for size in (sizes.small, sizes.large):
        database = workdir / f"pages-{size}.sqlite3"
        shutil.copyfile(demo, database)
        senv = {**env, "DATABASE_URL": f"sqlite:///{database}"}
        started = time.perf_counter()
        stack.in_app(senv, f"    from bench import seed\n    with transaction():\n        seed.applications({size})")
        seeded[size] = time.perf_counter() - started
        scope = stack.in_app(senv, SCOPE)
        tokens = stack.in_app(senv, TOKENS.format(users=list(READERS)))
        results[size] = measure_pages(stack, env, database, scope, tokens, states, sizes.repeat)
    print(f"\n1. Inbox and list pages (median of {sizes.repeat}, interleaved; bare = Flask + Core, same query, "
          f"same gunicorn --workers 2)")
    print("   seeded " + ", ".join(f"{n:,} applications in {s:.1f} s" for n, s in seeded.items())
          + " (bulk Core inserts, in a child process)")
    print(f"   {'page':<34}{'rows':>8}{'product ms':>12}{'bare ms':>9}{'ratio':>7}{'p95 ms':>8}"
          f"{'p95 large/small':>17}")
    for label in results[sizes.small]:
        for size in (sizes.small, sizes.large):
            ours, bare = results[size][label]
            ratio = statistics.median(ours) / statistics.median(bare)
            flat = pct(results[sizes.large][label][0], 0.95) / pct(results[sizes.small][label][0], 0.95)
            print(f"   {label:<34}{size:>8,}{statistics.median(ours) * 1000:>12.1f}"
                  f"{statistics.median(bare) * 1000:>9.1f}{ratio:>6.1f}×{pct(ours, 0.95) * 1000:>8.1f}"
                  + (f"{flat:>16.1f}×" if size == sizes.large else ""))
    print("   goals: product ≤ 3× bare; p95 at the large size ≤ 1.5× p95 at the small size")


SCOPE = """    from app.models import Organisation, User
    import sqlalchemy as sa
    from app.extensions import db
    org = db.session.scalar(sa.select(User.organisation_id).where(User.username == "wuhua_applicant"))
    office = db.session.scalar(sa.select(Organisation).join(User, User.organisation_id == Organisation.id)
                               .where(User.username == "kunming_office"))
    result = {"organisation": org, "area": office.division_code}"""

TOKENS = """    from app.models import User
    import sqlalchemy as sa
    from app.extensions import db
    from app.services.commands import tokens
    result = {{}}
    for name in {users!r}:
        with transaction():
            user = db.session.scalar(sa.select(User).where(User.username == name))
            result[name] = tokens.create_token(user, {{"name": "bench"}})[1]"""


# --- 2. one decision ----------------------------------------------------------------------------------------
DIAGNOSED = 30  # PostgreSQL: decisions of each kind, after the timed ones, whose database time is read
# The server's pg_stat_statements reads what its statements cost it (planning and execution).
STATEMENT_STATS = ("-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_planning=on "
                   "-c pg_stat_statements.track_utility=on")


def database_time(url: str):
    """A function that runs its argument and returns PostgreSQL's own time, in seconds, for the
    statements run meanwhile by everyone but itself (pg_stat_statements, reset first)."""
    def measure(run) -> float:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_stat_statements_reset()")
            run()
            return conn.execute("SELECT coalesce(sum(total_plan_time + total_exec_time), 0) FROM pg_stat_statements "
                                "WHERE query NOT LIKE '%pg_stat_statements%'").fetchone()[0] / 1000
    return measure


def measure_decisions(stack, env: dict, database_url: str, count: int, server_time=None) -> tuple:
    """The product's decision, the bare transaction of its shape, and the bare transaction with
    the product's every statement (bench/bare_app.py), one of each in turn; then, given
    ``server_time`` (``database_time``), the database's own time per decision of each kind."""
    from bench.concurrency import client_session

    total = count + 3 + (DIAGNOSED if server_time else 0)  # per kind: warm-up, timed, diagnosed
    items = [tuple(i) for i in stack.in_app(env, f"    from bench import seed\n    with transaction():\n"
                                                 f"        result = seed.endorsing({total})")]
    tokens = stack.in_app(env, TOKENS.format(users=["wuhua_office"]))
    product = stack.gunicorn("product-decide", "wsgi:app", {**env, "REDIS_URL": stack.redis()})
    bare = stack.gunicorn("bare-decide", "bench.bare_app:app", bare_env(database_url), cwd=ROOT)
    api, plain, same = client_session(), client_session(), client_session()
    assert plain.post(f"{bare}/tables?items={2 * total}", timeout=120).status_code == 200
    headers = {"Authorization": f"Bearer {tokens['wuhua_office']}"}
    ours, raw, full = [], [], []

    def decide(i):
        app_id, version = items[i]
        response = api.post(f"{product}/api/v1/applications/{app_id}/actions/endorse", headers=headers, timeout=120,
                            json={"version": version, "opinion": "同意上报"})
        assert response.status_code == 200, (response.status_code, response.text[:300])

    def bare_decide(i):
        response = plain.post(f"{bare}/decide/{i + 1}?version=0", timeout=120)
        assert response.status_code == 200, response.status_code

    def bare_same_statements(i):
        response = same.post(f"{bare}/decide/{total + 1 + i}?version=0&application={items[i][0]}", headers=headers,
                             timeout=120)
        assert response.status_code == 200, response.status_code

    for i in range(3):  # warm-up
        decide(i)
        bare_decide(i)
        bare_same_statements(i)
    for i in range(3, count + 3):
        ours.append(timed(lambda: decide(i)))
        raw.append(timed(lambda: bare_decide(i)))
        full.append(timed(lambda: bare_same_statements(i)))
    own = None
    if server_time:
        own = tuple(server_time(lambda: [kind(i) for i in range(count + 3, total)]) / DIAGNOSED
                    for kind in (decide, bare_decide, bare_same_statements))
    stack.stop_all_servers()
    return ours, raw, full, own


def section_decisions(stack, workdir: Path, env: dict, demo: Path, sizes: Sizes, postgres: bool) -> None:
    rows = []
    database = workdir / "decide.sqlite3"
    shutil.copyfile(demo, database)
    url = f"sqlite:///{database}"
    rows.append(("SQLite", *measure_decisions(stack, {**env, "DATABASE_URL": url}, url, sizes.decisions)))
    if postgres:
        url = stack.postgres(STATEMENT_STATS)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
        penv = {**env, "DATABASE_URL": url}
        stack.flask(penv, "db", "upgrade")
        stack.flask(penv, "demo", "load", "--no-history")
        rows.append(("PostgreSQL", *measure_decisions(stack, penv, url, sizes.decisions, database_time(url))))
    print(f"\n2. One decision over HTTP (API endorsement, {sizes.decisions} timed) vs a bare transaction of the same "
          f"shape over HTTP (compare-and-set UPDATE + audit INSERT + outbox INSERT), same gunicorn; and vs the bare "
          f"transaction with every statement the product sends (its token and item reads, the chain head's lock, "
          f"the endorsement's place), interleaved")
    print(f"   {'database':<12}{'product ms':>12}{'bare ms':>9}{'ratio':>8}{'p95 ms':>8}"
          f"{'same statements ms':>20}{'ratio':>8}")
    medians = [(name, *(statistics.median(times) for times in (ours, raw, full)), pct(ours, 0.95))
               for name, ours, raw, full, _ in rows]
    for name, product, bare, same, p95 in medians:
        print(f"   {name:<12}{product * 1000:>12.1f}{bare * 1000:>9.1f}{product / bare:>7.2f}×{p95 * 1000:>8.1f}"
              f"{same * 1000:>20.1f}{product / same:>7.2f}×")
    print("   goal: ≤ 2× the bare transaction on each database (the last column is for diagnosis)")
    for name, product, bare, same, _ in medians:  # what the goal leaves the code around the statements
        print(f"   {name}: the code around the statements takes {(product - same) * 1000:.1f} ms (product − same "
              f"statements); the goal leaves it {(2 * bare - same) * 1000:.1f} ms (2 × bare − same statements)")
    for name, *_, own in rows:
        if own:
            print(f"   {name}'s own time per decision (planning + execution, pg_stat_statements, {DIAGNOSED} more "
                  f"of each kind): product {own[0] * 1000:.2f} ms, bare {own[1] * 1000:.2f} ms, same statements "
                  f"{own[2] * 1000:.2f} ms")


# --- 3. documents -------------------------------------------------------------------------------------------
def section_documents(sizes: Sizes) -> None:
    from bench.documents import _run, phase_render, phase_sign

    r = _run(phase_render, 1, sizes.doc_repeat)
    s = _run(phase_sign, sizes.doc_repeat)
    print(f"\n3. Acceptance report (1 page, median of {sizes.doc_repeat}, interleaved with raw WeasyPrint on the "
          f"same HTML)")
    print(f"   ours {r['ours'] * 1000:.0f} ms, raw WeasyPrint {r['raw'] * 1000:.0f} ms: "
          f"{r['ours'] / r['raw']:.2f}× (goal ≤ 0.85×)")
    print(f"   one PAdES signature (unwrap the key with argon2id, stamp, sign): {s['sign'] * 1000:.0f} ms "
          f"(goal ≤ 200 ms)")


# --- 4. audit ---------------------------------------------------------------------------------------------
def phase_audit(records: int, repeat: int, queue) -> None:
    from flask_migrate import upgrade

    from app.documents import pki
    from app.factory import create_app
    from app.services.records.anchored import verify_anchored
    from app.services.records.audit import verify_chain
    from bench.audit_verify import best, read_rows, seed

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'audit.sqlite3'}", "TESTING": True,
                          "PKI_DIR": str(work / "pki"), "AUDIT_ANCHOR_DIR": str(work / "anchors"),
                          "SECRET_KEY": "bench"})
        with app.app_context():
            with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet):  # alembic's log
                upgrade(revision="heads")
            pki.ensure_office_seal("云南省信息化办公室")
            seed(records, 5_000)
            baseline, count = best(read_rows, repeat)
            chain_time, chain = best(verify_chain, repeat)
            anchored_time, anchored = best(verify_anchored, repeat)
            from app.extensions import db
            db.engine.dispose()
    queue.put({"count": count, "baseline": baseline, "chain": chain_time, "anchored": anchored_time,
               "ok": chain.ok and anchored.ok})


def section_audit(sizes: Sizes) -> None:
    from bench.documents import _run

    a = _run(phase_audit, sizes.audit_records, 2)
    per = 100_000 / sizes.audit_records
    print(f"\n4. Audit verification ({a['count']:,} records, best of 2; bare = reading the same rows in the same "
          f"batches)")
    print(f"   reading {a['baseline'] * per:.2f} s per 100k; verify_chain {a['chain'] * per:.2f} s per 100k "
          f"({a['chain'] / a['baseline']:.1f}×); anchored {a['anchored'] * per:.2f} s per 100k "
          f"({a['anchored'] / a['baseline']:.1f}×); ok={a['ok']} (goal ≤ 2 s per 100k)")


# --- 5. concurrency -------------------------------------------------------------------------------------
def section_concurrency(app_root: Path, demo: Path, sizes: Sizes) -> None:
    from bench import concurrency

    report, errors = concurrency.run(app_root, seconds=sizes.concurrency_seconds, demo_database=demo)
    print("\n5. Concurrency")
    print("   " + report.replace("\n", "\n   "))
    print(f"   goal: 0 errors — {'met' if errors == 0 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repeats (< 3 minutes)")
    parser.add_argument("--app-root", default=str(ROOT), help="the checkout whose code is measured")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL decision")
    parser.add_argument("--only", default="", help="comma-separated sections to run (pages,decisions,documents,"
                                                   "audit,concurrency)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, databases)")
    args = parser.parse_args()
    app_root = Path(args.app_root).resolve()
    sys.path[:0] = [str(app_root), str(ROOT)]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(app_root), str(ROOT)])  # gunicorn, spawned phases
    sizes = QUICK if args.quick else FULL
    only = set(filter(None, args.only.split(","))) or {"pages", "decisions", "documents", "audit", "concurrency"}

    from bench.stack import Stack, product_env

    began = time.perf_counter()
    print(f"bench/run.py{' --quick' if args.quick else ''} — code under test: {app_root}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at start")
    workdir = Path(tempfile.mkdtemp(prefix="pf-bench-"))
    stack = Stack(workdir, app_root)
    try:
        env = product_env(workdir, f"sqlite:///{workdir / 'demo.sqlite3'}", PYTHONPATH=os.environ["PYTHONPATH"])
        demo = workdir / "demo.sqlite3"
        if only & {"pages", "decisions", "concurrency"}:
            started = time.perf_counter()
            stack.flask(env, "db", "upgrade")
            stack.flask(env, "demo", "load", "--no-history")
            print(f"demo database (migrations + demo data) in {time.perf_counter() - started:.1f} s")
        if "pages" in only:
            section_pages(stack, workdir, env, demo, sizes)
        if "decisions" in only:
            section_decisions(stack, workdir, env, demo, sizes, postgres=not args.no_postgres)
        if "documents" in only:
            section_documents(sizes)
        if "audit" in only:
            section_audit(sizes)
        if "concurrency" in only:
            section_concurrency(app_root, demo, sizes)
    finally:
        stack.stop_all()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"kept {workdir}")
    print(f"\ntotal {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    mp.set_start_method("spawn", force=True)
    main()
