"""Dossier exports: a project's dossier (一项目一档) is built and sealed by a job, never in a
request — only the worker (or the in-process runner when no queue is configured) unwraps the
Office seal's key.

- ``request`` (policy ``dossier_reader``; 404 for a project one may not see) gives back the
  export being built, or a ready one whose content is still the project's, or else records a new
  export and its "build_dossier" outbox row in the caller's transaction;
- the job (``app/jobs/handlers.py``) reads with ``collect`` in a short transaction, builds and
  seals with none open (``dossier.build``), then ``store``\\s the archive inside ``finishing``:
  the export row is locked and a ready export is never written again, and the file name was
  chosen at the request, so a retried job can only ever rewrite that one file;
- pages and the API show ``status`` and open a ready archive with ``open_export``/``open_latest``.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import clock, policies
from app.documents import storage
from app.errors import Conflict, DomainError, NotFound
from app.extensions import db
from app.models import DossierExport, DossierStatus, Project, User
from app.services.documents import dossier
from app.services.engine.loading import load_visible
from app.services.records import outbox

JOB = "build_dossier"
RETRY_AFTER = 5  # seconds a client waits before asking again


class StillBuilding(Conflict):
    """The export is requested and its job has not made the archive yet (正在生成)."""

    def __init__(self, export: DossierExport):
        super().__init__(str(_l("The project dossier is still being built; it will be ready shortly.")))
        self.export = export


# --- requesting (the caller's transaction) -------------------------------------------------------
def _project(actor: User, project_id: int, *, for_update: bool = False) -> Project:
    project = load_visible(Project, project_id, actor, for_update=for_update)
    policies.require("dossier_reader", actor, project)
    return project


def _latest(project_id: int, status: str | None = None) -> DossierExport | None:
    query = sa.select(DossierExport).where(DossierExport.project_id == project_id)
    if status is not None:
        query = query.where(DossierExport.status == status)
    return db.session.scalar(query.order_by(DossierExport.id.desc()).limit(1))


def request(actor: User, project_id: int) -> DossierExport:
    """The project's dossier as it is now: the export being built, or a ready one still current,
    or a new export with its job. The project's row is locked, so concurrent requests take turns
    and make one export."""
    project = _project(actor, project_id, for_update=True)
    pending = _latest(project.id, DossierStatus.PENDING)
    if pending is not None:
        return pending
    ready = _latest(project.id, DossierStatus.READY)
    if ready is not None and ready.content_key == dossier.snapshot(project).key:
        return ready
    export = DossierExport(project_id=project.id, requested_by_id=actor.id, requested_at=clock.now(),
                           status=DossierStatus.PENDING, file_name=storage.new_name(), content_key="", error="")
    db.session.add(export)
    db.session.flush()
    outbox.enqueue(JOB, {"export_id": export.id})
    return export


# --- the job -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Build:
    """What the job read for one export: no database needed to build it."""

    export_id: int
    snapshot: dossier.Snapshot
    contents: dossier.Contents


def collect(export_id: int) -> Build | None:
    """Read the export's project (in the caller's short transaction); None when the export is
    gone or already ready. A document still being rendered raises: the job retries shortly."""
    export = db.session.get(DossierExport, export_id)
    if export is None or export.status == DossierStatus.READY:
        return None
    project = db.session.get(Project, export.project_id)
    snap = dossier.snapshot(project)  # before the contents: see snapshot()
    return Build(export.id, snap, dossier.collect(project))


def store(build: Build, data: bytes) -> DossierExport | None:
    """Keep the archive (inside ``finishing``): the export row is locked; one already ready is
    left alone (None) and nothing is written."""
    export = db.session.scalar(sa.select(DossierExport).where(DossierExport.id == build.export_id)
                               .with_for_update().execution_options(populate_existing=True))
    if export is None or export.status == DossierStatus.READY:
        return None
    export.sha256 = storage.put_named(export.file_name, data)
    export.size, export.finished_at = len(data), clock.now()
    export.content_key, export.last_record_id = build.snapshot.key, build.snapshot.last_record_id
    export.status, export.error = DossierStatus.READY, ""
    db.session.flush()
    return export


def record_failure(msg: outbox.Message, exc: Exception) -> None:
    """An attempt failed: keep the reason in words (a domain error's message; other errors are
    for the jobs page) and, after the job's last attempt, mark the export failed."""
    export = db.session.get(DossierExport, msg.payload.get("export_id"))
    if export is None or export.status == DossierStatus.READY:
        return
    export.error = str(exc)[:500] if isinstance(exc, DomainError) else ""
    if outbox.last_attempt(msg.id):
        export.status = DossierStatus.FAILED


# --- reading ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Status:
    """What a page or the API shows of an export: its status and whether the project has
    changed since it was built (then the next request builds again)."""

    export: DossierExport
    current: bool

    @property
    def status(self) -> str:
        return self.export.status


def _status(project: Project, export: DossierExport) -> Status:
    current = export.status == DossierStatus.READY and export.content_key == dossier.snapshot(project).key
    return Status(export, current)


def latest_for(actor: User, project: Project) -> Status | None:
    """The project's latest export for its page (None when there is none or the actor may not
    export the project)."""
    if not policies.check("dossier_reader", actor, project):
        return None
    export = _latest(project.id)
    return None if export is None else _status(project, export)


def status(actor: User, project_id: int, export_id: int) -> Status:
    project = _project(actor, project_id)
    export = db.session.get(DossierExport, export_id)
    if export is None or export.project_id != project.id:
        raise NotFound(f"dossier export {export_id}")
    return _status(project, export)


@dataclass(frozen=True)
class Opened:
    export: DossierExport
    filename: str
    data: bytes


def _open(project: Project, export: DossierExport) -> Opened:
    if export.status == DossierStatus.PENDING:
        raise StillBuilding(export)
    if export.status == DossierStatus.FAILED:
        raise Conflict(str(_l("The project dossier could not be built; request it again.")))
    return Opened(export, f"{project.code}-dossier.zip", storage.get_named(export.file_name, export.sha256))


def open_export(actor: User, project_id: int, export_id: int) -> Opened:
    """A ready export's archive, the policy checked again (404 for a project one may not see
    or an export of another project); ``StillBuilding`` while its job runs."""
    found = status(actor, project_id, export_id)
    return _open(db.session.get(Project, project_id), found.export)


def open_latest(actor: User, project_id: int) -> Opened:
    """The latest export's archive if it is ready and still current; NotFound when none was
    requested, ``StillBuilding`` while one is built, Conflict when it failed or is out of date."""
    project = _project(actor, project_id)
    export = _latest(project.id)
    if export is None:
        raise NotFound(str(_l("No dossier has been requested for this project yet.")))
    if export.status == DossierStatus.READY and not _status(project, export).current:
        raise Conflict(str(_l("The project has changed since its dossier was built; request it again.")))
    return _open(project, export)
