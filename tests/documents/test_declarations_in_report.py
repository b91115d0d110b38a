"""The signed acceptance report carries the panel's declarations (回避声明): who declared no
conflict and when (Beijing time), who recused, why, and who replaced them with which seed."""
from __future__ import annotations

from app import clock
from app.database import transaction
from app.demo.seed import DEMO_PASSWORD
from app.extensions import db
from app.models import Acceptance
from app.services.commands import acceptance as svc
from app.services.documents import issuing
from tests import factories as f
from tests.documents.conftest import current_pdf, flat, pdf_text


def test_the_report_lists_each_declaration_and_the_recusal_with_its_replacement(app):
    _project_id, acc_id = f.in_acceptance()
    drawn = f.panel(acc_id, declare=False)
    chair = next(u for u, c in drawn if c)
    with transaction():
        svc.recuse(chair, acc_id, {"opinion": "本人曾为申报单位提供咨询服务"})
    acc = db.session.get(Acceptance, acc_id)
    db.session.refresh(acc)
    members = [(m.expert.user, m.is_chair) for m in acc.members]
    replacement = acc.members[-1]
    for user, _ in members:
        with transaction():
            svc.declare(user, acc_id, {})
        with transaction():
            svc.submit_scores(user, acc_id, f.full_scores(0.9))
    new_chair = next(u for u, c in members if c)
    with transaction():
        svc.conclude(new_chair, acc_id, {"opinion": "同意通过验收"})
    for user, _ in sorted(members, key=lambda m: m[1]):
        with transaction():
            svc.sign_report(user, acc_id, {"password": DEMO_PASSWORD})
    with transaction():
        svc.seal_report(f.user("office"), acc_id, {})

    text = flat(pdf_text(current_pdf(issuing.latest("acceptance_report", acc_id))))
    assert "专家回避声明" in text and "本人曾为申报单位提供咨询服务" in text
    assert f"{chair.display_name}申请回避" in text
    # (pdftotext interleaves the table's wrapped cells: read each piece on its own)
    assert "替补专" in text and f"{replacement.expert.user.display_name}（随机种子{replacement.draw_seed}）" in text
    assert text.count("无利益冲突") == 3
    db.session.refresh(replacement)
    day, time = clock.beijing(replacement.declared_at).split()  # Beijing time, as a person reads it
    assert day in text and time in text
