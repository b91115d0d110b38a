"""The page's own widgets, in the page's language: an action's button unfolds its form; a
destructive step asks in the product's dialog (not the browser's) naming the item, and Cancel
leaves it untouched; the file chooser reads 选择文件 / 未选择文件 and then the chosen file's name;
an empty required field is answered by the server's message, not the browser's bubble."""
from __future__ import annotations

import pytest

from tests.browser.conftest import confirm_dialog, open_action

pytestmark = pytest.mark.browser


def test_buttons_confirmation_file_chooser_and_messages_speak_chinese(sign_in, live_server, screenshot):
    from tests import factories

    with live_server.app.app_context():
        app_id = factories.draft("wuhua_applicant", name="五华区社区服务草稿-确认")
    page = sign_in("wuhua_applicant")
    page.goto(f"/applications/{app_id}")

    chooser = page.locator(".file-chooser")
    assert chooser.locator(".file-button").inner_text() == "选择文件"
    assert chooser.locator(".file-name").inner_text() == "未选择文件"
    chooser.locator("input[type=file]").set_input_files(
        {"name": "建设方案.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"})
    assert chooser.locator(".file-name").inner_text() == "建设方案.pdf"

    form = open_action(page, "withdraw")
    assert form.is_visible()
    assert not form.locator("[data-confirm-box]").is_visible()  # the dialog asks instead of the box
    form.locator("textarea[name='opinion']").fill("不再申报")
    form.locator("button[type=submit]").click()
    screenshot(page, "70-confirm-withdraw-dialog")
    question = confirm_dialog(page, accept=False)
    assert question == "“撤回申报”将作用于 1 个项目「五华区社区服务草稿-确认」，且不可撤销。确定吗？"
    assert page.url.endswith(f"/applications/{app_id}")  # cancelled: nothing sent
    form.locator("button[type=submit]").click()
    confirm_dialog(page)
    page.wait_for_load_state()
    assert page.locator(".flash.success").count() == 1
    assert "已撤回" in page.locator(".page-head .badge").first.inner_text()

    # an empty required field: the server's own message, in Chinese, next to the field
    page.goto("/applications/new")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    error = page.locator("#f-name-error")
    assert error.count() == 1 and error.inner_text()
    assert page.locator("#f-name").get_attribute("aria-invalid") == "true"
