"""Input schemas, one per command; the HTML forms, the JSON API and the CLI share them."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import (EXCLUDE, Schema, ValidationError, fields, validate, validates,
                         validates_schema)

from app.errors import Invalid
from app.models.vocabulary import Domain, PilotCategory


def _required():
    return {"required": str(_l("This field is required.")), "null": str(_l("This field is required."))}


class ApplicationDraftSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    batch_id = fields.Integer(required=True, error_messages=_required())
    name = fields.String(required=True, validate=validate.Length(min=4, max=128), error_messages=_required())
    category = fields.Enum(PilotCategory, by_value=True, required=True, error_messages=_required())
    domain = fields.Enum(Domain, by_value=True, required=True, error_messages=_required())
    contact_name = fields.String(required=True, validate=validate.Length(min=2, max=32), error_messages=_required())
    contact_phone = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9+\-() ]{7,32}$", error=str(_l("Enter a valid telephone number."))), error_messages=_required())
    requested_budget = fields.Decimal(required=True, places=2, as_string=True, validate=validate.Range(
        min=0, max=100000, error=str(_l("The budget must be between 0 and 100,000 (10k yuan)."))),
        error_messages=_required())
    construction_months = fields.Integer(required=True, validate=validate.Range(
        min=1, max=60, error=str(_l("The construction period is 1 to 60 months."))), error_messages=_required())
    objectives = fields.String(required=True, validate=validate.Length(min=1, max=5000), error_messages=_required())
    content = fields.String(required=True, validate=validate.Length(min=1, max=20000), error_messages=_required())
    expected_benefits = fields.String(required=True, validate=validate.Length(min=1, max=5000),
                                      error_messages=_required())
    plan_item_id = fields.Integer(load_default=None, allow_none=True)
    off_plan_justification = fields.String(load_default="", validate=validate.Length(max=5000))

    @validates_schema
    def _plan_or_reason(self, data, **_):
        if not data.get("plan_item_id") and not (data.get("off_plan_justification") or "").strip():
            raise ValidationError(str(_l("Choose a plan item, or explain why the pilot is needed outside the plan.")),
                                  "off_plan_justification")


class OpinionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    opinion = fields.String(load_default="", validate=validate.Length(max=5000))


class RankingSchema(OpinionSchema):
    ranking = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=999))


class JointOpinionSchema(OpinionSchema):
    recommendation = fields.String(required=True, validate=validate.OneOf(
        ("approve", "return", "reject"), error=str(_l("Choose approve, return or reject."))),
        error_messages=_required())


class ProjectApprovalSchema(OpinionSchema):
    approved_budget = fields.Decimal(required=True, places=2, as_string=True, validate=validate.Range(
        min=0, max=100000, error=str(_l("The budget must be between 0 and 100,000 (10k yuan)."))),
        error_messages=_required())
    construction_months = fields.Integer(required=True, validate=validate.Range(
        min=1, max=60, error=str(_l("The construction period is 1 to 60 months."))), error_messages=_required())
    starts_on = fields.Date(load_default=None, allow_none=True)


class ReportSchema(OpinionSchema):
    report = fields.String(required=True, validate=validate.Length(min=1, max=20000), error_messages=_required())


class RectificationOrderSchema(OpinionSchema):
    deadline = fields.Date(required=True, error_messages=_required())

    @validates("deadline")
    def _future(self, value: date, **_):
        if value <= date.today():
            raise ValidationError(str(_l("The deadline must be after today.")))


class PanelSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    size = fields.Integer(load_default=3, validate=validate.Range(min=3, max=15))
    seed = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=2**62))

    @validates("size")
    def _odd(self, value: int, **_):
        if value % 2 == 0:
            raise ValidationError(str(_l("A panel has an odd number of experts.")))


class CriterionScoreSchema(Schema):
    score = fields.Decimal(required=True, places=2, as_string=True, error_messages=_required())
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class ScoresSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    scores = fields.Dict(keys=fields.String(), values=fields.Nested(CriterionScoreSchema), required=True,
                         error_messages=_required())


class EvaluationScoreSchema(OpinionSchema):
    results_score = fields.Decimal(required=True, places=2, as_string=True,
                                   validate=validate.Range(min=0, max=100), error_messages=_required())
    operation_score = fields.Decimal(required=True, places=2, as_string=True,
                                     validate=validate.Range(min=0, max=100), error_messages=_required())
    promotion_score = fields.Decimal(required=True, places=2, as_string=True,
                                     validate=validate.Range(min=0, max=100), error_messages=_required())


class AcceptanceRequestSchema(OpinionSchema):
    summary = fields.String(required=True, validate=validate.Length(min=1, max=20000), error_messages=_required())


class FundingRequestSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    amount = fields.Decimal(required=True, places=2, as_string=True,
                            validate=validate.Range(min=0.01, max=100000), error_messages=_required())
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=5000), error_messages=_required())


def load(schema: Schema, data: dict) -> dict:
    """Validate plain data with ``schema``; field errors become Invalid (one message per field)."""
    try:
        return schema.load(data or {})
    except ValidationError as exc:
        raise Invalid({k: _first(v) for k, v in exc.normalized_messages().items()}) from None


def _first(messages) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{k}: {_first(v)}" for k, v in messages.items())
    if isinstance(messages, list):
        return str(messages[0]) if messages else ""
    return str(messages)
