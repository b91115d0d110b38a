"""The flask commands, run as an operator would run them."""
import re

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import AuditRecord, User
from app.policies import check
from app.services.engine.guards import message
from tests import factories as f


def test_demo_load_is_idempotent_and_prints_the_logins(runner):
    result = runner.invoke(args=["demo", "load", "--no-history"])
    assert result.exit_code == 0, result.output
    for username in ("office", "leader", "wuhua_applicant", "kunming_office", "fgw", "expert1", "admin"):
        assert username in result.output
    assert "Pilot#2026" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.username == "office")) == 1


def test_the_lifecycle_ends_in_every_terminal_state_and_refuses_approvals_beyond_the_quota(app, runner):
    app.config.update(BATCH_QUOTA_DEFAULT=8, DEMONSTRATION_MIN=2)
    result = runner.invoke(args=["demo", "lifecycle", "--count", "12"])
    assert result.exit_code == 0, result.output
    out = result.output
    for state in ("approved", "not_accepted", "rejected", "withdrawn", "demonstration", "terminated",
                  "passed_with_conditions", "re_requested"):
        assert state in out, state
    assert "refused by the batch quota: 1" in out
    assert "demonstration list: published" in out
    assert ", 2 applications re-ranked," in out  # the office both first applications share swaps them in 初审
    assert "change requests: 3" in out  # 变更/延期申请: an extension and a contact approved, a budget rejected
    for line in ("extension  approved", "budget     rejected", "contact    approved"):
        assert line in out, line
    assert message("batch_quota_left") in out
    # one expert recused (回避) and a replacement was drawn; the others declared no conflict
    assert ", 1 recusals" in out and "回避（本人曾参与该项目建设方案的咨询论证" in out and "替补" in out
    entered = re.search(r"approvals entered by the leader's proxy \(代录\): (\d+)", out)
    assert entered and int(entered.group(1)) >= 2  # applications 2, 6 and 10 reach the leader
    funding = out[out.index("follow-on funding requests:"):]
    assert "已批准" in funding and "未批准" in funding
    assert "funding approvals blocked by a grade: 1" in out and message("grade_allows_funding") in out
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0 and "audit chain intact" in verify.output


def test_opening_the_years_checks_twice_opens_nothing_the_second_time(runner, app):
    f.project()
    year = str(clock.today().year)
    first = runner.invoke(args=["checks", "open", "--year", year])
    second = runner.invoke(args=["checks", "open", "--year", year])
    assert "opened 1 mid-term checks" in first.output
    assert "opened 0 mid-term checks" in second.output


def test_checks_open_refuses_a_non_office_actor_with_the_reason(runner):
    result = runner.invoke(args=["checks", "open", "--year", "2026", "--as", "leader"])
    assert result.exit_code == 2 and check("office_reviewer", f.user("leader")).reason in result.output


def test_the_workflow_diagram_is_mermaid_in_either_language(runner):
    zh = runner.invoke(args=["workflow", "diagram", "application"])
    en = runner.invoke(args=["workflow", "diagram", "acceptance", "--lang", "en"])
    assert zh.output.startswith("stateDiagram-v2") and "领导审批" in zh.output
    assert "Experts signing the report" in en.output
    assert runner.invoke(args=["workflow", "diagram", "nope"]).exit_code != 0


def test_audit_verify_fails_loudly_on_a_tampered_record(runner, app):
    f.endorsed()
    rec_id = db.session.scalars(sa.select(AuditRecord.id).order_by(AuditRecord.id)).all()[1]
    db.session.remove()
    from tests.services.test_audit import _tamper

    _tamper(rec_id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"BROKEN at record {rec_id}" in result.output


def test_users_create_makes_an_account_with_roles(runner):
    result = runner.invoke(args=["users", "create", "newbie", "--name", "新人", "--org", "IT530300",
                                 "--role", "endorser", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    user = f.user("newbie")
    assert user.organisation.code == "IT530300" and [r.value for r in user.roles] == ["endorser"]
    bad = runner.invoke(args=["users", "create", "x", "--org", "NOPE", "--role", "expert", "--password", "short"])
    assert bad.exit_code == 2 and "organisation" in bad.output
