"""E-mail: composing a notification's or a digest's mail in the recipient's language, and
sending it over SMTP (the standard library's ``smtplib`` and ``EmailMessage``).

Each mail is its own outbox row (kind "mail"); its job composes the mail in a short read-only
transaction, sends it outside any transaction, then marks the row done. SMTP down → the job
raises, the row backs off and is retried (``RETRY_DELAYS``); the in-app notification arrived
already. A mail's ``Message-ID`` is derived from its outbox row (``<outbox-ID.pilotflow@DOMAIN>``):
if the process dies after the server accepted a mail and before the row was marked done, the
retry sends the mail again with the *same* Message-ID, so the resend is recognisable (and mail
clients that deduplicate by Message-ID show it once).

What a mail says is chosen for the recipient: the item's title, its stage, the step, who
acted (names, never codes), the deadline in Beijing time and a link — never opinions, scores or
documents, which the recipient reads on the item's page after signing in.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import clock
from app.extensions import db
from app.i18n import force_locale, short_locale
from app.kinds import MODEL_OF, PAGE_ENDPOINTS, flow_of
from app.labels import actor_name
from app.models import LOCALES, Notification, User
from app.services.engine.fire import available_steps
from app.services.notify.deliver import (
    DECISION,
    ESCALATION,
    NOTICE,
    ON_BEHALF,
    REMINDER,
    TASK,
    URGE,
    wants_mail_now,
)
from app.services.reads.history import title_of
from app.services.time.limits import deadline_of

WHAT = {
    TASK: _l("Awaits your action"),
    DECISION: _l("A decision was taken"),
    REMINDER: _l("Due soon: please act before the deadline"),
    ESCALATION: _l("Overdue: escalated to you as the supervising level"),
    URGE: _l("Urged (催办) by a supervisor"),
    ON_BEHALF: _l("Entered on your behalf by your proxy (代录)"),
    NOTICE: _l("On the demonstration list under public notice (公示)"),
}


@dataclass(frozen=True)
class Line:
    """One notification as a mail shows it (only what the recipient may see)."""

    title: str
    what: str
    stage: str = ""
    step: str = ""  # the decision taken, or the steps now awaiting the recipient
    actor: str = ""
    deadline: str = ""
    note: str = ""  # a supervisor's 催办 note, meant for the recipient
    url: str = ""


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    text: str
    html: str
    locale: str
    message_id: str
    lines: list[Line] = field(default_factory=list)


def message_id(outbox_id: int) -> str:
    sender = current_app.config["MAIL_FROM"]
    domain = sender.rpartition("@")[2].strip("> ") or "localhost"
    return f"<outbox-{outbox_id}.pilotflow@{domain}>"


def absolute_url(endpoint: str, **values) -> str:
    """A page's absolute address (``BASE_URL``), built without a request."""
    return current_app.config["BASE_URL"] + current_app.url_map.bind("localhost").build(endpoint, values)


def item_url(kind: str, entity_id: int) -> str:
    return absolute_url(PAGE_ENDPOINTS[kind], id=entity_id)


def beijing(moment: datetime | None) -> str:
    return clock.beijing(moment) + " (UTC+8)" if moment else ""


def _line(n: Notification, recipient: User) -> Line | None:
    """Inside ``force_locale``: the notification as a mail shows it; None if the item is gone."""
    kind, model = n.entity_type, MODEL_OF.get(n.entity_type)
    entity = db.session.get(model, n.entity_id) if model else None
    if entity is None:
        return None
    loc, flow, params = short_locale(), flow_of(entity), n.params or {}
    trigger = params.get("trigger", "")
    if n.kind == TASK:
        step = "、".join(dict.fromkeys(s.label(loc) for s in available_steps(entity, recipient, waiting=True)))
    else:
        step = flow.step_for(trigger).label(loc) if trigger in flow.triggers else ""
    actor = db.session.get(User, params["actor_id"]) if params.get("actor_id") else None
    entered_by = db.session.get(User, params["entered_by"]) if params.get("entered_by") else None
    return Line(title=title_of(kind, entity), what=str(WHAT.get(n.kind, n.kind)),
                stage=entity.state.label(loc), step=step,
                actor=actor_name(actor, entered_by) if actor else "",
                deadline=beijing(deadline_of(kind, entity)), note=_note(n.kind, params),
                url=item_url(kind, entity.id))


def _note(kind: str, params: dict) -> str:
    """What a line adds: a supervisor's words with a 催办, the last day of a public notice."""
    if kind == URGE:
        return params.get("note", "")
    if kind == NOTICE and params.get("notice_ends_on"):
        return str(_l("Objections may be filed until %(day)s.", day=params["notice_ends_on"]))
    return ""


def _subject(text: str) -> str:
    """A mail's subject: the product's name in brackets, then ``text`` (in the reader's language)."""
    brand = _l("Pilotflow")  # (marked outside the f-string: the message extraction does not look inside one)
    return f"[{brand}] {text}"


def _letter(outbox_id: int, user: User, subject_of, lines_of, template: str) -> Letter | None:
    locale = user.locale if user.locale in LOCALES else "zh_CN"
    with force_locale(locale):
        lines = lines_of()
        if not lines:
            return None
        subject = str(subject_of(lines))
        env = current_app.jinja_env
        context = {"user": user, "lines": lines, "subject": subject,
                   "settings_url": absolute_url("mail_settings.edit")}
        text = env.get_template(f"mail/{template}.txt").render(context)
        html = env.get_template(f"mail/{template}.html").render(context)
    return Letter(user.email, subject, text, html, locale, message_id(outbox_id), lines)


def compose(outbox_id: int, payload: dict) -> Letter | None:
    """The mail an outbox row stands for, or None when there is nothing to send (no address,
    mail switched off since, an empty digest, an item gone)."""
    if "notification_id" in payload:
        n = db.session.get(Notification, payload["notification_id"])
        user = db.session.get(User, n.user_id) if n is not None else None
        if user is None or not user.active or not wants_mail_now(user):
            return None
        return _letter(outbox_id, user, lambda lines: _subject(f"{lines[0].title} · {lines[0].what}"),
                       lambda: [x for x in [_line(n, user)] if x], "notification")
    if "digest_user_id" in payload:
        user = db.session.get(User, payload["digest_user_id"])
        if user is None or not user.active or not user.email:
            return None
        since, until = datetime.fromisoformat(payload["since"]), datetime.fromisoformat(payload["until"])
        rows = db.session.scalars(sa.select(Notification).where(
            Notification.user_id == user.id, Notification.created_at > since, Notification.created_at <= until)
            .order_by(Notification.id)).all()
        return _letter(outbox_id, user,
                       lambda lines: _subject(str(_l("Your daily digest: %(n)d notifications", n=len(lines)))),
                       lambda: [x for x in (_line(n, user) for n in rows) if x], "digest")
    raise ValueError(f"mail row {outbox_id}: unknown payload {sorted(payload)}")


def configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send(letter: Letter) -> bool:
    """Send one mail over SMTP (outside any transaction); False when no server is configured
    (logged: in-app notifications still work). SMTP errors propagate: the job retries."""
    cfg = current_app.config
    if not configured():
        current_app.logger.info("MAIL_SERVER is not set: mail %s to %s skipped", letter.message_id, letter.to)
        return False
    message = EmailMessage()
    message["Subject"] = letter.subject
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = letter.to
    message["Date"] = formatdate(clock.now().timestamp(), localtime=False)
    message["Message-ID"] = letter.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(letter.text)
    message.add_alternative(letter.html, subtype="html")
    # after the parts: making the message multipart moves Content-* headers into the first part
    message["Content-Language"] = "en" if letter.locale == "en" else "zh-CN"
    with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT_SECONDS"]) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(message)
    return True
