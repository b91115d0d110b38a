"""Work done by the job worker, seen in a real browser: a document numbered by a decision shows
正在生成 until a worker has made it, and the page updates by itself; the mail settings and the
supervision board are reachable from the navigation."""
from __future__ import annotations

import pytest

from app.jobs import queue
from tests import factories
from tests.cluster.processes import Redis, run_worker_burst

pytestmark = pytest.mark.browser


@pytest.fixture
def queued(live_server, tmp_path):
    """The live server hands its jobs to a real redis-server, which no worker serves yet."""
    app, server = live_server.app, Redis(tmp_path).start()
    app.config["REDIS_URL"] = server.url
    queue.init_app(app)
    yield app
    app.config["REDIS_URL"] = ""
    queue.init_app(app)
    server.stop()


def test_a_document_being_generated_says_so_and_the_page_updates_when_a_worker_made_it(queued, sign_in, screenshot,
                                                                                        factory_jobs):
    with queued.app_context():
        project_id = factories.project()
    page = sign_in("wuhua_applicant")
    page.goto(f"/projects/{project_id}")
    badge = page.locator("[data-document-status-url]")
    assert badge.inner_text().strip() == "正在生成"
    assert page.get_by_role("link", name="下载 PDF").count() == 0
    screenshot(page, "50-document-being-generated")
    run_worker_burst(queued, queued.config["REDIS_URL"])  # a worker process takes the jobs: the 立项批复 is made
    page.get_by_role("link", name="下载 PDF").wait_for(timeout=15_000)  # the page reloaded by itself
    assert page.locator("[data-document-status-url]").count() == 0
    screenshot(page, "51-document-ready")


def test_mail_settings_and_the_supervision_board_are_reachable_from_the_navigation(sign_in, screenshot):
    page = sign_in("leader")
    page.get_by_role("link", name="电子监察").first.click()
    assert page.get_by_role("heading", name="电子监察").first.is_visible()
    screenshot(page, "52-supervision-board")
    page.get_by_role("link", name="邮件设置").first.click()
    assert page.locator("form").filter(has=page.locator("input[type=email]")).count() == 1
    screenshot(page, "53-mail-settings")
