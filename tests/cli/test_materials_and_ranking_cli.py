"""From the shell: `flask workflow act … --file kind=path` hands in materials; `flask endorsements
ranking|rerank` shows and changes an office's ranking — the same services as the pages and the API."""
from __future__ import annotations

import sqlalchemy as sa

from app.database import transaction
from app.demo.materials import pdf
from app.extensions import db
from app.models import Acceptance, Material
from app.services.commands import endorsement as escalation
from tests import factories as f
from tests.services.test_materials import _ready_for_acceptance


def test_workflow_act_hands_in_files_and_names_the_missing_ones(runner, tmp_path):
    project_id = _ready_for_acceptance()
    completion, audit_report = tmp_path / "竣工报告.pdf", tmp_path / "审计.pdf"
    completion.write_bytes(pdf("completion"))
    audit_report.write_bytes(pdf("audit"))
    args = ["workflow", "act", "project", str(project_id), "request_acceptance", "--as", "wuhua_applicant",
            "--field", "summary=已完成建设", "--file", f"completion_report={completion}"]
    refused = runner.invoke(args=args)
    assert refused.exit_code == 2 and "财务审计报告" in refused.output
    assert db.session.scalar(sa.select(sa.func.count(Acceptance.id))) == 0
    unreadable = runner.invoke(args=[*args, "--file", f"financial_audit={tmp_path / 'missing.pdf'}"])
    assert unreadable.exit_code == 2 and "cannot read" in unreadable.output
    done = runner.invoke(args=[*args, "--file", f"financial_audit={audit_report}"])
    assert done.exit_code == 0, done.output
    handed_in = db.session.scalars(sa.select(Material.display_name).where(Material.stage == "acceptance"))
    assert sorted(handed_in) == sorted(["审计.pdf", "竣工报告.pdf"])


def test_endorsements_ranking_and_rerank(runner):
    first, second = f.submitted(name="第一个试点平台"), f.submitted(name="第二个试点平台")
    for app_id, place in ((first, 1), (second, 2)):
        with transaction():
            escalation.endorse(f.user("wuhua_office"), app_id, {"opinion": "同意", "ranking": place})
    shown = runner.invoke(args=["endorsements", "ranking", "--as", "wuhua_office"])
    assert shown.exit_code == 0 and shown.output.index("第一个试点平台") < shown.output.index("第二个试点平台")
    clash = runner.invoke(args=["endorsements", "rerank", "--as", "wuhua_office", "--place", f"{second}=1"])
    assert clash.exit_code == 2 and "第一个试点平台" in clash.output
    swapped = runner.invoke(args=["endorsements", "rerank", "--as", "wuhua_office", "--opinion", "调整",
                                  "--place", f"{first}=2", "--place", f"{second}=1"])
    assert swapped.exit_code == 0, swapped.output
    assert swapped.output.index("第二个试点平台") < swapped.output.index("第一个试点平台")
    assert runner.invoke(args=["endorsements", "rerank", "--as", "wuhua_office", "--place", "x=1"]).exit_code == 2
