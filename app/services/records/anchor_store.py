"""The write-once store outside the database: the audit trail's signed checkpoints, one JSON
line each, in one file per Beijing day (``2026-12-08.jsonl``) under ``AUDIT_ANCHOR_DIR``.

Lines are only ever appended (the file is opened ``O_APPEND``, never truncated or rewritten),
and a day's file is made read-only (0444) once the day is over. In production the directory is
one the database's users cannot reach (another host's mount, an append-only volume), so that
whoever can rewrite the database cannot rewrite what was anchored here.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import current_app

DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.jsonl$")
LOCK_FILE = ".lock"
READ_ONLY = 0o444


def directory() -> Path:
    return Path(current_app.config["AUDIT_ANCHOR_DIR"])


def day_file(day: date) -> Path:
    return directory() / f"{day.isoformat()}.jsonl"


def day_files() -> list[Path]:
    folder = directory()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if DAY_FILE.match(p.name))


@contextmanager
def locked() -> Iterator[None]:
    """One writer at a time, across processes (an advisory lock on a file in the store)."""
    folder = directory()
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_FILE, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def append(day: date, lines: list[dict]) -> None:
    """Append ``lines`` to the day's file (created if new), synced to disk before returning.
    A file already made read-only is refused: a closed day is never written again."""
    if not lines:
        return
    path = day_file(day)
    if path.exists() and not path.stat().st_mode & stat.S_IWUSR:
        raise PermissionError(f"{path} is closed (read-only); its day is over")
    text = "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def close_past_days(today: date) -> list[Path]:
    """Make every day file before ``today`` read-only; returns the files closed now."""
    closed = []
    for path in day_files():
        if DAY_FILE.match(path.name).group(1) < today.isoformat() and stat.S_IMODE(path.stat().st_mode) != READ_ONLY:
            path.chmod(READ_ONLY)
            closed.append(path)
    return closed


@dataclass
class Contents:
    """What the store holds: its lines in order, and what is wrong with the files themselves."""

    exists: bool
    lines: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def last_seq(self) -> int:
        return max((line["seq"] for line in self.lines), default=0)


def read() -> Contents:
    contents = Contents(directory().is_dir())
    for path in day_files():
        raw = path.read_bytes()
        if raw and not raw.endswith(b"\n"):
            contents.problems.append(f"{path.name} ends in a partial line (truncated)")
        for number, text in enumerate(raw.decode(errors="replace").splitlines(), 1):
            try:
                line = json.loads(text)
                int(line["seq"]), line["statement"], line["signature"], line["certificate"]
            except (ValueError, TypeError, KeyError):
                contents.problems.append(f"{path.name} line {number} is not a checkpoint (damaged)")
                continue
            contents.lines.append({**line, "file": path.name})
    return contents


def last_seq() -> int:
    """The last checkpoint's sequence number in the store (0 when empty), reading back from the
    newest file."""
    for path in reversed(day_files()):
        for text in reversed(path.read_text(errors="replace").splitlines()):
            try:
                return int(json.loads(text)["seq"])
            except (ValueError, TypeError, KeyError):
                continue
    return 0
