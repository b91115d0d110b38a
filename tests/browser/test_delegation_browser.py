"""Delegation (代理) in a real browser, in Chinese: the leader designates the Office reviewer as
proxy; the proxy finds the leader's approval in their inbox marked 代录, approves it from the
item's page; the history names both; the leader sees it listed and revokes the delegation."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.browser.conftest import act

pytestmark = pytest.mark.browser
NAME = "五华区社区服务平台-代理审批"


def test_a_leader_designates_a_proxy_who_enters_the_leaders_approval(sign_in, live_server, screenshot):
    from app import clock
    from app.database import transaction
    from app.services.commands import perform
    from tests import factories

    with live_server.app.app_context():
        app_id = factories.endorsed("wuhua_applicant", name=NAME)
        with transaction():
            perform(factories.user("office"), "application", app_id, "pass_initial_review", {"opinion": "初审通过"})
        today = clock.today()

    # the leader designates 李明 as proxy for three days
    leader = sign_in("leader")
    leader.get_by_role("link", name="代理", exact=True).click()
    leader.select_option("#f-proxy", "office")
    leader.fill("#f-starts_on", today.isoformat())
    leader.fill("#f-ends_on", (today + timedelta(days=3)).isoformat())
    screenshot(leader, "80-designate-proxy")
    leader.get_by_role("button", name="指定", exact=True).click()
    assert "已指定代理人" in leader.locator(".flash.success").inner_text()
    row = leader.locator("tr[data-delegation]").first
    assert "李明" in row.inner_text() and "生效中" in row.inner_text()

    # the proxy finds the leader's approval in the inbox, marked 代录, and enters it
    proxy = sign_in("office")
    task = proxy.locator("tr", has_text=NAME)
    assert "代王华（省信息办主任）录入" in task.inner_text()
    screenshot(proxy, "81-proxy-inbox")
    task.get_by_role("link", name=re.compile(NAME)).click()
    button = proxy.locator(".action[data-trigger='leader_approve'] button[data-opens]")
    assert button.inner_text() == "审批同意（代王华（省信息办主任）录入）"
    act(proxy, "leader_approve", "同意（电话批示）")
    assert proxy.locator(".page-head .badge").first.inner_text() == "复审"
    assert "王华（省信息办主任） 批示，李明（省信息办） 代录" in proxy.locator("ol.timeline").inner_text()
    screenshot(proxy, "82-history-both-names")

    # the leader sees what was entered on their behalf, and revokes the delegation
    leader.goto("/delegations/")
    entered = leader.locator("tr[data-entered]").first
    assert "审批同意" in entered.inner_text() and "李明" in entered.inner_text()
    leader.locator("tr[data-delegation]").first.get_by_role("button", name="撤销代理").click()
    assert "代理已撤销" in leader.locator(".flash.success").inner_text()
    assert "已撤销" in leader.locator("tr[data-delegation]").first.inner_text()
    screenshot(leader, "83-delegation-revoked")
