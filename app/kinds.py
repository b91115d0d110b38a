"""Every kind of workflow item in one neutral map: its name, its model and its flow."""
from __future__ import annotations

from dataclasses import dataclass

from app.models import (
    Acceptance,
    Application,
    ChangeRequest,
    DemonstrationObjection,
    DemonstrationPublication,
    Evaluation,
    FundingRequest,
    MidtermCheck,
    Project,
)
from workflows import Flow
from workflows.acceptance import ACCEPTANCE
from workflows.application import APPLICATION
from workflows.change_request import CHANGE_REQUEST
from workflows.demonstration import DEMONSTRATION_LIST, DEMONSTRATION_OBJECTION
from workflows.evaluation import EVALUATION
from workflows.funding_request import FUNDING_REQUEST
from workflows.midterm_check import MIDTERM_CHECK
from workflows.project import PROJECT
from workflows.registry import VERSIONS, flow_version


@dataclass(frozen=True)
class Kind:
    name: str  # as stored in audit records, outbox rows and URLs
    model: type
    flow: Flow


# In the lifecycle's order (the inbox and the dashboard list kinds in this order).
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("application", Application, APPLICATION),
    Kind("project", Project, PROJECT),
    Kind("midterm_check", MidtermCheck, MIDTERM_CHECK),
    Kind("acceptance", Acceptance, ACCEPTANCE),
    Kind("evaluation", Evaluation, EVALUATION),
    Kind("change_request", ChangeRequest, CHANGE_REQUEST),
    Kind("funding_request", FundingRequest, FUNDING_REQUEST),
    Kind("demonstration_list", DemonstrationPublication, DEMONSTRATION_LIST),
    Kind("demonstration_objection", DemonstrationObjection, DEMONSTRATION_OBJECTION),
)}
# The web page of each kind of item (its endpoint takes ``id``): page links and mail links.
PAGE_ENDPOINTS: dict[str, str] = {
    "application": "applications.detail",
    "project": "projects.detail",
    "midterm_check": "projects.check",
    "acceptance": "panels.acceptance",
    "evaluation": "evaluation.detail",
    "change_request": "changes.detail",
    "funding_request": "funding.detail",
    "demonstration_list": "demonstration.notice",
    "demonstration_objection": "demonstration.objection",
}
MODEL_OF: dict[str, type] = {name: k.model for name, k in KINDS.items()}
_BY_MODEL: dict[type, Kind] = {k.model: k for k in KINDS.values()}
KIND_OF_MODEL: dict[type, str] = {k.model: name for name, k in KINDS.items()}  # a model → its kind's name


def kind_of(entity: object) -> Kind:
    """The kind of a loaded workflow item."""
    return _BY_MODEL[type(entity)]


def flow_of(entity: object) -> Flow:
    """The flow definition a case follows: its kind's flow at the version the case is pinned to
    (``flow_version``, set when the case is created; 1 for a case that predates versions)."""
    kind = kind_of(entity)
    if kind.name not in VERSIONS:  # a kind whose flow is not in workflows.registry: its one definition
        return kind.flow
    return flow_version(kind.name, getattr(entity, "flow_version", None))


def flows_of(kind: str) -> list[Flow]:
    """Every loadable version of a kind's flow, the current (highest) first."""
    return [VERSIONS[kind][v] for v in sorted(VERSIONS.get(kind, {}), reverse=True)] or [KINDS[kind].flow]
