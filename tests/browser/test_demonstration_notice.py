"""The demonstration 公示 in a real browser: the leader proposes a project and publishes the
list, an anonymous visitor objects on the public page (a contact is required), the Office answers
in its inbox, and the leader — the clock moved past the notice period — confirms the list, which
the public page then shows as final."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import sqlalchemy as sa

from app import clock
from app.services.time.calendar import add_working_days
from tests import factories
from tests.browser.conftest import act, open_action

pytestmark = pytest.mark.browser


def _in_app(live_server, fn):
    from app.extensions import db

    with live_server.app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def test_a_public_notice_with_an_objection_answered_and_the_list_confirmed(sign_in, screenshot, live_server):
    from app.models import DemonstrationObjection, DemonstrationPublication, Project

    with ThreadPoolExecutor(1) as pool:  # signing runs asyncio.run(): not in Playwright's loop's thread
        project_id = pool.submit(_in_app, live_server, lambda s: factories.graded("kunming_applicant", "93")[0]).result()
    name = _in_app(live_server, lambda s: s.get(Project, project_id).name)
    config = live_server.app.config
    low = config["DEMONSTRATION_MIN"]

    leader = sign_in("leader")
    leader.goto("/demonstration/")
    form = open_action(leader, "select_demonstration", within=leader.locator(f"tr[data-project='{project_id}']"))
    form.locator("textarea[name='opinion']").fill("成效显著，拟推荐为示范项目。")
    form.locator("button[type=submit]").click()
    assert leader.locator(".flash.success").count() == 1
    assert leader.locator(f"tr[data-selected='{project_id}']").count() == 1
    config["DEMONSTRATION_MIN"] = _in_app(live_server, lambda s: s.scalar(sa.select(sa.func.count(Project.id)).where(
        Project.state.in_(("candidate", "demonstration")))))
    try:
        leader.fill("#f-notice_days", "5")
        leader.fill("#f-opinion", "拟推荐名单予以公示。")
        leader.locator("form[action='/demonstration/publish'] button[type=submit]").click()
        assert leader.locator(".flash.success").count() == 1
    finally:
        config["DEMONSTRATION_MIN"] = low
    list_id = _in_app(live_server, lambda s: s.scalar(sa.select(sa.func.max(DemonstrationPublication.id))))
    ends = _in_app(live_server, lambda s: s.get(DemonstrationPublication, list_id).notice_ends_on)

    visitor = sign_in(None)  # nobody signed in
    visitor.goto("/public/demonstration")
    assert name in visitor.locator("[data-testid='public-list']").inner_text()
    screenshot(visitor, "demonstration-01-public-notice")
    visitor.select_option("#f-project_id", str(project_id))
    visitor.fill("#f-text", "该项目推广范围有限，建议核实。")
    visitor.locator("form[action='/public/demonstration'] button[type=submit]").click()
    assert visitor.locator("#f-contact-error").count() == 1  # a contact is required: nothing recorded
    visitor.fill("#f-contact", "0871-63100000")
    visitor.locator("form[action='/public/demonstration'] button[type=submit]").click()
    assert visitor.locator(".flash.success").count() == 1
    objection_id = _in_app(live_server, lambda s: s.scalar(sa.select(sa.func.max(DemonstrationObjection.id))))

    office = sign_in("office")
    office.goto("/inbox")
    office.locator(f"a[href='/demonstration/objections/{objection_id}']").first.click()
    assert "0871-63100000" in office.locator("[data-testid='contact']").inner_text()
    act(office, "answer_objection", "经核实，该项目已在全市推广使用。")
    assert office.locator(".flash.success").count() == 1
    assert "经核实" in office.locator("[data-testid='answer']").inner_text()

    leader.goto(f"/demonstration/lists/{list_id}")
    assert leader.locator(".action[data-trigger='confirm_list']").count() == 0  # not before the period ends
    day = _in_app(live_server, lambda s: add_working_days(ends, 1))  # the notice period is over
    with clock.frozen(datetime(day.year, day.month, day.day, 9, tzinfo=clock.BEIJING)):
        leader.goto(f"/demonstration/lists/{list_id}")
        act(leader, "confirm_list", "公示期满，异议已答复，确认最终名单。")
        assert leader.locator(".flash.success").count() == 1
        visitor.goto("/public/demonstration")
        final = visitor.locator("main").inner_text()
        assert "示范项目最终名单" in final and name in final
        screenshot(visitor, "demonstration-02-final-list")
    assert _in_app(live_server, lambda s: s.get(Project, project_id).state.value) == "demonstration"
