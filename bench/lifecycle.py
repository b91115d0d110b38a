"""Benchmark: decisions per second through the whole service stack (policy, guards,
compare-and-set, hash-chained audit, outbox, notification delivery, one transaction each)
against a baseline of raw SQL transactions of the same shape (one conditional UPDATE and two
INSERTs, committed) on the same database, interleaved: one raw transaction after each decision
(outside the decision's timing), so that a busy machine slows both alike.

    .venv/bin/python bench/lifecycle.py [--count 60] [--database-url postgresql://…]
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the app and bench.*

import sqlalchemy as sa  # noqa: E402

from app.extensions import db  # noqa: E402
from app.factory import create_app  # noqa: E402

# Verbs that render or sign a PDF inside the decision (the rest only number documents).
DOCUMENT_VERBS = {"conclude", "sign_report", "seal_report"}


class Baseline:
    """Raw transactions: a compare-and-set UPDATE, an audit-like and an outbox-like INSERT."""

    def __init__(self):
        from bench.bare_app import BENCH_TABLES

        self.engine = db.engine
        with self.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS bench_items")
            conn.exec_driver_sql("DROP TABLE IF EXISTS bench_log")
            conn.exec_driver_sql("DROP TABLE IF EXISTS bench_head")
            for ddl in BENCH_TABLES[self.engine.dialect.name]:  # bench_log.id has a default on both
                conn.exec_driver_sql(ddl)
            conn.execute(sa.text("INSERT INTO bench_items (id, state, version) VALUES (1, 'a', 0)"))
        self.version, self.seconds = 0, 0.0

    def one(self) -> None:
        started = time.perf_counter()
        with self.engine.begin() as conn:
            conn.execute(sa.text("UPDATE bench_items SET version = version + 1, state = :s "
                                 "WHERE id = 1 AND version = :v"), {"s": "b" if self.version % 2 else "a",
                                                                     "v": self.version})
            conn.execute(sa.text("INSERT INTO bench_log (item, body) VALUES (1, :b)"), {"b": f"decision {self.version}"})
            conn.execute(sa.text("INSERT INTO bench_log (item, body) VALUES (1, :b)"), {"b": f"outbox {self.version}"})
        self.version += 1
        self.seconds += time.perf_counter() - started


def interleave(lifecycle_module, baseline: Baseline) -> None:
    """After each timed decision of the lifecycle (its ``act``), one raw transaction, untimed
    by the lifecycle: the two are measured side by side, not one after the other."""
    act = lifecycle_module.act

    def act_then_raw(*args, **kwargs):
        try:
            return act(*args, **kwargs)
        finally:
            baseline.one()

    lifecycle_module.act = act_then_raw


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="pilotflow-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(workdir / "u"),
                      "DOCUMENT_DIR": str(workdir / "d")})
    with app.app_context():
        from flask_migrate import upgrade

        from app.demo import lifecycle
        from app.services.records.audit import verify_chain

        upgrade(revision="heads")
        from app.database import transaction
        from app.demo.seed import load_demo

        with transaction():  # outside the timing: 25 argon2 hashes are deliberately slow
            load_demo()
        baseline = Baseline()
        interleave(lifecycle, baseline)
        report = lifecycle.run_lifecycle(args.count)
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        db.session.remove()
        # the lifecycle's clock ran over the raw transactions too: take them out
        report.seconds -= baseline.seconds
        base = baseline.seconds / baseline.version * report.decisions
        started = time.perf_counter()
        chain = verify_chain()
        verify_s = time.perf_counter() - started
        per_decision = report.seconds / report.decisions * 1000
        per_raw = base / report.decisions * 1000
        print(f"database            {db.engine.dialect.name}")
        print(f"applications        {args.count}")
        print(f"decisions           {report.decisions}")
        print(f"lifecycle           {report.seconds:.2f} s  ({per_decision:.2f} ms per decision, "
              f"incl. the driver's reads)")
        print(f"raw baseline        {base:.2f} s  ({per_raw:.2f} ms per transaction)")
        print(f"ratio               {per_decision / per_raw:.1f}x the raw transaction")
        print(f"audit verify        {chain.checked} records in {verify_s * 1000:.0f} ms (ok={chain.ok})")
        print(f"peak RSS            {peak_kib / 1024:.0f} MiB")
        print()
        print(f"{'verb':<26}{'calls':>6}{'median ms':>11}{'share':>8}   (one transaction each)")
        total = sum(sum(v) for v in report.timings.values())
        for verb, times in sorted(report.timings.items(), key=lambda kv: -sum(kv[1])):
            times = sorted(times)
            print(f"{verb:<26}{len(times):>6}{times[len(times) // 2] * 1000:>11.1f}{sum(times) / total:>8.0%}")
        plain = [t for verb, ts in report.timings.items() if verb not in DOCUMENT_VERBS for t in ts]
        plain.sort()
        median = plain[len(plain) // 2]
        print(f"\ndecisions that issue no PDF: median {median * 1000:.1f} ms = "
              f"{median / (base / report.decisions):.1f}x the raw transaction's {base / report.decisions * 1000:.2f} ms")


if __name__ == "__main__":
    main()
