"""A bulk change asks first: the page naming how many items it would touch, unless the form
already says ``confirmed=yes`` (opening the year's checks, opening a period's evaluations)."""
from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request


def ask_first(count: Callable[[], int], *, title: str, question: Callable[[int], str], nothing: str,
              action: str, fields: dict[str, str], back: str) -> str | None:
    """The confirmation page, counted by a plain read (no write transaction), or None once confirmed."""
    if request.form.get("confirmed") == "yes":
        return None
    n = count()
    return render_template("actions/confirm_bulk.html", title=title, count=n, question=question(n),
                           nothing=nothing, action=action, fields=fields, back=back)
