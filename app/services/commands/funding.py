"""后续资金申请 (follow-on funding) as a flow: the agency files with an amount, a purpose and
typed attachments; the Office reviews (or returns it for revision); a leader approves an amount
or rejects — and, when the project's latest grade blocks funding under the Office's rule
(FUNDING_BLOCKING_GRADES), first overrides the block with a written reason. The decision is
issued as the 后续资金批复, numbered in the deciding transaction and sealed by the Office.

Files go through ``attachments.attach_file``: the same storage, limits and errors as an
application's attachments.
"""
from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Iterable

from flask_babel import lazy_gettext as _l

from app import policies
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import FundingAttachment, FundingRequest, Project, User
from app.schemas import (
    FundingApprovalSchema,
    FundingRequestSchema,
    FundingRevisionSchema,
    load,
)
from app.services.commands.attachments import attach_file, detach_file, storage_path
from app.services.documents import issuing
from app.services.engine.actions import verb
from app.services.engine.fire import fire, state_changed
from app.services.engine.loading import load_visible
from app.services.records import audit
from workflows.funding_request import ATTACHABLE, FUNDING_REQUEST
from workflows.project import ProjectState

KIND = "funding_request"
# kind -> (Chinese, English)
ATTACHMENT_KINDS = {
    "funding_plan": ("资金使用计划", "Funding plan"),
    "budget": ("预算表", "Budget sheet"),
    "results_report": ("项目成效报告", "Results report"),
    "other": ("其他材料", "Other material"),
}
# Follow-on funding follows acceptance: the project is being evaluated, proposed as or made a
# demonstration, or closed.
FUNDABLE = (ProjectState.EVALUATION, ProjectState.CANDIDATE, ProjectState.DEMONSTRATION, ProjectState.CLOSED)

File = tuple[str, str | None, BinaryIO]  # (kind, the client's file name, the bytes)


def _check_kind(kind: str) -> None:
    if kind not in ATTACHMENT_KINDS:
        raise Invalid({"kind": str(_l("Choose the kind of attachment."))})


def _attach(actor: User, request: FundingRequest, kind: str, filename: str | None,
            stream: BinaryIO) -> FundingAttachment:
    return attach_file(actor, KIND, request, FundingAttachment, "funding_request_id", kind, ATTACHMENT_KINDS,
                       filename, stream)


def file_funding_request(actor: User, project_id: int, data: dict,
                         files: Iterable[File] = ()) -> FundingRequest:
    """The agency files a request for its accepted project, with its attachments, and it waits
    for the Office's review. Any refusal (a bad amount, a file too large or of the wrong type,
    another agency's project) leaves nothing written: the caller's transaction rolls back."""
    fields = load(FundingRequestSchema(), data)
    files = [(kind, name, stream) for kind, name, stream in files]
    for kind, _name, _stream in files:
        _check_kind(kind)
    project = load_visible(Project, project_id, actor)
    policies.require("applicant_owns", actor, project)
    if project.state not in FUNDABLE:
        raise Conflict(str(_l("Follow-on funding can be requested once the project has passed acceptance.")))
    request = FundingRequest(project_id=project.id, organisation_id=project.organisation_id,
                             created_by_id=actor.id, state=FUNDING_REQUEST.initial, **fields)
    db.session.add(request)
    db.session.flush()
    # The Office's reviewers hear that a request awaits them (as after any step).
    audit.record(entity_type=KIND, entity_id=request.id, trigger="request_funding", actor=actor,
                 role="applicant", to_state=request.state.value, opinion=fields["purpose"],
                 payload={"amount": fields["amount"], "project_id": project.id},
                 message=state_changed(KIND, request.id, "request_funding", None, request.state.value, actor.id))
    for kind, name, stream in files:
        _attach(actor, request, kind, name, stream)
    return request


def add_funding_attachment(actor: User, request_id: int, kind: str, filename: str | None,
                           stream: BinaryIO) -> FundingAttachment:
    """A further file for the agency's own request while it awaits review or is returned."""
    _check_kind(kind)
    request = load_visible(FundingRequest, request_id, actor)
    policies.require("applicant_owns", actor, request)
    if request.state not in ATTACHABLE:
        raise Conflict(str(_l("Attachments can be added only while the request awaits review or is returned for revision.")))
    return _attach(actor, request, kind, filename, stream)


def attachments_editable(actor: User, request: FundingRequest) -> bool:
    """Whether the actor may add or remove the request's attachments now (what the page offers)."""
    return request.state in ATTACHABLE and bool(policies.check("applicant_owns", actor, request))


def _visible_attachment(actor: User, attachment_id: int,
                        request_id: int | None) -> tuple[FundingRequest, FundingAttachment]:
    """The attachment (of ``request_id``, when given) and its request, if the actor may see it (else 404)."""
    attachment = db.session.get(FundingAttachment, attachment_id)
    if attachment is None or (request_id is not None and attachment.funding_request_id != request_id):
        raise NotFound(f"funding attachments {attachment_id}")
    return load_visible(FundingRequest, attachment.funding_request_id, actor), attachment


def remove_funding_attachment(actor: User, attachment_id: int, request_id: int | None = None) -> FundingAttachment:
    """Take a file off the agency's own request while it awaits review or is returned (the history
    keeps its name and digest)."""
    request, attachment = _visible_attachment(actor, attachment_id, request_id)
    policies.require("applicant_owns", actor, request)
    if request.state not in ATTACHABLE:
        raise Conflict(str(_l("Attachments can be removed only while the request awaits review or is returned for "
                              "revision.")))
    return detach_file(actor, KIND, request, attachment)


def open_funding_attachment(actor: User, attachment_id: int,
                            request_id: int | None = None) -> tuple[FundingAttachment, Path]:
    """The attachment and where its bytes are, if the actor may see its request."""
    _request, attachment = _visible_attachment(actor, attachment_id, request_id)
    path = storage_path(attachment.sha256)
    if not path.is_file():
        raise NotFound(f"funding attachments {attachment_id} (file missing)")
    return attachment, path


# --- the steps that write more than an opinion ---------------------------------------------------
@verb(KIND, "resubmit_funding_request", schema=FundingRevisionSchema)
def resubmit(actor: User, request_id: int, fields: dict, expected_version: int | None = None) -> FundingRequest:
    request = load_visible(FundingRequest, request_id, actor)
    fire(request, "resubmit_funding_request", actor, opinion=fields["opinion"], expected_version=expected_version,
         payload={"amount": fields["amount"]},
         changes={"amount": fields["amount"], "purpose": fields["purpose"]})
    return request


@verb(KIND, "override_grade_block")
def override_grade_block(actor: User, request_id: int, fields: dict,
                         expected_version: int | None = None) -> FundingRequest:
    """A leader lets a request through despite a blocking grade, with a written reason on record."""
    request = load_visible(FundingRequest, request_id, actor)
    fire(request, "override_grade_block", actor, opinion=fields["opinion"], expected_version=expected_version,
         changes={"grade_overridden_by_id": actor.id})
    return request


@verb(KIND, "approve_funding", schema=FundingApprovalSchema)
def approve_funding(actor: User, request_id: int, fields: dict,
                    expected_version: int | None = None) -> FundingRequest:
    request = load_visible(FundingRequest, request_id, actor)
    policies.require(FUNDING_REQUEST.step_for("approve_funding").policy, actor, request)
    if fields["approved_amount"] > request.amount:
        raise Invalid({"approved_amount": str(_l("The approved amount cannot exceed the %(amount)s requested.",
                                                 amount=request.amount))})
    fire(request, "approve_funding", actor, opinion=fields["opinion"], expected_version=expected_version,
         payload={"approved_amount": fields["approved_amount"], "requested": request.amount},
         changes={"approved_amount": fields["approved_amount"]})
    issuing.reserve("funding_decision", request, actor)  # 后续资金批复: numbered now, rendered after commit
    return request


@verb(KIND, "reject_funding")
def reject_funding(actor: User, request_id: int, fields: dict,
                   expected_version: int | None = None) -> FundingRequest:
    request = load_visible(FundingRequest, request_id, actor)
    fire(request, "reject_funding", actor, opinion=fields["opinion"], expected_version=expected_version)
    issuing.reserve("funding_decision", request, actor)
    return request

