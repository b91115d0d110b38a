"""An office's ranking (汇总上报 排序): one place per application in a batch whatever the submission,
refused with the holder named and nothing written, held by the database under concurrency;
re-ranking is a recorded step while the next level still reviews the applications."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.database import transaction
from app.errors import Conflict, Denied, Invalid, NotFound
from app.extensions import db
from app.models import Application, AuditRecord, Endorsement
from app.services.commands import endorsement as escalation
from app.services.commands import perform
from tests import factories as f
from tests.services.test_concurrency import race
from workflows.application import ApplicationState as S


def _place(app_id: int, office: str = "wuhua_office") -> int | None:
    office_id = f.user(office).organisation_id
    return db.session.scalar(sa.select(Endorsement.ranking).where(
        Endorsement.application_id == app_id, Endorsement.office_id == office_id))


def _endorse(app_id: int, ranking: int | None, office: str = "wuhua_office"):
    with transaction():
        return escalation.endorse(f.user(office), app_id, {"opinion": "同意上报", "ranking": ranking})


def _audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditRecord.id)))


def test_two_separate_endorsements_of_one_office_and_batch_cannot_share_a_place(app):
    first, second = f.submitted(), f.submitted(name="第二个平台")
    _endorse(first, 1)
    before = _audit_count()
    with pytest.raises(Conflict) as refused:
        _endorse(second, 1)
    assert "社区综合服务信息平台" in str(refused.value)
    db.session.expire_all()
    app_ = db.session.get(Application, second)
    assert (app_.state, app_.endorsement_level, _place(second)) == (S.ENDORSING, 0, None)
    assert _audit_count() == before
    _endorse(second, 2)
    assert (_place(first), _place(second)) == (1, 2)


def test_unranked_endorsements_hold_no_place_and_another_office_has_its_own_ranking(app):
    first, second = f.submitted(), f.submitted(name="第二个平台")
    _endorse(first, None)
    _endorse(second, None)
    _endorse(first, 1, office="kunming_office")
    with transaction():  # wuhua's own place 1: kunming's ranking is another list
        escalation.rerank(f.user("wuhua_office"), {"items": [{"id": second, "ranking": 1}]})
    assert (_place(first), _place(second), _place(first, "kunming_office")) == (None, 1, 1)


def test_the_database_refuses_a_second_holder_of_a_place(app):
    first, second = f.submitted(), f.submitted(name="第二个平台")
    _endorse(first, 1)
    _endorse(second, 2)
    with pytest.raises(IntegrityError):
        db.session.execute(sa.update(Endorsement).where(Endorsement.application_id == second,
                                                        Endorsement.ranking == 2).values(ranking=1))
        db.session.flush()
    db.session.rollback()


def test_concurrent_endorsements_for_one_place_have_one_winner(app):
    apps = [f.submitted(name=f"试点平台{i}") for i in range(4)]
    office_id = f.user("wuhua_office").id

    def endorser(app_id):
        def endorse():
            from app.models import User
            escalation.endorse(db.session.get(User, office_id), app_id, {"opinion": "同意", "ranking": 1})
        return endorse

    results = race(app, [endorser(a) for a in apps])
    assert results.count("ok") == 1 and len(results) == 4, results
    db.session.expire_all()
    held = db.session.scalar(sa.select(sa.func.count(Endorsement.id)).where(Endorsement.ranking == 1))
    endorsed = db.session.scalar(sa.select(sa.func.count(Endorsement.id)).where(Endorsement.endorsed_at.is_not(None)))
    assert (held, endorsed) == (1, 1)


def test_re_ranking_swaps_places_and_records_each_change(app):
    first, second, third = (f.submitted(name=f"试点平台{i}") for i in range(3))
    for app_id, place in ((first, 1), (second, 2), (third, 3)):
        _endorse(app_id, place)
    with transaction():
        escalation.rerank(f.user("wuhua_office"), {"opinion": "按成熟度调整", "items": [
            {"id": first, "ranking": 2}, {"id": second, "ranking": 1}]})
    assert [_place(a) for a in (first, second, third)] == [2, 1, 3]
    moves = db.session.execute(sa.select(AuditRecord.entity_id, AuditRecord.payload, AuditRecord.actor_role,
                                         AuditRecord.opinion).where(AuditRecord.trigger == "rerank")
                               .order_by(AuditRecord.id)).all()
    assert [(a, p["from"], p["to"], role, o) for a, p, role, o in moves] == [
        (first, 1, 2, "endorser", "按成熟度调整"), (second, 2, 1, "endorser", "按成熟度调整")]
    assert [o.ranking for _a, o in escalation.office_ranking(f.user("wuhua_office"))] == [1, 2, 3]


def test_re_ranking_into_a_place_another_holds_is_refused_and_writes_nothing(app):
    first, second = f.submitted(), f.submitted(name="第二个平台")
    _endorse(first, 1)
    _endorse(second, 2)
    before = _audit_count()
    with pytest.raises(Conflict), transaction():
        escalation.rerank(f.user("wuhua_office"), {"items": [{"id": second, "ranking": 1}]})
    db.session.expire_all()
    assert (_place(first), _place(second), _audit_count()) == (1, 2, before)


def test_the_re_ranking_window_and_who_may_re_rank(app):
    app_id = f.endorsed()  # through wuhua and kunming: now in 初审
    item = {"items": [{"id": app_id, "ranking": 5}]}
    with transaction():
        escalation.rerank(f.user("wuhua_office"), item)  # still at the province's 初审: allowed
    assert _place(app_id) == 5
    with pytest.raises(Denied), transaction():
        escalation.rerank(f.user("wuhua_applicant"), item)
    with pytest.raises(NotFound), transaction():
        escalation.rerank(f.user("qujing_office"), item)
    with transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "初审通过"})
    with pytest.raises(Conflict), transaction():
        escalation.rerank(f.user("wuhua_office"), {"items": [{"id": app_id, "ranking": 1}]})
    not_yet = f.submitted(name="未推荐的平台")
    with pytest.raises(Invalid), transaction():
        escalation.rerank(f.user("wuhua_office"), {"items": [{"id": not_yet, "ranking": 9}]})


@pytest.mark.parametrize("items", [[], [{"id": 1, "ranking": 1}, {"id": 2, "ranking": 1}],
                                   [{"id": 1, "ranking": 0}], [{"id": 1, "ranking": "1"}],
                                   [{"id": 1, "ranking": 1}, {"id": 1, "ranking": 2}]])
def test_a_bad_re_ranking_is_a_field_error_before_anything_is_read(app, items):
    with pytest.raises(Invalid) as refused, transaction():
        escalation.rerank(f.user("wuhua_office"), {"items": items})
    assert "items" in refused.value.errors
