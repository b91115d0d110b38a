"""Content-addressed, write-once storage of document bytes: files are named by their SHA-256."""
from __future__ import annotations

import hashlib
import os
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
    if path.exists():
        return digest
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
    return digest


def get(digest: str) -> bytes:
    """The bytes stored under ``digest``, checked against it."""
    data = path_for(digest).read_bytes()
    if sha256(data) != digest:
        raise StorageCorrupted(f"stored document {digest[:12]}… does not match its digest")
    return data
