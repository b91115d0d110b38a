"""Benchmark: verifying the audit trail at 100,000 records, alone and against its checkpoints.

Builds a temporary SQLite database from the migrations, bulk-inserts the records with the real
digest (a checkpoint signed by the Office seal every ``--every`` records, copied to a temporary
outside store), then times, best of ``--repeat``:

- reading the rows the verification reads (the baseline: the same columns and batches, with the
  cyclic garbage collector paused as the verification pauses it, and no work),
- ``verify_chain()`` (links and digests),
- ``verify_anchored()`` (the same walk, each record checked against the checkpoints, their
  signatures and the store against the database).

    .venv/bin/python bench/audit_verify.py [--records 100000] [--every 5000] [--repeat 3]

Goal: ≤ 2 s per 100,000 records for the anchored verification.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def seed(records: int, every: int) -> int:
    """Append ``records`` records in bulk (hashes from the product's digest), a checkpoint after
    every ``every``; returns how many checkpoints were made."""
    from app.database import transaction
    from app.extensions import db
    from app.models import AuditHead, AuditRecord
    from app.services.records import audit, checkpoints

    table = AuditRecord.__table__
    start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    prev, made = audit.GENESIS, 0
    for first in range(1, records + 1, every):
        rows = []
        for i in range(first, min(first + every, records + 1)):
            row = {"id": i, "created_at": start + timedelta(seconds=37 * i), "entity_type": "application",
                   "entity_id": i // 12 + 1, "trigger": "endorse", "from_state": "endorsing",
                   "to_state": "initial_review", "actor_id": None, "actor_role": "endorser",
                   "opinion": f"同意上报。第 {i} 号意见：材料齐全，符合申报条件。",
                   "payload": {"ranking": i % 7 + 1, "level": "prefecture"}, "prev_hash": prev}
            row["hash"] = prev = audit.digest(prev, SimpleNamespace(**row))
            rows.append(row)
        with transaction():
            db.session.execute(table.insert(), rows)
            head = db.session.get(AuditHead, 1) or AuditHead(id=1)
            head.last_id, head.last_hash = rows[-1]["id"], prev
            db.session.add(head)
        with transaction():
            checkpoints.make("scheduled")
        made += 1
    with transaction():
        checkpoints.publish()
    return made


def read_rows(batch_size: int = 20_000) -> int:
    """The baseline: the rows the verification reads, in the same batches, and nothing else."""
    from app.services.records.audit import chain_batches, no_cyclic_gc

    with no_cyclic_gc():  # as the verification does, so that the ratio compares like with like
        return sum(len(rows) for rows in chain_batches(batch_size=batch_size))


def best(fn, repeat: int) -> tuple[float, object]:
    from app.extensions import db

    times, result = [], None
    for _ in range(repeat):
        db.session.remove()
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    db.session.remove()
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=5_000, help="records between checkpoints")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app.documents import pki
    from app.factory import create_app
    from app.services.records.anchored import verify_anchored
    from app.services.records.audit import verify_chain

    workdir = Path(tempfile.mkdtemp(prefix="pilotflow-bench-audit-"))
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'bench.sqlite3'}", "TESTING": True,
                          "PKI_DIR": str(workdir / "pki"), "AUDIT_ANCHOR_DIR": str(workdir / "anchors"),
                          "SECRET_KEY": "bench"})
        with app.app_context():
            upgrade(revision="heads")
            pki.ensure_office_seal("云南省信息化办公室")
            started = time.perf_counter()
            made = seed(args.records, args.every)
            print(f"seeded {args.records:,} records and {made} checkpoints in {time.perf_counter() - started:.1f} s")

            baseline, count = best(read_rows, args.repeat)
            chain_time, chain = best(verify_chain, args.repeat)
            anchored_time, anchored = best(verify_anchored, args.repeat)
            assert count == args.records and chain.ok and anchored.ok, (chain, anchored)
            per = 100_000 / args.records
            print(f"reading the rows (baseline)  {baseline:6.2f} s   {baseline * per:5.2f} s per 100k")
            print(f"verify_chain                 {chain_time:6.2f} s   {chain_time * per:5.2f} s per 100k"
                  f"   {chain_time / baseline:4.1f}× the baseline")
            print(f"verify_anchored (+{anchored.anchored} checkpoints) {anchored_time:6.2f} s   "
                  f"{anchored_time * per:5.2f} s per 100k   {anchored_time / baseline:4.1f}× the baseline"
                  f"   (goal ≤ 2 s per 100k: {'met' if anchored_time * per <= 2 else 'NOT met'})")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
