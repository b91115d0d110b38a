"""The working-day calendar page in a real browser: an administrator enters a 调休 day and
sees it; the page fits a phone."""
from __future__ import annotations

import pytest

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def test_the_administrator_enters_a_day_and_the_page_fits_a_phone(sign_in, screenshot):
    page = sign_in("admin")
    page.goto("/admin/users")
    page.get_by_role("link", name="工作日历").first.click()
    assert page.get_by_role("heading", name="工作日历").is_visible()
    page.goto("/calendar/2027")
    page.fill("#f-date", "2027-02-20")
    page.select_option("#f-kind", "workday")
    page.fill("#f-name", "春节调休上班")
    page.get_by_role("button", name="保存").click()
    assert page.locator('tr[data-date="2027-02-20"]').is_visible()
    screenshot(page, "40-calendar-admin")
    phone = sign_in("office", viewport=PHONE)
    phone.goto("/calendar/2026")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the calendar scrolls sideways by {overflow}px on a phone"
    screenshot(phone, "41-calendar-phone")
