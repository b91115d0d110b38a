"""Browser tests: the real app on a real HTTP server (127.0.0.1, a thread) over a migrated
database with the demo data, driven by Debian's Chromium through Playwright — one server per
test session and one browser for the browser tests. Screenshots go to test-artifacts/screenshots (printed at the end).
axe-core audits every page the tests visit (tests/browser/axe.py): a serious or critical finding
fails the test; every finding is written to test-artifacts/axe/.

Fixtures for every browser test:
  live_server            .url, .app (use ``with live_server.app.app_context():`` for factories)
  browser                the shared headless Chromium
  sign_in(username, lang=None, viewport=None) -> Page   a fresh browser context, signed in
  screenshot(page, name) -> Path                         a full-page PNG in the screenshots folder
"""
from __future__ import annotations

import logging
import shutil
import threading
from contextlib import contextmanager, suppress
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
from werkzeug.serving import make_server

from app.demo.seed import DEMO_PASSWORD
from app.factory import create_app
from tests import databases
from tests.browser import axe

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
OFFICE_SCREEN = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
_taken: list[Path] = []


def pytest_collection_modifyitems(items):
    browsing = False
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            browsing = True
    if browsing:
        axe.install()
        axe.start_report()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a browser test: audit the pages it left too soon, write its findings, and fail it
    on any serious or critical one (a test that failed already keeps its own error)."""
    try:
        result = yield
    except BaseException:
        axe.write(item.nodeid, axe.finish())
        raise
    audits = axe.finish()
    axe.write(item.nodeid, audits)
    serious = audits.serious()
    if serious:
        raise AssertionError("axe-core found serious or critical problems:\n" + axe.describe(serious))
    return result


def pytest_terminal_summary(terminalreporter):
    if _taken:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"{len(_taken)} screenshots in {SCREENSHOTS}")
    pages, counts = axe.totals()
    if pages:
        terminalreporter.write_sep("-", "axe-core")
        terminalreporter.write_line(
            f"{pages} pages audited: {counts['critical']} critical, {counts['serious']} serious, "
            f"{counts['moderate']} moderate, {counts['minor']} minor findings ({axe.REPORTS})")


@pytest.fixture(scope="session")
def live_database(template_database, tmp_path_factory):
    """A database of its own for the live server, cloned from the template."""
    with databases.clone(template_database, "live", tmp_path_factory.mktemp("live")) as url:
        yield url


@contextmanager
def serving(app) -> Iterator[SimpleNamespace]:
    """Serve ``app`` on 127.0.0.1 (a free port, a thread) for the duration of the block."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log in the test output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_database, tmp_path_factory, pki_dir):
    work = tmp_path_factory.mktemp("live-files")
    app = create_app({"SQLALCHEMY_DATABASE_URI": live_database, "SECRET_KEY": "browser-tests",
                      "UPLOAD_DIR": str(work / "uploads"), "DOCUMENT_DIR": str(work / "documents"),
                      "PKI_DIR": str(pki_dir), "AUDIT_ANCHOR_DIR": str(work / "audit-anchors")})
    with serving(app) as server:
        yield server


@pytest.fixture(scope="package")
def browser():
    """Package-scoped: Playwright's sync API keeps an asyncio loop running in the main thread
    while it lives, which would break later tests that call asyncio.run() (PDF signing)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def screenshot(screenshots_dir):
    def take(page, name: str) -> Path:
        path = screenshots_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        _taken.append(path)
        return path
    return take


@pytest.fixture
def sign_in(browser, live_server):
    """sign_in("office") → a Page in a fresh context (its own cookies), signed in."""
    contexts = []

    def open_as(username: str | None, lang: str | None = None, viewport: dict | None = None):
        page = signed_in(browser, live_server.url, username, lang, viewport)
        contexts.append(page.context)
        return page

    yield open_as
    for context in contexts:
        with suppress(Exception):
            context.close()


def signed_in(browser, base_url: str, username: str | None, lang: str | None = None,
              viewport: dict | None = None):
    """A Page in a fresh browser context on ``base_url``, signed in as ``username`` (None: at the
    sign-in form). The caller closes ``page.context``."""
    context = browser.new_context(viewport=viewport or OFFICE_SCREEN, locale="zh-CN", base_url=base_url)
    context.set_default_timeout(10_000)
    context.add_init_script(path=str(axe.AXE_SOURCE))
    if lang:
        context.add_cookies([{"name": "lang", "value": lang, "url": base_url}])
    page = context.new_page()
    axe.watch(page, username or "")
    page.goto("/login")
    if username:
        page.fill("#username", username)
        page.fill("#password", DEMO_PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url("**/inbox")
    return page


def open_action(page, trigger: str, within=None):
    """Press the action's button (a real <button>) and return its unfolded form."""
    box = (within or page).locator(f".action[data-trigger='{trigger}']")
    button = box.locator("button[data-opens]")
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    return box.locator("form.action-form")


def confirm_dialog(page, accept: bool = True) -> str:
    """Answer the product's confirmation dialog (static/js/forms.js); return its question."""
    dialog = page.locator("dialog.confirm[open]")
    question = dialog.locator("p").inner_text()
    dialog.locator("button.danger" if accept else "button.secondary").click()
    return question


def act(page, trigger: str, opinion: str | None = None, **fields) -> None:
    """Press the generic action button for ``trigger``, fill its form and confirm (tests share it)."""
    inline = page.locator(f"form.inline[data-trigger='{trigger}'] button")
    if inline.count():
        inline.click()
    else:
        form = open_action(page, trigger)
        for name, value in fields.items():
            control = form.locator(f"[name='{name}']")
            if isinstance(value, Path):  # a file input (a material): choose the file
                control.set_input_files(str(value))
            elif control.evaluate("e => e.tagName") == "SELECT":
                control.select_option(str(value))
            else:
                control.fill(str(value))
        if opinion is not None:
            form.locator("textarea[name='opinion']").fill(opinion)
        asks = form.get_attribute("data-confirm")  # a destructive step: the product's dialog asks
        form.locator("button[type=submit]").click()
        if asks:
            confirm_dialog(page)
    page.wait_for_load_state()
    assert page.locator(".flash.success").count() == 1, page.locator("main").inner_text()[:800]
