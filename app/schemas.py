"""Input schemas, one per command; the HTML forms, the JSON API and the CLI share them."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from app import clock
from app.bounds import MAX_ID
from app.errors import Invalid
from app.models.material import MATERIAL_KINDS
from app.models.user import LOCALES, MailPreference
from app.models.vocabulary import Domain, PilotCategory
from workflows.acceptance import CRITERIA
from workflows.change_request import ChangeType

# Every id a client sends is an existing row's id or nothing: bounded so that a number beyond
# the column is a field error, not a database overflow.
ID_RANGE = validate.Range(min=1, max=MAX_ID)


def widget(label, type: str = "text", **attrs) -> dict:
    """Field metadata saying how a web form asks for the field: ``type`` is an <input> type,
    "textarea", "select" (with ``options``: value → label) or "scores" (the acceptance criteria)."""
    return {"widget": {"label": label, "type": type, **attrs}}


class TwoPlaces(fields.Decimal):
    """An amount (万元) or a score with at most two decimal places, given as a string: more places
    are refused, never rounded away (``30.004`` is not ``30.00``; ``30.000`` is)."""

    default_error_messages = {"places": _l("Use at most two decimal places.")}
    DESCRIPTION = "At most two decimal places: more are refused, never rounded."  # (the API document's)

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"description": self.DESCRIPTION, **kwargs.get("metadata", {})}
        super().__init__(places=2, as_string=True, **kwargs)

    def _validated(self, value):
        num = super()._validated(value)  # rounded to two places
        if num is not None and num.is_finite() and Decimal(str(value).strip()) != num:
            raise self.make_error("places")
        return num


def input_bounds(first: date, last: date) -> dict[str, str]:
    """A date input's ``min`` and ``max`` (the browser's picker then offers no other date)."""
    return {"min": first.isoformat(), "max": last.isoformat()}


class Window(validate.Validator):
    """A date a person could mean: from ``earliest()`` to ``latest()``, both included. Both are
    functions of today (``clock``), so the window moves with the date (and with a test's set
    clock). A date before it is refused with ``too_early``, after it with ``too_late``;
    ``description`` says the window in the API document (``dated``)."""

    def __init__(self, earliest: Callable[[], date], latest: Callable[[], date], *, too_early, too_late,
                 description: str):
        self.earliest, self.latest = earliest, latest
        self.too_early, self.too_late, self.description = too_early, too_late, description

    def bounds(self) -> dict[str, str]:
        """The window as of today, as a date input's ``min`` and ``max`` (the browser's picker
        then offers no other date): for a step's form (``Action.widgets``) and the others alike."""
        return input_bounds(self.earliest(), self.latest())

    def __call__(self, value: date | None) -> date | None:
        if value is not None and value < self.earliest():
            raise ValidationError(str(self.too_early))
        if value is not None and value > self.latest():
            raise ValidationError(str(self.too_late))
        return value


def window_of(field: fields.Field) -> Window | None:
    """The window a date field is held to, if any."""
    return next((v for v in field.validators if isinstance(v, Window)), None)


def dated(window: Window, **kwargs) -> fields.Date:
    """A date field refused outside ``window``, whose description in the API document says it."""
    kwargs["metadata"] = {"description": window.description, **kwargs.get("metadata", {})}
    return fields.Date(validate=window, **kwargs)


FIRST_DAY = date(2000, 1, 1)  # no pilot of this programme began before


def _end_of_year(ahead: int) -> Callable[[], date]:
    return lambda: date(clock.today().year + ahead, 12, 31)


def _days_from_today(days: int) -> Callable[[], date]:
    return lambda: clock.today() + timedelta(days=days)


# A construction starts and ends within the years a pilot can span: it starts at most five years
# ahead and lasts at most 60 months (``construction_months``), so it ends at most ten years ahead.
_STARTS = _l("The construction starts between 2000 and five years from now.")
_ENDS = _l("The construction ends between 2000 and ten years from now.")
CONSTRUCTION_STARTS = Window(lambda: FIRST_DAY, _end_of_year(5), too_early=_STARTS, too_late=_STARTS,
                             description="From 2000-01-01 to the end of the fifth year from now.")
CONSTRUCTION_ENDS = Window(lambda: FIRST_DAY, _end_of_year(10), too_early=_ENDS, too_late=_ENDS,
                           description="From 2000-01-01 to the end of the tenth year from now.")
A_YEAR = 366  # days: a rectification, and a leader's delegation, last at most a year


def _required():
    return {"required": _l("This field is required."), "null": _l("This field is required.")}


class ApplicationDraftSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    batch_id = fields.Integer(required=True, validate=ID_RANGE, error_messages=_required())
    name = fields.String(required=True, validate=validate.Length(min=4, max=128), error_messages=_required())
    category = fields.Enum(PilotCategory, by_value=True, required=True, error_messages=_required())
    domain = fields.Enum(Domain, by_value=True, required=True, error_messages=_required())
    contact_name = fields.String(required=True, validate=validate.Length(min=2, max=32), error_messages=_required())
    contact_phone = fields.String(required=True, validate=validate.Regexp(
        r"^[0-9+\-() ]{7,32}$", error=_l("Enter a valid telephone number.")), error_messages=_required())
    requested_budget = TwoPlaces(required=True, validate=validate.Range(
        min=0, max=100000, error=_l("The budget must be between 0 and 100,000 (10k yuan).")),
        error_messages=_required())
    construction_months = fields.Integer(required=True, validate=validate.Range(
        min=1, max=60, error=_l("The construction period is 1 to 60 months.")), error_messages=_required())
    objectives = fields.String(required=True, validate=validate.Length(min=1, max=5000), error_messages=_required())
    content = fields.String(required=True, validate=validate.Length(min=1, max=20000), error_messages=_required())
    expected_benefits = fields.String(required=True, validate=validate.Length(min=1, max=5000),
                                      error_messages=_required())
    plan_item_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    off_plan_justification = fields.String(load_default="", validate=validate.Length(max=5000))

    @validates_schema
    def _plan_or_reason(self, data, **_):
        if not data.get("plan_item_id") and not (data.get("off_plan_justification") or "").strip():
            raise ValidationError(_l("Choose a plan item, or explain why the pilot is needed outside the plan."),
                                  "off_plan_justification")


MATERIALS_PREFIX = "materials."  # a file part ``materials.<kind>`` (web form, API multipart); the CLI's --file kind=path
MAX_MATERIALS = 20  # files handed in with one step


@dataclass(frozen=True)
class FilePart:
    """A file handed in with a step: its material kind, the client's name and its bytes."""

    kind: str
    filename: str | None
    stream: object  # a binary file object


def file_parts(files: Iterable[tuple[str, object]]) -> list[FilePart]:
    """The ``materials.<kind>`` file parts of a form or multipart body (``(name, FileStorage)``
    pairs) as FileParts; an empty file input (no file chosen) is left out."""
    return [FilePart(name.removeprefix(MATERIALS_PREFIX), f.filename, f.stream) for name, f in files
            if name.startswith(MATERIALS_PREFIX) and (f.filename or "") != ""]


class Materials(fields.Field):
    """Typed files (``FilePart``) handed in with a step; ``required_kinds`` must each be there.
    Only the adapters make FileParts (from multipart parts or the CLI's ``--file``): JSON
    cannot carry them."""

    def __init__(self, required_kinds: tuple[str, ...] = (), **kwargs):
        self.required_kinds = required_kinds
        kinds = dict(MATERIAL_LABELS)
        kwargs.setdefault("load_default", list)
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {**widget(_l("Materials"), "materials", kinds=kinds, required_kinds=required_kinds),
                              "description": "Files, sent as multipart/form-data parts named materials.<kind> "
                                             f"(kinds: {', '.join(MATERIAL_KINDS)})"
                                             + (f"; required: {', '.join(required_kinds)}" if required_kinds else "")
                                             + ". PDF, Word, Excel, JPEG, PNG or ZIP, within the upload size limit.",
                              **kwargs["metadata"]}
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        parts = value if isinstance(value, list) else [value]
        if not all(isinstance(p, FilePart) for p in parts):
            raise ValidationError(_l("Send the files as multipart/form-data parts named materials.<kind>."))
        unknown = sorted({p.kind for p in parts} - set(MATERIAL_KINDS))
        if unknown:
            raise ValidationError(_l("Unknown kind of material: %(kinds)s.", kinds=", ".join(unknown)))
        if len(parts) > MAX_MATERIALS:
            raise ValidationError(_l("Hand in at most %(n)s files at once.", n=MAX_MATERIALS))
        return parts

    def deserialize(self, value, attr=None, data=None, **kwargs):
        parts = super().deserialize(value, attr, data, **kwargs)
        missing = [k for k in self.required_kinds if k not in {p.kind for p in parts or []}]
        if missing:
            raise ValidationError(_l("Attach the required materials: %(kinds)s.",
                                     kinds=", ".join(material_label(k) for k in missing)))
        return parts


MATERIAL_LABELS = {
    "progress_report": _l("Progress report"),
    "rectification_report": _l("Rectification report"),
    "completion_report": _l("Completion report"),
    "financial_audit": _l("Financial audit report"),
    "test_report": _l("Test report"),
    "user_report": _l("User report"),
}


def material_label(kind: str) -> str:
    """A material kind's name in the request's language."""
    return str(MATERIAL_LABELS.get(kind, kind))


class OpinionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    opinion = fields.String(load_default="", validate=validate.Length(max=5000))


class RankingSchema(OpinionSchema):
    ranking = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=999),
                             metadata=widget(_l("Ranking among this office's recommendations"), "number", min=1,
                                             max=999, help=_l("1 is the strongest recommendation.")))


class EndorsementPickSchema(Schema):
    """One application of a batch endorsement: its place in the office's ranking and the
    version the endorser saw."""

    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1),
                        error_messages=_required())
    ranking = RankingSchema._declared_fields["ranking"]
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1),
                             error_messages=_required(), metadata={
                                 "description": "The version of the application last seen (409 if it moved on)."})


class BatchEndorsementSchema(OpinionSchema):
    """汇总上报: one opinion for every ticked application, each with its ranking."""

    items = fields.List(fields.Nested(EndorsementPickSchema), required=True,
                        validate=[validate.Length(min=1, error=_l("Tick at least one application.")),
                                  validate.Length(max=200, error=_l("Endorse at most 200 applications at once."))],
                        error_messages=_required())

    @validates_schema
    def _one_place_each(self, data, **_):
        rankings = [item["ranking"] for item in data.get("items") or [] if item.get("ranking") is not None]
        if len(rankings) != len(set(rankings)):
            raise ValidationError(_l("Give each application its own place in the ranking."), "items")
        ids = [item["id"] for item in data.get("items") or []]
        if len(ids) != len(set(ids)):
            raise ValidationError(_l("Each application can be endorsed only once."), "items")


class RerankItemSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(required=True, strict=True, validate=ID_RANGE, error_messages=_required())
    ranking = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=999),
                             error_messages=_required())


class RerankSchema(OpinionSchema):
    """重新排序: new places for some of the office's endorsed applications of one batch."""

    items = fields.List(fields.Nested(RerankItemSchema), required=True,
                        validate=[validate.Length(min=1, error=_l("Give at least one application a place.")),
                                  validate.Length(max=200, error=_l("Re-rank at most 200 applications at once."))],
                        error_messages=_required())

    @validates_schema
    def _one_place_each(self, data, **_):
        items = data.get("items") or []
        if len({i["ranking"] for i in items}) != len(items):
            raise ValidationError(_l("Give each application its own place in the ranking."), "items")
        if len({i["id"] for i in items}) != len(items):
            raise ValidationError(_l("Each application can be placed only once."), "items")


class JointOpinionSchema(OpinionSchema):
    recommendation = fields.String(required=True, validate=validate.OneOf(
        ("approve", "return", "reject"), error=_l("Choose approve, return or reject.")),
        error_messages=_required(), metadata=widget(_l("Recommendation"), "select", options={
            "approve": _l("Approve"), "return": _l("Return for revision"), "reject": _l("Reject")}))


class ProjectApprovalSchema(OpinionSchema):
    approved_budget = TwoPlaces(required=True, validate=validate.Range(
        min=0, max=100000, error=_l("The budget must be between 0 and 100,000 (10k yuan).")),
        error_messages=_required(), metadata=widget(_l("Approved budget (10k yuan)"), "number", min=0, step="0.01"))
    construction_months = fields.Integer(required=True, validate=validate.Range(
        min=1, max=60, error=_l("The construction period is 1 to 60 months.")), error_messages=_required(),
        metadata=widget(_l("Construction period (months)"), "number", min=1, max=60))
    starts_on = dated(CONSTRUCTION_STARTS, load_default=None, allow_none=True,
                      metadata=widget(_l("Construction starts on"), "date"))


class SignatureSchema(OpinionSchema):
    """Signing and sealing unlock the signer's own key with their sign-in password."""

    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256),
                             error_messages=_required(),
                             metadata={"format": "password", "description": "Your sign-in password: it unlocks your signing key.",
                                       **widget(_l("Your sign-in password"), "password",
                                                help=_l("It unlocks your own signing key; it is never stored."))})


class ReportSchema(OpinionSchema):
    report = fields.String(required=True, validate=validate.Length(min=1, max=20000), error_messages=_required(),
                           metadata=widget(_l("Report"), "textarea"))
    materials = Materials()


class RectificationOrderSchema(OpinionSchema):
    deadline = dated(Window(_days_from_today(1), _days_from_today(A_YEAR),
                            too_early=_l("The deadline must be after today."),
                            too_late=_l("The deadline may be at most a year from today."),
                            description=f"After today (Beijing) and at most {A_YEAR} days from today."),
                     required=True, error_messages=_required(), metadata=widget(_l("Rectification deadline"), "date"))


PANEL_SIZES = tuple(range(3, 16, 2))  # an odd panel of 3 to 15 experts


class PanelSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    # The odd sizes as a list of choices, so the OpenAPI document says exactly which (enum).
    size = fields.Integer(load_default=3, validate=[validate.Range(min=3, max=15), validate.OneOf(
                              PANEL_SIZES, error=_l("A panel has an odd number of experts."))],
                          metadata=widget(_l("Panel size (odd, at least 3)"), "number", min=3, max=15, step=2,
                                          required=True))
    seed = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0, max=2**62),
                          metadata=widget(_l("Random seed (optional)"), "number", min=0))


def _criterion_score(maximum: int) -> type[Schema]:
    """One criterion's score (0 to its maximum points) and comment."""
    return Schema.from_dict({
        "score": TwoPlaces(required=True, error_messages=_required(), validate=validate.Range(min=0, max=maximum)),
        "comment": fields.String(load_default="", validate=validate.Length(max=2000)),
    }, name=f"CriterionScoreUpTo{maximum}")


_SCORE_UP_TO = {maximum: _criterion_score(maximum) for *_, maximum in CRITERIA}


class CriteriaScoresSchema(Schema.from_dict({key: fields.Nested(_SCORE_UP_TO[maximum], required=True,
                                                               error_messages=_required())
                                            for key, _zh, _en, maximum in CRITERIA})):
    """Every acceptance criterion, each required with its own maximum: the document says which."""

    class Meta:
        unknown = EXCLUDE


class ScoresSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    scores = fields.Nested(CriteriaScoresSchema, required=True, error_messages=_required(),
                           metadata=widget(_l("Scores"), "scores"))

    def handle_error(self, error: ValidationError, data, **kwargs):
        """One message per criterion (``{"funds": …}``), as the scoring form shows them."""
        per_criterion = error.messages.get("scores") if isinstance(error.messages, dict) else None
        if isinstance(per_criterion, dict):
            raise ValidationError({("scores" if key == "_schema" else key):
                                   (value.get("score") or next(iter(value.values()))) if isinstance(value, dict)
                                   else value for key, value in per_criterion.items()})


class EvaluationScoreSchema(OpinionSchema):
    results_score = TwoPlaces(required=True, validate=validate.Range(min=0, max=100), error_messages=_required(),
                              metadata=widget(_l("Results score (0–100)"), "number", min=0, max=100, step="0.01"))
    operation_score = TwoPlaces(required=True, validate=validate.Range(min=0, max=100), error_messages=_required(),
                                metadata=widget(_l("Operation and maintenance score (0–100)"), "number", min=0,
                                                max=100, step="0.01"))
    promotion_score = TwoPlaces(required=True, validate=validate.Range(min=0, max=100), error_messages=_required(),
                                metadata=widget(_l("Follow-on promotion score (0–100)"), "number", min=0,
                                                max=100, step="0.01"))


class AcceptanceRequestSchema(OpinionSchema):
    summary = fields.String(required=True, validate=validate.Length(min=1, max=20000), error_messages=_required(),
                            metadata=widget(_l("Completion summary"), "textarea"))
    materials = Materials(required_kinds=("completion_report", "financial_audit"))


# More than 0: with two decimal places the least amount is 0.01 (documented as the minimum).
FUNDING_AMOUNT = validate.Range(min=Decimal("0.01"), max=100000,
                                error=_l("The amount must be more than 0 and at most 100,000 (10k yuan)."))


def _funding_amount(label) -> TwoPlaces:
    return TwoPlaces(required=True, validate=FUNDING_AMOUNT,
                     error_messages={**_required(), "invalid": _l("Enter an amount such as 50 or 12.5.")},
                     metadata=widget(label, "number", min=0.01, step="0.01"))


class FundingRequestSchema(Schema):
    """后续资金申请: the amount asked for (万元, more than 0) and what it is for."""

    class Meta:
        unknown = EXCLUDE

    amount = _funding_amount(_l("Amount (10k yuan)"))
    purpose = fields.String(required=True, validate=validate.Length(min=1, max=5000), error_messages=_required(),
                            metadata=widget(_l("Purpose"), "textarea"))

    @validates("purpose")
    def _purpose_not_blank(self, value, **_):
        if not value.strip():
            raise ValidationError(str(_l("This field is required.")))


class FundingRevisionSchema(OpinionSchema, FundingRequestSchema):
    """A returned funding request resubmitted: its amount and purpose as revised."""


class FundingApprovalSchema(OpinionSchema):
    """The leader's approval: the amount granted, more than 0 and at most the amount requested."""

    approved_amount = _funding_amount(_l("Approved amount (10k yuan)"))


class ChangeValuesSchema(OpinionSchema):
    """The proposed values of a change request (变更/延期申请) and its reason: which values are
    needed depends on the type; the service checks them against the project."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000), error_messages=_required(),
                           metadata=widget(_l("Reason for the change"), "textarea"))
    new_budget = TwoPlaces(load_default=None, allow_none=True,
                           validate=validate.Range(min=0.01, max=100000, error=_l(
                               "The budget must be more than 0 and at most 100,000 (10k yuan).")),
                           metadata=widget(_l("New budget (10k yuan)"), "number", min=0.01, step="0.01"))
    new_starts_on = dated(CONSTRUCTION_STARTS, load_default=None, allow_none=True,
                          metadata=widget(_l("New construction start"), "date"))
    new_ends_on = dated(CONSTRUCTION_ENDS, load_default=None, allow_none=True,
                        metadata=widget(_l("New construction end (acceptance date)"), "date"))
    new_content = fields.String(load_default="", validate=validate.Length(max=20000),
                                metadata=widget(_l("New construction content"), "textarea"))
    new_contact_name = fields.String(load_default="", validate=validate.Length(max=32),
                                     metadata=widget(_l("New contact"), "text"))
    new_contact_phone = fields.String(load_default="", validate=validate.Regexp(
        r"^([0-9+\-() ]{7,32})?$", error=_l("Enter a valid telephone number.")),
        metadata=widget(_l("New contact's telephone"), "text"))


class ChangeRequestSchema(ChangeValuesSchema):
    """Filing a change request: its type, then the values."""

    change_type = fields.Enum(ChangeType, by_value=True, required=True, error_messages={
        **_required(), "unknown": _l("Choose the kind of change.")},
        metadata=widget(_l("Kind of change"), "select", options={t.value: t.zh for t in ChangeType}))


class DemonstrationPublishSchema(OpinionSchema):
    """Publishing the demonstration candidates (拟推荐) as a draft list for public notice (公示)."""

    notice_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=30),
                                 metadata=widget(_l("Public notice period (working days)"), "number", min=1, max=30,
                                                 help=_l("Leave empty for the configured default.")))


class ObjectionSchema(Schema):
    """An objection (异议) to the list under public notice, filed by anybody with a contact."""

    class Meta:
        unknown = EXCLUDE

    project_id = fields.Integer(load_default=None, allow_none=True, validate=ID_RANGE)
    name = fields.String(load_default="", validate=validate.Length(max=64))
    contact = fields.String(required=True, error_messages=_required(), validate=[
        validate.Length(max=128), validate.Regexp(r".*\S", error=_l("Give a telephone number or an e-mail address "
                                                                     "so that the Office can answer you."))])
    text = fields.String(required=True, error_messages=_required(), validate=[
        validate.Length(max=2000), validate.Regexp(r"[\s\S]*\S", error=_l("This field is required."))])


class UrgeSchema(Schema):
    """催办: a supervisor's note to those now handling an item."""

    class Meta:
        unknown = EXCLUDE

    note = fields.String(required=True, validate=validate.Length(min=1, max=500), error_messages=_required(),
                         metadata=widget(_l("Note to those handling the item"), "textarea"))

    @validates("note")
    def _not_blank(self, value, **_):
        if not value.strip():
            raise ValidationError(str(_l("This field is required.")))


class EmailAddressSchema(Schema):
    """A user's e-mail address, the one rule for it (the user's mail settings, the admin's user
    form): a valid address of at most 254 characters; blank or null clears it."""

    class Meta:
        unknown = EXCLUDE

    email = fields.Email(allow_none=True, validate=validate.Length(max=254))

    @pre_load
    def _blank_is_none(self, data, **_):
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            data = {**data, "email": data["email"].strip() or None}
        return data


class MailSettingsSchema(EmailAddressSchema):
    """A user's own e-mail address, language of mails and how often they get mail."""

    locale = fields.String(required=True, validate=validate.OneOf(LOCALES), error_messages=_required())
    mail_preference = fields.String(required=True, validate=validate.OneOf(MailPreference.ALL),
                                    error_messages=_required())

    @validates_schema
    def _address_for_mail(self, data, **_):
        if data.get("mail_preference") != MailPreference.NONE and not data.get("email"):
            raise ValidationError(str(_l("Give an e-mail address to receive mail, or choose no mail.")),
                                  field_name="email")


def load(schema: Schema, data: dict) -> dict:
    """Validate plain data with ``schema``; field errors become Invalid (one message per field)."""
    refuse_unstorable_text(data or {})
    try:
        return schema.load(data or {})
    except ValidationError as exc:
        messages = exc.normalized_messages()
        raise Invalid({k: first_message(v) for k, v in messages.items()}, messages) from None


def nested_fields(pairs: Iterable[tuple[str, str]]) -> dict:
    """Flat ``name=value`` fields (an HTML form, the CLI's ``--field``) as the plain data the
    schemas load: blank values left out (a blank field means "not given"), dotted names nested
    (``scores.quality.score`` → ``{"scores": {"quality": {"score": …}}}``)."""
    data: dict = {}
    for key, value in pairs:
        if value.strip() == "":
            continue
        *parents, leaf = key.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return data


def refuse_unstorable_text(value, path: str = "") -> None:
    """NUL characters and lone surrogates cannot be stored (PostgreSQL refuses them): a 422,
    not a database error."""
    if isinstance(value, dict):
        for key, item in value.items():
            refuse_unstorable_text(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for item in value:
            refuse_unstorable_text(item, path)
    elif isinstance(value, str):
        bad = "\x00" in value
        if not bad:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                bad = True
        if bad:
            raise Invalid({path.removeprefix("json.").removeprefix("query.") or "_":
                           str(_l("Text must not contain NUL or unpaired surrogate characters."))})


def first_message(messages) -> str:
    """A field's first message in the user's language (a nested field's, each prefixed by its key)."""
    if isinstance(messages, dict):
        return "; ".join(f"{k}: {first_message(v)}" for k, v in messages.items())
    if isinstance(messages, list):
        return localise(messages[0]) if messages else ""
    return localise(messages)


# marshmallow's own messages are English and fixed: they are translated here, when a load
# fails, so every adapter (pages, API, CLI) gets field messages in the user's language. A
# required field the schema gave no message of its own says what every other one says.
_PATTERNS = (
    (re.compile(r"^Length must be between (?P<a>\d+) and (?P<b>\d+)\.$"),
     _l("Length must be between %(a)s and %(b)s.")),
    (re.compile(r"^Shorter than minimum length (?P<a>\d+)\.$"), _l("Enter at least %(a)s characters.")),
    (re.compile(r"^Longer than maximum length (?P<a>\d+)\.$"), _l("Enter at most %(a)s characters.")),
    (re.compile(r"^Must be greater than or equal to (?P<a>[\d.]+) and less than or equal to (?P<b>[\d.]+)\.$"),
     _l("Enter a value from %(a)s to %(b)s.")),
    (re.compile(r"^Must be greater than or equal to (?P<a>[\d.]+)\.$"), _l("Enter a value of at least %(a)s.")),
    (re.compile(r"^Must be less than or equal to (?P<a>[\d.]+)\.$"), _l("Enter a value of at most %(a)s.")),
    (re.compile(r"^Missing data for required field\.$"), _l("This field is required.")),
)
# A list of choices the catalogue does not word better ("Must be one of: zh_CN, en." does).
_CHOICES = (re.compile(r"^Must be one of: (?P<choices>.+)\.$"), _l("Must be one of: %(choices)s."))
# marshmallow's and webargs' own fixed messages (pages, API, CLI), marked so the catalogue
# extraction picks them up; localise() finds them there.
_FIXED = (_l("String does not match expected pattern."), _l("Must be one of: immediate, digest, none."),
          _l("Must be one of: zh_CN, en."), _l("Not a valid email address."), _l("Not a valid datetime."),
          _l("Not a valid integer."), _l("Not a valid number."), _l("Not a valid date."),
          _l("Field may not be null."), _l("Special numeric values (nan or infinity) are not permitted."),
          _l("Not a valid string."), _l("Not a valid boolean."), _l("Not a valid mapping type."),
          _l("Not a valid list."), _l("Invalid input type."), _l("Unknown field."), _l("Invalid value."),
          _l("Not a valid decimal."))


def _rewritten(text: str, pattern: re.Pattern, template) -> str | None:
    found = pattern.match(text)
    return gettext(template._args[0], **found.groupdict()) if found else None  # _args[0]: the English msgid


def localise(message) -> str:
    """A message shown to the user in their language, if the catalogue knows it."""
    text = str(message)
    for pattern, template in _PATTERNS:
        rewritten = _rewritten(text, pattern, template)
        if rewritten is not None:
            return rewritten
    translated = gettext(text) if text else text
    if translated != text:  # the catalogue knows the message as it is
        return translated
    return _rewritten(text, *_CHOICES) or text



DELEGATION_STARTS = Window(clock.today, _days_from_today(A_YEAR),
                           too_early=_l("The period may not start in the past."),
                           too_late=_l("The period starts at most a year from today."),
                           description=f"From today (Beijing) to {A_YEAR} days from today.")


class DelegationSchema(Schema):
    """代理: a leader names a proxy (an Office reviewer, by user name) for a period of Beijing
    dates, both included: it starts today or within a year, and lasts at most a year."""

    class Meta:
        unknown = EXCLUDE

    proxy = fields.String(required=True, validate=validate.Length(min=1, max=64), error_messages=_required(),
                          metadata=widget(_l("Proxy (代理人)"), "select"))
    starts_on = dated(DELEGATION_STARTS, required=True, error_messages=_required(), metadata=widget(_l("From"), "date"))
    ends_on = fields.Date(required=True, error_messages=_required(), metadata={
        "description": f"On or after `starts_on`, at most {A_YEAR - 1} days after it (the period lasts at most "
                       f"{A_YEAR} days).", **widget(_l("Until (included)"), "date")})

    @validates_schema
    def _in_order(self, data, **_):
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            raise ValidationError(str(_l("The period must end on or after its first day.")), field_name="ends_on")
        if starts and ends and ends >= starts + timedelta(days=A_YEAR):
            raise ValidationError(str(_l("A delegation lasts at most a year.")), field_name="ends_on")


class CaseMigrationSchema(Schema):
    """An admin's decision to move a case to its flow's current version, with the reason."""

    class Meta:
        unknown = EXCLUDE

    opinion = fields.String(load_default="", validate=validate.Length(max=2000),
                            metadata=widget(_l("Reason"), "textarea"))


@cache
def field_labels() -> dict[str, object]:
    """Each field's form label by its name, from the schemas' widgets: where a refusal is shown
    apart from its form (the generic 422 page), a field is named by its label, never by its code.
    A name labelled differently (or not at all) somewhere has none here: its message stands alone."""
    found: dict[str, set] = {}
    for schema in list(globals().values()):
        if isinstance(schema, type) and issubclass(schema, Schema):
            for name, field in schema._declared_fields.items():
                label = field.metadata.get("widget", {}).get("label")
                found.setdefault(field.data_key or name, set()).add(label)
    return {name: labels.pop() for name, labels in found.items() if len(labels) == 1 and None not in labels}
