"""Judging a PDF: its signatures (pyHanko's bottom line *and* coverage, not just "valid") and
whether its digest is one the system stored when it issued the document."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.documents.signing import SignatureReport

AUTHENTIC = "authentic"        # exactly the final (or current) file the system issued, signatures hold
SUPERSEDED = "superseded"      # exactly a file the system issued, but a later version exists
ALTERED = "altered"            # a signature fails, or bytes were added/changed after signing
UNREADABLE = "unreadable"      # not a PDF any more (damaged or tampered with)
FOREIGN = "foreign"            # signatures hold, but the system never issued this exact file
UNKNOWN = "unknown"            # unsigned and not issued by the system
NOT_FOUND = "not_found"        # no document has that number


@dataclass(frozen=True)
class IssuedMatch:
    """The issued document whose stored version has the file's digest."""

    number: str
    kind: str
    title: str
    issued_at: datetime
    position: int        # 1-based
    versions: int
    finalised: bool

    @property
    def is_current(self) -> bool:
        return self.position == self.versions


@dataclass
class Verification:
    sha256: str | None
    verdict: str
    signatures: list[SignatureReport] = field(default_factory=list)
    match: IssuedMatch | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict == AUTHENTIC


def assess(sha256: str | None, signatures: list[SignatureReport] | None,
           match: IssuedMatch | None, unreadable_reason: str = "",
           claimed: IssuedMatch | None = None) -> Verification:
    """The verdict, from the most serious finding down. ``claimed`` is the issued document
    whose number the file carries when its digest matches none we stored: bytes outside the
    signed ranges (e.g. the padding of a signature's /Contents) can change without breaking
    any signature, so the stored digest is the final word."""
    if signatures is None:
        return Verification(sha256, UNREADABLE, match=match, problems=[unreadable_reason])
    problems = []
    for sig in signatures:
        if not sig.bottom_line:
            problems.append(f"{sig.field_name}: {sig.problem or 'signature does not validate'}")
    if signatures and not signatures[-1].covers_entire_file:
        problems.append("bytes were added after the last signature (it does not cover the whole file)")
    if match is None and claimed is not None:
        problems.append(f"the file carries the number {claimed.number}, but differs from every file "
                        "issued under that number")
    if problems:
        return Verification(sha256, ALTERED, signatures, match, problems)
    if match is not None:
        return Verification(sha256, AUTHENTIC if match.is_current else SUPERSEDED, signatures, match)
    return Verification(sha256, FOREIGN if signatures else UNKNOWN, signatures)
