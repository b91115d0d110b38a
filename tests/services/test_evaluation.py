"""绩效评估: weighted scores, grades, and the period rules."""
from decimal import Decimal

import pytest

from app.database import transaction
from app.errors import Denied
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
