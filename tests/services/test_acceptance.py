"""验收: panels drawn at random with avoidance, per-criterion scores, signatures, conclusion."""
import pytest
import sqlalchemy as sa

from app.database import transaction
from app.demo.seed import DEMO_PASSWORD
from app.errors import Conflict, Denied, Invalid, NotFound
from app.extensions import db
from app.models import Acceptance, AcceptanceScore, Project
from app.services.commands import acceptance as svc
from app.services.engine.guards import message
from app.services.reads import projects as reads
from tests import factories as f
from workflows.acceptance import AcceptanceState as A
from workflows.project import ProjectState as P

SIGN = {"password": DEMO_PASSWORD}


def test_a_panel_has_an_odd_size_of_at_least_three(app):
    _, acc_id = f.in_acceptance()
    for size in (2, 4, 1):
        with pytest.raises(Invalid), transaction():
            svc.form_panel(f.user("office"), acc_id, {"size": size})


def test_the_draw_excludes_the_applicants_division_and_is_reproducible_from_its_seed(app):
    _, acc_id = f.in_acceptance("wuhua_applicant")  # 五华区: the 云南大学 expert works there
    acc = db.session.get(Acceptance, acc_id)
    pool = svc.eligible_experts(acc)
    assert "expert1" not in {e.user.username for e in pool} and len(pool) == 8
    members = f.panel(acc_id, seed=424242)
    import random
    expected = random.Random(424242).sample(pool, 3)
    assert [u.id for u, _ in members] == [e.user_id for e in expected]
    assert db.session.get(Acceptance, acc_id).seed == 424242
    assert [chair for _, chair in members] == [True, False, False]


def test_only_panel_members_score_and_each_only_once(app):
    _, acc_id = f.in_acceptance()
    members = f.panel(acc_id)
    outsider = next(u for u in (f.user(f"expert{i}") for i in range(1, 10)) if u.id not in {m.id for m, _ in members})
    with pytest.raises(Exception), transaction():  # not on the panel: cannot even see it
        svc.submit_scores(outsider, acc_id, f.full_scores())
    expert = members[0][0]
    with transaction():
        svc.submit_scores(expert, acc_id, f.full_scores())
    with pytest.raises(Denied), transaction():
        svc.submit_scores(expert, acc_id, f.full_scores())


def test_scores_outside_a_criterions_range_are_refused_per_criterion(app):
    _, acc_id = f.in_acceptance()
    expert = f.panel(acc_id)[0][0]
    scores = f.full_scores()
    scores["scores"]["funds"]["score"] = "11"
    with pytest.raises(Invalid) as err, transaction():
        svc.submit_scores(expert, acc_id, scores)
    assert list(err.value.errors) == ["funds"]



@pytest.mark.parametrize("score,kept", [("8.004", None), ("8.0049", None), ("8.000", "8.00"), ("8.5", "8.50")])
def test_a_score_with_more_than_two_decimal_places_is_refused_never_rounded(app, score, kept):
    _, acc_id = f.in_acceptance()
    expert = f.panel(acc_id)[0][0]
    scores = f.full_scores()
    scores["scores"]["funds"]["score"] = score
    if kept is None:
        with pytest.raises(Invalid) as err, transaction():
            svc.submit_scores(expert, acc_id, scores)
        assert list(err.value.errors) == ["funds"] and "最多保留两位小数" in str(err.value.errors["funds"])
        assert not db.session.scalars(sa.select(AcceptanceScore).where(AcceptanceScore.acceptance_id == acc_id)).all()
    else:
        with transaction():
            svc.submit_scores(expert, acc_id, scores)
        stored = db.session.scalar(sa.select(AcceptanceScore).where(AcceptanceScore.acceptance_id == acc_id,
                                                                    AcceptanceScore.criterion == "funds"))
        assert str(stored.score) == kept


def _scored(fraction):
    project_id, acc_id = f.in_acceptance()
    members = f.panel(acc_id)
    for expert, _ in members:
        with transaction():
            svc.submit_scores(expert, acc_id, f.full_scores(fraction))
    chair = next(u for u, c in members if c)
    return project_id, acc_id, members, chair


@pytest.mark.parametrize("fraction,conclusion", [(0.9, "pass"), (0.7, "conditional"), (0.4, "fail")])
def test_the_conclusion_is_computed_from_the_scores(app, fraction, conclusion):
    _, acc_id, _, chair = _scored(fraction)
    with transaction():
        svc.conclude(chair, acc_id, {"opinion": "专家组意见"})
    assert db.session.get(Acceptance, acc_id).conclusion == conclusion


def test_only_the_chair_concludes(app):
    _, acc_id, members, _ = _scored(0.9)
    member = next(u for u, c in members if not c)
    with pytest.raises(Denied), transaction():
        svc.conclude(member, acc_id, {"opinion": "我来"})


def test_the_chair_signs_last_and_the_report_is_sealed_only_when_all_have_signed(app):
    project_id, acc_id, members, chair = _scored(0.9)
    with transaction():
        svc.conclude(chair, acc_id, {"opinion": "同意验收"})
    with pytest.raises(Conflict) as err, transaction():
        svc.sign_report(chair, acc_id, SIGN)
    assert message("chair_signs_last") in str(err.value)
    others = [u for u, c in members if not c]
    with transaction():
        svc.sign_report(others[0], acc_id, SIGN)
    with pytest.raises(Conflict), transaction():
        svc.seal_report(f.user("office"), acc_id, {})
    for user in (others[1], chair):
        with transaction():
            svc.sign_report(user, acc_id, SIGN)
    with transaction():
        svc.seal_report(f.user("office"), acc_id, {})
    assert db.session.get(Acceptance, acc_id).state == A.PASSED
    assert db.session.get(Project, project_id).state == P.EVALUATION


def _failed_round() -> tuple[int, int]:
    """A project whose first acceptance round failed (scored low, concluded, signed, sealed)."""
    project_id, acc_id, members, chair = _scored(0.4)
    with transaction():
        svc.conclude(chair, acc_id, {"opinion": "不通过"})
    for user, _ in sorted(members, key=lambda m: m[1]):
        with transaction():
            svc.sign_report(user, acc_id, SIGN)
    with transaction():
        svc.seal_report(f.user("office"), acc_id, {})
    return project_id, acc_id


def test_a_failed_acceptance_is_redone_in_a_new_round_with_a_new_panel(app):
    project_id, acc_id = _failed_round()
    assert db.session.get(Acceptance, acc_id).state == A.FAILED
    assert db.session.get(Project, project_id).state == P.ACCEPTANCE
    with transaction():
        again = svc.request_reacceptance(f.user("wuhua_applicant"), acc_id, {"opinion": "已整改"})
    rounds = db.session.scalars(sa.select(Acceptance.round).where(Acceptance.project_id == project_id)
                                .order_by(Acceptance.round)).all()
    assert rounds == [1, 2] and again.state == A.REQUESTED


def test_an_expert_sees_only_the_rounds_whose_panel_drew_them(app):
    """Each round's panel judges on its own: an expert of round 2 neither lists nor opens round 1
    (its scores, report and history), on the project page either, and the other way round; the
    office and the applicant agency see both."""
    project_id, first = _failed_round()
    with transaction():
        second = svc.request_reacceptance(f.user("wuhua_applicant"), first, {"opinion": "已整改"}).id
    f.panel(second, seed=99)
    seats = {n: {m.expert.user.username for m in db.session.get(Acceptance, n).panel} for n in (first, second)}
    only = {first: sorted(seats[first] - seats[second]), second: sorted(seats[second] - seats[first])}
    assert only[first] and only[second], seats  # the seed draws a panel that differs from the first
    for shown, hidden in ((first, second), (second, first)):
        expert = f.user(only[shown][0])
        assert [a.id for a in reads.list_acceptances(expert, project_id=project_id).items] == [shown]
        assert reads.acceptance_detail(expert, shown).entity.id == shown
        with pytest.raises(NotFound):
            reads.acceptance_detail(expert, hidden)
        dossier = reads.project_dossier(expert, project_id)
        assert [a.id for a in dossier.acceptances] == [shown]
        assert not [d for d in dossier.documents if d.entity_type == "acceptance" and d.entity_id == hidden]
        assert not [r for r in dossier.history if r.entity_type == "acceptance" and r.entity_id == hidden]
    for reader in ("office", "wuhua_applicant"):
        assert {a.id for a in reads.project_dossier(f.user(reader), project_id).acceptances} == {first, second}
    assert any(d.entity_type == "acceptance" and d.entity_id == first
               for d in reads.project_dossier(f.user("office"), project_id).documents)
