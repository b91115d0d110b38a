"""Chinese first, English complete: every message the code and templates can show has a
Chinese translation, and the catalogues are in step with the code (scripts/i18n.sh)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import jinja2
import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from flask import request
from flask_babel import gettext

from app.i18n import catalogue, force_locale, refresh, short_locale
from app.web.badges import label
from workflows.application import ApplicationState

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}  # as scripts/i18n.sh passes -k
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def msgids() -> set[str]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    found.discard("")
    assert len(found) > 300, "the extraction found suspiciously few messages"
    return found


def _catalog(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


def _text(message) -> str:
    """A translation's text: every form of a plural one (ngettext) joined."""
    return " ".join(message.string) if isinstance(message.string, (tuple, list)) else message.string


def test_every_message_has_a_chinese_translation(msgids):
    catalog = _catalog("zh_CN")
    missing = sorted(m for m in msgids if catalog.get(m) is None)
    empty = sorted(m for m in msgids if catalog.get(m) is not None
                   and (not _text(catalog.get(m)).strip() or catalog.get(m).fuzzy))
    assert not missing, f"{len(missing)} messages are not in the zh_CN catalogue (run scripts/i18n.sh): {missing[:20]}"
    assert not empty, f"{len(empty)} messages have no Chinese translation yet: {empty[:20]}"


def test_translations_keep_every_placeholder(msgids):
    catalog = _catalog("zh_CN")
    wrong = [m for m in msgids if catalog.get(m) is not None and _text(catalog.get(m))
             and set(PLACEHOLDER.findall(m)) != set(PLACEHOLDER.findall(_text(catalog.get(m))))]
    assert not wrong, f"placeholders differ between msgid and translation: {wrong}"


def test_the_english_catalogue_lists_every_message(msgids):
    catalog = _catalog("en")
    missing = sorted(m for m in msgids if catalog.get(m) is None)
    assert not missing, f"{len(missing)} messages are not in the en catalogue (run scripts/i18n.sh): {missing[:20]}"


def test_the_app_speaks_chinese_by_default_and_english_on_request(app):
    with app.app_context(), app.test_request_context("/"):
        assert gettext("My tasks") == "我的待办"
    with app.app_context(), app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert gettext("My tasks") == "My tasks"


def test_the_locale_is_asked_once_per_context_and_follows_every_forced_locale(app):
    """``i18n.present_locale`` keeps Flask-Babel's answer for the app context; a mail in its
    reader's language (``force_locale``) and a refreshed choice change it, and it comes back."""
    state = ApplicationState.DRAFT
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert (short_locale(), label(state), catalogue().ugettext("My tasks")) == ("en", "Draft", "My tasks")
        with force_locale("zh_CN"):
            assert (short_locale(), label(state), catalogue().ugettext("My tasks")) == ("zh", "草稿", "我的待办")
            with force_locale("en"):
                assert label(state) == "Draft"
            assert label(state) == "草稿"
        assert (short_locale(), label(state), catalogue().ugettext("My tasks")) == ("en", "Draft", "My tasks")
        request.cookies = {"lang": "zh_CN"}  # the choice changes within the context
        assert label(state) == "Draft"  # kept, as Flask-Babel keeps it
        refresh()
        assert (label(state), gettext("My tasks")) == ("草稿", "我的待办")


def test_the_templates_gettext_is_jinjas_new_style_gettext(app):
    """``i18n.template_gettext`` (the templates' ``_`` and ``gettext``) writes what Jinja's own
    new-style gettext writes (the translation marked safe under autoescape, %-formatted even
    without variables, the variables escaped), and follows a forced locale within one request."""
    source = ('{{ _("My tasks") }}|{{ gettext("100%% sure") }}|{{ _("%(who)s & co", who="<b>") }}|'
              '{{ _("Draft") }}{{ _("Draft") }}')
    for autoescape in (True, False):
        ours = app.jinja_env.overlay(autoescape=autoescape).from_string(source)
        jinjas = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
        jinjas.install_gettext_callables(lambda s: catalogue().ugettext(s), lambda s, p, n: s, newstyle=True)
        theirs = jinjas.from_string(source)
        for cookie in ("lang=en", "lang=zh_CN"):
            with app.test_request_context("/", headers={"Cookie": cookie}):
                refresh()  # the test's app context outlives its requests (a served request has its own)
                assert ours.render() == theirs.render()
                with force_locale("en" if cookie == "lang=zh_CN" else "zh_CN"):
                    assert ours.render() == theirs.render() != ""
                    forced = ours.render()
                assert ours.render() != forced
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        refresh()
        assert app.jinja_env.from_string(source).render() == "My tasks|100% sure|&lt;b&gt; & co|DraftDraft"


def test_no_message_is_marked_inside_an_f_string():
    """The extraction does not look inside an f-string: a message marked there (``f"{_l('…')}"``)
    is never extracted, so its translation is dropped from the catalogue at the next
    scripts/i18n.sh and the page shows it in English. Mark it outside, in a variable."""
    markers = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "pgettext"}
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.JoinedStr):
                found += [f"{path.relative_to(ROOT)}:{call.lineno}" for call in ast.walk(node)
                          if isinstance(call, ast.Call) and getattr(call.func, "id", None) in markers]
    assert found == []
