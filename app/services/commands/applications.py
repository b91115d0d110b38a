"""Filing: create and edit drafts, submit, resubmit after revision, withdraw."""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import clock, policies
from app.documents import numbering
from app.errors import Conflict, Invalid
from app.extensions import db
from app.models import PAST_PLAN_GATE, Application, Batch, PlanItem, User
from app.models.base import utcnow
from app.schemas import ApplicationDraftSchema, load
from app.services.commands.endorsement import endorsement_route
from app.services.commands.review import next_re_review_round
from app.services.engine.actions import verb
from app.services.engine.fire import fire
from app.services.engine.loading import load_visible
from app.services.records import audit, counters
from workflows.application import EDITABLE, ApplicationState


def _check_references(data: dict) -> None:
    if db.session.get(Batch, data["batch_id"]) is None:
        raise Invalid({"batch_id": str(_l("No such batch."))})
    if data.get("plan_item_id"):
        item = db.session.get(PlanItem, data["plan_item_id"])
        if item is None or not item.active:
            raise Invalid({"plan_item_id": str(_l("No such item in the provincial plan."))})


def may_edit(actor: User, app: Application) -> bool:
    """The applicant agency changes its application (content, attachments) only while it is a
    draft or returned for revision."""
    return app.state in EDITABLE and bool(policies.check("applicant_owns", actor, app))


def require_editable(actor: User, app: Application, stage_message) -> None:
    policies.require("applicant_owns", actor, app)
    if app.state not in EDITABLE:
        raise Conflict(str(stage_message))


def create_application(actor: User, data: dict) -> Application:
    policies.require("applicant", actor)
    fields = load(ApplicationDraftSchema(), data)
    _check_references(fields)
    division = actor.organisation.division
    app = Application(organisation_id=actor.organisation_id, created_by_id=actor.id,
                      division_code=division.code, prefecture_code=division.prefecture_code, **fields)
    db.session.add(app)
    db.session.flush()
    audit.record(entity_type="application", entity_id=app.id, trigger="create", actor=actor,
                 role="applicant", to_state=app.state.value, payload={"name": app.name})
    return app


def update_application(actor: User, application_id: int, data: dict, expected_version: int) -> Application:
    """Edit a draft or a returned application (the applicant's own, at the current version)."""
    app = load_visible(Application, application_id, actor)
    require_editable(actor, app, _l("Only drafts and returned applications can be edited."))
    fields = load(ApplicationDraftSchema(), data)
    _check_references(fields)
    if fields["batch_id"] != app.batch_id and app.state != ApplicationState.DRAFT:
        raise Invalid({"batch_id": str(_l("A submitted application stays in its batch."))})
    if app.state in PAST_PLAN_GATE and fields["plan_item_id"] is None and app.plan_overridden_by_id is None:
        raise Invalid({"plan_item_id": str(_l("An application past the initial review stays in the annual plan: "
                                              "choose its plan item."))})
    result = db.session.execute(
        sa.update(Application).where(Application.id == app.id, Application.version == expected_version,
                                     Application.state == app.state)
        .values(version=Application.version + 1, **fields).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(str(_l("Someone else acted on this item first; reload it and try again.")))
    db.session.refresh(app)
    audit.record(entity_type="application", entity_id=app.id, trigger="edit", actor=actor,
                 role="applicant", from_state=app.state.value, to_state=app.state.value,
                 payload={k: v for k, v in fields.items() if k not in ("objectives", "content", "expected_benefits")})
    return app


@verb("application", "submit")
def submit_application(actor: User, application_id: int, fields: dict,
                       expected_version: int | None = None) -> Application:
    """Send a draft up its endorsement route (or straight to the province)."""
    app = load_visible(Application, application_id, actor)
    if app.state == ApplicationState.DRAFT and not app.endorsements:
        app.endorsements.extend(endorsement_route(app.organisation))  # the guards route by it
        db.session.flush()
    now = utcnow()
    # The number is taken only once the policy and the guards let the step through (the
    # changes are computed then), in the deciding transaction: a refusal or a lost race rolls
    # the counter back with everything else, so the sequence has no gaps.
    fire(app, "submit", actor, opinion=fields["opinion"], expected_version=expected_version,
         changes=lambda _state: {"submitted_at": now, "number": app.number or application_number(now)})
    return app


def application_number(moment) -> str:
    """The next human number of the Beijing year of ``moment`` (云试申〔2026〕0012号)."""
    year = moment.astimezone(clock.BEIJING).year
    seq = counters.take(numbering.application_counter_key(year))
    prefix = current_app.config.get("APPLICATION_NUMBER_PREFIX", numbering.APPLICATION_PREFIX)
    return numbering.format_application_number(prefix, year, seq)


@verb("application", "resubmit")
def resubmit_application(actor: User, application_id: int, fields: dict,
                         expected_version: int | None = None) -> Application:
    """Send a revised application back to the stage that returned it."""
    app = load_visible(Application, application_id, actor)
    fire(app, "resubmit", actor, opinion=fields["opinion"], expected_version=expected_version,
         changes=next_re_review_round(app))
    return app
