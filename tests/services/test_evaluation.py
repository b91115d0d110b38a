"""绩效评估: weighted scores, grades, and the period rules."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.database import transaction
from app.errors import Denied, Invalid
from app.extensions import db
from app.models import Evaluation
from app.services.commands import evaluation as svc
from app.services.commands import perform
from tests import factories as f
from workflows.evaluation import Grade, grade_for


@pytest.mark.parametrize("total,grade", [("90", Grade.EXCELLENT), ("89.99", Grade.GOOD), ("75", Grade.GOOD),
                                         ("74.99", Grade.QUALIFIED), ("60", Grade.QUALIFIED),
                                         ("59.99", Grade.UNQUALIFIED)])
def test_grade_boundaries(total, grade):
    assert grade_for(Decimal(total)) == grade


def test_the_total_weighs_results_half_operation_30_and_promotion_20_percent(app):
    project_id, _ = f.accepted()
    with transaction():
        ev_id = svc.open_evaluations(f.user("office"), "2030", [project_id])[0].id
    with transaction():
        svc.submit_self_evaluation(f.user("wuhua_applicant"), ev_id, {"report": "运行良好"})
    with transaction():
        svc.score_evaluation(f.user("office"), ev_id, {"opinion": "评分", "results_score": "100",
                                                       "operation_score": "50", "promotion_score": "0"})
    ev = db.session.get(Evaluation, ev_id)
    assert ev.total_score == Decimal("65.00") and ev.grade == Grade.QUALIFIED
    with pytest.raises(Denied), transaction():
        perform(f.user("office"), "evaluation", ev_id, "confirm_grade", {"opinion": "确认"})
    with transaction():
        perform(f.user("leader"), "evaluation", ev_id, "confirm_grade", {"opinion": "确认"})
    assert db.session.get(Evaluation, ev_id).graded_at is not None


def test_a_period_is_opened_once_per_project(app):
    project_id, _ = f.accepted()
    with transaction():
        first = svc.open_evaluations(f.user("office"), "2031")
    with transaction():
        second = svc.open_evaluations(f.user("office"), "2031")
    assert [e.project_id for e in first] == [project_id] and second == []


@pytest.mark.parametrize("period", ["a\x00b\x01c", "2027\u200b", "----", "1.5e3", "2027H3", "2027Q5", "2027-13",
                                    "20270", "2027 H1", "复评2027", "😀😀😀😀", ""])
def test_a_period_is_named_as_the_scheduler_names_it_or_refused(app, period):
    f.accepted()
    with pytest.raises(Invalid) as refused, transaction():
        svc.open_evaluations(f.user("office"), period)
    assert set(refused.value.errors) == {"period"}
    assert db.session.scalar(sa.select(sa.func.count(Evaluation.id))) == 0


def test_a_period_that_merely_looks_different_is_the_same_period(app):
    """Full-width digits and a lower-case half are the period 2027H1 itself: it opens once."""
    project_id, _ = f.accepted()
    with transaction():
        first = svc.open_evaluations(f.user("office"), "２０２７h1")
    with transaction():
        again = svc.open_evaluations(f.user("office"), " 2027H1 ")
    assert [(e.project_id, e.period) for e in first] == [(project_id, "2027H1")] and again == []
    assert svc.evaluations_to_open(f.user("office"), "2027h1") == 0
    for period in ("2027", "2027H2", "2027Q3", "2027-05", "2027复评"):
        with transaction():
            assert [e.period for e in svc.open_evaluations(f.user("office"), period)] == [period]
