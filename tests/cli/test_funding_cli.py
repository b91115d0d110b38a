"""`flask funding file|attach` and the funding flow's steps from the shell (`flask workflow act`),
its diagram (`flask workflow diagram funding_request`), and refusals: exit 2 with the reason,
nothing written."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import FundingAttachment, FundingRequest
from app.services.engine.guards import message
from tests import factories as f
from tests.services.test_attachments import PDF


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_file_attach_and_decide_from_the_shell(runner, tmp_path):
    project_id, _ = f.graded("wuhua_applicant", score="50")
    plan = tmp_path / "资金使用计划.pdf"
    plan.write_bytes(PDF)
    filed = runner.invoke(args=["funding", "file", str(project_id), "--as", "wuhua_applicant", "--amount", "30",
                                "--purpose", "推广", "--attach", f"funding_plan={plan}"])
    assert filed.exit_code == 0, filed.output
    rid = db.session.scalar(sa.select(FundingRequest.id))
    assert f"funding request {rid} filed: 待审核" in filed.output
    more = runner.invoke(args=["funding", "attach", str(rid), "budget", str(plan), "--as", "wuhua_applicant"])
    assert more.exit_code == 0, more.output
    assert count(FundingAttachment) == 2

    def act(trigger, who, *options):
        return runner.invoke(args=["workflow", "act", "funding_request", str(rid), trigger, "--as", who, *options])

    assert act("pass_funding_review", "office", "--opinion", "材料齐全").exit_code == 0
    blocked = act("approve_funding", "leader", "--opinion", "同意", "--field", "approved_amount=20")
    assert blocked.exit_code == 2 and message("grade_allows_funding") in blocked.output
    assert act("override_grade_block", "leader", "--opinion", "已整改").exit_code == 0
    assert act("approve_funding", "leader", "--opinion", "同意", "--field", "approved_amount=20").exit_code == 0
    db.session.expire_all()
    assert db.session.get(FundingRequest, rid).state.value == "approved"


def test_a_zero_amount_or_another_agency_is_refused_and_nothing_is_written(runner):
    project_id, _ = f.graded("wuhua_applicant", score="88")
    zero = runner.invoke(args=["funding", "file", str(project_id), "--as", "wuhua_applicant", "--amount", "0",
                               "--purpose", "推广"])
    assert zero.exit_code == 2 and "金额须大于 0" in zero.output
    other = runner.invoke(args=["funding", "file", str(project_id), "--as", "kunming_applicant", "--amount", "5",
                                "--purpose", "推广"])
    assert other.exit_code == 2
    assert count(FundingRequest) == 0


def test_the_diagram_prints_the_flow(runner):
    result = runner.invoke(args=["workflow", "diagram", "funding_request"])
    assert result.exit_code == 0
    for line in ("office_review --> leader_decision", "office_review --> returned", "returned --> office_review",
                 "leader_decision --> leader_decision", "leader_decision --> approved",
                 "leader_decision --> rejected"):
        assert line in result.output, line
