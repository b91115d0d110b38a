"""The Content-Security-Policy blocks nothing the product itself needs: every page family,
the dashboard's charts (vendored Chart.js) and the API reference work with no inline script
allowed, and Chromium reports no violation."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# Chromium's own record of every violation, installed before any page script runs.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline")));
"""


def test_no_page_trips_the_content_security_policy(sign_in, live_server, screenshot):
    from tests import factories

    with live_server.app.app_context():
        app_id = factories.submitted("wuhua_applicant", name="五华区政务服务一网通办平台")
    page = sign_in("office")
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(f"page error: {error}"))

    for path in ("/inbox", "/applications/", f"/applications/{app_id}", "/quota", "/projects/", "/acceptances/",
                 "/evaluations/", "/demonstration/", "/settings/tokens", "/api/v1/docs", "/verify",
                 "/applications/999999", "/dashboard/"):
        response = page.goto(path)
        assert "'unsafe-inline'" not in response.headers["content-security-policy"].split("script-src")[1].split(";")[0]
        assert page.evaluate("window.__csp") == [], (path, page.evaluate("window.__csp"))

    page.wait_for_selector("canvas[data-drawn='true']")  # Chart.js ran from static/vendor
    screenshot(page, "60-dashboard-under-csp")
    page.get_by_role("button", name="English").click()  # forms still post (form-action 'self')
    assert page.locator("html").get_attribute("lang") == "en"
    blocked = [text for text in console if "Content Security Policy" in text or text.startswith("page error")]
    assert not blocked, blocked
