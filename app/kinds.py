"""Every kind of workflow item in one neutral map: its name, its model and its flow."""
from __future__ import annotations

from dataclasses import dataclass

from app.models import (
    Acceptance,
    Application,
    DemonstrationObjection,
    DemonstrationPublication,
    Evaluation,
    MidtermCheck,
    Project,
)
from workflows import Flow
from workflows.acceptance import ACCEPTANCE
from workflows.application import APPLICATION
from workflows.demonstration import DEMONSTRATION_LIST, DEMONSTRATION_OBJECTION
from workflows.evaluation import EVALUATION
from workflows.midterm_check import MIDTERM_CHECK
from workflows.project import PROJECT


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
    "demonstration_list": "demonstration.notice",
    "demonstration_objection": "demonstration.objection",
}
MODEL_OF: dict[str, type] = {name: k.model for name, k in KINDS.items()}
_BY_MODEL: dict[type, Kind] = {k.model: k for k in KINDS.values()}


def kind_of(entity: object) -> Kind:
    """The kind of a loaded workflow item."""
    return _BY_MODEL[type(entity)]
