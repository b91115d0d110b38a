"""回避声明: each drawn expert declares no conflict of interest, or recuses with a reason (a
replacement is drawn with a recorded seed); avoidance along the route; specialists preferred."""
import pytest
import sqlalchemy as sa

from app.database import transaction
from app.errors import Conflict, Denied, Invalid, NotFound
from app.extensions import db
from app.models import (
    Acceptance,
    AcceptanceScore,
    AuditRecord,
    Domain,
    Expert,
    Material,
    Notification,
    PanelMember,
    User,
)
from app.services.commands import acceptance as svc
from app.services.commands import actions_for, admin, materials
from app.services.engine import versions
from app.services.reads import expert_pool, inbox
from app.services.reads import projects as reads
from tests import factories as f


def _acc(acc_id: int) -> Acceptance:
    acc = db.session.get(Acceptance, acc_id)
    db.session.refresh(acc)
    db.session.expire(acc, ["panel", "members"])
    return acc


def _snapshot(acc_id: int) -> tuple:
    """Everything a refused declaration could have written."""
    db.session.expire_all()
    rows = db.session.execute(sa.select(PanelMember.expert_id, PanelMember.declaration, PanelMember.is_chair)
                              .where(PanelMember.acceptance_id == acc_id).order_by(PanelMember.id)).all()
    return (tuple(rows), db.session.scalar(sa.select(sa.func.count(AuditRecord.id))),
            db.session.scalar(sa.select(sa.func.count(AcceptanceScore.id))), _acc(acc_id).version)


def _usernames(experts) -> set[str]:
    return {e.user.username for e in experts}


# --- declaring -------------------------------------------------------------------------------
def test_scoring_waits_for_the_declaration_and_a_declaration_after_scoring_is_refused(app):
    _, acc_id = f.in_acceptance()
    members = f.panel(acc_id, declare=False)
    expert = members[1][0]
    before = _snapshot(acc_id)
    with pytest.raises(Denied, match="回避声明"), transaction():
        svc.submit_scores(expert, acc_id, f.full_scores())
    assert _snapshot(acc_id) == before

    with transaction():
        svc.declare(expert, acc_id, {})
    seat = next(m for m in _acc(acc_id).members if m.expert.user_id == expert.id)
    assert seat.declaration == "no_conflict" and seat.declared_at is not None
    record = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.trigger == "declare"))
    assert record.actor_id == expert.id and record.actor_role == "expert" and record.payload["declaration"] == "no_conflict"

    with pytest.raises(Denied, match="已作出回避声明"), transaction():
        svc.declare(expert, acc_id, {})
    with transaction():
        svc.submit_scores(expert, acc_id, f.full_scores())
    before = _snapshot(acc_id)
    for verb, data in ((svc.declare, {}), (svc.recuse, {"opinion": "后来发现有利益关系"})):
        with pytest.raises(Denied, match="评分后不能再作回避声明"), transaction():
            verb(expert, acc_id, data)
    assert _snapshot(acc_id) == before


def test_only_the_panels_experts_declare_and_an_undeclared_chair_sees_no_scores(app):
    _, acc_id = f.in_acceptance()
    members = f.panel(acc_id, declare=False)
    seated = {u.username for u, _ in members}
    outsider = next(f.user(f"expert{i}") for i in range(2, 10) if f"expert{i}" not in seated)
    before = _snapshot(acc_id)
    with pytest.raises(NotFound), transaction():
        svc.declare(outsider, acc_id, {})
    with pytest.raises(Denied), transaction():
        svc.declare(f.user("office"), acc_id, {})
    assert _snapshot(acc_id) == before

    chair = next(u for u, c in members if c)
    member = next(u for u, c in members if not c)
    for u in (chair, member):
        with transaction():
            svc.declare(u, acc_id, {})
    with transaction():
        svc.submit_scores(member, acc_id, f.full_scores())
    # the chair sees the others' scores only once declared — here they have declared
    assert reads.acceptance_detail(chair, acc_id).scores
    third = next(u for u, c in members if u not in (chair, member))
    view = reads.acceptance_detail(third, acc_id)
    assert view.undeclared and view.scores == [] and view.summary == ""


# --- recusal and replacement -----------------------------------------------------------------
def test_a_recusing_chair_is_replaced_with_a_seeded_draw_and_the_next_drawn_chairs(app):
    _, acc_id = f.in_acceptance()
    members = f.panel(acc_id, declare=False)
    chair = next(u for u, c in members if c)
    before = _snapshot(acc_id)
    with pytest.raises(Invalid) as refused, transaction():
        svc.recuse(chair, acc_id, {"opinion": "  "})
    assert "opinion" in refused.value.errors
    assert _snapshot(acc_id) == before

    with transaction():
        svc.recuse(chair, acc_id, {"opinion": "本人曾为该项目提供咨询"})
    acc = _acc(acc_id)
    seated = acc.members
    assert len(seated) == 3 and len(seated) % 2 == 1
    assert [m.expert.user_id for m in seated[:2]] == [u.id for u, c in members if not c]
    assert sum(m.is_chair for m in seated) == 1 and seated[0].is_chair  # the first drawn still seated
    recused = next(m for m in acc.panel if m.recused)
    replacement = seated[-1]
    assert recused.expert.user_id == chair.id and not recused.is_chair
    assert recused.recusal_reason == "本人曾为该项目提供咨询" and recused.declared_at is not None
    assert replacement.replaces_id == recused.id and replacement.draw_seed is not None
    assert replacement.declaration is None and not replacement.is_chair
    assert replacement.expert.user_id not in {u.id for u, _ in members}
    # the seed repeats the draw from the recorded remaining pool
    record = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.trigger == "recuse"))
    assert record.opinion == "本人曾为该项目提供咨询" and record.payload["replacement"] == replacement.expert_id
    assert record.payload["seed"] == replacement.draw_seed and replacement.expert_id in record.payload["pool"]
    assert replacement.expert_id in {e.id for e in expert_pool.eligible_experts(acc)}
    _told_and_declares(replacement, acc_id)  # the replacement now has the declaration to make


def _told_and_declares(seat: PanelMember, acc_id: int) -> None:
    """A newly seated expert is told (a task notification) and makes the declaration."""
    db.session.expire_all()
    assert db.session.scalar(sa.select(Notification).where(
        Notification.user_id == seat.expert.user_id, Notification.entity_id == acc_id,
        Notification.kind == "task")) is not None
    with transaction():
        svc.declare(seat.expert.user, acc_id, {})


def test_with_the_pool_exhausted_a_recusal_is_recorded_and_says_so(app):
    _, acc_id = f.in_acceptance()
    members = f.panel(acc_id, declare=False)
    drawn = {u.id for u, _ in members}
    for expert in db.session.scalars(sa.select(Expert).where(Expert.user_id.not_in(drawn))).all():
        with transaction():
            admin.update_expert(f.user("admin"), expert.id, {"active": False})
    member = next(u for u, c in members if not c)
    with transaction():
        svc.recuse(member, acc_id, {"opinion": "与申报单位有合作关系"})
    acc = _acc(acc_id)
    assert len(acc.members) == 2
    record = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.trigger == "recuse"))
    assert record.payload["pool_exhausted"] is True and record.payload["replacement"] is None
    view = reads.acceptance_detail(f.user("office"), acc_id)
    assert [d.unreplaced for d in view.declarations if d.seat.recused] == [True]


def _exhaust_pool(members) -> list[Expert]:
    """Deactivate every expert not drawn: the pool has nobody left to replace a recusal."""
    drawn = {u.id for u, _ in members}
    experts = db.session.scalars(sa.select(Expert).where(Expert.user_id.not_in(drawn)).order_by(Expert.id)).all()
    for expert in experts:
        with transaction():
            admin.update_expert(f.user("admin"), expert.id, {"active": False})
    return experts


def _reactivate(experts) -> None:
    for expert in experts:
        with transaction():
            admin.update_expert(f.user("admin"), expert.id, {"active": True})


def _triggers(user: User, acc_id: int) -> list[str]:
    return [a.trigger for a in actions_for(user, "acceptance", acc_id)[1]]


def test_a_vacant_seat_is_filled_once_the_pool_has_someone_again(app):
    _, acc_id = f.in_acceptance()
    members = f.panel(acc_id, declare=False)
    idle = _exhaust_pool(members)
    office = f.user("office")
    assert "fill_seats" not in _triggers(office, acc_id)  # nothing vacant yet
    member = next(u for u, c in members if not c)
    with transaction():
        svc.recuse(member, acc_id, {"opinion": "与申报单位有合作关系"})
    vacant = _acc(acc_id).vacant_seats
    assert [m.expert.user_id for m in vacant] == [member.id]

    # the Office is asked to fill it: a button and a task in its inbox
    assert "fill_seats" in _triggers(office, acc_id)
    tasks = [t for g in inbox.inbox(office) for t in g.tasks if t.kind == "acceptance" and t.entity.id == acc_id]
    assert [s.trigger for t in tasks for s in t.steps] == ["fill_seats"]

    # nobody in the pool yet: refused with the reason, nothing written; nor may an expert fill it
    before = _snapshot(acc_id)
    with pytest.raises(Conflict, match="专家库中已无可参加本专家组的专家"), transaction():
        svc.fill_seats(office, acc_id, {})
    seated = next(u for u, c in members if c)
    with pytest.raises(Denied), transaction():
        svc.fill_seats(seated, acc_id, {})
    assert _snapshot(acc_id) == before

    # the pool has experts again, and specialists of the project's domain, though no seated one is
    _reactivate(idle)
    acc = _acc(acc_id)
    domain = expert_pool.project_domain(acc)
    for seat in acc.members:
        with transaction():
            admin.update_expert(f.user("admin"), seat.expert_id, {"domains": []})
    taken = {m.expert_id for m in acc.panel}
    specialist = next(e for e in expert_pool.eligible_experts(acc) if e.id not in taken)
    with transaction():
        admin.update_expert(f.user("admin"), specialist.id, {"domains": [domain.value]})
    with transaction():
        svc.fill_seats(office, acc_id, {}, expected_version=_acc(acc_id).version)
    acc = _acc(acc_id)
    assert len(acc.members) == 3 and acc.vacant_seats == [] and sum(m.is_chair for m in acc.members) == 1
    assert domain in acc.members[-1].expert.domains  # the draw takes a specialist
    filled = acc.members[-1]
    assert filled.replaces_id == vacant[0].id and filled.declaration is None and not filled.is_chair
    assert filled.expert_id not in {m.expert_id for m in acc.panel if m is not filled}
    assert filled.expert_id in {e.id for e in expert_pool.eligible_experts(acc)}
    record = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.trigger == "fill_seats"))
    assert record.actor_id == office.id and record.actor_role == "office_reviewer"
    assert record.payload["seed"] == filled.draw_seed and record.payload["drawn"] == [filled.expert_id]
    assert record.payload["vacant"] == [vacant[0].expert_id] and filled.expert_id in record.payload["pool"]
    # the page and the report name the replacement; the new expert declares like any other
    view = reads.acceptance_detail(office, acc_id)
    recusal = next(d for d in view.declarations if d.seat.recused)
    assert not recusal.unreplaced and recusal.replaced_by.id == filled.id
    assert "fill_seats" not in _triggers(office, acc_id)
    with pytest.raises(Conflict, match="专家组没有空缺席位"), transaction():
        svc.fill_seats(office, acc_id, {})
    _told_and_declares(filled, acc_id)


def test_when_every_seat_fell_vacant_the_filled_panel_has_a_chair(app):
    _, acc_id = f.in_acceptance()
    members = f.panel(acc_id, declare=False)
    idle = _exhaust_pool(members)
    for expert, _ in members:
        with transaction():
            svc.recuse(expert, acc_id, {"opinion": "有利益冲突"})
    assert _acc(acc_id).members == [] and len(_acc(acc_id).vacant_seats) == 3
    _reactivate(idle)
    with transaction():
        svc.fill_seats(f.user("office"), acc_id, {})
    acc = _acc(acc_id)
    assert len(acc.members) == 3 and acc.vacant_seats == []
    assert [m.is_chair for m in acc.members] == [True, False, False]  # the first drawn chairs
    assert {m.replaces_id for m in acc.members} == {m.id for m in acc.panel if m.recused}


def test_a_round_begun_under_version_1_fills_no_seat_until_an_admin_migrates_it(app):
    _, acc_id = f.in_acceptance()
    members = f.panel(acc_id, declare=False)
    idle = _exhaust_pool(members)
    with transaction():
        svc.recuse(next(u for u, c in members if not c), acc_id, {"opinion": "有利益冲突"})
    with transaction():
        db.session.execute(sa.update(Acceptance).where(Acceptance.id == acc_id).values(flow_version=1))
    _reactivate(idle)
    office = f.user("office")
    assert "fill_seats" not in _triggers(office, acc_id)
    before = _snapshot(acc_id)
    with pytest.raises(Invalid), transaction():
        svc.fill_seats(office, acc_id, {})
    assert _snapshot(acc_id) == before
    with transaction():
        versions.migrate_case(f.user("admin"), "acceptance", acc_id, {"opinion": "补选空缺席位"})
    assert "fill_seats" in _triggers(office, acc_id)


# --- avoidance along the route ---------------------------------------------------------------
def test_the_route_runs_up_to_the_prefecture_and_down_to_the_counties(app):
    assert expert_pool.route_divisions("530102") == {"530102", "530100"}  # 五华区 → 昆明市, never 云南省
    below = expert_pool.route_divisions("530100")  # 昆明市 and its counties
    assert {"530100", "530102", "530111"} <= below and "530000" not in below and "530300" not in below
    assert expert_pool.route_divisions("530000") == {"530000"}  # a provincial department: its own only


@pytest.mark.parametrize(("applicant", "excluded"), [
    ("kunming_applicant", {"expert1", "expert2", "expert6"}),  # 云南大学 in 五华区, 昆明理工 in 官渡区: below 昆明市
    ("wuhua_applicant", {"expert1"}),  # 云南大学 in 五华区 itself
    ("qujing_applicant", {"expert4", "expert9"}),  # 曲靖师范学院 in 麒麟区, below 曲靖市
])
def test_avoidance_excludes_the_divisions_above_and_below_on_the_route(app, applicant, excluded):
    _, acc_id = f.in_acceptance(applicant)
    acc = db.session.get(Acceptance, acc_id)
    everyone = {f"expert{i}" for i in range(1, 10)}
    assert _usernames(expert_pool.eligible_experts(acc)) == everyone - excluded
    reasons = {x.expert.user.username: x.reason for x in reads.excluded_experts(acc)}
    assert set(reasons) == excluded
    if applicant == "kunming_applicant":
        assert reasons == {"expert1": "route_division", "expert2": "route_division", "expert6": "route_division"}


# --- specialties -----------------------------------------------------------------------------
def test_the_draw_puts_a_specialist_on_every_panel_when_the_pool_has_one(app):
    _, acc_id = f.in_acceptance(domain="finance")  # only 唐教授 (expert7) is a finance specialist
    pool = expert_pool.eligible_experts(db.session.get(Acceptance, acc_id))
    assert [e.user.username for e in expert_pool.specialists(pool, Domain.FINANCE)] == ["expert7"]
    for seed in range(40):
        drawn, matched = svc.draw_panel(pool, 3, seed, Domain.FINANCE)
        assert matched and "expert7" in _usernames(drawn) and len(set(drawn)) == 3
    f.panel(acc_id, seed=3)
    assert "expert7" in {m.expert.user.username for m in _acc(acc_id).members}
    record = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.trigger == "form_panel"))
    assert record.payload["domain"] == "finance" and record.payload["specialist_drawn"] is True


def test_when_no_expert_of_the_pool_is_a_specialist_the_draw_says_so(app, client):
    _, acc_id = f.in_acceptance(domain="food_drug")  # nobody in the demo pool
    f.panel(acc_id)
    record = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.trigger == "form_panel"))
    assert record.payload["specialist_drawn"] is False and record.payload["specialists"] == []
    assert reads.acceptance_detail(f.user("office"), acc_id).specialist_drawn is False


def test_an_admin_sets_an_experts_domains_and_nobody_else_may(app):
    expert = db.session.scalar(sa.select(Expert).join(User).where(User.username == "expert2"))
    with pytest.raises(Denied), transaction():
        admin.update_expert(f.user("office"), expert.id, {"domains": ["finance"]})
    assert expert.domains == []
    with pytest.raises(Invalid), transaction():
        admin.update_expert(f.user("admin"), expert.id, {"domains": ["cooking"]})
    with transaction():
        admin.update_expert(f.user("admin"), expert.id, {"specialties": "软件工程", "domains": ["judicial", "credit"]})
    db.session.expire_all()
    expert = db.session.get(Expert, expert.id)
    assert expert.domains == [Domain.CREDIT, Domain.JUDICIAL]
    record = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.trigger == "admin_update_expert")
                               .order_by(AuditRecord.id.desc()).limit(1))
    assert record.payload["domains"] == ["credit", "judicial"]


def test_materials_wait_for_the_declaration_and_a_recused_expert_sees_them_no_more(app):
    """回避声明 first: an expert yet to declare, or recused, reads no materials of the round — not
    the list, not a download (403 with the reason); declared, they do; the Office always."""
    _, acc_id = f.in_acceptance()
    members = [u for u, _chair in f.panel(acc_id, declare=False)]
    material_id = db.session.scalar(sa.select(Material.id).where(Material.stage == "acceptance",
                                                                 Material.stage_id == acc_id))
    waiting, leaving = members[0], members[1]
    for expert in (waiting, leaving):
        with pytest.raises(Denied, match="回避声明|Declare"):
            materials.list_materials(expert, "acceptance", acc_id)
        with pytest.raises(Denied):
            materials.open_material(expert, material_id)
    with transaction():
        svc.declare(waiting, acc_id, {})
    with transaction():
        svc.recuse(leaving, acc_id, {"opinion": "曾参与该项目设计"})
    assert materials.list_materials(waiting, "acceptance", acc_id)
    assert materials.open_material(waiting, material_id)[0].id == material_id
    with pytest.raises(Denied, match="回避|recused"):
        materials.list_materials(leaving, "acceptance", acc_id)
    assert materials.list_materials(f.user("office"), "acceptance", acc_id)
