"""What every template may use: labels in the user's language, state badges, times in
Beijing time, links to any workflow item, the unread-notification count, and ``may(rule)`` —
the one way a template asks what the signed-in user may do (app.policies decides)."""
from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from functools import lru_cache

from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from app import clock, policies
from app.bounds import MAX_ID, ascii_int
from app.i18n import short_locale
from app.kept import Kept
from app.kinds import PAGE_ENDPOINTS
from app.labels import (
    application_number,
    kind_label,
    record_actor,
    role_label,
    state_label,
    trigger_label,
)
from app.notifications import unread_count as notification_count
from app.schemas import (
    CONSTRUCTION_ENDS,
    CONSTRUCTION_STARTS,
    DELEGATION_STARTS,
    input_bounds,
)
from app.services.commands.admin import BATCH_YEARS, filing_period
from app.services.reads.history import title_of
from app.services.supervision.urging import may_urge
from app.sizes import file_size
from app.web import navigation
from app.web.badges import (
    badge_tone,
    label,
    labels,
    level_badge,
    overdue_badge,
    state_badge,
)
from app.web.fields import field, option_tags
from app.web.redirects import back_link
from workflows import FLOWS
from workflows.acceptance import CRITERIA

ENTITY_ENDPOINTS = PAGE_ENDPOINTS  # where each kind of workflow item is shown (app.kinds)


local_time = clock.beijing  # the templates' ``|local_time`` filter: Beijing time


def entity_url(kind: str, entity_id: int) -> str | None:
    """The page of a workflow item, None for a kind without one. In a request, each kind's link
    is built once by the request's URL adapter with a mark where the id goes, and an item's
    link is then that pattern joined around its id (an inbox page links fifty items; a build
    costs some fourteen microseconds)."""
    endpoint = ENTITY_ENDPOINTS.get(kind)
    if endpoint is None:
        return None
    try:
        if not has_request_context() or type(entity_id) is not int:
            return url_for(endpoint, id=entity_id)
        patterns = _per_request(_LINKS, dict)
        pattern = patterns.get(endpoint)
        if pattern is None:
            built = current_app.create_url_adapter(request).build(endpoint, {"id": _MARK})
            pattern = patterns[endpoint] = tuple(built.split(str(_MARK)))
        return str(entity_id).join(pattern)
    except BuildError:
        return None


# on the request: each endpoint's link split where the id goes (built with this mark as the id)
_LINKS, _MARK = "_pilotflow_entity_links", MAX_ID


def may(rule: str, entity: object = None) -> bool:
    """Whether the signed-in user passes the named policy — the rule the service enforces, so
    a page never offers what the service would refuse (False when nobody is signed in)."""
    if not current_user.is_authenticated:
        return False
    return bool(policies.check(rule, current_user._get_current_object(), entity))


NAV_LINKS = Kept("pilotflow.nav_links", 1024)  # (scope, language, root) → the bar: some hundred bytes


def nav_links() -> tuple:
    """The navigation bar's (link, label, href) triples for the signed-in user
    (app.web.navigation). Its rules read only the actor's scope (``policies.scope_key``; a test
    holds them to it), so the app keeps the bar by scope, language and the site's root instead of
    asking eighteen rules and building a dozen URLs on every page."""
    if not current_user.is_authenticated:
        return ()
    key = (policies.scope_key(current_user._get_current_object()), short_locale(), request.script_root)
    return NAV_LINKS.get(key, lambda: tuple((link, label, url_for(link.endpoint))
                                            for link, label in navigation.links(may)))


def can_urge(kind: str, entity) -> bool:
    """Whether the signed-in user may urge (催办) the item now (the service's own rule)."""
    if not current_user.is_authenticated:
        return False
    return bool(may_urge(current_user._get_current_object(), kind, entity))


def unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    return notification_count(current_user)


def page_url(page: int) -> str:
    """The current page's URL with the same query string but another page number (last). The
    rest is built once per request: a pager links up to nine pages."""
    return f"{_per_request(_PAGER, _pager_start)}{int(page)}"


def _pager_start() -> str:
    args = request.args.to_dict(flat=False)
    args.pop("page", None)
    built = url_for(request.endpoint, **(request.view_args or {}), **args)
    return built + ("&" if "?" in built else "?") + "page="


_PAGER = "_pilotflow_pager_link"  # on the request: its URL up to the page number


def _per_request(key: str, make):
    """What ``make()`` gives, kept on the request (not on ``g``: a test's app context outlives
    its requests)."""
    kept = request._get_current_object()  # one look through the proxy, not two (~1 µs each)
    held = getattr(kept, key, None)
    if held is None:
        held = make()
        setattr(kept, key, held)
    return held


def page_numbers(page, around: int = 2) -> list[int | None]:
    """The page numbers the pager links: the first, the last and ``around`` either side of the
    current one, with None for each gap ("…"). A handful whatever the number of pages (a loop
    over every page cost a 100,000-row list 5,000 turns of the template)."""
    shown = sorted({1, page.pages, *range(max(1, page.page - around), min(page.pages, page.page + around) + 1)})
    numbers: list[int | None] = []
    for n in shown:
        if numbers and n - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


def state_of(entity_type: str, value: str | None):
    """The state enum member behind a stored value (for badges), or the value itself."""
    flow = FLOWS.get(entity_type)
    try:
        return flow.states(value) if flow is not None and value else value
    except ValueError:
        return value


def choices(items, value: str = "id", text: str = "name") -> Sequence[tuple]:
    """(value, text) pairs for a <select>: enum members (by label), objects (by attributes)
    or plain values. An enum's are built once per language (a list page's filters hold four)."""
    if isinstance(items, type) and issubclass(items, Enum):
        return _enum_choices(items, short_locale())
    pairs = []
    for item in items:
        if isinstance(item, Enum):
            pairs.append((item.value, label(item)))
        elif isinstance(item, (str, int)):
            pairs.append((item, item))
        else:
            pairs.append((getattr(item, value), getattr(item, text)))
    return tuple(pairs)  # (a tuple: its option tags are kept, fields.option_tags)


@lru_cache(maxsize=None)  # enum classes and languages: a small fixed set
def _enum_choices(enum: type[Enum], locale: str) -> tuple[tuple, ...]:
    return tuple((member.value, label(member, locale)) for member in enum)


def plan_choices(items) -> list[tuple]:
    return [(i.id, f"{i.code} {i.name}（{label(i.category)} · {label(i.domain)}）") for i in items]


def attachment_choices(kinds: dict) -> list[tuple]:
    return [(k, en if short_locale() == "en" else zh) for k, (zh, en) in kinds.items()]


RECOMMENDATIONS = {"approve": _l("Recommends approval"), "return": _l("Recommends returning for revision"),
                   "reject": _l("Recommends rejection")}


def recommendation_label(value: str) -> str:
    return str(RECOMMENDATIONS.get(value, value))


def tr(message) -> str:
    """Field messages are localised by app.schemas.load already; kept for the templates."""
    return str(message)


def acceptance_criteria():
    return CRITERIA


# The windows of the dates the standalone forms ask for (a step's form takes its own from its schema).
DATE_WINDOWS = {"construction_starts": CONSTRUCTION_STARTS, "construction_ends": CONSTRUCTION_ENDS,
                "delegation_starts": DELEGATION_STARTS}


def batch_period(year=None) -> dict[str, str]:
    """The date inputs' bounds of a batch's filing period (``commands.admin.filing_period``) for
    the form's year as it stands (a number, the text sent back with an error, or nothing yet)."""
    return input_bounds(*filing_period(ascii_int(str(year or "").strip())))


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        label=label, badge_tone=badge_tone, state_badge=state_badge, level_badge=level_badge,
        overdue_badge=overdue_badge, page_numbers=page_numbers, entity_url=entity_url, may=may, nav_links=nav_links,
        unread_count=unread_count, page_url=page_url, lang=short_locale,
        acceptance_criteria=acceptance_criteria, trigger_label=trigger_label, state_label=state_label,
        state_of=state_of, role_label=role_label, kind_label=kind_label, choices=choices, option_tags=option_tags,
        field=field, plan_choices=plan_choices, attachment_choices=attachment_choices,
        recommendation_label=recommendation_label, tr=tr, back_link=back_link, can_urge=can_urge,
        application_number=application_number, item_title=title_of, record_actor=record_actor,
        date_windows=DATE_WINDOWS, batch_period=batch_period, batch_years=BATCH_YEARS)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["labels"] = labels
    app.jinja_env.filters["file_size"] = file_size
