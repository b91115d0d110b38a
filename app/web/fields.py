"""A form's field, as every form and filter shows it: one labelled control with its help and its
error right next to it.

    {{ field("name", _("Project name"), values.name, errors, required=True) }}
    {{ field("category", _("Category"), values.category, errors, type="select",
             options=choices(categories), blank=_("Choose…")) }}

``errors`` maps field names to one message (app.errors.Invalid.errors, marshmallow's field
names); ``type`` is an <input> type, "textarea", "select" or "checkbox" (value "yes"). The
field's id is "f-<name>", or "f-<prefix>-<name>" when several forms on a page ask for the same
name (the action forms pass their kind, item and step): every label, help and error is tied to
its own field. An error sets aria-invalid and joins the field's aria-describedby. A file input
gets the product's own chooser (选择文件 / 未选择文件, static/js/forms.js shows the chosen
name); without JavaScript the browser's own input shows instead.

Python, not a Jinja macro: a macro call with these eighteen parameters cost a list page's eight
filters some 0.7 ms. Everything given is escaped, as any template text.
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

from markupsafe import Markup, escape

from app.i18n import gettext

_SELECTED = " selected"


def option_tags(options, value=None) -> Markup:
    """A select's <option>s from (value, text) pairs or a mapping, the one equal to ``value`` (as
    text) selected, every value and text escaped. Pairs given as a tuple (what ``choices()``
    answers) are written once per selected value and kept: a list's filters hold some sixty."""
    chosen = None if value is None else str(value)
    if isinstance(options, tuple):
        try:
            return _kept_tags(options, chosen)
        except TypeError:  # a pair that cannot be a key (unhashable): written each time
            pass
    return _tags(options.items() if isinstance(options, Mapping) else options, chosen)


def _tags(pairs, chosen: str | None) -> Markup:
    return Markup("".join(f'<option value="{escape(v)}"{_SELECTED if str(v) == chosen else ""}>{escape(text)}</option>'
                          for v, text in pairs))


@lru_cache(maxsize=512)
def _kept_tags(pairs: tuple, chosen: str | None) -> Markup:
    return _tags(pairs, chosen)


def _attribute(name: str, value) -> str:
    return "" if value is None else f' {name}="{escape(value)}"'


def field(name, label, value=None, errors=None, type="text", required=False, options=None, blank=None,
          help=None, wide=False, rows=4, min=None, max=None, step=None, placeholder=None, autocomplete=None,
          prefix=None, accept=None) -> Markup:
    fid = escape("f-" + (f"{prefix}-" if prefix else "") + str(name).replace(".", "-"))
    error = errors.get(name) if errors else None
    classes = "field" + (" wide" if wide else "") + (" has-error" if error else "") \
        + (" check" if type == "checkbox" else "")
    out = [f'<div class="{classes}">']
    if type != "checkbox":
        mark = '<span class="required-mark" aria-hidden="true">*</span>' if required else ""
        out.append(f'\n  <label for="{fid}">{escape(label)}{mark}</label>')
    described = [f"{fid}-help"] * bool(help) + [f"{fid}-error"] * bool(error)
    common = (f' id="{fid}" name="{escape(name)}"' + (' required aria-required="true"' if required else "")
              + (' aria-invalid="true"' if error else "")
              + (f' aria-describedby="{" ".join(described)}"' if described else ""))
    shown = "" if value is None else escape(value)
    if type == "textarea":
        out.append(f'\n  <textarea{common} rows="{escape(rows)}"{_attribute("placeholder", placeholder or None)}>'
                   f'{shown}</textarea>')
    elif type == "select":
        blank_option = "" if blank is None else f'<option value="">{escape(blank)}</option>'
        out.append(f"\n  <select{common}>\n    {blank_option}\n    {option_tags(options or (), value)}\n  </select>")
    elif type == "checkbox":
        out.append(f'\n  <input{common} type="checkbox" value="yes"{" checked" if value else ""}>'
                   f'\n  <label for="{fid}">{escape(label)}</label>')
    elif type == "file":
        # (outside the f-strings: the message extraction does not look inside them)
        choose, none_chosen = escape(gettext("Choose file")), escape(gettext("No file chosen"))
        out.append(f'\n  <span class="file-chooser">\n    <input{common} type="file"{_attribute("accept", accept or None)}>'
                   f'\n    <label for="{fid}" class="btn secondary file-button">{choose}</label>'
                   f'\n    <span class="file-name" data-none="{none_chosen}" aria-hidden="true">{none_chosen}</span>'
                   "\n  </span>")
    else:
        out.append(f'\n  <input{common} type="{escape(type)}" value="{shown}"'
                   + _attribute("min", min) + _attribute("max", max) + _attribute("step", step)
                   + _attribute("placeholder", placeholder or None) + _attribute("autocomplete", autocomplete or None)
                   + ">")
    if help:
        out.append(f'\n  <span class="help" id="{fid}-help">{escape(help)}</span>')
    if error:
        out.append(f'\n  <span class="error" id="{fid}-error">{escape(str(error))}</span>')
    out.append("\n</div>")
    return Markup("".join(out))
