"""Judging a PDF: its signatures (pyHanko's bottom line *and* coverage, not just "valid") and
whether its digest is one the system stored when it issued the document. Exactly one verdict:"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.documents.signing import SignatureReport

AUTHENTIC = "authentic"        # exactly the file the system issued (its current version), signed and sealed
SUPERSEDED = "superseded"      # exactly a file the system issued, but a later (more signed) version exists
UNSIGNED = "unsigned"          # exactly a file the system issued, carrying no signature (the 申报书)
ALTERED = "altered"            # a signature fails, or bytes were added/changed after signing
UNTRUSTED = "untrusted"        # intact signatures by someone the deployment does not know
NOT_ISSUED = "not_issued"      # not a file this system issued (signed or not)
UNREADABLE = "unreadable"      # not a PDF, truncated or damaged
NOT_FOUND = "not_found"        # no document has that number (a lookup)

# The role a signature states (its /Reason, set by the system when it signs) → who signed.
CHAIR_REASON, EXPERT_REASON, OFFICE_REASON = "验收专家组组长", "验收专家", "省信息办盖章"
ROLES = {CHAIR_REASON: "chair", EXPERT_REASON: "expert", OFFICE_REASON: "office"}
UNKNOWN_SIGNER = "unknown"


def role_of(sig: SignatureReport) -> str:
    """chair, expert, office — or unknown: a role is believed only from a trusted signature."""
    return ROLES.get(sig.reason, UNKNOWN_SIGNER) if sig.trusted and sig.intact else UNKNOWN_SIGNER


def precheck(data: bytes) -> str:
    """A reason the bytes cannot be a complete PDF, found without parsing ("" when none): no
    %PDF- header near the start, or no %%EOF marker near the end (cut off)."""
    if b"%PDF-" not in data[:1024]:
        return "not_pdf"
    if b"%%EOF" not in data[-2048:]:
        return "truncated"
    return ""


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
    differs = (f"the file carries the number {claimed.number}, but differs from every file issued under "
               "that number") if match is None and claimed is not None else ""
    problems = [f"signature {i}: {sig.problem or 'does not validate'}"
                for i, sig in enumerate(signatures, 1) if not sig.intact or (sig.trusted and not sig.bottom_line)]
    if signatures and not signatures[-1].covers_entire_file:
        problems.append("bytes were added after the last signature (it does not cover the whole file)")
    if problems:
        return Verification(sha256, ALTERED, signatures, match, problems)
    strangers = [f"signature {i}: {sig.signer_subject or 'no certificate'} is not known to this deployment"
                 for i, sig in enumerate(signatures, 1) if not sig.trusted]
    if strangers:  # a copy of an issued file signed by a stranger is, first of all, the stranger's
        return Verification(sha256, UNTRUSTED, signatures, match, strangers + ([differs] if differs else []))
    if signatures and differs:
        return Verification(sha256, ALTERED, signatures, match, [differs])
    if match is not None and not match.is_current:
        return Verification(sha256, SUPERSEDED, signatures, match)
    if match is not None:
        return Verification(sha256, AUTHENTIC if signatures else UNSIGNED, signatures, match)
    return Verification(sha256, NOT_ISSUED, signatures, problems=[differs] if differs else [])
