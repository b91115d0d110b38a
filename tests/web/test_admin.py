"""Administration pages: only administrators; users, roles and activation, organisations,
batches with their quota, the plan catalogue and the expert pool."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Batch, Expert, Organisation, PlanItem, Role, User
from tests import factories as f
from tests.web.web_client import User as Browser

PAGES = ("/admin/users", "/admin/users/new", "/admin/organisations", "/admin/batches", "/admin/plan",
         "/admin/experts", "/admin/users/1", "/admin/batches/1", "/admin/plan/1", "/admin/experts/1")


@pytest.mark.parametrize("username", ["office", "leader", "wuhua_applicant", "expert1"])
def test_only_administrators_reach_the_admin_pages(app, username):
    b = Browser(app, username)
    for url in PAGES:
        assert b.get(url).status_code == 403, url
    assert b.post("/admin/batches", {"name": "x", "year": "2030", "opens_on": "2030-01-01",
                                     "closes_on": "2030-12-31", "quota": "5"}).status_code == 403


def test_admin_pages_render(app):
    b = Browser(app, "admin")
    for url in PAGES:
        assert b.get(url).status_code == 200, url


def test_create_a_user_with_roles_and_deactivate_them(app):
    b = Browser(app, "admin")
    bad = b.post("/admin/users/new", {"username": "reviewer2", "password": "short", "display_name": "新经办人",
                                      "organisation_code": "XXB", "roles": ["office_reviewer"]})
    assert bad.status_code == 422 and 'id="f-password-error"' in bad.text
    ok = b.post("/admin/users/new", {"username": "reviewer2", "password": "Review#2026", "display_name": "新经办人",
                                     "organisation_code": "XXB", "roles": ["office_reviewer", "leader"]})
    assert ok.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "reviewer2"))
    assert user.roles == {Role.OFFICE_REVIEWER, Role.LEADER}

    assert b.post(f"/admin/users/{user.id}", {"display_name": "新经办人", "organisation_code": "XXB",
                                              "roles": ["office_reviewer"]}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).roles == {Role.OFFICE_REVIEWER}

    assert b.post(f"/admin/users/{user.id}/active", {"active": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).active is False
    row = Browser(app, "admin", lang="en").get("/admin/users?q=reviewer2").text.split('data-username="reviewer2"')[1]
    assert "Deactivated" in row.split("</tr>")[0]


def test_batches_and_their_quota(app):
    f.project()
    b = Browser(app, "admin")
    assert b.post("/admin/batches", {"name": "2031年度试点", "year": "2031", "opens_on": "2031-03-01",
                                     "closes_on": "2031-02-01", "quota": "40"}).status_code == 422
    assert b.post("/admin/batches", {"name": "2031年度试点", "year": "2031", "opens_on": "2031-03-01",
                                     "closes_on": "2031-06-30", "quota": "40"}).status_code == 302
    assert db.session.scalar(sa.select(Batch.quota).where(Batch.name == "2031年度试点")) == 40
    demo = f.demo_batch()
    data = {"name": demo.name, "year": str(demo.year), "opens_on": demo.opens_on.isoformat(),
            "closes_on": demo.closes_on.isoformat(), "quota": "0"}
    r = b.post(f"/admin/batches/{demo.id}", data)
    assert r.status_code == 422 and 'id="f-quota-error"' in r.text


def test_plan_catalogue_organisations_and_expert_pool(app):
    b = Browser(app, "admin")
    assert b.post("/admin/plan", {"code": "GH-20", "name": "司法协同办案平台", "category": "collaborative",
                                  "domain": "judicial", "active": "1"}).status_code == 302
    item = db.session.scalar(sa.select(PlanItem).where(PlanItem.code == "GH-20"))
    assert item.active
    assert b.post(f"/admin/plan/{item.id}", {"code": "GH-20", "name": "司法协同办案平台", "category": "collaborative",
                                             "domain": "judicial"}).status_code == 302  # box unticked: retired
    db.session.expire_all()
    assert db.session.get(PlanItem, item.id).active is False

    assert b.post("/admin/organisations", {"code": "D530102WJ", "name": "五华区卫生健康局", "kind": "department",
                                           "division_code": "530102"}).status_code == 302
    org = db.session.scalar(sa.select(Organisation).where(Organisation.code == "D530102WJ"))
    assert b.post(f"/admin/organisations/{org.id}", {"name": "五华区卫健局", "short_name": ""}).status_code == 302
    assert "五华区卫健局" in b.get("/admin/organisations?q=D530102WJ").text

    expert = db.session.scalar(sa.select(Expert).order_by(Expert.id).limit(1))
    assert b.post(f"/admin/experts/{expert.id}", {"specialties": "大数据,云计算", "title": "教授"}).status_code == 302
    db.session.expire_all()
    expert = db.session.get(Expert, expert.id)
    assert expert.specialties == "大数据,云计算" and expert.active is False
    assert "大数据,云计算" in b.get("/admin/experts").text


def test_the_user_form_sets_and_clears_the_email_address_and_refuses_a_bad_one(app):
    b = Browser(app, "admin")
    account = {"display_name": "新经办人", "organisation_code": "XXB", "roles": ["office_reviewer"]}
    bad_new = b.post("/admin/users/new", {"username": "reviewer3", "password": "Review#2026",
                                          "email": "not-an-address", **account})
    assert bad_new.status_code == 422 and 'id="f-email-error"' in bad_new.text
    assert db.session.scalar(sa.select(User.id).where(User.username == "reviewer3")) is None
    assert b.post("/admin/users/new", {"username": "reviewer3", "password": "Review#2026",
                                       "email": " reviewer3@example.gov.cn ", **account}).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "reviewer3"))
    assert user.email == "reviewer3@example.gov.cn"
    assert 'value="reviewer3@example.gov.cn"' in b.get(f"/admin/users/{user.id}").text

    bad = b.post(f"/admin/users/{user.id}", {**account, "display_name": "改了名", "email": "a@b@c<script>"})
    assert bad.status_code == 422 and 'id="f-email-error"' in bad.text and "<script>" not in bad.text
    db.session.expire_all()
    assert (user.display_name, user.email) == ("新经办人", "reviewer3@example.gov.cn")  # nothing written
    assert b.post(f"/admin/users/{user.id}", {**account, "email": "new@example.gov.cn"}).status_code == 302
    db.session.expire_all()
    assert user.email == "new@example.gov.cn"
    assert b.post(f"/admin/users/{user.id}", {**account, "email": ""}).status_code == 302
    db.session.expire_all()
    assert user.email is None


def test_the_expert_form_sets_the_specialist_domains_and_refuses_an_unknown_one(app):
    b = Browser(app, "admin")
    expert = db.session.scalar(sa.select(Expert).join(User).where(User.username == "expert2"))
    page = b.get(f"/admin/experts/{expert.id}").text
    assert 'name="domains" value="finance"' in page and "财政管理" in page
    r = b.post(f"/admin/experts/{expert.id}", {"specialties": "软件工程", "title": "教授", "active": "1",
                                               "domains": ["finance", "nonsense"]})
    assert r.status_code == 422
    db.session.expire_all()
    assert db.session.get(Expert, expert.id).domains == []
    assert b.post(f"/admin/experts/{expert.id}", {"specialties": "软件工程", "title": "教授", "active": "1",
                                                  "domains": ["finance", "credit"]}).status_code == 302
    db.session.expire_all()
    assert [d.value for d in db.session.get(Expert, expert.id).domains] == ["credit", "finance"]
    assert "财政管理" in b.get("/admin/experts").text
    assert Browser(app, "office").get(f"/admin/experts/{expert.id}").status_code == 403


def _date_bounds(html: str, name: str) -> tuple[str, str]:
    tag = html.split(f'name="{name}"')[1].split(">")[0]
    return tag.split('min="')[1].split('"')[0], tag.split('max="')[1].split('"')[0]


def test_a_batchs_date_pickers_offer_only_its_filing_period(app):
    """The date inputs stop where the server would refuse: a batch's year or a year either side;
    before a year is chosen, any batch's years (2000–2100) or a year either side."""
    b = Browser(app, "admin")
    blank = b.get("/admin/batches").text
    assert _date_bounds(blank, "opens_on") == _date_bounds(blank, "closes_on") == ("1999-01-01", "2101-12-31")
    demo = f.demo_batch()
    page = b.get(f"/admin/batches/{demo.id}").text
    assert _date_bounds(page, "opens_on") == (f"{demo.year - 1}-01-01", f"{demo.year + 1}-12-31")
    refused = b.post("/admin/batches", {"name": "2031年度试点", "year": "2031", "opens_on": "2035-03-01",
                                        "closes_on": "2035-06-30", "quota": "40"})
    assert refused.status_code == 422 and 'id="f-opens_on-error"' in refused.text
    assert _date_bounds(refused.text, "closes_on") == ("2030-01-01", "2032-12-31")
    assert "2030年至2032年" in refused.text  # the message names the same years
