"""The small marks every list repeats: a state's badge, a time limit's level, the overdue mark.

They are Python, not Jinja macros, and each badge of an enum member is built once per
language: a list page shows one for every row, and a macro call (or ``Markup.format``) cost some
fifteen microseconds of the row's hundred. Every value is escaped like any other template text.

    {{ state_badge(application.state) }}   any LabelledEnum state (or a plain value): its label in
                                           the reader's language, the same colour for the same
                                           kind of state everywhere
    {{ level_badge(row.time_limit) }}      黄牌 / 红牌 (due soon / overdue); nothing on time
    {{ overdue_badge() }}
    {{ task.steps|labels }}               several labels, joined by " / " (or the separator given)
"""
from __future__ import annotations

from enum import Enum
from functools import lru_cache

from markupsafe import Markup, escape

from app.i18n import gettext, short_locale


def label(value, locale: str | None = None) -> str:
    """The Chinese or English label of a LabelledEnum member (or a Step/Flow); '' for None."""
    if value is None:
        return ""
    if hasattr(value, "label"):
        return value.label(locale or short_locale())
    return str(value)


def labels(values, separator: str = " / ") -> str:
    """The labels of several members joined (``{{ task.steps|labels }}``): the language is asked
    once, not once per member as ``map("label")|join`` does (a quarter of an inbox row's time)."""
    locale = short_locale()
    return separator.join(label(value, locale) for value in values)


def badge_tone(state) -> str:
    """The state's tone from its flow definition (draft, active, attention, done, stopped)."""
    return getattr(state, "tone", "active")


def state_badge(state) -> Markup:
    if state is None:
        return Markup()
    if isinstance(state, Enum):
        return _badge("state", state, short_locale())
    return _build("state", state, short_locale())


def level_badge(limit) -> Markup:
    """A row's ``time_limit`` (app.services.time.limits): its level's badge, none when on time."""
    if not limit or limit.level.value == "none":
        return Markup()
    return _badge("level", limit.level, short_locale())


def overdue_badge() -> Markup:
    return Markup('<span class="badge overdue">%s</span>') % gettext("Overdue")


@lru_cache(maxsize=None, typed=True)  # enum members only: a finite set (typed: a member ≠ its str)
def _badge(attribute: str, member: Enum, locale: str) -> Markup:
    return _build(attribute, member, locale)


def _build(attribute: str, state, locale: str) -> Markup:
    return Markup(f'<span class="badge {escape(badge_tone(state))}" data-{attribute}='
                  f'"{escape(getattr(state, "value", state))}">{escape(label(state, locale))}</span>')
