"""workflows/ is a library of its own: importing it pulls in no Flask, SQLAlchemy or app."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_importing_every_flow_loads_no_framework_modules():
    code = ("import sys, workflows, workflows.diagrams, workflows.registry\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'app'))\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_one_shared_machine_per_flow_moves_many_items_without_registering_them():
    from workflows.midterm_check import MIDTERM_CHECK
    from workflows.midterm_check import MidtermCheckState as S

    for _ in range(1000):
        assert MIDTERM_CHECK.fire(S.DUE, "submit_progress_report") == S.REPORT_SUBMITTED
    assert MIDTERM_CHECK._machine.models == []
