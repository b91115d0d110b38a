"""My mail settings, and 催办 — the same services as the settings page and the item pages' button."""
from __future__ import annotations

from marshmallow import Schema, fields

from app.api.auth import actor, json_body
from app.api.blueprint import api_blueprint, documented_errors
from app.api.schemas import UtcDateTime
from app.database import transaction
from app.kinds import KINDS
from app.schemas import MailSettingsSchema, UrgeSchema
from app.services.commands.mail_settings import update_mail_settings
from app.services.supervision.urging import urge

settings_bp = api_blueprint("mail_settings", "/me/mail-settings",
                            "The caller's e-mail settings: address, language of mails, immediate / digest / none.")
urging_bp = api_blueprint("urging", "/urge",
                          "催办: a supervisor urges those now handling an item, with a note.")


class MailSettingsOutSchema(Schema):
    email = fields.String(allow_none=True, metadata={"description": "Where mail goes (null: no mail)."})
    locale = fields.String(metadata={"description": "Language of mails: zh_CN or en."})
    mail_preference = fields.String(metadata={"description": "immediate, digest (08:00 Beijing) or none."})


class UrgeRecordSchema(Schema):
    id = fields.Integer(metadata={"description": "The history record of the urge."})
    entity_type = fields.String()
    entity_id = fields.Integer()
    trigger = fields.String()
    created_at = UtcDateTime()
    opinion = fields.String(metadata={"description": "The supervisor's note."})
    urged = fields.Function(lambda rec: rec.payload.get("urged", []),
                            metadata={"description": "The names of those notified."})


@settings_bp.route("")
@settings_bp.response(200, MailSettingsOutSchema)
@documented_errors(settings_bp, 401)
def get_mail_settings():
    """My mail settings · 邮件设置"""
    return actor()


@settings_bp.route("", methods=["PUT"])
@settings_bp.doc(requestBody={"required": True, "content": {"application/json": {"schema": MailSettingsSchema}}})
@settings_bp.response(200, MailSettingsOutSchema)
@documented_errors(settings_bp, 400, 401, 422)
def put_mail_settings():
    """Change my mail settings · 修改邮件设置

    `email` must be valid, and given unless `mail_preference` is `none`; nothing is written
    on bad input.
    """
    data = json_body()
    with transaction():
        return update_mail_settings(actor(), data)


@urging_bp.route("/<kind>/<id:entity_id>", methods=["POST"])
@urging_bp.doc(requestBody={"required": True, "content": {"application/json": {"schema": UrgeSchema}}},
               description="`kind` is one of: " + ", ".join(KINDS) + ". An Office leader, or an IT office above "
               "the level now handling the item, may urge it once per day; the handlers are notified with the "
               "note and the urge is recorded in the item's history.")
@urging_bp.response(201, UrgeRecordSchema)
@documented_errors(urging_bp, 400, 401, 403, 404, 409, 422)
def urge_item(kind: str, entity_id: int):
    """Urge an item · 催办"""
    data = json_body()
    with transaction():
        return urge(actor(), kind, entity_id, data)
