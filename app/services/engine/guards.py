"""Guards: named conditions on an entity that the flows refer to, with the words users see."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, object_session

from app import clock, prefetch
from app.models import (
    Acceptance,
    Application,
    Batch,
    Counter,
    DemonstrationObjection,
    DemonstrationPublication,
    Endorsement,
    Evaluation,
    FundingRequest,
    JointOpinion,
    MidtermCheck,
    PanelMember,
    Project,
)
from app.policies import joint_opinion_orgs
from app.services.records import counters
from workflows.demonstration import DemonstrationListState, ObjectionState
from workflows.evaluation import EvaluationState, Grade
from workflows.midterm_check import MidtermCheckState
from workflows.project import ProjectState

Guards = dict[str, Callable[[], bool]]

MESSAGES = {
    "needs_endorsement": _l("The application needs endorsement first."),
    "no_endorsement_needed": _l("The application goes straight to the province."),
    "batch_open": _l("The batch is not open for filing today."),
    "plan_item_or_justification": _l(
        "Choose an item of the provincial plan, or explain why the pilot is needed outside it."),
    "more_endorsements_after_this": _l("This is the last endorsement."),
    "last_endorsement": _l("Further endorsements are needed."),
    "off_plan_not_overridden": _l("The application is in the plan or already overridden."),
    "in_plan_or_overridden": _l(
        "The pilot is not in the provincial plan: a leader must override the plan gate first."),
    "all_joint_opinions_in": _l("Not every joint reviewer has given an opinion yet."),
    "batch_quota_left": _l("The batch quota is full: no further projects can be approved in it."),
    "no_open_midterm_check": _l("Finish this year's mid-term check before requesting acceptance."),
    "acceptance_passed": _l("The project has not passed acceptance."),
    "well_evaluated": _l("Only projects graded excellent or good may become demonstrations."),
    "demonstration_places_left": _l("All demonstration places are taken."),
    "no_notice_running": _l("A list of demonstration candidates is under public notice: "
                            "selection reopens once it is confirmed."),
    "on_confirmed_list": _l("Projects become demonstration projects only when the leader confirms "
                            "the list after its public notice."),
    "notice_period_over": _l("The public notice period has not ended yet."),
    "objections_answered": _l("Every objection to the list must be answered first."),
    "has_graded_evaluation": _l("The project has no graded performance evaluation yet."),
    "seat_vacant": _l("No seat of the panel is vacant."),
    "all_scored": _l("Not every expert on the panel has submitted scores."),
    "chair_signs_last": _l("The chair signs after every other expert."),
    "all_signed": _l("Not every expert has signed the acceptance report."),
    "concluded_pass": _l("The panel's conclusion is not a pass."),
    "concluded_with_conditions": _l("The panel's conclusion is not a pass with conditions."),
    "concluded_fail": _l("The panel's conclusion is not a fail."),
    "has_scores": _l("The evaluation has no scores yet."),
    "project_under_construction": _l("The project is no longer under construction: the change cannot be applied."),
    "grade_blocks_not_overridden": _l(
        "The project's latest performance grade does not block funding, or a leader has already overridden it."),
    "grade_allows_funding": _l(
        "The project's latest performance grade blocks follow-on funding: a leader must first override it "
        "with a written reason."),
}


def message(guard: str) -> str:
    return str(MESSAGES.get(guard, guard))


def quota_key(batch_id: int) -> str:
    return f"batch:{batch_id}:approved"


def _quota_key_sql(batch_id) -> sa.ColumnElement[str]:
    """``quota_key`` of a batch id column."""
    return sa.literal("batch:") + sa.cast(batch_id, sa.String) + ":approved"


# The row locked while a demonstration place is taken (commands.demonstration.lock_places): the
# places themselves are counted, never stored, so closing a demonstration project frees one.
DEMONSTRATION_KEY = "programme:demonstrations"
PLACE_STATES = (ProjectState.CANDIDATE, ProjectState.DEMONSTRATION)


def places_taken(session) -> int:
    """The demonstration places taken now: candidates (拟推荐) and demonstration projects."""
    return session.scalar(sa.select(sa.func.count()).select_from(Project).where(Project.state.in_(PLACE_STATES)))


def _quota_used(apps: list[Application]) -> dict[int, int]:
    """Per application: the projects approved so far in its batch (one query for the list)."""
    used = counters.values(quota_key(a.batch_id) for a in apps)
    return {a.id: used[quota_key(a.batch_id)] for a in apps}


def application_guards(app: Application, actor=None, today: date | None = None) -> Guards:
    needs = lambda: len(app.endorsements) > 0
    in_plan_or_justified = lambda: app.plan_item_id is not None or bool(app.off_plan_justification.strip())
    in_plan_or_overridden = lambda: app.plan_item_id is not None or app.plan_overridden_by_id is not None

    def joint_opinions_in() -> bool:
        given = prefetch.fact("joint_opinion_orgs", app, joint_opinion_orgs)
        return len(given) >= len(current_app.config["JOINT_REVIEW_ORGS"])

    return {
        "needs_endorsement": needs,
        "no_endorsement_needed": lambda: not needs(),
        "batch_open": lambda: app.batch.is_open_on(today or clock.today()),
        "plan_item_or_justification": in_plan_or_justified,
        "more_endorsements_after_this": lambda: app.endorsement_level + 1 < len(app.endorsements),
        "last_endorsement": lambda: app.endorsement_level + 1 == len(app.endorsements),
        "off_plan_not_overridden": lambda: not in_plan_or_overridden(),
        "in_plan_or_overridden": in_plan_or_overridden,
        "all_joint_opinions_in": joint_opinions_in,
        "batch_quota_left": lambda: prefetch.fact("quota_used", app, _quota_used) < app.batch.quota,
    }


def _latest_acceptance_states(projects: list[Project]) -> dict[int, str]:
    """Per project: the state of its latest acceptance round (one query for the list)."""
    rows = object_session(projects[0]).execute(
        sa.select(Acceptance.project_id, Acceptance.state).where(Acceptance.project_id.in_([p.id for p in projects]))
        .order_by(Acceptance.project_id, Acceptance.round))
    return {project_id: state.value for project_id, state in rows}  # the last round wins


def _open_checks(projects: list[Project]) -> dict[int, bool]:
    """Per project: whether a mid-term check of it is still open (one query for the list)."""
    done = (MidtermCheckState.PASSED, MidtermCheckState.TERMINATED)
    open_ = set(object_session(projects[0]).scalars(
        sa.select(MidtermCheck.project_id).where(MidtermCheck.project_id.in_([p.id for p in projects]),
                                                 MidtermCheck.state.not_in(done))))
    return {p.id: p.id in open_ for p in projects}


def _latest_grades(projects: list[Project]) -> dict[int, Grade]:
    """Per project: the grade of its latest (highest id) graded evaluation (one query for the list)."""
    rows = object_session(projects[0]).execute(
        sa.select(Evaluation.project_id, Evaluation.grade).where(
            Evaluation.project_id.in_([p.id for p in projects]), Evaluation.state == EvaluationState.GRADED)
        .order_by(Evaluation.project_id, Evaluation.id))
    return {project_id: grade for project_id, grade in rows}  # the highest id wins


def _demonstrations(projects: list[Project]) -> dict[int, int]:
    """The places taken on the demonstration list, as seen from each project (one query)."""
    return dict.fromkeys((p.id for p in projects), places_taken(object_session(projects[0])))


def _notice_running(projects: list[Project]) -> dict[int, bool]:
    """Whether a list is under public notice, as seen from each project (one query)."""
    running = object_session(projects[0]).scalar(sa.select(sa.func.count()).select_from(DemonstrationPublication)
                                                  .where(DemonstrationPublication.state == DemonstrationListState.NOTICE))
    return dict.fromkeys((p.id for p in projects), bool(running))


def _on_confirmed_list(projects: list[Project]) -> dict[int, bool]:
    """Per project: whether a confirmed list names it (one query)."""
    lists = object_session(projects[0]).scalars(sa.select(DemonstrationPublication.project_ids).where(
        DemonstrationPublication.state == DemonstrationListState.CONFIRMED))
    named = {pid for ids in lists for pid in ids}
    return {p.id: p.id in named for p in projects}


def project_guards(project: Project, actor=None) -> Guards:
    def graded(grades=None) -> bool:
        """Has a graded evaluation; with ``grades``: the latest one (highest id, as the
        demonstration shortlist reads it) is one of them."""
        latest = prefetch.fact("latest_grade", project, _latest_grades)
        return latest is not None and (grades is None or latest in grades)

    def acceptance_passed() -> bool:
        state = prefetch.fact("latest_acceptance_state", project, _latest_acceptance_states)
        return state in ("passed", "passed_with_conditions")

    return {
        "no_open_midterm_check": lambda: not prefetch.fact("open_check", project, _open_checks),
        "acceptance_passed": acceptance_passed,
        "well_evaluated": lambda: graded((Grade.EXCELLENT, Grade.GOOD)),
        "demonstration_places_left": lambda: prefetch.fact("demonstrations", project, _demonstrations)
        < current_app.config["DEMONSTRATION_MAX"],
        "has_graded_evaluation": lambda: graded(),
        "no_notice_running": lambda: not prefetch.fact("notice_running", project, _notice_running),
        "on_confirmed_list": lambda: prefetch.fact("on_confirmed_list", project, _on_confirmed_list),
    }


def acceptance_guards(acc: Acceptance, actor=None) -> Guards:
    members = lambda: acc.members
    unsigned = lambda: [m for m in members() if m.signed_at is None]

    def chair_signs_last() -> bool:
        """Others sign first: the chair may sign only when they are the last one left."""
        signer = next((m for m in members() if actor is not None and m.expert.user_id == actor.id), None)
        return signer is None or not signer.is_chair or len(unsigned()) <= 1

    return {
        "seat_vacant": lambda: bool(acc.vacant_seats),
        "all_scored": lambda: bool(members()) and all(m.scored_at for m in members()),
        "chair_signs_last": chair_signs_last,
        "all_signed": lambda: bool(members()) and not unsigned(),
        "concluded_pass": lambda: acc.conclusion == "pass",
        "concluded_with_conditions": lambda: acc.conclusion == "conditional",
        "concluded_fail": lambda: acc.conclusion == "fail",
    }


def evaluation_guards(ev: Evaluation, actor=None) -> Guards:
    return {"has_scores": lambda: ev.grade is not None}


def change_request_guards(cr, actor=None) -> Guards:
    return {"project_under_construction": lambda: cr.project.state == ProjectState.UNDER_CONSTRUCTION}


def _latest_grades_of_requests(requests: list[FundingRequest]) -> dict[int, Grade]:
    """Per funding request: the grade of its project's latest graded evaluation (one query)."""
    rows = object_session(requests[0]).execute(
        sa.select(Evaluation.project_id, Evaluation.grade).where(
            Evaluation.project_id.in_({r.project_id for r in requests}), Evaluation.state == EvaluationState.GRADED)
        .order_by(Evaluation.project_id, Evaluation.id))
    latest = {project_id: grade for project_id, grade in rows}  # the highest id wins
    return {r.id: latest.get(r.project_id) for r in requests}


def blocking_grade(request: FundingRequest) -> Grade | None:
    """The grade that blocks approving ``request`` under the Office's rule (FUNDING_BLOCKING_GRADES:
    the grade values that block when they are the project's latest), or None."""
    latest = prefetch.fact("funding_latest_grade", request, _latest_grades_of_requests)
    return latest if latest is not None and latest.value in current_app.config["FUNDING_BLOCKING_GRADES"] else None


def funding_request_guards(request: FundingRequest, actor=None) -> Guards:
    overridden = lambda: request.grade_overridden_by_id is not None
    return {
        "grade_blocks_not_overridden": lambda: blocking_grade(request) is not None and not overridden(),
        "grade_allows_funding": lambda: overridden() or blocking_grade(request) is None,
    }


def _open_objections(lists: list[DemonstrationPublication]) -> dict[int, int]:
    """Per list: its objections still awaiting an answer (one query for the lists)."""
    rows = dict(object_session(lists[0]).execute(
        sa.select(DemonstrationObjection.publication_id, sa.func.count())
        .where(DemonstrationObjection.publication_id.in_([d.id for d in lists]),
               DemonstrationObjection.state == ObjectionState.FILED)
        .group_by(DemonstrationObjection.publication_id)).all())
    return {d.id: rows.get(d.id, 0) for d in lists}


def demonstration_list_guards(publication: DemonstrationPublication, actor=None, today: date | None = None) -> Guards:
    return {
        "notice_period_over": lambda: publication.notice_ends_on is not None
        and (today or clock.today()) > publication.notice_ends_on,
        "objections_answered": lambda: prefetch.fact("open_objections", publication, _open_objections) == 0,
    }


def no_guards(_entity, actor=None) -> Guards:
    return {}


# kind name → the guards its flow's steps name
GUARDS: dict[str, Callable[..., Guards]] = {
    "application": application_guards, "project": project_guards, "midterm_check": no_guards,
    "acceptance": acceptance_guards, "evaluation": evaluation_guards,
    "change_request": change_request_guards,
    "funding_request": funding_request_guards,
    "demonstration_list": demonstration_list_guards, "demonstration_objection": no_guards,
}


# The guards that can also be asked of many rows at once, as a WHERE clause over the kind's
# table, with the same answer as above: the inbox counts and pages its tasks with them. A guard
# missing here is evaluated item by item (``app.services.engine.waiting``).
SQL_GUARDS: dict[str, dict[str, Callable[[type], sa.ColumnElement[bool]]]] = {
    "application": {
        "off_plan_not_overridden": lambda m: sa.and_(m.plan_item_id.is_(None), m.plan_overridden_by_id.is_(None)),
        "in_plan_or_overridden": lambda m: sa.or_(m.plan_item_id.is_not(None), m.plan_overridden_by_id.is_not(None)),
        "plan_item_or_justification": lambda m: sa.or_(m.plan_item_id.is_not(None),
                                                       sa.func.length(_stripped(m.off_plan_justification)) > 0),
        "needs_endorsement": lambda m: _endorsed_route(m).exists(),
        "no_endorsement_needed": lambda m: ~_endorsed_route(m).exists(),
        "batch_open": lambda m: m.batch_id.in_(sa.select(Batch.id).where(Batch.opens_on <= clock.today(),
                                                                          Batch.closes_on >= clock.today())),
        # The (application, round) pairs with every opinion in, found once (not counted per row).
        "all_joint_opinions_in": lambda m: sa.tuple_(m.id, m.re_review_round).in_(
            sa.select(JointOpinion.application_id, JointOpinion.round)
            .group_by(JointOpinion.application_id, JointOpinion.round)
            .having(sa.func.count(sa.distinct(JointOpinion.organisation_id))
                    >= len(current_app.config["JOINT_REVIEW_ORGS"]))),
        "batch_quota_left": lambda m: sa.func.coalesce(sa.select(Counter.value).where(
            Counter.key == _quota_key_sql(m.batch_id)).scalar_subquery(), 0)
        < sa.select(Batch.quota).where(Batch.id == m.batch_id).scalar_subquery(),
    },
    "acceptance": {
        "seat_vacant": lambda m: _vacant_seat(m).exists(),
    },
    "project": {
        "acceptance_passed": lambda m: sa.select(Acceptance.state).where(Acceptance.project_id == m.id)
        .order_by(Acceptance.round.desc()).limit(1).scalar_subquery().in_(("passed", "passed_with_conditions")),
    },
}
# What str.strip() takes away: every character Python counts as whitespace.
WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def _stripped(column) -> sa.ColumnElement:
    return sa.func.ltrim(sa.func.rtrim(column, WHITESPACE), WHITESPACE)


def _vacant_seat(model):
    """``vacant_seats`` of the acceptance rows of ``model``, as a subquery."""
    seat, replacement = aliased(PanelMember), aliased(PanelMember)
    return sa.select(seat.id).where(seat.acceptance_id == model.id, seat.declaration == "recused",
                                    ~sa.select(replacement.id).where(replacement.replaces_id == seat.id).exists())


def _endorsed_route(model):
    return sa.select(Endorsement.id).where(Endorsement.application_id == model.id)
