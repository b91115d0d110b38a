"""The database itself ties each state to the data it needs: a raw UPDATE that would store a
state without that data is refused by a CHECK constraint (on SQLite and PostgreSQL alike),
while the same UPDATE carrying the data goes through."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.extensions import db
from app.models import Acceptance, Application, Batch, Evaluation, MidtermCheck, Project
from app.services.commands import checks, evaluation
from tests import factories as f

OFF_PLAN = {"plan_item_id": None, "off_plan_justification": "本地急需，规划编制时尚未列入"}
PAST_THE_PLAN_GATE = ("leader_approval", "re_review", "returned_by_re_review", "project_approval", "approved")


def refused(constraint: str, model, entity_id: int, **values) -> None:
    """The UPDATE fails on exactly this constraint, and the row keeps its values."""
    before = db.session.execute(sa.select(model.__table__).where(model.id == entity_id)).one()
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError) as err:
        with transaction():
            db.session.execute(sa.update(model).where(model.id == entity_id).values(**values))
    assert constraint in str(err.value.orig), str(err.value.orig)
    assert db.session.execute(sa.select(model.__table__).where(model.id == entity_id)).one() == before


def accepted(model, entity_id: int, **values) -> None:
    with transaction():
        assert db.session.execute(sa.update(model).where(model.id == entity_id).values(**values)).rowcount == 1


def test_every_check_constraint_of_the_models_exists_in_the_migrated_database(app):
    inspector = sa.inspect(db.engine)
    for table in db.metadata.sorted_tables:
        declared = {c.name for c in table.constraints if isinstance(c, sa.CheckConstraint)}
        present = {c["name"] for c in inspector.get_check_constraints(table.name)}
        assert declared <= present, (table.name, declared - present)


# --- applications ------------------------------------------------------------------------------
@pytest.mark.parametrize("state", PAST_THE_PLAN_GATE)
def test_an_off_plan_application_past_initial_review_needs_a_leaders_override(app, state):
    app_id = f.endorsed(**OFF_PLAN)
    refused("ck_applications_plan_gate", Application, app_id, state=state)
    accepted(Application, app_id, state=state, plan_overridden_by_id=f.user("leader").id)


def test_an_application_in_the_plan_passes_initial_review_without_an_override(app):
    app_id = f.endorsed()
    accepted(Application, app_id, state="leader_approval")


def test_a_submitted_off_plan_application_keeps_its_written_reason(app):
    submitted, draft = f.submitted(**OFF_PLAN), f.draft(**OFF_PLAN)
    refused("ck_applications_off_plan_justified", Application, submitted, off_plan_justification="")
    accepted(Application, draft, off_plan_justification="")  # a draft may still be incomplete


def test_an_application_cannot_ask_for_a_negative_budget(app):
    app_id = f.draft()
    refused("ck_applications_budget_not_negative", Application, app_id, requested_budget=Decimal("-0.01"))
    accepted(Application, app_id, requested_budget=Decimal("0"))


@pytest.mark.parametrize("months,allowed", [(0, False), (1, True), (60, True), (61, False)])
def test_construction_lasts_one_to_sixty_months(app, months, allowed):
    app_id = f.draft()
    if allowed:
        accepted(Application, app_id, construction_months=months)
    else:
        refused("ck_applications_construction_period_range", Application, app_id, construction_months=months)


# --- batches and projects ----------------------------------------------------------------------
def test_a_batch_has_places_and_closes_no_earlier_than_it_opens(app):
    batch = f.demo_batch()
    refused("ck_batches_quota_positive", Batch, batch.id, quota=0)
    refused("ck_batches_closes_after_opening", Batch, batch.id, closes_on=batch.opens_on - timedelta(days=1))
    accepted(Batch, batch.id, quota=1, closes_on=batch.opens_on)


def test_a_demonstration_project_carries_the_day_it_was_selected(app):
    project_id = f.project()
    refused("ck_projects_demonstration_dated", Project, project_id, state="demonstration")
    accepted(Project, project_id, state="demonstration", demonstration_selected_at=datetime.now(timezone.utc))


def test_a_project_ends_after_it_starts_and_has_no_negative_budget(app):
    project = db.session.get(Project, f.project())
    refused("ck_projects_period_positive", Project, project.id, ends_on=project.starts_on)
    refused("ck_projects_budget_not_negative", Project, project.id, approved_budget=Decimal("-1"))


# --- mid-term checks ---------------------------------------------------------------------------
def due_check() -> int:
    project_id = f.project()
    with transaction():
        checks.open_checks(f.user("office"), clock.today().year)
    return db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project_id))


def test_a_check_moves_past_due_only_with_a_progress_report(app):
    check_id = due_check()
    refused("ck_midterm_checks_report_before_conclusion", MidtermCheck, check_id, state="report_submitted")
    refused("ck_midterm_checks_report_before_conclusion", MidtermCheck, check_id, state="passed")
    accepted(MidtermCheck, check_id, state="report_submitted", progress_report="进展顺利")


def test_a_rectification_order_carries_its_deadline(app):
    check_id = due_check()
    with transaction():
        checks.submit_progress_report(f.user("wuhua_applicant"), check_id, {"report": "进度滞后"})
    refused("ck_midterm_checks_rectification_has_deadline", MidtermCheck, check_id, state="rectifying")
    accepted(MidtermCheck, check_id, state="rectifying", rectification_deadline=clock.today() + timedelta(days=30))


# --- acceptance and evaluation -----------------------------------------------------------------
@pytest.mark.parametrize("state", ["signing", "passed", "passed_with_conditions", "failed"])
def test_an_acceptance_past_scoring_carries_the_panels_conclusion(app, state):
    _, acc_id = f.in_acceptance()
    f.panel(acc_id)
    refused("ck_acceptances_concluded_after_scoring", Acceptance, acc_id, state=state)
    accepted(Acceptance, acc_id, state=state, conclusion="pass")


def test_an_acceptance_conclusion_is_pass_conditional_or_fail(app):
    _, acc_id = f.in_acceptance()
    refused("ck_acceptances_conclusion_known", Acceptance, acc_id, conclusion="maybe")
    accepted(Acceptance, acc_id, conclusion="conditional")


def test_an_evaluation_is_scored_with_a_total_and_graded_with_a_grade(app):
    project_id, _ = f.accepted()
    with transaction():
        ev_id = evaluation.open_evaluations(f.user("office"), str(clock.today().year + 1), [project_id])[0].id
    refused("ck_evaluations_scored_has_total", Evaluation, ev_id, state="scored")
    refused("ck_evaluations_graded_has_grade", Evaluation, ev_id, state="graded", total_score=Decimal("91"))
    accepted(Evaluation, ev_id, state="graded", total_score=Decimal("91"), grade="excellent")
