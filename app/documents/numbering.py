"""Document numbers in the official form 云信办〔2026〕12号: issuer prefix, year, sequence; and
applications' human numbers, 云试申〔2026〕0012号."""
from __future__ import annotations

import re

DEFAULT_PREFIX = "云信办"
DEFAULT_ISSUER = "云南省信息化工作领导小组办公室"
DEFAULT_ISSUER_SHORT = "省信息办"
NUMBER_RE = re.compile(r"^(?P<prefix>\S+?)〔(?P<year>\d{4})〕(?P<seq>\d+)号$")


APPLICATION_PREFIX = "云试申"


def application_counter_key(year: int) -> str:
    """The gapless sequence of application numbers of one (Beijing) year."""
    return f"appno:{year}"


def format_application_number(prefix: str, year: int, seq: int) -> str:
    """An application's human number: 云试申〔2026〕0012号 (four digits, more after 9999)."""
    return f"{prefix}〔{year}〕{seq:04d}号"


def counter_key(year: int) -> str:
    return f"docno:{year}"


def format_number(prefix: str, year: int, seq: int) -> str:
    return f"{prefix}〔{year}〕{seq}号"


def normalise(text: str) -> str:
    """Accept what people type: [] or () or 【】 for the year brackets, spaces anywhere."""
    text = re.sub(r"\s+", "", text or "")
    for left in "[(（【":
        text = text.replace(left, "〔")
    for right in "])）】":
        text = text.replace(right, "〕")
    return text


def issuer_settings() -> dict[str, str]:
    from flask import current_app

    cfg = current_app.config
    return {"prefix": cfg.get("DOCUMENT_NUMBER_PREFIX", DEFAULT_PREFIX),
            "issuer": cfg.get("DOCUMENT_ISSUER", DEFAULT_ISSUER),
            "issuer_short": cfg.get("DOCUMENT_ISSUER_SHORT", DEFAULT_ISSUER_SHORT)}
