"""Follow-on funding requests (后续资金申请): the list, and a request with what its reviewers weigh
on the same page — the project's whole evaluation history and the agency's grades."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import Evaluation, FundingRequest, Project, User
from app.policies import visible_to
from app.services.engine.guards import blocking_grade
from app.services.engine.loading import load_visible
from app.services.reads.paging import Page, Timed, timed_page
from app.services.reads.projects import EvaluationRecord, agency_evaluations
from app.services.time import limits
from workflows.evaluation import Grade


def list_funding_requests(actor: User, project_id: int | None = None, state: str | None = None,
                          page: int = 1, per_page: int = 20, level: str | None = None) -> Page[FundingRequest]:
    """The requests the actor may see, newest first, each with its time limit."""
    query = (sa.select(FundingRequest).where(visible_to(actor, FundingRequest))
             .options(joinedload(FundingRequest.project, innerjoin=True).joinedload(Project.organisation,
                                                                                    innerjoin=True)))
    if project_id:
        query = query.where(FundingRequest.project_id == project_id)
    if state:
        query = query.where(FundingRequest.state == state)
    return timed_page(query, (FundingRequest.id.desc(),), Timed.of("funding_request"), page, per_page, level)


@dataclass
class FundingReview:
    request: FundingRequest
    evaluations: list[Evaluation]  # the project's whole evaluation history, newest first
    agency: list[EvaluationRecord]  # every graded evaluation of the agency's projects
    blocking: Grade | None  # the latest grade that blocks approval under the Office's rule

    def __getattr__(self, name: str):  # read as the request itself too (the API's detail is the request's)
        return getattr(self.request, name)


def funding_request_detail(actor: User, request_id: int) -> FundingRequest:
    request = load_visible(FundingRequest, request_id, actor)
    limits.attach_statuses("funding_request", [request])
    return request


def funding_review(actor: User, request_id: int) -> FundingReview:
    """The request with its project's evaluations, its agency's grades and whether a grade blocks it."""
    request = funding_request_detail(actor, request_id)
    evaluations = list(db.session.scalars(sa.select(Evaluation).where(Evaluation.project_id == request.project_id)
                                          .order_by(Evaluation.id.desc())))
    return FundingReview(request, evaluations, agency_evaluations(request.organisation_id), blocking_grade(request))
