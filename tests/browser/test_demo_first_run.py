"""The demo's first run, as a new user sees it: a server over a database loaded with
`flask demo load` (two years of history), the account `flask demo waiting` says to start with,
its inbox with overdue items and the dashboard's charts drawn with real figures
(test-artifacts/inbox-first-run.png, test-artifacts/dashboard-first-run.png)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from app.demo.waiting import first_account, waiting
from app.factory import create_app
from tests import databases
from tests.browser.conftest import ROOT, serving, signed_in

pytestmark = pytest.mark.browser
SCREENSHOT = ROOT / "test-artifacts" / "dashboard-first-run.png"
CHARTS = ("applications", "projects", "prefectures", "categories", "domains", "days")


@pytest.fixture(scope="module")
def demo_server(template_database, tmp_path_factory, pki_dir):
    work = tmp_path_factory.mktemp("demo-first-run")
    with databases.clone(template_database, "demo", work) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "browser-tests",
                          "UPLOAD_DIR": str(work / "uploads"), "DOCUMENT_DIR": str(work / "documents"),
                          "PKI_DIR": str(pki_dir), "AUDIT_ANCHOR_DIR": str(work / "audit-anchors")})
        # In a thread of its own: the browser's event loop may already run in this one, and the
        # story signs its acceptance reports with asyncio.run().
        with ThreadPoolExecutor(1) as thread:
            loaded = thread.submit(app.test_cli_runner().invoke, args=["demo", "load"]).result()
        assert loaded.exit_code == 0 and "History: two programme years told" in loaded.output, loaded.output
        with app.app_context():
            start = first_account(waiting()).username
        with serving(app) as server:
            server.start_with = start
            yield server


def test_the_first_account_finds_a_dashboard_with_every_chart_drawn(demo_server, browser):
    assert demo_server.start_with == "office"
    page = signed_in(browser, demo_server.url, demo_server.start_with)
    try:
        assert page.locator("main tr.overdue").count() >= 2  # the inbox marks what is overdue
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT.with_name("inbox-first-run.png")), full_page=True)
        page.goto("/dashboard/")
        page.wait_for_selector("#chart-days[data-drawn='true']")
        assert int(page.get_by_test_id("total-applications").inner_text()) >= 30
        assert int(page.get_by_test_id("total-projects").inner_text()) >= 10
        for chart in CHARTS:
            drawn = page.evaluate("""id => {
                const canvas = document.getElementById(id);
                const total = canvas.chart.data.datasets.flatMap(d => d.data).reduce((a, b) => a + Number(b), 0);
                const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                let painted = 0;
                for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
                return {drawn: canvas.dataset.drawn, total, painted};
            }""", f"chart-{chart}")
            assert drawn["drawn"] == "true" and drawn["total"] > 0 and drawn["painted"] > 1000, (chart, drawn)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
    finally:
        page.context.close()
