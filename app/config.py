"""Settings from the environment: embedded SQLite by default, DATABASE_URL for PostgreSQL."""
from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path

from app.bounds import ascii_int
from app.documents.signing import DEFAULT_SIGNER


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url or f"sqlite:///{instance / 'pilotflow.sqlite3'}"


_OFF = ("", "0", "no", "false", "off")


def _proxy_count(value: str) -> int:
    """PILOTFLOW_TRUST_PROXY: how many reverse proxies stand in front (1, or "yes" for one)."""
    value = value.strip().lower()
    if value in _OFF:
        return 0
    count = ascii_int(value)
    return 1 if count is None else count


def limits_store(redis_url: str) -> str:
    """The rate limits' store for the queue's Redis URL (the limits library spells a socket
    ``redis+unix://``); ``memory://`` without one."""
    if not redis_url:
        return "memory://"
    return "redis+" + redis_url if redis_url.startswith("unix://") else redis_url


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() not in _OFF


def month_day(value: str) -> str:
    """A day of the year as "MM-DD" (29 February allowed: it means 28 February in other years)."""
    try:
        month, day = (int(part) for part in value.strip().split("-"))
        date(2000, month, day)
    except ValueError:
        raise ValueError(f"PILOTFLOW_MIDTERM_OPENS_ON must be a day as MM-DD, not {value!r}") from None
    return f"{month:02d}-{day:02d}"


def _months(value: str) -> int:
    months = int(value)
    if not 1 <= months <= 120:
        raise ValueError(f"PILOTFLOW_EVALUATION_EVERY_MONTHS must be 1–120, not {value!r}")
    return months


def settings(instance_path: str) -> dict:
    instance = Path(instance_path)
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance),
        "UPLOAD_DIR": os.environ.get("PILOTFLOW_UPLOAD_DIR", str(instance / "uploads")),
        "DOCUMENT_DIR": os.environ.get("PILOTFLOW_DOCUMENT_DIR", str(instance / "documents")),
        # Who signs and seals ("package.module:Class", e.g. a provincial CA's seal service) and
        # the zone of a document's dates, its number's year and its signatures' times.
        "DOCUMENT_SIGNER": os.environ.get("PILOTFLOW_DOCUMENT_SIGNER", DEFAULT_SIGNER),
        "DOCUMENT_TIMEZONE": os.environ.get("PILOTFLOW_DOCUMENT_TIMEZONE", "Asia/Shanghai"),
        # The write-once store of the audit trail's signed checkpoints, one JSON-lines file per
        # day (app.services.records.anchor_store). In production a directory the database's
        # users cannot reach: another host's mount or an append-only volume.
        "AUDIT_ANCHOR_DIR": os.environ.get("PILOTFLOW_AUDIT_ANCHOR_DIR", str(instance / "audit-anchors")),
        "UPLOAD_MAX_BYTES": int(os.environ.get("PILOTFLOW_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)),
        # A whole request may carry one file at the limit plus the form around it; larger ones
        # are refused (413) before they are read.
        "MAX_CONTENT_LENGTH": int(os.environ.get("PILOTFLOW_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)) + 1024 * 1024,
        # Reading a dossier archive back (/verify, `flask documents verify`): at most this many
        # members, bytes once unpacked, and PDFs whose signatures are checked.
        "DOSSIER_MAX_MEMBERS": int(os.environ.get("PILOTFLOW_DOSSIER_MAX_MEMBERS", 2000)),
        "DOSSIER_MAX_BYTES": int(os.environ.get("PILOTFLOW_DOSSIER_MAX_BYTES", 256 * 1024 * 1024)),
        "DOSSIER_MAX_DOCUMENTS": int(os.environ.get("PILOTFLOW_DOSSIER_MAX_DOCUMENTS", 100)),
        # An application's human number, 云试申〔2026〕0012号: this prefix, the Beijing year of
        # its submission and a gapless sequence per year (app.services.commands.applications).
        "APPLICATION_NUMBER_PREFIX": os.environ.get("PILOTFLOW_APPLICATION_NUMBER_PREFIX", "云试申"),
        "BATCH_QUOTA_DEFAULT": int(os.environ.get("PILOTFLOW_BATCH_QUOTA", 50)),
        "DEMONSTRATION_MIN": int(os.environ.get("PILOTFLOW_DEMONSTRATION_MIN", 30)),
        "DEMONSTRATION_MAX": int(os.environ.get("PILOTFLOW_DEMONSTRATION_MAX", 40)),
        # The grades (workflows.evaluation.Grade values, comma-separated) that, as a project's latest
        # graded evaluation, block approving its follow-on funding unless a leader overrides them.
        "FUNDING_BLOCKING_GRADES": tuple(g.strip() for g in os.environ.get(
            "PILOTFLOW_FUNDING_BLOCKING_GRADES", "unqualified").split(",") if g.strip()),
        # 公示: working days on the official calendar a draft list stays open to objections.
        "DEMONSTRATION_NOTICE_DAYS": int(os.environ.get("PILOTFLOW_DEMONSTRATION_NOTICE_DAYS", 5)),
        # The organisations (by code) whose representatives give the 复审 opinions.
        "JOINT_REVIEW_ORGS": tuple(os.environ.get("PILOTFLOW_JOINT_REVIEW_ORGS", "FGW,CZT,XXB").split(",")),
        "REFERENCE_DATA_DIR": os.environ.get(
            "PILOTFLOW_REFERENCE_DATA", str(Path(__file__).resolve().parent.parent / "reference")),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_SUPPORTED_LOCALES": ("zh_CN", "en"),
        "WTF_CSRF_TIME_LIMIT": 3600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("PILOTFLOW_SESSION_SECONDS", 30 * 60)),
        # The session cookie is sent when the session changes, not on every page: it notes its use
        # once a minute (app.web.auth.SEEN_EVERY), which also renews the cookie's expiry.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_SECONDS": 15 * 60,
        # Bounds on a request (app.bounds), below gunicorn's own defaults (a 4094-byte request
        # line, 8190-byte header fields, 100 fields) so that the product answers in its own words.
        "JSON_MAX_BYTES": int(os.environ.get("PILOTFLOW_JSON_MAX_BYTES", str(1024 * 1024))),
        "JSON_MAX_DEPTH": 32,
        "MAX_URL_BYTES": int(os.environ.get("PILOTFLOW_MAX_URL_BYTES", "4000")),
        "MAX_HEADER_BYTES": int(os.environ.get("PILOTFLOW_MAX_HEADER_BYTES", "8000")),
        "MAX_HEADER_COUNT": 90,
        # HTTPS behind a reverse proxy (app.security, docs/deployment.md).
        "TRUST_PROXY": _proxy_count(os.environ.get("PILOTFLOW_TRUST_PROXY", "")),
        "HSTS_SECONDS": int(os.environ.get("PILOTFLOW_HSTS_SECONDS", str(365 * 24 * 3600))),
        # Rate limits (app.ratelimits), on top of the account lockout; "N per minute/hour/day",
        # several separated by ";". Counted in the job queue's Redis when there is one — shared by
        # every web server, and without the thread per request that in-memory counting starts —
        # else in memory per process; PILOTFLOW_RATELIMIT_STORAGE_URI names another store.
        "RATELIMIT_ENABLED": _flag("PILOTFLOW_RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": (os.environ.get("PILOTFLOW_RATELIMIT_STORAGE_URI")
                                  or limits_store(os.environ.get("REDIS_URL", ""))),
        "RATELIMIT_SWALLOW_ERRORS": True,  # an unreachable store is logged, not a 500 for everyone
        "RATELIMIT_LOGIN_PER_ACCOUNT": os.environ.get("PILOTFLOW_RATELIMIT_LOGIN_PER_ACCOUNT", "10 per minute"),
        "RATELIMIT_LOGIN_PER_IP": os.environ.get("PILOTFLOW_RATELIMIT_LOGIN_PER_IP", "60 per minute"),
        "RATELIMIT_VERIFY": os.environ.get("PILOTFLOW_RATELIMIT_VERIFY", "30 per minute"),
        # Objections to the demonstration list's public notice, per client address (page and API).
        "RATELIMIT_OBJECTIONS": os.environ.get("PILOTFLOW_RATELIMIT_OBJECTIONS", "10 per hour"),
        "RATELIMIT_API_WRITES": os.environ.get("PILOTFLOW_RATELIMIT_API_WRITES", "120 per minute"),
        # The job queue (app.jobs): RQ on Redis when REDIS_URL is set, else jobs run in-process
        # right after each commit. A job handed over JOB_STALE_SECONDS ago and still pending was
        # lost (a worker died) and is handed over again; workers sweep every SWEEP_SECONDS.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "JOB_TIMEOUT_SECONDS": int(os.environ.get("PILOTFLOW_JOB_TIMEOUT_SECONDS", "300")),
        "JOB_STALE_SECONDS": int(os.environ.get("PILOTFLOW_JOB_STALE_SECONDS", "120")),
        "SWEEP_SECONDS": float(os.environ.get("PILOTFLOW_SWEEP_SECONDS", "5")),
        # Scheduled openings (app.services.commands.openings): the day each year's mid-term
        # checks open ("MM-DD", Beijing) and the months between a project's evaluation periods.
        "MIDTERM_OPENS_ON": month_day(os.environ.get("PILOTFLOW_MIDTERM_OPENS_ON", "03-01")),
        "EVALUATION_EVERY_MONTHS": _months(os.environ.get("PILOTFLOW_EVALUATION_EVERY_MONTHS", "12")),
        # Time limits (app.services.time.limits): "due soon" is this many working days or fewer.
        "DUE_SOON_WORKING_DAYS": int(os.environ.get("PILOTFLOW_DUE_SOON_WORKING_DAYS", "2")),
        # E-mail (app.services.notify.mail): no MAIL_SERVER → mail is skipped with a log line,
        # in-app notifications still arrive. BASE_URL makes the links in mails absolute.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "pilotflow@localhost"),
        "MAIL_TIMEOUT_SECONDS": float(os.environ.get("MAIL_TIMEOUT_SECONDS", "10")),
        "BASE_URL": os.environ.get("BASE_URL", "http://localhost:5000").rstrip("/"),
    }
