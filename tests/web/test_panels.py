"""Acceptance panels in the browser: the office draws the panel (seed and exclusions shown),
each expert sees only their own panels, scores every criterion with a comment and signs with
their password; the chair concludes; the office seals."""
from __future__ import annotations

import sqlalchemy as sa

from app.database import transaction
from app.demo.seed import DEMO_PASSWORD
from app.extensions import db
from app.models import Acceptance, AcceptanceScore, Expert, Project, User
from app.services.commands import admin
from tests import factories as f
from tests.web.web_client import User as Browser
from workflows.acceptance import CRITERIA


def _members(acc_id: int) -> list[tuple[str, bool]]:
    acc = db.session.get(Acceptance, acc_id)
    db.session.refresh(acc)
    return [(m.expert.user.username, m.is_chair) for m in acc.members]


def _scores(fraction: float, comment: str = "符合要求") -> dict:
    data = {}
    for key, _zh, _en, maximum in CRITERIA:
        data[f"scores.{key}.score"] = str(round(maximum * fraction, 1))
        data[f"scores.{key}.comment"] = f"{comment}：{key}"
    return data


def _form_panel(app, acc_id: int, seed: int = 7) -> Browser:
    office = Browser(app, "office")
    page = office.get(f"/acceptances/{acc_id}")
    assert 'data-trigger="form_panel"' in page.text
    assert office.act("acceptance", acc_id, "form_panel", {"size": "3", "seed": str(seed)}).status_code == 302
    return office


def test_office_forms_the_panel_and_sees_the_seed_and_the_excluded_experts(app):
    _project_id, acc_id = f.in_acceptance("wuhua_applicant")   # 五华区, Kunming
    office = _form_panel(app, acc_id, seed=12345)
    page = office.get(f"/acceptances/{acc_id}")
    assert "12345" in page.text
    members = _members(acc_id)
    assert len(members) == 3 and sum(chair for _, chair in members) == 1
    # 张教授 (expert1) works at 云南大学 in 五华区 itself: a conflict of interest
    excluded = page.text.split('data-testid="excluded"')[1].split("</ul>")[0]
    assert "张教授" in excluded
    assert "expert1" not in [u for u, _ in members]
    # an even panel is refused with the reason next to the field
    _p2, acc2 = f.in_acceptance("dali_applicant")
    r = office.act("acceptance", acc2, "form_panel", {"size": "4"})
    assert r.status_code == 422 and f'id="f-acceptance-{acc2}-form_panel-size-error"' in r.text


def test_an_expert_sees_only_their_own_panels(app):
    project_id, acc_id = f.in_acceptance("wuhua_applicant")
    _form_panel(app, acc_id)
    members = {u for u, _ in _members(acc_id)}
    eligible = set(db.session.scalars(sa.select(User.username).join(Expert, Expert.user_id == User.id)))
    outsider = sorted(eligible - members - {"expert1"})[0]

    insider = Browser(app, sorted(members)[0])
    mine = insider.get("/acceptances/")
    assert f"/acceptances/{acc_id}" in mine.text
    assert insider.get(f"/acceptances/{acc_id}").status_code == 200
    assert insider.get(f"/projects/{project_id}").status_code == 200

    other = Browser(app, outsider)
    assert f"/acceptances/{acc_id}" not in other.get("/acceptances/").text
    assert other.get(f"/acceptances/{acc_id}").status_code == 404
    assert other.get(f"/projects/{project_id}").status_code == 404
    assert other.act("acceptance", acc_id, "submit_scores", _scores(0.9)).status_code == 404
    # another project, never on their panel, is invisible too
    assert other.get(f"/projects/{f.project('dali_applicant')}").status_code == 404


def test_scoring_signing_concluding_and_sealing_in_the_browser(app):
    project_id, acc_id = f.in_acceptance("wuhua_applicant")
    office = _form_panel(app, acc_id)
    members = _members(acc_id)
    chair = next(u for u, c in members if c)
    others = [u for u, c in members if not c]
    experts = {u: Browser(app, u) for u, _ in members}

    # 回避声明 first: scoring without a declaration is refused with the reason, nothing written
    r = experts[others[0]].act("acceptance", acc_id, "submit_scores", _scores(0.9))
    assert r.status_code == 403 and "回避声明" in r.text
    assert db.session.scalar(sa.select(sa.func.count(AcceptanceScore.id))) == 0
    for u, _ in members:
        assert experts[u].act("acceptance", acc_id, "declare", {}).status_code == 302

    # a score above the criterion's maximum comes back with the error beside it
    bad = {**_scores(0.9), f"scores.{CRITERIA[0][0]}.score": str(CRITERIA[0][3] + 1)}
    r = experts[others[0]].act("acceptance", acc_id, "submit_scores", bad)
    assert r.status_code == 422 and f'id="f-acceptance-{acc_id}-submit_scores-scores-{CRITERIA[0][0]}-score-error"' in r.text
    for not_a_number in ("NaN", "Infinity"):  # in the reader's language, like every field message
        r = experts[others[0]].act("acceptance", acc_id, "submit_scores",
                                   {**_scores(0.9), f"scores.{CRITERIA[0][0]}.score": not_a_number})
        assert r.status_code == 422 and "请输入有效的数字" in r.text and "Special numeric" not in r.text

    for u in members:
        assert experts[u[0]].act("acceptance", acc_id, "submit_scores", _scores(0.9, f"{u[0]}意见")).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(AcceptanceScore.id)).where(
        AcceptanceScore.acceptance_id == acc_id)) == 3 * len(CRITERIA)

    # a member sees only their own scores and comments; the chair sees the whole panel's
    own = experts[others[0]].get(f"/acceptances/{acc_id}").text
    assert f"{others[0]}意见" in own and f"{others[1]}意见" not in own
    chair_page = experts[chair].get(f"/acceptances/{acc_id}").text
    assert all(f"{u}意见" in chair_page for u, _ in members)
    assert 'data-trigger="conclude"' in chair_page
    assert 'data-trigger="conclude"' not in own

    assert experts[chair].act("acceptance", acc_id, "conclude", {"opinion": "同意通过验收。"}).status_code == 302
    page = experts[others[0]].get(f"/acceptances/{acc_id}").text
    assert 'data-trigger="sign_report"' in page and 'name="password" type="password"' in page
    # the chair signs last: no signing form for them yet
    assert 'data-trigger="sign_report"' not in experts[chair].get(f"/acceptances/{acc_id}").text

    for u in (*others, chair):
        r = experts[u].act("acceptance", acc_id, "sign_report", {"password": DEMO_PASSWORD})
        assert r.status_code == 302, r.text[:500]
    seal_page = office.get(f"/acceptances/{acc_id}").text
    assert 'data-trigger="seal_report"' in seal_page
    assert office.act("acceptance", acc_id, "seal_report", {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Acceptance, acc_id).state.value == "passed"
    assert db.session.get(Project, project_id).state.value == "evaluation"
    assert 'data-testid="conclusion"' in office.get(f"/acceptances/{acc_id}").text


def test_an_undeclared_expert_sees_only_the_declaration_and_a_recusal_draws_a_replacement(app):
    _project_id, acc_id = f.in_acceptance("wuhua_applicant")
    office = _form_panel(app, acc_id)
    members = _members(acc_id)
    chair = next(u for u, c in members if c)
    page = Browser(app, chair).get(f"/acceptances/{acc_id}").text
    assert 'data-testid="declaration-statement"' in page and 'data-trigger="declare"' in page
    assert 'data-trigger="recuse"' in page
    assert "已完成建设" not in page  # the completion summary waits for the declaration
    assert 'data-trigger="submit_scores"' not in page and 'id="scores-h"' not in page

    # a recusal needs its reason and a confirmation; without them nothing is written
    expert = Browser(app, chair)
    assert expert.act("acceptance", acc_id, "recuse", {"opinion": "", "confirmed": "yes"}).status_code == 422
    assert expert.act("acceptance", acc_id, "recuse", {"opinion": "曾参与该项目方案论证"}).status_code == 422
    assert len(_members(acc_id)) == 3 and _members(acc_id) == members
    r = expert.act("acceptance", acc_id, "recuse", {"opinion": "曾参与该项目方案论证", "confirmed": "yes"})
    assert r.status_code == 302
    after = _members(acc_id)
    assert len(after) == 3 and chair not in [u for u, _ in after]
    assert sum(c for _, c in after) == 1 and after[0][1]  # the earliest drawn still seated chairs
    # the recused expert sees their recusal and nothing else; the office sees the declarations
    mine = expert.get(f"/acceptances/{acc_id}").text
    assert 'data-testid="my-recusal"' in mine and "曾参与该项目方案论证" in mine and 'id="scores-h"' not in mine
    assert expert.act("acceptance", acc_id, "declare", {}).status_code == 403
    table = office.get(f"/acceptances/{acc_id}").text.split('data-testid="declarations"')[1].split("</table>")[0]
    assert "回避" in table and "曾参与该项目方案论证" in table and "随机种子" in table


def test_the_office_fills_a_seat_left_vacant_once_an_admin_reactivates_an_expert(app):
    _project_id, acc_id = f.in_acceptance("wuhua_applicant")
    office = _form_panel(app, acc_id)
    members = _members(acc_id)
    drawn = db.session.scalars(sa.select(User.id).where(User.username.in_([u for u, _ in members]))).all()
    idle = db.session.scalars(sa.select(Expert.id).where(Expert.user_id.not_in(drawn), Expert.active)).all()
    for expert_id in idle:  # the pool has nobody left to replace a recusal
        with transaction():
            admin.update_expert(f.user("admin"), expert_id, {"active": False})
    member = next(u for u, c in members if not c)
    assert Browser(app, member).act("acceptance", acc_id, "recuse",
                                    {"opinion": "与申报单位有合作关系", "confirmed": "yes"}).status_code == 302
    page = office.get(f"/acceptances/{acc_id}").text
    assert 'data-testid="pool-exhausted"' in page and "补选专家" in page and 'data-trigger="fill_seats"' in page

    # still nobody in the pool: the form says why and nothing changes
    refused = office.act("acceptance", acc_id, "fill_seats", {})
    assert refused.status_code == 409 and "专家库中已无可参加本专家组的专家" in refused.text
    assert "可能已进入其他阶段" not in refused.text  # the pool's reason alone: nobody else moved it on
    assert len(_members(acc_id)) == 2

    for expert_id in idle:
        with transaction():
            admin.update_expert(f.user("admin"), expert_id, {"active": True})
    assert office.act("acceptance", acc_id, "fill_seats", {}).status_code == 302
    after = _members(acc_id)
    assert len(after) == 3 and member not in [u for u, _ in after] and sum(c for _, c in after) == 1
    page = office.get(f"/acceptances/{acc_id}").text
    assert 'data-testid="pool-exhausted"' not in page and 'data-trigger="fill_seats"' not in page
    table = page.split('data-testid="declarations"')[1].split("</table>")[0]
    assert "与申报单位有合作关系" in table and "随机种子" in table
