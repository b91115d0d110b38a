"""Locale choice: the user's explicit choice (cookie), else Accept-Language, else Chinese; and
the templates' gettext."""
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import Iterator

import flask_babel
from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import get_locale, get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

_HELD = "_pilotflow_locale"  # g: the locale Flask-Babel chose for this app context
_CATALOGUE = "_pilotflow_catalogue"  # g: its translations


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
        return _kept_in_context(_HELD, get_locale)
    except RuntimeError:  # no app context: Flask-Babel answers None
        return get_locale()


def _kept_in_context(key: str, make):
    """``make()``'s answer kept on the app context's ``g``, read from ``g`` itself: each look
    through the ``g`` proxy costs about a microsecond, and a page asks for its locale and
    catalogue a hundred times. RuntimeError outside an app context."""
    kept = g._get_current_object()
    held = kept.get(key)
    if held is None:
        held = make()
        setattr(kept, key, held)
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
        g.pop(_CATALOGUE, None)


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
    answer per app context, forgotten with the locale (``force_locale``, as a mail in its
    reader's language does, and ``refresh``)."""
    return _kept_in_context(_CATALOGUE, get_translations)


def gettext(string: str, **variables) -> str:
    """Flask-Babel's ``gettext`` through the request's kept ``catalogue``, for the labels a page
    repeats on every row (``str(lazy_gettext(…))`` finds the catalogue afresh each time, some
    fifteen microseconds). Outside an app context, the string itself, as Flask-Babel's."""
    translated = catalogue().ugettext(string) if has_app_context() else string
    return translated % variables if variables else translated


@pass_eval_context
def template_gettext(eval_ctx: EvalContext, string: str, /, **variables) -> str:
    """The templates' ``_`` and ``gettext``: Jinja's new-style gettext (the translation, marked
    safe when the template escapes, and always %-formatted, so "%%" reads "%"), called directly.
    Jinja's own passes through two more context calls (``_`` resolves ``gettext``, which calls
    the translation function), some 13 µs a string where a page has 20 to 50 of them; a string
    without variables is kept formatted per catalogue."""
    if variables:
        translated = catalogue().ugettext(string)
        return (Markup(translated) if eval_ctx.autoescape else translated) % variables
    return _formatted(catalogue(), string, eval_ctx.autoescape)


@lru_cache(maxsize=8192)
def _formatted(translations: NullTranslations, string: str, autoescape: bool) -> str:
    translated = translations.ugettext(string)
    return (Markup(translated) if autoescape else translated) % {}


def install_template_gettext(app: Flask) -> None:
    """The templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext``."""
    app.jinja_env.install_gettext_callables(
        gettext=gettext, ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n), newstyle=True)
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
