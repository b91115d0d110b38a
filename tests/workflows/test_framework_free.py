"""workflows/ is a library of its own: importing it pulls in no Flask, SQLAlchemy or app, and
its tests (this directory) run without them too."""
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.framework_free import FRAMEWORKS

ROOT = Path(__file__).resolve().parents[2]


def test_importing_every_flow_loads_no_framework_modules():
    code = ("import sys, workflows, workflows.diagrams, workflows.registry\n"
            f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r})\n"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_one_shared_machine_per_flow_moves_many_items_without_registering_them():
    from workflows.midterm_check import MIDTERM_CHECK
    from workflows.midterm_check import MidtermCheckState as S

    for _ in range(1000):
        assert MIDTERM_CHECK.fire(S.DUE, "submit_progress_report") == S.REPORT_SUBMITTED
    assert MIDTERM_CHECK._machine.models == []


SUBPROCESS_TESTS = ("test_the_workflow_tests_run_without_importing_flask_sqlalchemy_or_the_app",
                    "test_the_workflow_tests_fail_when_a_framework_was_imported")


def run_pytest_in_a_fresh_process(args: list[str], before: str = "") -> dict:
    """Run pytest in a new interpreter; return its exit status and the framework modules loaded
    by the end (read from that process's sys.modules, independently of the conftest's check)."""
    deselect = [a for name in SUBPROCESS_TESTS
                for a in ("--deselect", f"tests/workflows/test_framework_free.py::{name}")]
    code = (f"{before}\nimport json, sys, pytest\n"
            f"status = pytest.main({[*args, '-q', '-p', 'no:cacheprovider', *deselect]!r})\n"
            f"loaded = sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r})\n"
            "print('RESULT ' + json.dumps({'status': int(status), 'loaded': loaded}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, out.stdout[-2000:] + out.stderr[-2000:]
    return {**json.loads(lines[-1][len("RESULT "):]), "output": out.stdout}


def test_the_workflow_tests_run_without_importing_flask_sqlalchemy_or_the_app():
    result = run_pytest_in_a_fresh_process(["tests/workflows"])
    assert (result["status"], result["loaded"]) == (0, []), result["output"][-2000:]  # 0: tests ran, all passed


def test_the_workflow_tests_fail_when_a_framework_was_imported():
    result = run_pytest_in_a_fresh_process(["tests/workflows/test_definitions.py"], before="import flask")
    assert result["status"] == 1
    assert "tests/workflows ran with framework modules imported: flask" in result["output"]
