"""Performance evaluation pages: the office opens a period, the agency self-evaluates, the
office scores, a leader confirms the grade; nobody else sees the agency's evaluation."""
from __future__ import annotations

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import Evaluation
from tests import factories as f
from tests.web.web_client import User as Browser


def test_evaluation_from_opening_to_grade(app):
    project_id, _acc = f.accepted("wuhua_applicant")
    period = f"{clock.today().year + 1}H1"
    office, applicant, leader = Browser(app, "office"), Browser(app, "wuhua_applicant"), Browser(app, "leader")

    assert applicant.post("/evaluations/open", {"period": period}).status_code == 403
    assert office.post("/evaluations/open", {"period": period, "confirmed": "yes"}).status_code == 302
    ev_id = db.session.scalar(sa.select(Evaluation.id).where(Evaluation.project_id == project_id))
    assert f"/evaluations/{ev_id}" in applicant.get("/evaluations/").text

    page = applicant.get(f"/evaluations/{ev_id}").text
    assert 'data-trigger="submit_self_evaluation"' in page and 'data-trigger="score"' not in page
    assert applicant.act("evaluation", ev_id, "submit_self_evaluation",
                         {"report": "系统稳定运行，覆盖全区。"}).status_code == 302

    r = office.act("evaluation", ev_id, "score", {"opinion": "评分", "results_score": "120",
                                                  "operation_score": "80", "promotion_score": "70"})
    assert r.status_code == 422 and f'id="f-evaluation-{ev_id}-score-results_score-error"' in r.text
    assert office.act("evaluation", ev_id, "score", {"opinion": "成效明显。", "results_score": "90",
                                                     "operation_score": "80", "promotion_score": "70"}).status_code == 302
    page = leader.get(f"/evaluations/{ev_id}").text
    assert "83.00" in page  # 90×0.5 + 80×0.3 + 70×0.2
    assert 'data-trigger="confirm_grade"' in page
    assert leader.act("evaluation", ev_id, "confirm_grade", {"opinion": "同意评定为良好。"}).status_code == 302

    page = applicant.get(f"/evaluations/{ev_id}").text
    assert 'data-testid="grade"' in page and 'data-state="good"' in page
    assert "同意评定为良好。" in page  # the leader's opinion in the history
    assert "系统稳定运行，覆盖全区。" in page
    # the project page lists the evaluation history
    assert f"/evaluations/{ev_id}" in applicant.get(f"/projects/{project_id}").text


def test_other_agencies_cannot_see_an_evaluation(app):
    _project_id, ev_id = f.graded("wuhua_applicant")
    assert Browser(app, "dali_applicant").get(f"/evaluations/{ev_id}").status_code == 404
    assert f"/evaluations/{ev_id}" not in Browser(app, "dali_applicant").get("/evaluations/").text
    assert Browser(app, "expert9").get(f"/evaluations/{ev_id}").status_code == 404
