"""The layout in a real browser: Chinese by default with a working language switch, fits an
office screen and a phone, loads nothing from the internet, and hides other agencies' items."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def _files_one(live_server):
    from tests import factories

    with live_server.app.app_context():
        return factories.submitted("kunming_applicant", name="昆明市财政预算执行监控系统")


def test_the_language_switch_turns_every_page_english_and_back(sign_in, screenshot):
    page = sign_in("office")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("link", name="我的待办").is_visible()
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="My tasks").is_visible()
    page.get_by_role("link", name="Applications").click()
    assert page.get_by_role("heading", name="Applications").is_visible()
    screenshot(page, "10-applications-list-english")
    page.get_by_role("button", name="中文").click()
    assert page.get_by_role("heading", name="申报项目").is_visible()


def test_pages_fit_a_phone_without_sideways_scrolling(sign_in, screenshot, live_server):
    app_id = _files_one(live_server)
    page = sign_in("kunming_office", viewport=PHONE)
    for path, name in (("/inbox", "11-phone-inbox"), (f"/applications/{app_id}", "12-phone-application"),
                       ("/applications/", "13-phone-list")):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"
        screenshot(page, name)


def test_nothing_is_loaded_from_the_internet(sign_in, live_server):
    requested: list[str] = []
    page = sign_in(None)
    page.on("request", lambda request: requested.append(request.url))
    page.fill("#username", "leader")
    page.fill("#password", "Pilot#2026")
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/inbox")
    for path in ("/applications/", "/quota", "/notifications"):
        page.goto(path)
    assert requested and all(url.startswith(live_server.url) for url in requested), requested


def test_another_agencys_application_is_not_found_by_url(sign_in, live_server, screenshot):
    app_id = _files_one(live_server)
    page = sign_in("wuhua_applicant")
    response = page.goto(f"/applications/{app_id}")
    assert response.status == 404
    assert "未找到" in page.locator("h1").inner_text()
    screenshot(page, "14-not-found")


def test_a_wrong_password_says_so_and_the_form_is_labelled(sign_in, screenshot):
    page = sign_in(None)
    assert page.get_by_label("用户名").is_visible() and page.get_by_label("密码").is_visible()
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    assert "用户名或密码错误" in page.locator(".flash.error").inner_text()
    screenshot(page, "00-sign-in")
