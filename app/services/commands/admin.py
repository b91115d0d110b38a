"""Administration: users and their roles, organisations, batches with their quota, the plan
catalogue and the expert pool. Every change is checked against the "admin" policy and
written to the decision history."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)
from sqlalchemy.orm import contains_eager, joinedload

from app import policies
from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import (
    Batch,
    Division,
    Expert,
    ExpertDomain,
    Organisation,
    PlanItem,
    Role,
    User,
    UserRole,
)
from app.models.vocabulary import Domain, OrgKind, PilotCategory
from app.schemas import EmailAddressSchema, load
from app.services.commands import tokens
from app.services.commands import users as user_svc
from app.services.engine.guards import quota_key
from app.services.reads.paging import Page, paginate
from app.services.records import audit, counters


def _required():
    return {"required": str(_l("This field is required.")), "null": str(_l("This field is required."))}


class UserAccountSchema(EmailAddressSchema):
    """A user's name, organisation, roles and e-mail address (the user form; the API's PUT
    /admin/users/{id}). The address follows the user's own mail settings' rule; left out, it is
    kept; blank or null clears it."""

    display_name = fields.String(required=True, validate=validate.Length(min=1, max=64), error_messages=_required())
    organisation_code = fields.String(required=True, validate=validate.Length(min=1, max=32),
                                      error_messages=_required())
    roles = fields.List(fields.Enum(Role, by_value=True), required=True, error_messages=_required())
    specialties = fields.String(load_default="", validate=validate.Length(max=256))
    title = fields.String(load_default="", validate=validate.Length(max=64))


class NewUserSchema(UserAccountSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64), error_messages=_required())
    password = fields.String(required=True, validate=validate.Length(min=8, max=256), error_messages=_required())


class UserActivationSchema(Schema):
    """Activate (true) or deactivate (false) an account."""

    class Meta:
        unknown = EXCLUDE

    active = fields.Boolean(required=True, error_messages=_required())


class OrganisationNameSchema(Schema):
    """What may change about an organisation: its names (routes and scoping hang on the rest)."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=2, max=128), error_messages=_required())
    short_name = fields.String(load_default="", validate=validate.Length(max=64))


class NewOrganisationSchema(OrganisationNameSchema):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_-]{2,32}$", error=str(_l("Use 2 to 32 letters, digits, dashes or underscores."))),
        error_messages=_required())
    kind = fields.Enum(OrgKind, by_value=True, required=True, error_messages=_required())
    division_code = fields.String(required=True, validate=validate.Length(min=6, max=12), error_messages=_required())


_NEAR_ITS_YEAR = "In the batch's `year`, the year before or the year after."


BATCH_YEARS = (2000, 2100)


def filing_period(year: int | None = None) -> tuple[date, date]:
    """The first and last day a batch of ``year`` may open or close on: its year or a year either
    side (a 2027 batch may open in late 2026 and close in early 2028). Without a year of
    ``BATCH_YEARS`` (a form not yet filled in): any batch's."""
    low, high = (year, year) if year is not None and BATCH_YEARS[0] <= year <= BATCH_YEARS[1] else BATCH_YEARS
    return date(low - 1, 1, 1), date(high + 1, 12, 31)


class BatchSettingsSchema(Schema):
    """A filing batch: its name, year, filing period and quota of projects."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True, validate=validate.Length(min=2, max=64), error_messages=_required())
    year = fields.Integer(required=True, validate=validate.Range(*BATCH_YEARS), error_messages=_required())
    opens_on = fields.Date(required=True, error_messages=_required(), metadata={"description": _NEAR_ITS_YEAR})
    closes_on = fields.Date(required=True, error_messages=_required(), metadata={
        "description": f"On or after `opens_on`. {_NEAR_ITS_YEAR}"})
    quota = fields.Integer(required=True, validate=validate.Range(min=1, max=10000), error_messages=_required())

    @validates_schema
    def _period(self, data, **_):
        year = data.get("year")
        first, last = filing_period(year)
        for name in ("opens_on", "closes_on"):
            if year and data.get(name) and not first <= data[name] <= last:
                raise ValidationError(str(_l("The filing period lies within %(a)s–%(b)s: the batch's year or "
                                             "a year either side.", a=first.year, b=last.year)), name)
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            raise ValidationError(str(_l("The batch must close on or after the day it opens.")), "closes_on")


class PlanItemEntrySchema(Schema):
    """An item of the plan catalogue (《规划》); ``active=false`` retires it."""

    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.Length(min=2, max=32), error_messages=_required())
    name = fields.String(required=True, validate=validate.Length(min=2, max=128), error_messages=_required())
    category = fields.Enum(PilotCategory, by_value=True, required=True, error_messages=_required())
    domain = fields.Enum(Domain, by_value=True, required=True, error_messages=_required())
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    active = fields.Boolean(load_default=True)


class ExpertProfileSchema(Schema):
    """An expert's specialties and title, and whether they are drawn for new panels: each
    optional, one left out stays as it is."""

    class Meta:
        unknown = EXCLUDE

    specialties = fields.String(validate=validate.Length(max=256))
    title = fields.String(validate=validate.Length(max=64))
    active = fields.Boolean()
    domains = fields.List(fields.Enum(Domain, by_value=True), load_default=None, metadata={
        "description": "The domains (示范领域) the expert is a specialist in, as codes; the panel draw "
                       "prefers them. Omitted: unchanged."})


def _require_admin(actor: User) -> None:
    policies.require("admin", actor)


def _get(model, ident):
    entity = db.session.get(model, ident)
    if entity is None:
        raise NotFound(f"{model.__tablename__} {ident}")
    return entity


def _record(actor: User, entity_type: str, entity_id: int, trigger: str, payload: dict) -> None:
    audit.record(entity_type=entity_type, entity_id=entity_id, trigger=trigger, actor=actor, role="admin",
                 payload=payload)


# --- users -------------------------------------------------------------------------------------
def list_users(actor: User, q: str = "", page: int = 1, per_page: int = 25) -> Page[User]:
    _require_admin(actor)
    query = sa.select(User)
    if q.strip():
        pattern = f"%{q.strip()}%"
        query = query.where(sa.or_(User.username.ilike(pattern), User.display_name.ilike(pattern)))
    return paginate(query, (User.id,), page, per_page)


def _organisation(code: str) -> Organisation:
    org = db.session.scalar(sa.select(Organisation).where(Organisation.code == code))
    if org is None:
        raise Invalid({"organisation_code": str(_l("No such organisation."))})
    return org


def create_user(actor: User, data: dict) -> User:
    _require_admin(actor)
    fields_ = load(NewUserSchema(), data)
    _organisation(fields_["organisation_code"])  # the field's own message, before the account checks
    user = user_svc.create_user(fields_["username"], fields_["password"], fields_["display_name"],
                                fields_["organisation_code"], [r.value for r in fields_["roles"]],
                                specialties=fields_["specialties"], title=fields_["title"])
    user.email = fields_.get("email")
    _record(actor, "user", user.id, "admin_create_user", {
        "username": user.username, "organisation": fields_["organisation_code"],
        "roles": sorted(r.value for r in fields_["roles"])})
    return user


def update_user(actor: User, user_id: int, data: dict) -> User:
    """Change a user's name, organisation and roles; granting "expert" puts them in the pool."""
    _require_admin(actor)
    fields_ = load(UserAccountSchema(), data)
    user = _get(User, user_id)
    roles = set(fields_["roles"])
    if not roles:
        raise Invalid({"roles": str(_l("Give the user at least one role."))})
    if user.id == actor.id and Role.ADMIN not in roles:
        raise Conflict(str(_l("You cannot take the administrator role away from yourself.")))
    before = sorted(r.value for r in user.roles)
    user.display_name = fields_["display_name"]
    user.organisation_id = _organisation(fields_["organisation_code"]).id
    email_changed = "email" in fields_ and fields_["email"] != user.email
    if "email" in fields_:
        user.email = fields_["email"]
    for row in [r for r in user.role_rows if r.role not in roles]:
        user.role_rows.remove(row)
    user.role_rows.extend(UserRole(role=r) for r in roles - user.roles)
    expert = db.session.scalar(sa.select(Expert).where(Expert.user_id == user.id))
    if Role.EXPERT in roles and expert is None:
        db.session.add(Expert(user_id=user.id, specialties=fields_["specialties"], title=fields_["title"]))
    elif expert is not None:
        expert.active = Role.EXPERT in roles and expert.active
    db.session.flush()
    _record(actor, "user", user.id, "admin_update_user", {
        "display_name": user.display_name, "organisation": fields_["organisation_code"],
        "roles_before": before, "roles": sorted(r.value for r in roles), "email_changed": email_changed})
    return user


def set_user_active(actor: User, user_id: int, data: dict) -> User:
    """Activate or deactivate an account (``UserActivationSchema``); deactivation ends every
    session and revokes every API token at once (reactivation brings neither back)."""
    _require_admin(actor)
    active = load(UserActivationSchema(), data)["active"]
    user = _get(User, user_id)
    if user.id == actor.id and not active:
        raise Conflict(str(_l("You cannot deactivate your own account.")))
    if user.active != active:
        user.active = active
        if not active:
            user_svc.revoke_sessions(user)
            tokens.revoke_all(user)
        _record(actor, "user", user.id, "admin_activate_user" if active else "admin_deactivate_user",
                {"username": user.username})
    return user


# --- organisations -----------------------------------------------------------------------------
def list_organisations(actor: User, q: str = "", kind: str = "", page: int = 1,
                       per_page: int = 25) -> Page[Organisation]:
    _require_admin(actor)
    query = sa.select(Organisation)
    if q.strip():
        pattern = f"%{q.strip()}%"
        query = query.where(sa.or_(Organisation.name.ilike(pattern), Organisation.code.ilike(pattern)))
    if kind in {k.value for k in OrgKind}:
        query = query.where(Organisation.kind == kind)
    return paginate(query, (Organisation.division_code, Organisation.code), page, per_page)


def create_organisation(actor: User, data: dict) -> Organisation:
    _require_admin(actor)
    fields_ = load(NewOrganisationSchema(), data)
    if db.session.scalar(sa.select(Organisation.id).where(Organisation.code == fields_["code"])):
        raise Invalid({"code": str(_l("This code is taken."))})
    if db.session.get(Division, fields_["division_code"]) is None:
        raise Invalid({"division_code": str(_l("No such administrative division."))})
    org = Organisation(code=fields_["code"], name=fields_["name"], short_name=fields_["short_name"] or None,
                       kind=fields_["kind"], division_code=fields_["division_code"])
    db.session.add(org)
    db.session.flush()
    _record(actor, "organisation", org.id, "admin_create_organisation", fields_)
    return org


def update_organisation(actor: User, organisation_id: int, data: dict) -> Organisation:
    """Rename an organisation; its code, kind and division stay (routes and scoping hang on them)."""
    _require_admin(actor)
    org = _get(Organisation, organisation_id)
    fields_ = load(OrganisationNameSchema(), data)
    org.name, org.short_name = fields_["name"], fields_["short_name"] or None
    _record(actor, "organisation", org.id, "admin_update_organisation",
            {"name": org.name, "short_name": org.short_name})
    return org


# --- batches -----------------------------------------------------------------------------------
def list_batches(actor: User) -> list[tuple[Batch, int]]:
    """Every batch, newest first, with how many projects its quota has already given."""
    _require_admin(actor)
    batches = db.session.scalars(sa.select(Batch).order_by(Batch.year.desc(), Batch.id.desc())).all()
    return [(b, counters.value(quota_key(b.id))) for b in batches]


def _batch_name_free(name: str, batch_id: int | None = None) -> None:
    taken = db.session.scalar(sa.select(Batch.id).where(Batch.name == name))
    if taken is not None and taken != batch_id:
        raise Invalid({"name": str(_l("This name is taken."))})


def create_batch(actor: User, data: dict) -> Batch:
    _require_admin(actor)
    fields_ = load(BatchSettingsSchema(), data)
    _batch_name_free(fields_["name"])
    batch = Batch(**fields_)
    db.session.add(batch)
    db.session.flush()
    _record(actor, "batch", batch.id, "admin_create_batch", fields_)
    return batch


def update_batch(actor: User, batch_id: int, data: dict) -> Batch:
    """Change a batch; its quota can never drop below the projects already approved in it."""
    _require_admin(actor)
    batch = _get(Batch, batch_id)
    fields_ = load(BatchSettingsSchema(), data)
    _batch_name_free(fields_["name"], batch.id)
    used = counters.value(quota_key(batch.id))
    if fields_["quota"] < used:
        raise Invalid({"quota": str(_l("%(n)d projects are already approved in this batch.", n=used))})
    before = {"quota": batch.quota, "opens_on": batch.opens_on, "closes_on": batch.closes_on}
    for key, value in fields_.items():
        setattr(batch, key, value)
    _record(actor, "batch", batch.id, "admin_update_batch", {**fields_, "before": before})
    return batch


# --- plan catalogue ----------------------------------------------------------------------------
def list_plan_items(actor: User) -> list[PlanItem]:
    _require_admin(actor)
    return list(db.session.scalars(sa.select(PlanItem).order_by(PlanItem.code)))


def _plan_code_free(code: str, item_id: int | None = None) -> None:
    taken = db.session.scalar(sa.select(PlanItem.id).where(PlanItem.code == code))
    if taken is not None and taken != item_id:
        raise Invalid({"code": str(_l("This code is taken."))})


def create_plan_item(actor: User, data: dict) -> PlanItem:
    _require_admin(actor)
    fields_ = load(PlanItemEntrySchema(), data)
    _plan_code_free(fields_["code"])
    item = PlanItem(**fields_)
    db.session.add(item)
    db.session.flush()
    _record(actor, "plan_item", item.id, "admin_create_plan_item", fields_)
    return item


def update_plan_item(actor: User, item_id: int, data: dict) -> PlanItem:
    """Edit an item; retiring it (active=False) keeps existing applications on it valid."""
    _require_admin(actor)
    item = _get(PlanItem, item_id)
    fields_ = load(PlanItemEntrySchema(), data)
    _plan_code_free(fields_["code"], item.id)
    for key, value in fields_.items():
        setattr(item, key, value)
    _record(actor, "plan_item", item.id, "admin_update_plan_item", fields_)
    return item


# --- expert pool -------------------------------------------------------------------------------
def list_experts(actor: User) -> list[Expert]:
    _require_admin(actor)
    # the domains joined in the same statement: a selectin load would split a large pool's IN list
    return list(db.session.scalars(sa.select(Expert).join(User, User.id == Expert.user_id)
                                   .options(contains_eager(Expert.user).joinedload(User.organisation),
                                            contains_eager(Expert.user).lazyload(User.role_rows),
                                            joinedload(Expert.domain_rows))
                                   .order_by(Expert.id)).unique())


def update_expert(actor: User, expert_id: int, data: dict) -> Expert:
    """Specialties, title, and whether the expert is drawn for new panels; what ``data`` leaves
    out stays as it is."""
    _require_admin(actor)
    expert = _get(Expert, expert_id)
    fields_ = load(ExpertProfileSchema(), data)  # only the fields sent (domains: None when not)
    domains = fields_.pop("domains")
    for key, value in fields_.items():
        setattr(expert, key, value)
    if domains is not None:
        set_expert_domains(expert, domains)
    _record(actor, "expert", expert.id, "admin_update_expert",
            {**fields_, "domains": [d.value for d in expert.domains]})
    return expert


def set_expert_domains(expert: Expert, domains: list[Domain]) -> None:
    """The expert's structured specialties become exactly ``domains``."""
    wanted = set(domains)
    for row in [r for r in expert.domain_rows if r.domain not in wanted]:
        expert.domain_rows.remove(row)
    have = {r.domain for r in expert.domain_rows}
    expert.domain_rows.extend(ExpertDomain(domain=d) for d in sorted(wanted - have, key=lambda d: d.value))
    db.session.flush()


def load_for_edit(actor: User, model, ident: int):
    """One user, organisation, batch, plan item or expert, for the admin's edit page."""
    _require_admin(actor)
    return _get(model, ident)


def require_admin(actor: User) -> None:
    """Deny (403, with the reason) anyone but an administrator."""
    _require_admin(actor)
