"""Workflow versions pinned per case: a version 2 of the mid-term check (no rectification loop,
a shorter limit for the conclusion) defined here; a check opened before it follows version 1 to
the end, a check opened after follows version 2; an admin migrates a case only when its stage
exists in the current version, and nothing is written on a refusal."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.errors import Conflict, Denied, Invalid
from app.extensions import db
from app.kinds import flow_of
from app.models import AuditRecord, MidtermCheck
from app.services.commands import actions_for, checks, perform
from app.services.engine import versions
from app.services.reads import inbox
from app.services.records import audit
from app.services.time import limits
from tests import factories as f
from workflows import Flow, Step
from workflows.midterm_check import MIDTERM_CHECK
from workflows.midterm_check import MidtermCheckState as C
from workflows.registry import current_version, register, unregister

YEAR = clock.today().year

# Version 2: the Office either passes the check or the leader terminates the project; no
# rectification any more (so 整改中 is no stage of version 2), and 10 working days to conclude.
MIDTERM_CHECK_V2 = Flow(
    name="midterm_check", zh="年度中期检查", en="Annual mid-term check", version=2,
    states=C, initial=C.DUE,
    steps=(
        Step("submit_progress_report", (C.DUE,), C.REPORT_SUBMITTED, "applicant_owns",
             "提交进展报告", "Submit progress report", role="applicant", opinion_required=False, days=60),
        Step("pass_check", (C.REPORT_SUBMITTED,), C.PASSED, "office_reviewer", "检查通过", "Pass the check",
             role="office_reviewer", days=10),
        Step("terminate_project", (C.REPORT_SUBMITTED,), C.TERMINATED, "leader", "终止项目",
             "Terminate the project", role="leader", optional=True, style="danger", confirm=True),
    ),
)


@pytest.fixture
def ship_version_2():
    """Call it to ship version 2 (cases made before keep version 1); forgotten after the test."""
    yield lambda: register(MIDTERM_CHECK_V2)
    unregister(MIDTERM_CHECK_V2)


def _open_and_report(project_id: int) -> int:
    with transaction():
        checks.open_checks(f.user("office"), YEAR)
    check_id = db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project_id))
    with transaction():
        perform(f.user("wuhua_applicant"), "midterm_check", check_id, "submit_progress_report", {"report": "进展"})
    return check_id


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_an_old_case_follows_version_1_and_a_new_one_version_2(app, ship_version_2):
    old = _open_and_report(f.project())
    assert current_version("midterm_check") == 1
    ship_version_2()
    assert current_version("midterm_check") == 2
    new_project = f.project()
    new = _open_and_report(new_project)
    old_check, new_check = db.session.get(MidtermCheck, old), db.session.get(MidtermCheck, new)
    assert (old_check.flow_version, new_check.flow_version) == (1, 2)
    assert flow_of(old_check) is MIDTERM_CHECK and flow_of(new_check) is MIDTERM_CHECK_V2

    office = f.user("office")
    assert "order_rectification" in [a.trigger for a in actions_for(office, "midterm_check", old)[1]]
    assert "order_rectification" not in [a.trigger for a in actions_for(office, "midterm_check", new)[1]]

    # the time limits are each version's: 15 working days under version 1, 10 under version 2
    assert limits.limit_days("midterm_check", C.REPORT_SUBMITTED, 1) == 15
    assert limits.limit_days("midterm_check", C.REPORT_SUBMITTED, 2) == 10

    # the inbox shows both, each with its own version's steps
    tasks = {t.entity.id: [s.trigger for s in t.steps] for g in inbox.inbox(office) for t in g.tasks
             if t.kind == "midterm_check"}
    assert "order_rectification" in tasks[old] and "order_rectification" not in tasks[new]

    deadline = {"opinion": "限期整改", "deadline": (clock.today() + timedelta(days=30)).isoformat()}
    with transaction():
        perform(office, "midterm_check", old, "order_rectification", deadline)
    assert db.session.get(MidtermCheck, old).state == C.RECTIFYING

    records = _count(AuditRecord)
    with pytest.raises(Invalid), transaction():  # version 2 has no such step: refused, nothing written
        perform(office, "midterm_check", new, "order_rectification", deadline)
    db.session.expire_all()
    assert db.session.get(MidtermCheck, new).state == C.REPORT_SUBMITTED and _count(AuditRecord) == records


def test_an_admin_migrates_a_case_whose_stage_exists_in_the_current_version(app, ship_version_2):
    check_id = _open_and_report(f.project())
    ship_version_2()
    admin = f.user("admin")
    before = db.session.get(MidtermCheck, check_id).version
    with transaction():
        versions.migrate_case(admin, "midterm_check", check_id, {"opinion": "按新流程办理"})
    db.session.expire_all()
    check = db.session.get(MidtermCheck, check_id)
    assert (check.flow_version, check.version, check.state) == (2, before + 1, C.REPORT_SUBMITTED)
    rec = audit.history("midterm_check", check_id)[-1]
    assert (rec.trigger, rec.actor_role, rec.payload) == ("migrate_flow", "admin", {"from_version": 1, "to_version": 2})
    assert rec.from_state == rec.to_state == "report_submitted"
    assert audit.verify_chain().ok
    # a second migration has nowhere to go
    with pytest.raises(Conflict), transaction():
        versions.migrate_case(admin, "midterm_check", check_id, {})
    # and the check now takes version 2's steps
    assert "order_rectification" not in [a.trigger for a in actions_for(f.user("office"), "midterm_check", check_id)[1]]


def test_a_migration_to_a_version_lacking_the_cases_stage_is_refused_and_writes_nothing(app, ship_version_2):
    check_id = _open_and_report(f.project())
    with transaction():
        perform(f.user("office"), "midterm_check", check_id, "order_rectification",
                {"opinion": "限期整改", "deadline": (clock.today() + timedelta(days=30)).isoformat()})
    ship_version_2()
    records, version = _count(AuditRecord), db.session.get(MidtermCheck, check_id).version
    with pytest.raises(Conflict) as refused, transaction():
        versions.migrate_case(f.user("admin"), "midterm_check", check_id, {"opinion": "迁移"})
    assert "整改中" in str(refused.value) or "Rectification" in str(refused.value)
    db.session.expire_all()
    check = db.session.get(MidtermCheck, check_id)
    assert (check.flow_version, check.version, _count(AuditRecord)) == (1, version, records)


def test_only_an_admin_migrates_and_nothing_is_written_otherwise(app, ship_version_2):
    check_id = _open_and_report(f.project())
    ship_version_2()
    records = _count(AuditRecord)
    for name in ("office", "leader"):
        with pytest.raises(Denied), transaction():
            versions.migrate_case(f.user(name), "midterm_check", check_id, {})
    with pytest.raises(Invalid), transaction():
        versions.migrate_case(f.user("admin"), "no_such_kind", check_id, {})
    db.session.expire_all()
    assert db.session.get(MidtermCheck, check_id).flow_version == 1 and _count(AuditRecord) == records


def test_the_versions_list_counts_the_cases_of_each_version(app, ship_version_2):
    _open_and_report(f.project())
    ship_version_2()
    rows = {(r.kind, r.version): r for r in versions.version_counts()}
    assert rows[("midterm_check", 1)].cases == 1 and not rows[("midterm_check", 1)].current
    assert rows[("midterm_check", 2)].current and rows[("midterm_check", 2)].cases == 0
    assert rows[("application", 1)].cases >= 1


def test_without_a_new_version_every_case_is_on_version_1(app):
    project_id = f.project()
    check_id = _open_and_report(project_id)
    assert db.session.get(MidtermCheck, check_id).flow_version == 1
    # every flow is at its first version but the acceptance, whose version 2 fills vacant seats
    rows = {(r.kind, r.version): r for r in versions.version_counts()}
    assert all(r.version == 1 and r.current for (kind, _), r in rows.items() if kind != "acceptance")
    assert not rows[("acceptance", 1)].current and rows[("acceptance", 2)].current
