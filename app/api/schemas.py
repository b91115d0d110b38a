"""Output schemas, query-string schemas and the error body of the JSON API.

Request bodies reuse the command schemas of app.schemas (the same ones the HTML forms use);
the services validate them, so a rule can never exist in only one of the two adapters.
"""
from __future__ import annotations

from datetime import timezone
from decimal import Decimal

from marshmallow import EXCLUDE, Schema, fields, validate

from app.i18n import short_locale
from app.models.vocabulary import Domain, OrgKind, PilotCategory
from app.schemas import ID_RANGE, ApplicationDraftSchema
from app.services.time.limits import FILTER_LEVELS
from app.sizes import file_size
from workflows.acceptance import AcceptanceState
from workflows.application import ApplicationState
from workflows.evaluation import EvaluationState
from workflows.funding_request import FundingRequestState
from workflows.midterm_check import MidtermCheckState
from workflows.project import ProjectState


# --- fields ---------------------------------------------------------------------------------
class EnumValue(fields.String):
    """A LabelledEnum dumped as its stored value ('draft', 'online_service', …)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(getattr(value, "value", value))


class EnumLabel(fields.String):
    """The label of a LabelledEnum attribute in the request's language (Accept-Language)."""

    def __init__(self, source: str, **kwargs):
        super().__init__(attribute=source, dump_only=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.label(short_locale())


class UtcDateTime(fields.DateTime):
    """ISO 8601 with an offset: SQLite hands back naive values, which were stored as UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class DecimalString(fields.String):
    """Money and scores as exact decimal strings ('120.50'), never binary floats."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return str(Decimal(value).quantize(Decimal("0.01")))


class SizeText(fields.Function):
    """A stored file's ``size`` as the pages show it ("48 KB", "1.5 MB")."""

    def __init__(self):
        super().__init__(lambda stored: file_size(stored.size), required=True, metadata={
            "type": "string", "description": "The size as the pages show it, e.g. \"48 KB\" or \"1.5 MB\".",
            "example": "48 KB"})


def _choices(enum) -> validate.OneOf:
    return validate.OneOf([m.value for m in enum])


# --- errors and pages -----------------------------------------------------------------------
class ErrorSchema(Schema):
    """Every error has this shape, whatever the status."""

    status = fields.Integer(required=True, metadata={"description": "The HTTP status, repeated."})
    error = fields.String(required=True, metadata={
        "description": "A stable machine-readable code: bad_request, unauthorized, forbidden, not_found, "
                       "method_not_allowed, conflict, invalid, payload_too_large, uri_too_long, "
                       "unsupported_media_type, too_many_requests (with Retry-After), "
                       "request_header_fields_too_large, server_error."})
    message = fields.String(required=True, metadata={
        "description": "A sentence for people (for 403: the policy's reason), in the language chosen by "
                       "Accept-Language."})
    fields_ = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields", metadata={
        "description": "Per-field messages (400/422): field name, or a dotted path, to one message."})


class PageArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


_PAGE_SCHEMAS: dict[str, type[Schema]] = {}


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The envelope of a paginated list: items in a stable order, the total and the page."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    if name not in _PAGE_SCHEMAS:
        _PAGE_SCHEMAS[name] = type(name, (Schema,), {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True, metadata={"description": "Rows matching, on every page."}),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
            "pages": fields.Integer(required=True),
        })
    return _PAGE_SCHEMAS[name]


# --- reference data -------------------------------------------------------------------------
class OrganisationRefSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)


class OrganisationSchema(OrganisationRefSchema):
    short_name = fields.String(allow_none=True)
    kind = EnumValue(required=True)
    kind_label = EnumLabel("kind")
    division_code = fields.String(required=True)


class BatchSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    year = fields.Integer(required=True)
    opens_on = fields.Date(required=True)
    closes_on = fields.Date(required=True)
    quota = fields.Integer(required=True)


class PlanItemSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    category = EnumValue(required=True)
    category_label = EnumLabel("category")
    domain = EnumValue(required=True)
    domain_label = EnumLabel("domain")
    description = fields.String()
    active = fields.Boolean()


class CriterionSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    zh = fields.String(required=True)
    en = fields.String(required=True)
    max_points = fields.Integer(required=True)


class MeSchema(Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    organisation = fields.Nested(OrganisationRefSchema, required=True)
    roles = fields.Method("_roles", metadata={"type": "array", "items": {"type": "string"}})

    def _roles(self, user):
        return sorted(r.value for r in user.roles)


class OrganisationListArgs(PageArgs):
    kind = fields.String(validate=_choices(OrgKind))
    division_code = fields.String(validate=validate.Length(max=12))
    q = fields.String(validate=validate.Length(max=64))


class BatchListArgs(PageArgs):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class PlanItemListArgs(PageArgs):
    active = fields.Boolean(load_default=True)
    category = fields.String(validate=_choices(PilotCategory))
    domain = fields.String(validate=_choices(Domain))


# --- applications ---------------------------------------------------------------------------
class MaterialSchema(Schema):
    """A material handed in with a stage's step (download at /api/v1/materials/{id})."""

    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    stage = fields.String(required=True, metadata={"enum": ["midterm_check", "acceptance", "evaluation"]})
    stage_id = fields.Integer(required=True)
    trigger = fields.String(required=True, metadata={"description": "The step it was handed in with."})
    kind = fields.String(required=True, metadata={"enum": ["progress_report", "rectification_report",
                                                           "completion_report", "financial_audit",
                                                           "test_report", "user_report"]})
    display_name = fields.String(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "In bytes."})
    size_text = SizeText()
    content_type = fields.String(required=True)
    uploaded_by_id = fields.Integer(required=True)
    uploaded_at = UtcDateTime(required=True)


class AttachmentSchema(Schema):
    id = fields.Integer(required=True)
    application_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    display_name = fields.String(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "In bytes."})
    size_text = SizeText()
    content_type = fields.String(required=True)
    uploaded_by_id = fields.Integer(required=True)
    uploaded_at = UtcDateTime(required=True)


class EndorsementSchema(Schema):
    position = fields.Integer(required=True)
    office = fields.Nested(OrganisationRefSchema, required=True)
    endorsed_at = UtcDateTime(allow_none=True)
    ranking = fields.Integer(allow_none=True)


class TimeLimitFields(Schema):
    """A row's time limit (``limits.status``, attached by the read): every list and detail with one."""

    deadline = UtcDateTime(attribute="time_limit.deadline", allow_none=True, dump_only=True, metadata={
        "description": "When the present stage is due (the reviewer's clock stops while returned to the "
                       "applicant); for a project, its most pressing open check, acceptance or evaluation."})
    time_limit_level = fields.String(attribute="time_limit.level.value", dump_only=True, metadata={
        "description": "none, on_time, due_soon (黄牌) or overdue (红牌)."})
    time_limit_label = fields.Method("_level_label", dump_only=True)

    def _level_label(self, obj) -> str:
        limit = getattr(obj, "time_limit", None)
        return limit.level.label(short_locale()) if limit else ""


class LevelArgs(Schema):
    """The warning-level filter every list with time limits takes."""

    level = fields.String(validate=validate.OneOf(FILTER_LEVELS), metadata={
        "description": "Only items at this time-limit level: on_time, due_soon (黄牌) or overdue (红牌)."})


class ApplicationSummarySchema(TimeLimitFields):
    id = fields.Integer(required=True)
    number = fields.String(allow_none=True, required=True, metadata={
        "description": "The application's human number, e.g. 云试申〔2026〕0012号 (prefix, Beijing year of "
                       "submission, a gapless sequence per year), given at submission; null for a draft.",
        "example": "云试申〔2026〕0012号"})
    batch_id = fields.Integer(required=True)
    organisation = fields.Nested(OrganisationRefSchema, required=True)
    division_code = fields.String(required=True)
    prefecture_code = fields.String(allow_none=True)
    name = fields.String(required=True)
    category = EnumValue(required=True)
    category_label = EnumLabel("category")
    domain = EnumValue(required=True)
    domain_label = EnumLabel("domain")
    requested_budget = DecimalString(required=True, metadata={"description": "万元 (10k yuan)"})
    construction_months = fields.Integer(required=True)
    state = EnumValue(required=True)
    state_label = EnumLabel("state")
    version = fields.Integer(required=True, metadata={
        "description": "Send it back with an edit or an action; a stale one gets 409."})
    created_at = UtcDateTime(required=True)
    submitted_at = UtcDateTime(allow_none=True)
    stage_entered_at = UtcDateTime(required=True)


class ApplicationDetailSchema(ApplicationSummarySchema):
    contact_name = fields.String(required=True)
    contact_phone = fields.String(required=True)
    objectives = fields.String(required=True)
    content = fields.String(required=True)
    expected_benefits = fields.String(required=True)
    plan_item_id = fields.Integer(allow_none=True)
    off_plan_justification = fields.String()
    plan_overridden_by_id = fields.Integer(allow_none=True)
    endorsement_level = fields.Integer()
    re_review_round = fields.Integer()
    endorsements = fields.List(fields.Nested(EndorsementSchema))
    attachments = fields.List(fields.Nested(AttachmentSchema))
    project_id = fields.Integer(allow_none=True, metadata={"description": "The project, once approved (立项)."})


class ApplicationListArgs(PageArgs, LevelArgs):
    """The filters of the web list (app.services.reads.applications.ApplicationFilters)."""

    batch_id = fields.Integer(validate=ID_RANGE)
    state = fields.String(validate=_choices(ApplicationState))
    division_code = fields.String(validate=validate.Length(max=12), metadata={
        "description": "A prefecture or county code: matches applications from that area."})
    category = fields.String(validate=_choices(PilotCategory))
    domain = fields.String(validate=_choices(Domain))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    organisation_id = fields.Integer(validate=ID_RANGE)
    q = fields.String(validate=validate.Length(max=64), metadata={"description": "Name or contact contains."})


# --- projects and later stages --------------------------------------------------------------
class ProjectSchema(TimeLimitFields):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    application_id = fields.Integer(required=True)
    batch_id = fields.Integer(required=True)
    organisation = fields.Nested(OrganisationRefSchema, required=True)
    division_code = fields.String(required=True)
    prefecture_code = fields.String(allow_none=True)
    name = fields.String(required=True)
    approved_budget = DecimalString(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    state = EnumValue(required=True)
    state_label = EnumLabel("state")
    version = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)
    stage_entered_at = UtcDateTime(required=True)
    demonstration_selected_at = UtcDateTime(allow_none=True)


class ProjectListArgs(PageArgs, LevelArgs):
    state = fields.String(validate=_choices(ProjectState))
    batch_id = fields.Integer(validate=ID_RANGE)


class MidtermCheckSchema(TimeLimitFields):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    state = EnumValue(required=True)
    state_label = EnumLabel("state")
    version = fields.Integer(required=True)
    progress_report = fields.String()
    rectification_deadline = fields.Date(allow_none=True)
    rectification_report = fields.String()
    opened_at = UtcDateTime(required=True)
    stage_entered_at = UtcDateTime(required=True)


class MidtermCheckListArgs(PageArgs, LevelArgs):
    project_id = fields.Integer(validate=ID_RANGE)
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    state = fields.String(validate=_choices(MidtermCheckState))


class OpenChecksSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class PanelMemberSchema(Schema):
    id = fields.Integer(required=True)
    expert_id = fields.Integer(required=True)
    name = fields.String(attribute="expert.user.display_name", required=True)
    title = fields.String(attribute="expert.title")
    user_id = fields.Integer(attribute="expert.user_id", required=True)
    position = fields.Integer(required=True)
    is_chair = fields.Boolean(required=True)
    scored_at = UtcDateTime(allow_none=True)
    signed_at = UtcDateTime(allow_none=True)
    declaration = fields.String(allow_none=True, metadata={
        "description": "回避声明: no_conflict, recused, or null while not yet declared."})
    declared_at = UtcDateTime(allow_none=True)
    recusal_reason = fields.String()
    replaces_id = fields.Integer(allow_none=True, metadata={
        "description": "For a replacement: the seat (`id`) of the recused expert it replaces."})
    draw_seed = fields.Integer(allow_none=True, metadata={"description": "For a replacement: the seed of its draw."})


class ScoreSchema(Schema):
    expert_id = fields.Integer(required=True)
    criterion = fields.String(required=True)
    score = DecimalString(required=True)
    comment = fields.String()


class AcceptanceSchema(TimeLimitFields):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    round = fields.Integer(required=True)
    state = EnumValue(required=True)
    state_label = EnumLabel("state")
    version = fields.Integer(required=True)
    summary = fields.String()
    average_score = DecimalString(allow_none=True)
    conclusion = fields.String(allow_none=True, metadata={"description": "pass, conditional or fail"})
    conditions = fields.String()
    requested_at = UtcDateTime(required=True)
    stage_entered_at = UtcDateTime(required=True)


class AcceptanceDetailSchema(AcceptanceSchema):
    seed = fields.Integer(allow_none=True, metadata={"description": "The recorded seed of the panel draw."})
    members = fields.List(fields.Nested(PanelMemberSchema), metadata={
        "description": "The expert panel: those drawn who have not recused."})
    panel = fields.List(fields.Nested(PanelMemberSchema), metadata={
        "description": "Everyone drawn for this round with their declarations (回避声明), recused experts included."})
    undeclared = fields.Boolean(metadata={
        "description": "True for a panel expert who has not declared no conflict of interest: the summary and "
                       "the scores are withheld until they do."})
    domain = EnumValue(metadata={"description": "The project's domain (示范领域)."})
    specialist_drawn = fields.Boolean(metadata={
        "description": "False when no expert of the pool was a specialist of the project's domain."})
    scores = fields.List(fields.Nested(ScoreSchema))


class AcceptanceListArgs(PageArgs, LevelArgs):
    project_id = fields.Integer(validate=ID_RANGE)
    state = fields.String(validate=_choices(AcceptanceState))


class EvaluationSchema(TimeLimitFields):
    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    period = fields.String(required=True)
    state = EnumValue(required=True)
    state_label = EnumLabel("state")
    version = fields.Integer(required=True)
    self_report = fields.String()
    results_score = DecimalString(allow_none=True)
    operation_score = DecimalString(allow_none=True)
    promotion_score = DecimalString(allow_none=True)
    total_score = DecimalString(allow_none=True)
    grade = EnumValue(allow_none=True)
    grade_label = EnumLabel("grade", allow_none=True)
    opened_at = UtcDateTime(required=True)
    graded_at = UtcDateTime(allow_none=True)
    stage_entered_at = UtcDateTime(required=True)


class EvaluationListArgs(PageArgs, LevelArgs):
    project_id = fields.Integer(validate=ID_RANGE)
    period = fields.String(validate=validate.Length(max=16))
    state = fields.String(validate=_choices(EvaluationState))


class OpenEvaluationsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    period = fields.String(required=True, validate=validate.Length(min=4, max=16))
    project_ids = fields.List(fields.Integer(validate=ID_RANGE), load_default=None, allow_none=True,
                              validate=validate.Length(max=1000))


class AgencyEvaluationSchema(Schema):
    project_id = fields.Integer(required=True)
    project_code = fields.String(required=True)
    project_name = fields.String(required=True)
    period = fields.String(required=True)
    total_score = DecimalString(allow_none=True)
    grade = EnumValue(allow_none=True)
    grade_label = EnumLabel("grade", allow_none=True)


class StatisticsSchema(Schema):
    applications_by_state = fields.Dict(keys=fields.String(), values=fields.Integer())
    applications_by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    applications_by_domain = fields.Dict(keys=fields.String(), values=fields.Integer())
    applications_by_prefecture = fields.Dict(keys=fields.String(), values=fields.Integer())
    projects_by_state = fields.Dict(keys=fields.String(), values=fields.Integer())
    evaluations_by_grade = fields.Dict(keys=fields.String(), values=fields.Integer())
    requested_budget_total = DecimalString()
    approved_budget_total = DecimalString()


class StatisticsArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    batch_id = fields.Integer(validate=ID_RANGE)


class FundingAttachmentSchema(Schema):
    id = fields.Integer(required=True)
    funding_request_id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "funding_plan, budget, results_report or other."})
    display_name = fields.String(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "In bytes."})
    size_text = SizeText()
    content_type = fields.String(required=True)
    uploaded_by_id = fields.Integer(required=True)
    uploaded_at = UtcDateTime(required=True)


class FiledFundingRequestSchema(TimeLimitFields):
    """A follow-on funding request (后续资金申请), a workflow item of kind ``funding_request``."""

    id = fields.Integer(required=True)
    project_id = fields.Integer(required=True)
    organisation_id = fields.Integer(required=True)
    amount = DecimalString(required=True, metadata={"description": "万元 (10k yuan) requested."})
    purpose = fields.String(required=True)
    state = EnumValue(required=True, metadata={
        "description": "office_review (待审核), returned (退回修改), leader_decision (待领导决定), approved (已批准) "
                       "or rejected (未批准)."})
    state_label = EnumLabel("state")
    version = fields.Integer(required=True, metadata={"description": "Send it back as expected_version."})
    flow_version = fields.Integer(required=True, metadata={"description": "The flow definition the request follows."})
    approved_amount = DecimalString(allow_none=True, metadata={"description": "万元 granted, once approved."})
    grade_overridden = fields.Function(lambda r: r.grade_overridden_by_id is not None, metadata={
        "type": "boolean", "description": "Whether a leader has overridden a blocking grade (reason in the history)."})
    attachments = fields.List(fields.Nested(FundingAttachmentSchema))
    created_by_id = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)


class FundingRequestListArgs(PageArgs, LevelArgs):
    project_id = fields.Integer(validate=ID_RANGE)
    state = fields.String(validate=_choices(FundingRequestState))


class DemonstrationListSchema(Schema):
    """A published list of demonstration projects (示范项目名单): under public notice (公示) until
    ``notice_ends_on``, then confirmed."""

    id = fields.Integer(required=True)
    published_at = UtcDateTime(required=True)
    published_by_id = fields.Integer(required=True)
    project_ids = fields.List(fields.Integer(), required=True, metadata={"description": "In the list's order."})
    state = EnumValue(required=True, metadata={"description": "notice (公示中) or confirmed (已确认)."})
    state_label = EnumLabel("state")
    version = fields.Integer(required=True)
    notice_ends_on = fields.Date(allow_none=True, metadata={
        "description": "The notice period's last day (Beijing); objections are accepted until then."})
    confirmed_at = UtcDateTime(allow_none=True)


class PublishedDemonstrationListSchema(DemonstrationListSchema):
    projects = fields.List(fields.Nested(ProjectSchema), required=True)


class PublicRowSchema(Schema):
    """What the 公示 shows of a project."""

    project_id = fields.Integer(required=True)
    name = fields.String(required=True)
    agency = fields.String(required=True)
    domain = EnumValue(required=True)
    domain_label = EnumLabel("domain")
    grade = EnumValue(allow_none=True)
    grade_label = EnumLabel("grade", allow_none=True)


class DomainCoverageSchema(Schema):
    domain = EnumValue(required=True)
    domain_label = EnumLabel("domain")
    projects = fields.Integer(required=True)


class PublicDemonstrationListSchema(Schema):
    """The public notice (示范项目公示): the list under notice, else the last confirmed list —
    only what a 公示 shows."""

    id = fields.Integer(required=True)
    state = EnumValue(required=True, metadata={"description": "notice (公示中) or confirmed (已确认)."})
    state_label = EnumLabel("state")
    published_at = UtcDateTime(required=True)
    notice_ends_on = fields.Date(allow_none=True)
    confirmed_at = UtcDateTime(allow_none=True)
    projects = fields.List(fields.Nested(PublicRowSchema), required=True)
    coverage = fields.List(fields.Nested(DomainCoverageSchema), required=True)
    objections = fields.Integer(required=True, metadata={"description": "Objections received."})
    objections_answered = fields.Integer(required=True)


class ObjectionReceiptSchema(Schema):
    """An objection as its filer sees it once filed (nothing else of the Office's records)."""

    id = fields.Integer(required=True)
    publication_id = fields.Integer(required=True)
    filed_at = UtcDateTime(required=True)
    state = EnumValue(required=True)
    state_label = EnumLabel("state")


class ObjectionSchemaOut(ObjectionReceiptSchema, TimeLimitFields):
    """An objection with the filer's contact and the Office's answer: the Office and leaders."""

    project_id = fields.Integer(allow_none=True)
    name = fields.String(required=True)
    contact = fields.String(required=True)
    text = fields.String(required=True)
    version = fields.Integer(required=True)
    answer = fields.String(required=True)
    answered_at = UtcDateTime(allow_none=True)


class DemonstrationListDetailSchema(DemonstrationListSchema, TimeLimitFields):
    objections = fields.List(fields.Nested(ObjectionSchemaOut), required=True)


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": (
        "task (awaits your action), state_changed (a decision on your agency's item), reminder (due soon), "
        "escalation (overdue, to the supervising level), urge (催办), entered_on_behalf (a proxy entered "
        "your step, 代录), public_notice (your project is on a demonstration list under 公示: "
        "`params.notice_ends_on` is the last day for objections)")})
    entity_type = fields.String(required=True, metadata={"description": "application, project, midterm_check…"})
    entity_id = fields.Integer(required=True)
    params = fields.Dict(metadata={"description": "What happened: the trigger, the stage now (`to`)…"})
    created_at = UtcDateTime(required=True)
    read_at = UtcDateTime(allow_none=True)


class MarkedReadSchema(Schema):
    marked = fields.Integer(required=True, metadata={"description": "How many notifications were unread."})


# --- administration -------------------------------------------------------------------------
class AdminUserSchema(MeSchema):
    email = fields.String(allow_none=True, metadata={"description": "The user's e-mail address, if any."})
    active = fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)


class AdminUserListArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=64),
                      metadata={"description": "Username or name contains."})


class ExpertSchema(Schema):
    """A member of the expert pool (专家库)."""

    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    username = fields.String(attribute="user.username", required=True)
    display_name = fields.String(attribute="user.display_name", required=True)
    organisation = fields.Nested(OrganisationRefSchema, required=True)
    specialties = fields.String(required=True)
    domains = fields.List(EnumValue(), required=True, metadata={
        "description": "The domains (示范领域) the expert is a specialist in, as codes."})
    title = fields.String(required=True)
    active = fields.Boolean(required=True, metadata={"description": "Drawn for new panels."})


# --- the working-day calendar ---------------------------------------------------------------
class CalendarYearStatusSchema(Schema):
    """Who vouches for a year's holidays and 调休 working days."""

    year = fields.Integer(required=True)
    source = EnumValue(required=True, metadata={
        "description": "office (confirmed by the Office), library (the holidays library carries the State "
                       "Council's schedule) or unconfirmed (weekends and fixed-date holidays only: deadlines "
                       "there are estimates)."})
    source_label = EnumLabel("source")
    confirmed = fields.Boolean(required=True)
    confirmed_by = fields.String(required=True, metadata={"description": "Who confirmed it, for office years."})
    confirmed_at = UtcDateTime(allow_none=True)
    note = fields.String(required=True, metadata={
        "description": "What the Office's confirmation follows, or the holidays library's version."})


class CalendarDaySchema(Schema):
    """A date the Office entered: it overrides the library and the fallback rules."""

    date = fields.Date(required=True)
    kind = EnumValue(required=True, metadata={"description": "holiday or workday (a 调休 working weekend)"})
    kind_label = EnumLabel("kind")
    name = fields.String(required=True)
    entered_by_id = fields.Integer(required=True)
    entered_by_name = fields.String(attribute="entered_by.display_name", required=True)
    entered_at = UtcDateTime(required=True)


class SpecialDaySchema(Schema):
    """A date that breaks the Monday-to-Friday rule in the resolved year, whoever says so."""

    date = fields.Date(required=True)
    working = fields.Boolean(required=True)
    origin = EnumValue(required=True, metadata={"description": "office, library or statute"})
    origin_label = EnumLabel("origin")
    name = fields.Method("_name", required=True, metadata={"type": "string"})

    def _name(self, day):
        return day.label(short_locale())


class CalendarOverviewSchema(Schema):
    """One year of the working-day calendar, as its page shows it."""

    year = fields.Integer(required=True)
    status = fields.Nested(CalendarYearStatusSchema, required=True)
    working_days = fields.Method("_working_days", required=True, metadata={
        "type": "integer", "description": "How many working days the year has."})
    days = fields.List(fields.Nested(CalendarDaySchema), required=True, metadata={
        "description": "The days the Office entered in the year, in date order."})
    special = fields.List(fields.Nested(SpecialDaySchema), attribute="plan.special", required=True, metadata={
        "description": "Every holiday on a weekday and working weekend of the year, the Office's entries included."})
    years = fields.List(fields.Nested(CalendarYearStatusSchema), attribute="statuses", required=True, metadata={
        "description": "Last year, this year, the next two and every year the Office confirmed."})
    can_edit = fields.Boolean(required=True, metadata={"description": "Whether the caller may change the calendar."})

    def _working_days(self, overview):
        return len(overview.plan.working)


class YearImportSchema(Schema):
    """What an imported schedule did to one year (now confirmed by the Office)."""

    year = fields.Integer(required=True)
    days = fields.Integer(required=True, metadata={"description": "The Office's entries in the year now."})
    added = fields.List(fields.String(metadata={"format": "date"}), required=True)
    changed = fields.List(fields.String(metadata={"format": "date"}), required=True, metadata={
        "description": "Dates already entered whose kind or name the file changed."})
    removed = fields.List(fields.String(metadata={"format": "date"}), required=True, metadata={
        "description": "The Office's earlier entries in the year that the file does not list."})


class VersionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    version = fields.Integer(required=True, strict=True, validate=ID_RANGE, metadata={
        "description": "The version of the item the client last saw (409 if it has moved on)."})


_BODIES: dict[str, type[Schema]] = {}
# What the engine refuses of a step that requires an opinion: none, or a blank one (``fire``).
_WRITTEN = validate.Regexp(r"[\s\S]*\S")


def step_body(name: str, input_schema: type[Schema], opinion_required: bool, *, versioned: bool = True) -> type[Schema]:
    """The documented body of a step: its command schema, plus ``version`` when ``versioned``;
    its ``opinion`` required, not blank, when the step requires one (the command schemas leave
    that to the engine, as one schema serves steps of both sorts)."""
    if name not in _BODIES:
        extra = {"version": VersionSchema._declared_fields["version"]} if versioned else {}
        if opinion_required:
            opinion = input_schema._declared_fields["opinion"]
            extra["opinion"] = fields.String(required=True, validate=[
                validate.Length(min=1), *opinion.validators, _WRITTEN], metadata={
                "description": "Your opinion (意见): required for this step; blank is refused (422)."})
        _BODIES[name] = type(name, (input_schema,), extra)
    return _BODIES[name]


def draft_body() -> type[Schema]:
    return step_body("ApplicationUpdateSchema", ApplicationDraftSchema, opinion_required=False)



# --- issued documents -----------------------------------------------------------------------
class DossierExportSchema(Schema):
    """A project dossier's export (``dossier_exports.Status``: the export and whether it is current)."""

    id = fields.Integer(required=True, attribute="export.id")
    project_id = fields.Integer(required=True, attribute="export.project_id")
    status = fields.String(required=True, attribute="export.status", metadata={
        "enum": ["pending", "ready", "failed"],
        "description": "pending: its job is building and sealing it (正在生成); ready: download it; failed: "
                       "its job gave up after its last attempt (`error` says why when it can): request again."})
    current = fields.Boolean(required=True, metadata={
        "description": "Ready and still the project's record: no audit record, document, version, attachment or "
                       "covering checkpoint of the project since it was built."})
    requested_at = UtcDateTime(required=True, attribute="export.requested_at")
    finished_at = UtcDateTime(allow_none=True, attribute="export.finished_at")
    sha256 = fields.String(allow_none=True, attribute="export.sha256", metadata={"description": "Of the ZIP, once ready."})
    size = fields.Integer(allow_none=True, attribute="export.size", metadata={"description": "Bytes of the ZIP, once ready."})
    last_record_id = fields.Integer(allow_none=True, attribute="export.last_record_id", metadata={
        "description": "The project's last audit record the archive holds, once ready."})
    error = fields.String(required=True, attribute="export.error", metadata={
        "description": "Why the last attempt failed, when it can say."})
    links = fields.Method("_links", metadata={"type": "object", "description": "self (this status) and download "
                                                                                "(this export's ZIP)."})

    def _links(self, found):
        base = f"/api/v1/projects/{found.export.project_id}/dossier/exports/{found.export.id}"
        return {"self": base, "download": f"{base}/file"}


class DocumentSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"description": "e.g. 云信办〔2026〕12号"})
    kind = fields.String(required=True)
    title = fields.String(required=True)
    entity_type = fields.String(required=True)
    entity_id = fields.Integer(required=True)
    issued_at = UtcDateTime(required=True)
    finalised_at = UtcDateTime(allow_none=True)
    versions = fields.Method("_versions", metadata={"type": "integer"})

    def _versions(self, doc):
        return len(doc.versions)
