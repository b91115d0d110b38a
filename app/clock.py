"""The product's clock: the real time, or a moment set for a time-travel test or a drill.

Everything that asks "what time is it" for a decision, a deadline or a scheduled job asks here
(``now()`` in UTC, ``today()`` as Beijing's date), so a test moves time by setting it — it
never sleeps — and the scheduled jobs see the same moment as the pages.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")
_set: datetime | None = None


def now() -> datetime:
    """The current moment, timezone-aware (UTC)."""
    return _set if _set is not None else datetime.now(UTC)


def today() -> date:
    """Today's date in Beijing, whatever the server's zone."""
    return now().astimezone(BEIJING).date()


def local(moment: datetime) -> datetime:
    """A stored moment (naive means UTC, as SQLite hands it back) as Beijing time, to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BEIJING).replace(microsecond=0)


def beijing(moment: datetime | date | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """The one way a person reads a time: Beijing time (Asia/Shanghai), never UTC and never
    microseconds — pages, exports, PDFs, mails, /verify and the CLI all call this. A date is
    shown as it is; an ISO 8601 text (a manifest's) is read first; None is ''."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if isinstance(moment, datetime):
        return _beijing_text(moment, fmt)
    return moment.isoformat()  # a date: YYYY-MM-DD


@lru_cache(maxsize=8192)
def _beijing_text(moment: datetime, fmt: str) -> str:
    """Kept: a list shows the same moments on every visit, and converting and formatting one
    (some eight microseconds) was a quarter of an inbox row. Equal keys are the same instant
    (an aware moment equals another only at the same UTC time; a naive one never equals an
    aware one), so they read alike."""
    return local(moment).strftime(fmt)


def set_now(moment: datetime | None) -> None:
    """Stop the clock at ``moment`` (naive means Beijing time); ``None`` lets it run again."""
    global _set
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    _set = moment.astimezone(UTC) if moment is not None else None


def advance(delta: timedelta) -> datetime:
    """Move a stopped clock forward (a running one is stopped at now + ``delta``)."""
    set_now(now() + delta)
    return now()


@contextmanager
def frozen(moment: datetime) -> Iterator[datetime]:
    """The clock stands at ``moment`` inside the block and runs again after it."""
    before = _set
    set_now(moment)
    try:
        yield now()
    finally:
        globals()["_set"] = before
