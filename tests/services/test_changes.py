"""变更/延期申请: filing with material, review, return and resubmission, the leader's decision
applying the change to the project with both values recorded, the acceptance deadline moving,
one open request per project (also under concurrency), refusals that write nothing."""
import io
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.errors import Conflict, Denied, Invalid, NotFound
from app.extensions import db
from app.models import AuditRecord, ChangeRequest, Project, User
from app.services.commands import changes, perform
from app.services.engine.guards import message
from app.services.reads import changes as reads
from app.services.time import limits
from tests import factories as f
from workflows.change_request import ChangeRequestState as C

PDF = b"%PDF-1.4\n% change request\n"


def file(project_id, who="wuhua_applicant", files=(), **data):
    with transaction():
        return changes.file_change_request(f.user(who), project_id, data, files).id


def step(cr_id, trigger, who, **data):
    with transaction():
        perform(f.user(who), "change_request", cr_id, trigger, data)
    return db.session.get(ChangeRequest, cr_id)


def records():
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditRecord))


def extension(project_id, months=6):
    project = db.session.get(Project, project_id)
    return (project.ends_on + timedelta(days=30 * months)).isoformat()


def test_an_approved_extension_moves_the_acceptance_deadline_and_keeps_both_values(app):
    pid = f.project()
    project = db.session.get(Project, pid)
    old_end = project.ends_on
    before = limits.status("project", project).deadline
    assert before.date() == old_end
    new_end = extension(pid)
    cr_id = file(pid, change_type="extension", reason="设备到货延迟", new_ends_on=new_end,
                 files=[("evidence", "delay.pdf", io.BytesIO(PDF))])
    cr = db.session.get(ChangeRequest, cr_id)
    assert cr.state == C.SUBMITTED and [a.kind for a in cr.attachments] == ["evidence"]
    assert step(cr_id, "review", "office", opinion="理由充分").state == C.REVIEWED
    assert step(cr_id, "approve", "leader", opinion="同意延期").state == C.APPROVED
    db.session.expire_all()
    project = db.session.get(Project, pid)
    assert project.ends_on.isoformat() == new_end
    assert limits.status("project", project).deadline.date().isoformat() == new_end  # the deadline moved
    decision = db.session.scalars(sa.select(AuditRecord).where(AuditRecord.entity_type == "change_request",
                                                               AuditRecord.trigger == "approve")).one()
    assert decision.payload["changes"] == [{"field": "ends_on", "old": old_end.isoformat(), "new": new_end}]
    applied = db.session.scalars(sa.select(AuditRecord).where(AuditRecord.entity_type == "project",
                                                              AuditRecord.trigger == "apply_change")).one()
    assert applied.payload["changes"][0]["old"] == old_end.isoformat()
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert changes.change_words(applied.payload["changes"]) == f"建设周期 {old_end.isoformat()} → {new_end}"


def test_budget_and_contact_changes_update_the_project_and_its_application(app):
    pid = f.project()
    cr_id = file(pid, change_type="budget", reason="设备降价", new_budget="75.50")
    step(cr_id, "review", "office", opinion="可")
    step(cr_id, "approve", "leader", opinion="同意")
    cr2 = file(pid, change_type="contact", reason="人员调动", new_contact_name="李新", new_contact_phone="0871-1234567")
    step(cr2, "review", "office", opinion="可")
    step(cr2, "approve", "leader", opinion="同意")
    db.session.expire_all()
    project = db.session.get(Project, pid)
    assert str(project.approved_budget) == "75.50"
    assert (project.application.contact_name, project.application.contact_phone) == ("李新", "0871-1234567")


def test_a_returned_request_is_revised_and_resubmitted(app):
    pid = f.project()
    project = db.session.get(Project, pid)
    cr_id = file(pid, change_type="period", reason="调整", new_ends_on=extension(pid, 2))
    assert step(cr_id, "return_for_revision", "office", opinion="请补充理由").state == C.RETURNED
    later = extension(pid, 4)
    cr = step(cr_id, "resubmit", "wuhua_applicant", reason="补充：供应商变更", new_ends_on=later,
              new_starts_on=project.starts_on.isoformat())
    assert (cr.state, cr.new_ends_on.isoformat(), cr.reason) == (C.SUBMITTED, later, "补充：供应商变更")


def test_a_rejected_request_changes_nothing(app):
    pid = f.project()
    budget = db.session.get(Project, pid).approved_budget
    cr_id = file(pid, change_type="budget", reason="追加", new_budget="200")
    step(cr_id, "review", "office", opinion="报领导")
    assert step(cr_id, "reject", "leader", opinion="不同意").state == C.REJECTED
    db.session.expire_all()
    assert db.session.get(Project, pid).approved_budget == budget


def test_one_open_request_per_project_and_nothing_written_on_refusal(app):
    pid = f.project()
    file(pid, change_type="scope", reason="调整", new_content="新增移动端")
    count = records()
    with pytest.raises(Conflict, match="."):
        file(pid, change_type="budget", reason="追加", new_budget="100")
    assert records() == count
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChangeRequest)) == 1


@pytest.mark.parametrize("data, field", [
    ({"change_type": "budget", "reason": "r", "new_budget": "0"}, "new_budget"),
    ({"change_type": "budget", "reason": "r", "new_budget": "-5"}, "new_budget"),
    ({"change_type": "budget", "reason": "r"}, "new_budget"),
    ({"change_type": "extension", "reason": "r", "new_ends_on": "2000-01-02"}, "new_ends_on"),
    ({"change_type": "period", "reason": "r", "new_starts_on": "2030-06-01", "new_ends_on": "2030-01-01"},
     "new_ends_on"),
    ({"change_type": "contact", "reason": "r", "new_contact_name": "李新"}, "new_contact_phone"),
    ({"change_type": "extension", "new_ends_on": "2034-12-31"}, "reason"),
    ({"change_type": "nonsense", "reason": "r"}, "change_type"),
])
def test_invalid_values_are_refused_with_reasons_and_nothing_written(app, data, field):
    pid = f.project()
    count = records()
    with pytest.raises(Invalid) as exc:
        file(pid, **data)
    assert field in exc.value.errors
    assert records() == count


def test_a_new_construction_date_lies_within_the_years_a_pilot_can_span(app):
    """A construction starts between 2000 and five years from now and ends at most ten years from
    now: an extension to 9999 is refused with the window, not stored."""
    pid = f.project()
    year = clock.today().year
    count = records()
    for data, field in [({"change_type": "extension", "new_ends_on": "9999-12-31"}, "new_ends_on"),
                        ({"change_type": "extension", "new_ends_on": f"{year + 11}-01-01"}, "new_ends_on"),
                        ({"change_type": "period", "new_starts_on": "1999-12-31"}, "new_starts_on"),
                        ({"change_type": "period", "new_starts_on": f"{year + 6}-01-01",
                          "new_ends_on": f"{year + 7}-01-01"}, "new_starts_on")]:
        with pytest.raises(Invalid) as exc:
            file(pid, reason="r", **data)
        assert set(exc.value.errors) == {field}, data
        assert "2000" in exc.value.errors[field]
    assert records() == count
    file(pid, change_type="extension", reason="r", new_ends_on=f"{year + 10}-12-31")
    assert records() == count + 1


def test_an_extension_must_move_the_end_later(app):
    pid = f.project()
    earlier = (db.session.get(Project, pid).ends_on - timedelta(days=1)).isoformat()
    with pytest.raises(Invalid) as exc:
        file(pid, change_type="extension", reason="r", new_ends_on=earlier)
    assert exc.value.errors["new_ends_on"]


def test_no_change_request_once_the_project_is_not_under_construction(app):
    pid = f.project()
    with transaction():
        perform(f.user("leader"), "project", pid, "terminate", {"opinion": "终止", "confirmed": "yes"})
    count = records()
    with pytest.raises(Conflict, match="."):
        file(pid, change_type="extension", reason="r", new_ends_on="2034-12-31")
    assert records() == count


def test_approval_is_refused_when_the_project_left_construction_meanwhile(app):
    pid = f.project()
    cr_id = file(pid, change_type="extension", reason="r", new_ends_on=extension(pid))
    step(cr_id, "review", "office", opinion="可")
    with transaction():
        perform(f.user("leader"), "project", pid, "terminate", {"opinion": "终止", "confirmed": "yes"})
    end = db.session.get(Project, pid).ends_on
    with pytest.raises(Conflict, match=str(message("project_under_construction"))):
        step(cr_id, "approve", "leader", opinion="同意")
    db.session.expire_all()
    assert db.session.get(Project, pid).ends_on == end
    assert db.session.get(ChangeRequest, cr_id).state == C.REVIEWED


def test_only_the_owning_agency_files_and_others_do_not_see(app):
    pid = f.project()
    with pytest.raises((Denied, NotFound)):
        file(pid, who="kunming_applicant", change_type="budget", reason="r", new_budget="10")
    with pytest.raises(Denied):
        file(pid, who="office", change_type="budget", reason="r", new_budget="10")
    cr_id = file(pid, change_type="budget", reason="r", new_budget="10")
    with pytest.raises(NotFound):
        reads.change_request_detail(f.user("kunming_applicant"), cr_id)
    assert reads.list_change_requests(f.user("kunming_applicant")).total == 0
    assert reads.list_change_requests(f.user("wuhua_applicant")).total == 1
    with pytest.raises(Denied):
        step(cr_id, "review", "wuhua_applicant", opinion="自己审核")


def test_a_bad_attachment_is_refused_with_the_application_attachments_errors(app):
    pid = f.project()
    count = records()
    with pytest.raises(Invalid) as exc:
        file(pid, change_type="budget", reason="r", new_budget="10", files=[("evidence", "x.exe", io.BytesIO(b"MZ"))])
    assert "PDF" in exc.value.errors["file"]
    assert records() == count


def test_concurrent_filings_leave_one_open_request(app):
    pid = f.project()
    applicant_id = f.user("wuhua_applicant").id
    gate, results = threading.Barrier(2), []
    db.session.remove()

    def run(data):
        with app.app_context():
            gate.wait()
            try:
                with transaction():
                    changes.file_change_request(db.session.get(User, applicant_id), pid, data)
                results.append("ok")
            except Conflict as exc:
                results.append(f"conflict: {exc}")
            finally:
                db.session.remove()

    jobs = [{"change_type": "budget", "reason": "a", "new_budget": "10"},
            {"change_type": "scope", "reason": "b", "new_content": "新内容"}]
    threads = [threading.Thread(target=run, args=(d,)) for d in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(r.split(":")[0] for r in results) == ["conflict", "ok"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ChangeRequest)
                             .where(ChangeRequest.project_id == pid)) == 1


def test_a_withdrawn_request_frees_the_project_for_another(app):
    pid = f.project()
    cr_id = file(pid, change_type="budget", reason="r", new_budget="10")
    assert step(cr_id, "withdraw", "wuhua_applicant", confirmed="yes").state == C.WITHDRAWN
    assert file(pid, change_type="budget", reason="重新测算", new_budget="12") != cr_id


def test_the_agency_removes_material_while_the_request_waits_and_the_history_keeps_it(app):
    pid = f.project()
    cr_id = file(pid, change_type="extension", reason="设备到货延迟", new_ends_on=extension(pid),
                 files=[("evidence", "错传.pdf", io.BytesIO(PDF)), ("change_form", "申请表.pdf", io.BytesIO(PDF + b"1"))])
    wrong, kept = db.session.get(ChangeRequest, cr_id).attachments
    for who, error in (("kunming_applicant", NotFound), ("office", Denied)):  # another agency; not the agency
        before = records()
        with pytest.raises(error), transaction():
            changes.remove_change_attachment(f.user(who), cr_id, wrong.id)
        assert records() == before
    with pytest.raises(NotFound), transaction():  # an attachment of another request is not this one's
        changes.remove_change_attachment(f.user("wuhua_applicant"), cr_id, wrong.id + 1000)
    with transaction():
        changes.remove_change_attachment(f.user("wuhua_applicant"), cr_id, wrong.id)
    db.session.expire_all()
    assert [a.display_name for a in db.session.get(ChangeRequest, cr_id).attachments] == ["申请表.pdf"]
    rec = db.session.scalar(sa.select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1))
    assert (rec.entity_type, rec.entity_id, rec.trigger, rec.payload["name"]) == ("change_request", cr_id, "detach",
                                                                                    "错传.pdf")
    step(cr_id, "review", "office", opinion="理由充分")
    before = records()
    with pytest.raises(Conflict), transaction():  # reviewed: the material stands
        changes.remove_change_attachment(f.user("wuhua_applicant"), cr_id, kept.id)
    assert records() == before and len(db.session.get(ChangeRequest, cr_id).attachments) == 1
