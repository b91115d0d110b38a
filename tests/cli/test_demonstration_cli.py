"""`flask demonstration publish|object|show` and the rest of the 公示 from the shell (`flask
workflow act`): publishing the candidates, an objection as the public files it, the answer, the
confirmation after the period; refusals exit 2 with the reason and write nothing."""
from __future__ import annotations

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import (
    AuditRecord,
    DemonstrationObjection,
    DemonstrationPublication,
    Project,
)
from tests import factories as f
from tests.services.test_demonstration import after, select
from workflows.demonstration import DemonstrationListState as L
from workflows.project import ProjectState as P


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_publish_object_answer_and_confirm_from_the_shell(app, runner):
    app.config.update(DEMONSTRATION_MIN=2, DEMONSTRATION_MAX=3)
    ids = [f.graded(name, "95")[0] for name in ("wuhua_applicant", "kunming_applicant")]
    assert runner.invoke(args=["demonstration", "show"]).output.strip() == "no list published yet"

    select(ids[0])
    before = (count(AuditRecord), count(DemonstrationPublication))
    refused = runner.invoke(args=["demonstration", "publish", "--as", "leader"])  # one candidate, two needed
    assert refused.exit_code == 2 and "2" in refused.output
    assert (count(AuditRecord), count(DemonstrationPublication)) == before

    select(ids[1])
    published = runner.invoke(args=["demonstration", "publish", "--as", "leader", "--days", "5", "--opinion", "公示"])
    assert published.exit_code == 0, published.output
    publication = db.session.scalar(sa.select(DemonstrationPublication))
    assert f"list {publication.id}: 2 candidates under public notice until {publication.notice_ends_on}" \
        in published.output

    nameless = runner.invoke(args=["demonstration", "object", "--contact", " ", "--text", "尚未上线"])
    assert nameless.exit_code == 2 and count(DemonstrationObjection) == 0
    filed = runner.invoke(args=["demonstration", "object", "--contact", "0871-12345678", "--text", "尚未上线",
                                "--project", str(ids[0])])
    assert filed.exit_code == 0, filed.output
    objection = db.session.scalar(sa.select(DemonstrationObjection))
    assert f"objection {objection.id} filed against list {publication.id}" in filed.output
    shown = runner.invoke(args=["demonstration", "show"]).output
    assert f"list {publication.id}: notice" in shown and "2 projects, 1 objections" in shown
    assert shown.count("\n  ") == 2 and "domains covered: " in shown

    def act(kind, item_id, trigger, who):
        return runner.invoke(args=["workflow", "act", kind, str(item_id), trigger, "--as", who, "--opinion", "已核实"])

    early = act("demonstration_list", publication.id, "confirm_list", "leader")  # the period is not over
    assert early.exit_code == 2
    assert act("demonstration_objection", objection.id, "answer_objection", "office").exit_code == 0
    after(publication.notice_ends_on)
    confirmed = act("demonstration_list", publication.id, "confirm_list", "leader")
    assert confirmed.exit_code == 0, confirmed.output
    db.session.expire_all()
    assert db.session.get(DemonstrationPublication, publication.id).state == L.CONFIRMED
    assert {db.session.get(Project, i).state for i in ids} == {P.DEMONSTRATION}
    clock.set_now(None)
