"""Demonstration projects on the pages: the shortlist and candidates (拟推荐), the domains they
cover, publishing a 公示, the public page anyone reads and objects on without signing in, the
Office's answer and the leader's confirmation."""
from __future__ import annotations

import re
from datetime import datetime, time

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import DemonstrationObjection, DemonstrationPublication, Project
from app.services.time.calendar import add_working_days
from tests import factories as f
from tests.web.web_client import User as Browser

OBJECTION = {"contact": "zhang@example.cn", "text": "该项目用户量远低于申报数据。"}


def objections() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(DemonstrationObjection))


def test_a_selection_is_a_candidate_and_the_list_goes_through_a_public_notice(app):
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=3)
    good_id, _ = f.graded("wuhua_applicant", score="92")
    weak_id, _ = f.graded("dali_applicant", score="65")        # qualified only: not shortlisted
    leader, office, public = Browser(app, "leader"), Browser(app, "office"), Browser(app)

    page = leader.get("/demonstration/").text
    assert f'data-project="{good_id}"' in page and f'data-project="{weak_id}"' not in page
    assert 'data-testid="uncovered"' in page  # an eligible project's domain has none selected
    assert 'data-trigger="select_demonstration"' not in office.get("/demonstration/").text  # the leader's call
    assert leader.act("project", good_id, "select_demonstration", {"opinion": "成效显著，拟推荐。"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Project, good_id).state.value == "candidate"
    page = leader.get("/demonstration/").text
    assert 'data-testid="uncovered"' not in page and 'data-trigger="deselect_demonstration"' in page
    status = Browser(app, "wuhua_applicant", lang="en").get(f"/projects/{good_id}").text
    assert "Proposed as a demonstration project" in status and "Selected as a demonstration" not in status

    assert public.get("/public/demonstration").status_code == 200  # nothing published yet, still no login
    assert leader.post("/demonstration/publish", {"opinion": "公示", "notice_days": "3"}).status_code == 302
    publication = db.session.scalar(sa.select(DemonstrationPublication))
    assert publication.notice_ends_on == add_working_days(clock.today(), 3)
    ends = publication.notice_ends_on.isoformat()  # the agency reads it among its notifications
    told = Browser(app, "wuhua_applicant").get("/notifications").text
    assert "项目已列入示范项目名单公示" in told and f"异议受理截止日期：{ends}。" in told
    told = Browser(app, "wuhua_applicant", lang="en").get("/notifications").text
    assert "On the demonstration list under public notice (公示)" in told and f"until {ends}." in told
    assert "公示" not in Browser(app, "dali_applicant").get("/notifications").text

    shown = public.get("/public/demonstration")
    name = db.session.get(Project, good_id).name
    assert shown.status_code == 200 and name in shown.text and 'name="contact"' in shown.text
    assert db.session.get(Project, good_id).code not in shown.text  # nothing beyond what a 公示 shows
    english = Browser(app, lang="en").get("/public/demonstration").text
    assert "File an objection" in english

    no_contact = public.post("/public/demonstration", {"text": "无联系方式"})
    assert no_contact.status_code == 422 and 'id="f-contact-error"' in no_contact.text
    assert public.client.post("/public/demonstration", data=OBJECTION).status_code == 400  # no CSRF token
    assert objections() == 0
    filed = public.post("/public/demonstration", {**OBJECTION, "project_id": str(good_id)})
    assert filed.status_code == 302 and objections() == 1
    objection_id = db.session.scalar(sa.select(DemonstrationObjection.id))

    assert Browser(app, "wuhua_applicant").get(f"/demonstration/objections/{objection_id}").status_code == 404
    assert Browser(app, "wuhua_applicant").get(f"/demonstration/lists/{publication.id}").status_code == 404
    listed = office.get(f"/demonstration/lists/{publication.id}").text
    assert OBJECTION["contact"] in listed and f'data-objection="{objection_id}"' in listed
    assert f"/demonstration/objections/{objection_id}" in office.get("/inbox").text
    answered = office.act("demonstration_objection", objection_id, "answer_objection",
                          {"opinion": "经核实，用户量数据无误。"})
    assert answered.status_code == 302
    assert "经核实" in office.get(f"/demonstration/objections/{objection_id}").text

    refused = leader.act("demonstration_list", publication.id, "confirm_list", {"opinion": "确认"})
    assert refused.status_code == 409  # the notice period has not ended
    clock.set_now(datetime.combine(add_working_days(publication.notice_ends_on, 1), time(9), tzinfo=clock.BEIJING))
    late = public.post("/public/demonstration", OBJECTION)
    assert late.status_code == 409 and objections() == 1
    assert leader.act("demonstration_list", publication.id, "confirm_list", {"opinion": "确认"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Project, good_id).state.value == "demonstration"
    final = Browser(app, lang="en").get("/public/demonstration").text
    assert "Final list of demonstration projects" in final and name in final
    assert re.search(r"1 objections? received, 1 answered", final)
    assert 'name="contact"' not in final


def test_only_the_office_and_leaders_see_the_shortlist(app):
    f.graded("wuhua_applicant")
    assert Browser(app, "wuhua_applicant").get("/demonstration/").status_code == 403
    assert Browser(app, "expert2").get("/demonstration/").status_code == 403
    before = db.session.scalar(sa.select(sa.func.count()).select_from(DemonstrationPublication))
    refused = Browser(app, "office").post("/demonstration/publish", {"opinion": "x"})
    assert refused.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DemonstrationPublication)) == before
    empty = Browser(app, "wuhua_applicant").get("/demonstration/published")
    assert empty.status_code == 200


def test_hostile_objections_are_never_a_server_error(app):
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=3)
    leader = Browser(app, "leader")
    project_id, _ = f.graded("wuhua_applicant", score="92")
    leader.act("project", project_id, "select_demonstration", {"opinion": "拟推荐"})
    assert leader.post("/demonstration/publish", {"opinion": "公示"}).status_code == 302
    public = Browser(app)
    for data in ({"project_id": "9" * 40, **OBJECTION}, {"project_id": "-1", **OBJECTION},
                 {"project_id": "abc", **OBJECTION}, {"contact": "x" * 5000, "text": "t"},
                 {"contact": "a", "text": "t" * 100000}, {"contact": "\x00", "text": "\x00"},
                 {"project_id": "99999", **OBJECTION}):
        response = public.post("/public/demonstration", data)
        assert response.status_code in (400, 413, 422), (data.keys(), response.status_code)
    assert objections() == 0


def test_a_refusal_on_the_error_page_names_the_field_by_its_label_never_its_code(app):
    app.config.update(DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=3)
    project_id, _ = f.graded("wuhua_applicant", score="92")
    for lang, label in (("en", "Public notice period (working days)"), ("zh_CN", "公示期（工作日）")):
        leader = Browser(app, "leader", lang=lang)
        leader.act("project", project_id, "select_demonstration", {"opinion": "拟推荐"})
        refused = leader.post("/demonstration/publish", {"opinion": "公示", "notice_days": "99"})
        assert refused.status_code == 422
        assert f"<strong>{label}</strong>" in refused.text and "notice_days" not in refused.text
    office = Browser(app, "office", lang="en")
    refused = office.post("/evaluations/open", {"period": "x", "confirmed": "yes"})
    assert refused.status_code == 422 and "Name the period, e.g. 2027 or 2027H1." in refused.text
    assert "<strong>period</strong>" not in refused.text  # no label of its own: the message stands alone
