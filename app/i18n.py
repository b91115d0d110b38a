"""Locale choice: the user's explicit choice (cookie), else Accept-Language, else Chinese."""
from flask import current_app, has_request_context, request


def select_locale() -> str:
    supported = current_app.config["BABEL_SUPPORTED_LOCALES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = request.cookies.get("lang")
    if chosen in supported:
        return chosen
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def short_locale() -> str:
    """'zh' or 'en', for the LabelledEnum labels."""
    from flask_babel import get_locale

    loc = get_locale()
    return "en" if loc is not None and loc.language == "en" else "zh"
