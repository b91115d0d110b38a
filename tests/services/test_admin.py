"""Administration services: every change is the admin's alone and lands in the history."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.database import transaction
from app.errors import Conflict, Denied, Invalid
from app.extensions import db
from app.models import AuditRecord, Batch, Expert, Role
from app.services.commands import admin, tokens
from app.services.commands.users import authenticate
from tests import factories as f


def _last_audit(entity_type: str) -> AuditRecord:
    return db.session.scalar(sa.select(AuditRecord).where(AuditRecord.entity_type == entity_type)
                             .order_by(AuditRecord.id.desc()).limit(1))


@pytest.mark.parametrize("username", ["office", "leader", "wuhua_applicant", "expert1"])
def test_only_admins_administer(app, users, username):
    with pytest.raises(Denied):
        admin.list_users(users[username])
    with pytest.raises(Denied):
        admin.create_batch(users[username], {"name": "x", "year": 2030, "opens_on": "2030-01-01",
                                             "closes_on": "2030-12-31", "quota": 5})


def test_create_user_with_roles_and_expert_pool_entry(app, users):
    with transaction():
        user = admin.create_user(users["admin"], {
            "username": "new_expert", "password": "Secret#2026", "display_name": "新专家",
            "organisation_code": "I-YNU", "roles": ["expert"], "specialties": "云计算", "title": "教授"})
    assert user.roles == {Role.EXPERT}
    expert = db.session.scalar(sa.select(Expert).where(Expert.user_id == user.id))
    assert expert.specialties == "云计算"
    rec = _last_audit("user")
    assert rec.trigger == "admin_create_user" and rec.actor_id == users["admin"].id
    assert "password" not in rec.payload


def test_update_user_roles_and_organisation(app, users):
    target = users["wuhua_applicant"]
    with transaction():
        admin.update_user(users["admin"], target.id, {"display_name": "刘洋", "organisation_code": "D530100CZ",
                                                      "roles": ["applicant", "expert"]})
    db.session.refresh(target)
    assert target.roles == {Role.APPLICANT, Role.EXPERT}
    assert target.organisation.code == "D530100CZ"
    assert db.session.scalar(sa.select(Expert).where(Expert.user_id == target.id)) is not None
    with transaction():
        admin.update_user(users["admin"], target.id, {"display_name": "刘洋", "organisation_code": "D530100CZ",
                                                      "roles": ["applicant"]})
    expert = db.session.scalar(sa.select(Expert).where(Expert.user_id == target.id))
    assert expert.active is False  # out of the pool, history kept
    assert _last_audit("user").payload["roles_before"] == ["applicant", "expert"]


def test_deactivated_user_cannot_sign_in_and_admin_cannot_lock_self_out(app, users):
    with transaction():
        admin.set_user_active(users["admin"], users["expert2"].id, {"active": False})
    with transaction():
        assert authenticate("expert2", "Pilot#2026", max_failures=5, lock_seconds=60) is None
    assert _last_audit("user").trigger == "admin_deactivate_user"
    with pytest.raises(Conflict):
        admin.set_user_active(users["admin"], users["admin"].id, {"active": False})
    with pytest.raises(Conflict):
        admin.update_user(users["admin"], users["admin"].id, {"display_name": "a", "organisation_code": "XXB",
                                                              "roles": ["office_reviewer"]})


def test_deactivating_an_account_revokes_its_tokens_for_good(app, users):
    """Deactivation ends the tokens, not only blocks them: reactivating the account later does
    not bring an old token back."""
    with transaction():
        _, secret = tokens.create_token(users["expert2"], {"name": "script"})
        _, other = tokens.create_token(users["expert3"], {"name": "script"})
    with transaction():
        admin.set_user_active(users["admin"], users["expert2"].id, {"active": False})
    with transaction():
        admin.set_user_active(users["admin"], users["expert2"].id, {"active": True})
    assert tokens.authenticate(secret) is None
    assert tokens.authenticate(other) is not None  # another account's tokens stand


def test_batch_quota_cannot_drop_below_approved_projects(app, users):
    f.project()
    batch = f.demo_batch()
    data = {"name": batch.name, "year": batch.year, "opens_on": batch.opens_on.isoformat(),
            "closes_on": batch.closes_on.isoformat(), "quota": 0}
    with pytest.raises(Invalid):
        admin.update_batch(users["admin"], batch.id, data)
    with pytest.raises(Invalid) as exc:
        admin.update_batch(users["admin"], batch.id, {**data, "quota": 1, "closes_on": "1999-01-01"})
    assert "closes_on" in exc.value.errors
    with transaction():
        admin.update_batch(users["admin"], batch.id, {**data, "quota": 1})
    assert db.session.get(Batch, batch.id).quota == 1
    assert admin.list_batches(users["admin"])[0][1] == 1
    rec = _last_audit("batch")
    assert rec.payload["before"]["quota"] == 50 and rec.payload["quota"] == 1


@pytest.mark.parametrize("opens, closes, field", [
    ("2031-03-01", "9999-12-31", "closes_on"),
    ("0001-01-01", "2031-06-30", "opens_on"),
    ("2029-12-31", "2031-06-30", "opens_on"),
    ("2031-03-01", "2033-01-01", "closes_on"),
])
def test_a_batch_is_open_in_its_year_or_a_year_either_side_and_nothing_else_is_written(app, users, opens, closes,
                                                                                        field):
    batches = db.session.scalar(sa.select(sa.func.count()).select_from(Batch))
    with pytest.raises(Invalid) as exc:
        admin.create_batch(users["admin"], {"name": "2031年度试点", "year": 2031, "opens_on": opens,
                                            "closes_on": closes, "quota": 40})
    assert set(exc.value.errors) == {field} and "2030" in exc.value.errors[field]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Batch)) == batches
    with transaction():  # the edges are in
        admin.create_batch(users["admin"], {"name": "2031年度试点", "year": 2031, "opens_on": "2030-01-01",
                                            "closes_on": "2032-12-31", "quota": 40})


def test_create_batch_and_plan_item(app, users):
    with transaction():
        b = admin.create_batch(users["admin"], {"name": "2031年度试点", "year": 2031, "opens_on": "2031-03-01",
                                                "closes_on": "2031-06-30", "quota": 40})
    assert b.opens_on == date(2031, 3, 1)
    with pytest.raises(Invalid):
        admin.create_batch(users["admin"], {"name": "2031年度试点", "year": 2031, "opens_on": "2031-03-01",
                                            "closes_on": "2031-06-30", "quota": 40})
    with transaction():
        item = admin.create_plan_item(users["admin"], {"code": "GH-99", "name": "司法协同平台",
                                                       "category": "collaborative", "domain": "judicial"})
    with transaction():
        admin.update_plan_item(users["admin"], item.id, {"code": "GH-99", "name": "司法协同平台",
                                                         "category": "collaborative", "domain": "judicial",
                                                         "active": False})
    assert item.active is False
    assert _last_audit("plan_item").trigger == "admin_update_plan_item"


def test_organisations_and_expert_pool(app, users):
    with transaction():
        org = admin.create_organisation(users["admin"], {"code": "D530102WJ", "name": "五华区卫生健康局",
                                                         "kind": "department", "division_code": "530102"})
    with pytest.raises(Invalid):
        admin.create_organisation(users["admin"], {"code": "X1", "name": "无此地", "kind": "department",
                                                   "division_code": "999999"})
    with transaction():
        admin.update_organisation(users["admin"], org.id, {"name": "五华区卫健局", "short_name": "五华卫健"})
    assert org.name == "五华区卫健局" and org.code == "D530102WJ"
    page = admin.list_organisations(users["admin"], q="五华区卫健")
    assert [o.code for o in page.items] == ["D530102WJ"]
    expert = admin.list_experts(users["admin"])[0]
    with transaction():
        admin.update_expert(users["admin"], expert.id, {"specialties": "大数据", "title": "研究员", "active": False})
    assert expert.active is False and expert.specialties == "大数据"
