"""The warning-level filter (黄牌/红牌) every list with time limits takes: the query parameter
``level`` (anything else is ignored) and the choices of its select."""
from __future__ import annotations

from flask import request

from app.services.time import limits


def level_arg() -> str | None:
    value = request.args.get("level") or None
    return value if value in limits.FILTER_LEVELS else None


def level_choices() -> list[limits.Level]:
    return [limits.Level(v) for v in limits.FILTER_LEVELS]
