"""Write-once storage of document bytes: files are named by their SHA-256; a job's product (a
dossier) is named before it exists (``new_name``) and checked against its recorded digest."""
from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from pathlib import Path


class StorageCorrupted(Exception):
    """A stored file no longer hashes to its name."""


def _root() -> Path:
    from flask import current_app

    return Path(current_app.config["DOCUMENT_DIR"])


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def path_for(digest: str) -> Path:
    if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
        raise ValueError("not a SHA-256 digest")
    return _root() / digest[:2] / f"{digest}.pdf"


def put(data: bytes) -> str:
    """Store ``data`` (idempotent) and return its digest; the file is made read-only."""
    digest = sha256(data)
    path = path_for(digest)
    if not path.exists():
        _write(path, data)
    return digest


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` at ``path`` atomically (a temporary file renamed into place), read-only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o444)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --- named files: a job's product whose name is chosen before its bytes exist (a dossier) ----
NAMED = "dossiers"


def new_name() -> str:
    """A fresh, unguessable file name for ``put_named``."""
    return secrets.token_hex(16)


def named_path(name: str) -> Path:
    if len(name) != 32 or not all(c in "0123456789abcdef" for c in name):
        raise ValueError("not a generated file name")
    return _root() / NAMED / f"{name}.zip"


def put_named(name: str, data: bytes) -> str:
    """Store ``data`` under ``name`` (from ``new_name``), replacing whatever an interrupted
    earlier attempt left there: one name, one file. Returns the digest."""
    _write(named_path(name), data)
    return sha256(data)


def get_named(name: str, digest: str) -> bytes:
    """The bytes stored under ``name``, checked against the digest recorded for them."""
    data = named_path(name).read_bytes()
    if sha256(data) != digest:
        raise StorageCorrupted(f"stored file {name[:12]}… does not match its digest")
    return data


def get(digest: str) -> bytes:
    """The bytes stored under ``digest``, checked against it."""
    data = path_for(digest).read_bytes()
    if sha256(data) != digest:
        raise StorageCorrupted(f"stored document {digest[:12]}… does not match its digest")
    return data
