"""Materials (材料) handed in with a stage's step: the mid-term progress and rectification
reports, the acceptance request (a 竣工报告 and a 财务审计报告 required, ``AcceptanceRequestSchema``)
and the self-evaluation. Stored like application attachments (``attachments.store_upload``:
content-addressed, size and type limits, the same errors), each recorded in the stage's history.

Who may see a material is who may see its stage item (``load_visible``): a panel expert only
the acceptance rounds of their own panels, anyone else a 404; and a panel expert only once they
have declared no conflict of interest (回避声明), a 403 before that or after a recusal.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.errors import Denied, NotFound
from app.extensions import db
from app.kinds import MODEL_OF
from app.models import Acceptance, Material, User
from app.policies import undeclared_seat
from app.schemas import MATERIALS_PREFIX, FilePart
from app.services.commands.attachments import storage_path, store_upload
from app.services.engine.loading import load_visible
from app.services.records import audit


def attach(actor: User, stage: str, entity, trigger: str, parts: list[FilePart]) -> list[Material]:
    """Keep the files handed in with ``trigger`` on the ``stage`` item (after its step was
    taken, so nothing is stored on a refusal; a bad file is Invalid and the step rolls back)."""
    added = []
    for part in parts:
        saved = store_upload(part.filename, part.stream, field=f"{MATERIALS_PREFIX}{part.kind}")
        material = Material(project_id=entity.project_id, stage=stage, stage_id=entity.id, trigger=trigger,
                            kind=part.kind, display_name=saved.display_name, sha256=saved.sha256,
                            size=saved.size, content_type=saved.content_type, uploaded_by_id=actor.id)
        db.session.add(material)
        db.session.flush()
        audit.record(entity_type=stage, entity_id=entity.id, trigger="attach", actor=actor, role="applicant",
                     from_state=entity.state.value, to_state=entity.state.value,
                     payload={"material_id": material.id, "kind": part.kind, "step": trigger,
                              "name": material.display_name, "sha256": saved.sha256, "size": saved.size})
        added.append(material)
    return added


def carry_over(failed: Acceptance, again: Acceptance) -> None:
    """A new acceptance round keeps the materials of the round before (its new panel sees them)."""
    for m in of_items("acceptance", [failed.id]).get(failed.id, []):
        db.session.add(Material(project_id=m.project_id, stage="acceptance", stage_id=again.id, trigger=m.trigger,
                                kind=m.kind, display_name=m.display_name, sha256=m.sha256, size=m.size,
                                content_type=m.content_type, uploaded_by_id=m.uploaded_by_id,
                                uploaded_at=m.uploaded_at))
    db.session.flush()


def of_items(stage: str, ids: list[int]) -> dict[int, list[Material]]:
    """The materials of the ``stage`` items ``ids`` (already visible to the reader), one query."""
    found: dict[int, list[Material]] = defaultdict(list)
    if ids:
        for m in db.session.scalars(sa.select(Material).where(Material.stage == stage, Material.stage_id.in_(ids))
                                    .order_by(Material.stage_id, Material.id)):
            found[m.stage_id].append(m)
    return found


def of_project(project_id: int) -> list[Material]:
    """Every material of a project (the dossier; the project page shows them per stage)."""
    return list(db.session.scalars(sa.select(Material).where(Material.project_id == project_id)
                                   .order_by(Material.stage, Material.stage_id, Material.id)))


def _readable(actor: User, stage: str, stage_id: int) -> None:
    """Refuse unless the actor may see the stage item's materials: 404 for an item they may not
    see, 403 for a panel expert who has not declared no conflict (回避声明) on that round."""
    item = load_visible(MODEL_OF[stage], stage_id, actor)
    if isinstance(item, Acceptance) and (seat := undeclared_seat(actor, item)) is not None:
        raise Denied(str(_l("You recused yourself from this panel: its materials are not yours to see.")
                         if seat.recused else _l("Declare your interests (回避声明) before you see the project's materials.")))


def list_materials(actor: User, stage: str, stage_id: int) -> list[Material]:
    if stage not in ("midterm_check", "acceptance", "evaluation"):
        raise NotFound(f"{stage} {stage_id}")
    _readable(actor, stage, stage_id)
    return of_items(stage, [stage_id]).get(stage_id, [])


def open_material(actor: User, material_id: int) -> tuple[Material, Path]:
    """The material and where its bytes are, if the actor may see its stage item (else 404)."""
    material = db.session.get(Material, material_id)
    if material is None:
        raise NotFound(f"materials {material_id}")
    _readable(actor, material.stage, material.stage_id)
    path = storage_path(material.sha256)
    if not path.is_file():
        raise NotFound(f"materials {material_id} (file missing)")
    return material, path
