"""An expert drawn for a panel recuses in the browser (回避): before declaring they see only the
declaration, they give their reason and confirm; a replacement is drawn, finds the panel in
their inbox, declares no conflict and may then score; the office sees every declaration."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser.conftest import act, open_action

pytestmark = pytest.mark.browser

REASON = "本人曾为申报单位提供该系统的咨询服务"


def _db(live_server, fn):
    from app.extensions import db

    with live_server.app.app_context():
        try:
            return fn(db.session)
        finally:
            db.session.remove()


def _seats(live_server, acc_id: int) -> list[tuple[str, bool, str | None]]:
    from app.models import Expert, PanelMember, User

    return _db(live_server, lambda s: [tuple(r) for r in s.execute(
        sa.select(User.username, PanelMember.is_chair, PanelMember.declaration)
        .join(Expert, Expert.user_id == User.id).join(PanelMember, PanelMember.expert_id == Expert.id)
        .where(PanelMember.acceptance_id == acc_id).order_by(PanelMember.position)).all()])


def test_an_expert_recuses_and_the_replacement_declares_and_may_score(sign_in, screenshot, live_server):
    from tests import factories as f

    def staffed(_session):
        _project_id, acc_id = f.in_acceptance("qujing_applicant")
        f.panel(acc_id, seed=99, declare=False)
        return acc_id

    acc_id = _db(live_server, staffed)
    drawn = _seats(live_server, acc_id)
    member = next(u for u, chair, _ in drawn if not chair)

    expert = sign_in(member)
    expert.get_by_role("link", name=re.compile("我的评审|My panels")).first.click()
    expert.locator(f"a[href='/acceptances/{acc_id}']").click()
    statement = expert.locator("[data-testid='declaration-statement']")
    assert "回避声明" in statement.inner_text()
    assert expert.locator("#scores-h").count() == 0 and expert.locator(".action[data-trigger='submit_scores']").count() == 0
    screenshot(expert, "recusal-01-declaration-only")

    # without a reason the form comes back with the message beside the field; nothing is written
    form = open_action(expert, "recuse")
    form.locator("button[type=submit]").click()
    if expert.locator("dialog.confirm[open]").count():
        expert.locator("dialog.confirm[open] button.danger").click()
    expert.wait_for_load_state()
    assert expert.locator(".error").count() >= 1
    assert _seats(live_server, acc_id) == drawn

    expert.goto(f"/acceptances/{acc_id}")
    act(expert, "recuse", REASON)
    assert REASON in expert.locator("[data-testid='my-recusal']").inner_text()
    screenshot(expert, "recusal-02-recused")

    after = _seats(live_server, acc_id)
    seated = [(u, c) for u, c, d in after if d != "recused"]
    assert len(seated) == 3 and sum(c for _, c in seated) == 1 and member not in {u for u, _ in seated}
    replacement = after[-1][0]

    newcomer = sign_in(replacement)
    newcomer.goto("/inbox")
    newcomer.locator(f"main a[href='/acceptances/{acc_id}']").first.click()
    assert newcomer.locator("[data-testid='declaration-statement']").count() == 1
    act(newcomer, "declare")
    assert newcomer.locator(".action[data-trigger='submit_scores']").count() == 1
    assert newcomer.locator("[data-testid='declaration-statement']").count() == 0

    office = sign_in("office")
    office.goto(f"/acceptances/{acc_id}")
    table = office.locator("[data-testid='declarations']").inner_text()
    assert REASON in table and "已回避" in table and "无利益冲突" in table and "随机种子" in table
    screenshot(office, "recusal-03-declarations-for-the-office")
