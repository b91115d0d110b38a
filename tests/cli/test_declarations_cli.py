"""Declarations and specialties from the shell: `flask workflow act acceptance ID declare|recuse`
and `flask users expert-domains`."""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Acceptance, AuditRecord, Domain, Expert, User
from tests import factories as f


def test_an_expert_declares_and_another_recuses_from_the_shell(runner):
    _project_id, acc_id = f.in_acceptance()
    members = f.panel(acc_id, declare=False)
    (first, _), (second, _) = members[0], members[1]
    result = runner.invoke(args=["workflow", "act", "acceptance", str(acc_id), "declare", "--as", first.username])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(args=["workflow", "act", "acceptance", str(acc_id), "recuse", "--as", second.username])
    assert refused.exit_code == 2 and "回避" in refused.output
    result = runner.invoke(args=["workflow", "act", "acceptance", str(acc_id), "recuse", "--as", second.username,
                                 "--opinion", "与申报单位负责人系近亲属"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    acc = db.session.get(Acceptance, acc_id)
    assert len(acc.members) == 3 and second.id not in {m.expert.user_id for m in acc.members}
    assert [r.trigger for r in db.session.scalars(sa.select(AuditRecord).where(
        AuditRecord.entity_type == "acceptance", AuditRecord.entity_id == acc_id,
        AuditRecord.trigger != "attach").order_by(AuditRecord.id))] == [
        "form_panel", "declare", "recuse"]


def test_an_admin_sets_an_experts_domains_from_the_shell(runner):
    result = runner.invoke(args=["users", "expert-domains", "expert2", "--domain", "judicial", "--domain", "credit",
                                 "--as", "admin"])
    assert result.exit_code == 0, result.output
    assert "credit" in result.output and "judicial" in result.output
    expert = db.session.scalar(sa.select(Expert).join(User).where(User.username == "expert2"))
    db.session.refresh(expert)
    assert expert.domains == [Domain.CREDIT, Domain.JUDICIAL] and expert.specialties == "软件工程"
    refused = runner.invoke(args=["users", "expert-domains", "expert2", "--as", "office"])
    assert refused.exit_code == 2
    db.session.expire_all()
    assert db.session.get(Expert, expert.id).domains == [Domain.CREDIT, Domain.JUDICIAL]
    assert runner.invoke(args=["users", "expert-domains", "nobody", "--as", "admin"]).exit_code != 0
