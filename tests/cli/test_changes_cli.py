"""`flask changes file|attach|list` and the steps through `flask workflow act change_request …`;
`flask workflow diagram change_request` prints the flow."""
from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import ChangeRequest, Project
from tests import factories as f


def test_an_extension_from_the_shell(runner, tmp_path):
    pid = f.project()
    new_end = (db.session.get(Project, pid).ends_on + timedelta(days=60)).isoformat()
    material = tmp_path / "延期说明.pdf"
    material.write_bytes(b"%PDF-1.4\n% cli\n")
    filed = runner.invoke(args=["changes", "file", str(pid), "--as", "wuhua_applicant", "--type", "extension",
                                "--reason", "设备延迟", "--field", f"new_ends_on={new_end}",
                                "--attach", f"evidence={material}"])
    assert filed.exit_code == 0, filed.output
    cr = db.session.scalars(db.select(ChangeRequest)).one()
    assert [a.display_name for a in cr.attachments] == ["延期说明.pdf"]
    second = runner.invoke(args=["changes", "file", str(pid), "--as", "wuhua_applicant", "--type", "budget",
                                 "--reason", "追加", "--field", "new_budget=10"])
    assert second.exit_code == 2 and "✗" in second.output
    for trigger, who in (("review", "office"), ("approve", "leader")):
        done = runner.invoke(args=["workflow", "act", "change_request", str(cr.id), trigger, "--as", who,
                                   "--opinion", "同意"])
        assert done.exit_code == 0, done.output
    db.session.expire_all()
    assert db.session.get(Project, pid).ends_on.isoformat() == new_end
    listed = runner.invoke(args=["changes", "list", "--as", "office"])
    assert listed.exit_code == 0 and f"→ {new_end}" in listed.output and "approved" in listed.output


def test_a_bad_value_from_the_shell_is_refused(runner):
    pid = f.project()
    refused = runner.invoke(args=["changes", "file", str(pid), "--as", "wuhua_applicant", "--type", "budget",
                                  "--reason", "r", "--field", "new_budget=-3"])
    assert refused.exit_code == 2 and db.session.scalar(db.select(db.func.count(ChangeRequest.id))) == 0


def test_the_diagram_prints_the_flow(runner):
    out = runner.invoke(args=["workflow", "diagram", "change_request"])
    assert out.exit_code == 0, out.output
    assert "approve" in out.output and "submitted" in out.output
