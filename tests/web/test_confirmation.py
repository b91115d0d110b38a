"""Actions are real buttons, and destructive or bulk steps are confirmed — also without JavaScript.

A step that needs input is a <button> that opens its form (GET the step's own page without
script; static/js/forms.js unfolds it in place). A destructive step (Step.confirm: 撤回,
不予受理, 不予批准, 终止) carries a required confirmation box naming the item; the server refuses
the step without it (422) and writes nothing. Opening all of a year's mid-term checks or a
period's evaluations first shows how many projects it touches, and only a second, confirmed post
opens them."""
from __future__ import annotations

import re

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import Application, AuditRecord, Evaluation, MidtermCheck
from tests import factories as f
from tests.web.web_client import User as Browser
from workflows import FLOWS


def _audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditRecord))


def test_the_destructive_steps_are_declared_once_in_the_flows():
    confirmed = {(flow.name, s.trigger) for flow in FLOWS.values() for s in flow.steps if s.confirm}
    assert confirmed == {("application", "withdraw"), ("application", "refuse"), ("application", "leader_reject"),
                         ("application", "re_review_reject"), ("project", "terminate"),
                         ("midterm_check", "terminate_project"), ("acceptance", "recuse"),
                         ("change_request", "reject"), ("change_request", "withdraw"),
                         ("funding_request", "reject_funding")}


def test_each_action_is_a_button_named_for_its_step_that_opens_its_form(app):
    app_id = f.endorsed(name="五华区政务服务一网通办平台")
    page = Browser(app, "office").get(f"/applications/{app_id}").text
    for trigger, name in (("pass_initial_review", "初审通过"), ("return_for_revision", "退回修改"), ("refuse", "不予受理")):
        panel = f"act-application-{app_id}-{trigger}"
        button = re.search(rf'<form method="get" class="opener" action="/act/application/{app_id}/{trigger}" novalidate>'
                           rf'\s*<input type="hidden" name="next" value="/applications/{app_id}">'
                           rf'\s*<button type="submit" class="btn \w+" data-opens="{panel}" aria-controls="{panel}"'
                           rf' aria-expanded="false">{name}</button>', page)
        assert button, trigger
        assert f'<div class="action-panel" id="{panel}" hidden>' in page
    # without script the button GETs the step's own page: the same form, ready to fill
    own = Browser(app, "office").get(f"/act/application/{app_id}/refuse?next=/applications/{app_id}")
    assert own.status_code == 200 and 'name="confirmed"' in own.text and "五华区政务服务一网通办平台" in own.text


def test_a_destructive_step_without_its_confirmation_writes_nothing(app):
    app_id = f.draft(name="五华区社区服务平台")
    applicant = Browser(app, "wuhua_applicant")
    page = applicant.get(f"/applications/{app_id}").text
    form = re.search(r'<form method="post" action="/act/application/\d+/withdraw"[^>]*>', page).group(0)
    assert 'data-confirm="“撤回申报”将作用于 1 个项目「五华区社区服务平台」，且不可撤销。确定吗？"' in form

    before = (db.session.get(Application, app_id).version, _audit_count())
    refused = applicant.act("application", app_id, "withdraw", {"opinion": "不再申报"})
    assert refused.status_code == 422
    assert "请勾选确认框后再执行此操作。" in refused.text
    field = f"f-application-{app_id}-withdraw-confirmed"
    assert re.search(rf'<input id="{field}" name="confirmed" required aria-required="true" aria-invalid="true" '
                     rf'aria-describedby="{field}-error" type="checkbox" value="yes">', refused.text)
    assert "不再申报" in refused.text  # what was typed comes back
    db.session.expire_all()
    assert (db.session.get(Application, app_id).version, _audit_count()) == before
    assert db.session.get(Application, app_id).state.value == "draft"

    done = applicant.act("application", app_id, "withdraw", {"opinion": "不再申报", "confirmed": "yes"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, app_id).state.value == "withdrawn"


def test_opening_all_mid_term_checks_says_how_many_first(app):
    f.project("wuhua_applicant")
    f.project("dali_applicant", name="大理农业补贴信息系统")
    year = clock.today().year
    office = Browser(app, "office")
    ask = office.post("/projects/checks/open", {"year": str(year)})
    assert ask.status_code == 200
    assert f"将为 2 个项目启动 {year} 年中期检查，确定吗？" in ask.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MidtermCheck)) == 0
    assert re.search(r'<input type="hidden" name="confirmed" value="yes">', ask.text)
    assert office.post("/projects/checks/open", {"year": str(year), "confirmed": "yes"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MidtermCheck)) == 2
    again = office.post("/projects/checks/open", {"year": str(year)})
    assert again.status_code == 200 and 'data-count="0"' in again.text and 'name="confirmed"' not in again.text
    assert Browser(app, "wuhua_applicant").post("/projects/checks/open", {"year": str(year)}).status_code == 403
    en = Browser(app, "office", lang="en").post("/projects/checks/open", {"year": str(year + 1)})
    assert f"This opens the {year + 1} mid-term check for 2 projects. Continue?" in en.text


def test_opening_a_periods_evaluations_says_how_many_first(app):
    f.accepted("wuhua_applicant")
    period = f"{clock.today().year + 1}H1"
    office = Browser(app, "office")
    ask = office.post("/evaluations/open", {"period": period})
    assert ask.status_code == 200 and f"将为 1 个项目启动 {period} 期绩效评估，确定吗？" in ask.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 0
    assert office.post("/evaluations/open", {"period": period, "confirmed": "yes"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 1
    assert office.post("/evaluations/open", {"period": "x"}).status_code == 422  # the server's own message
