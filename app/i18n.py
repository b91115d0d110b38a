"""Locale choice: the user's explicit choice (cookie), else Accept-Language, else Chinese; and
the templates' gettext."""
from functools import cache

from babel import Locale
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations


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


def short_locale() -> str:
    """'zh' or 'en', for the LabelledEnum labels."""
    loc = get_locale()
    return "en" if loc is not None and loc.language == "en" else "zh"


def catalogue():
    """The translations of the present locale. Flask-Babel's own lookup finds the context, the
    domain and the locale again for every string (a page translates some 200); this keeps the
    answer per request and per locale (``force_locale``, as a mail in its reader's language
    does, changes the locale, so the answer is looked up again)."""
    locale = get_locale()
    held = g.get("_catalogue")
    if held is None or held[0] is not locale:
        held = g._catalogue = (locale, get_translations())
    return held[1]


def install_template_gettext(app: Flask) -> None:
    """The templates' ``_``, ``gettext``, ``ngettext``, ``pgettext`` and ``npgettext``."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: catalogue().ugettext(s), ngettext=lambda s, p, n: catalogue().ungettext(s, p, n),
        pgettext=lambda c, s: catalogue().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalogue().unpgettext(c, s, p, n), newstyle=True)
