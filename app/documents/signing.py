"""Signing behind one small interface: sign(pdf, request) → signed pdf; validate(pdf) → reports.

The built-in signer (app/documents/pyhanko_signer.py) uses pyHanko: PAdES, keys from the deployment CA. A provincial CA or an
SM2 (国密, GB/T 38540) seal service replaces it by configuration:
``DOCUMENT_SIGNER = "package.module:ClassName"``, a class with ``from_app(app)``.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

DEFAULT_SIGNER = "app.documents.pyhanko_signer:PyHankoSigner"


class SigningFailed(Exception):
    """The signature could not be made (field missing or already signed, bad input)."""


@dataclass(frozen=True)
class SignRequest:
    field_name: str          # the empty signature field reserved for this signer
    signer_name: str         # shown in the visible stamp
    role: str                # e.g. 专家组组长, shown in the stamp and used as the reason
    certificate_pem: str     # the signer's certificate (built-in signer)
    encrypted_key_pem: str   # their wrapped key, unlocked with ``password`` (built-in signer)
    password: str
    lock_document: bool = False  # the final seal: no change of any kind after it (a certification
    #                               signature when it is the document's first signature)
    seal: bool = False           # an organisation's seal: its visible stamp is the round red seal
    location: str = "云南省昆明市"


@dataclass(frozen=True)
class SignatureReport:
    field_name: str
    signer_name: str
    signer_subject: str
    serial: str
    signed_at: datetime | None
    intact: bool          # the signed bytes hash to what was signed
    trusted: bool         # the certificate chains to the deployment CA, key usage fits
    bottom_line: bool     # pyHanko's overall verdict for this signature
    covers_entire_file: bool
    modification_level: str
    locks_document: bool
    problem: str = ""
    reason: str = ""      # the role the signature states (``SignRequest.role``)

    @property
    def ok(self) -> bool:
        return self.bottom_line


class Signer(Protocol):
    """What the rest of the product needs from a signing backend."""

    @classmethod
    def from_app(cls, app) -> Signer:
        """Build the signer from the app's configuration."""

    def sign(self, pdf: bytes, request: SignRequest) -> bytes:
        """Sign the empty field ``request.field_name`` incrementally; raise pki.WrongPassword
        if the password does not unlock the key, SigningFailed for anything else."""

    def validate(self, pdf: bytes) -> list[SignatureReport]:
        """One report per signature, oldest first; ValueError if the file is not a readable PDF."""


def get_signer(app=None) -> Signer:
    """The configured signer (one per app, built on first use)."""
    from flask import current_app

    app = app or current_app._get_current_object()
    signer = app.extensions.get("pilotflow.signer")
    if signer is None:
        module, _, name = app.config.get("DOCUMENT_SIGNER", DEFAULT_SIGNER).partition(":")
        signer = getattr(importlib.import_module(module), name).from_app(app)
        app.extensions["pilotflow.signer"] = signer
    return signer
