"""Locale choice: the user's explicit choice (cookie), else Accept-Language, else Chinese; and
the templates' gettext."""
from contextlib import contextmanager
from functools import cache
from typing import Iterator

import flask_babel
from babel import Locale
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale, get_translations

_HELD = "_pilotflow_locale"  # g: the locale Flask-Babel chose for this app context


def select_locale() -> Locale:
    supported = current_app.config["BABEL_SUPPORTED_LOCALES"]
    if not has_request_context():
        return _parsed(current_app.config["BABEL_DEFAULT_LOCALE"])
    chosen = request.cookies.get("lang")
    if chosen in supported:
        return _parsed(chosen)
    return _parsed(request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"])


@cache
def _parsed(code: str) -> Locale:
    """One Locale per code: parsing one looks through every locale Babel knows (twice a request)."""
    return Locale.parse(code)


def present_locale() -> Locale | None:
    """Flask-Babel's ``get_locale``, asked once per app context: a page asks for the locale some
    three hundred times (every label and every translated string), and each of Flask-Babel's
    answers looks up the app context three times. Change it only with ``force_locale`` and
    ``refresh`` below, which keep this answer and Flask-Babel's the same."""
    try:
        held = g.get(_HELD)
    except RuntimeError:  # no app context: Flask-Babel answers None
        return get_locale()
    if held is None:
        held = get_locale()
        setattr(g, _HELD, held)
    return held


@contextmanager
def force_locale(locale: str) -> Iterator[None]:
    """Flask-Babel's ``force_locale`` (a mail in its reader's language, a document in Chinese)."""
    with flask_babel.force_locale(locale):
        _forget()
        try:
            yield
        finally:
            _forget()  # (asked again after the block: Flask-Babel has restored its own by then)


def _forget() -> None:
    if has_app_context():
        g.pop(_HELD, None)


def refresh() -> None:
    """Flask-Babel's ``refresh``: the locale is chosen again (an API request in a shared context)."""
    flask_babel.refresh()
    _forget()


def short_locale() -> str:
    """'zh' or 'en', for the LabelledEnum labels."""
    loc = present_locale()
    return "en" if loc is not None and loc.language == "en" else "zh"


def catalogue():
    """The translations of the present locale. Flask-Babel's own lookup finds the context, the
    domain and the locale again for every string (a page translates some 200); this keeps the
    answer per request and per locale (``force_locale``, as a mail in its reader's language
    does, changes the locale, so the answer is looked up again)."""
    locale = present_locale()
    held = g.get("_catalogue")
    if held is None or held[0] is not locale:
        held = g._catalogue = (locale, get_translations())
    return held[1]


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext`` through the request's kept ``catalogue``, for the labels a page
    repeats on every row (``str(lazy_gettext(…))`` finds the catalogue afresh each time, some
    fifteen microseconds). Outside an app context, the string itself, as Flask-Babel's."""
    translated = catalogue().ugettext(string) if has_app_context() else string
    return translated % variables if variables else translated


def install_template_gettext(app: Flask) -> None:
    """The templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext``."""
    app.jinja_env.install_gettext_callables(
        gettext=gettext, ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n), newstyle=True)
