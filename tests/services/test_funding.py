"""后续资金申请 as a flow: filing (amount, purpose, typed attachments), the Office's review and
return, the leader's decision within the amount requested, the configurable grade rule with its
audited override, the 后续资金批复, access (404 for what one may not see, 403 with a reason for
what one may not do) and nothing written on any refusal."""
import io
from datetime import datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.errors import Conflict, Denied, Invalid, NotFound
from app.extensions import db
from app.models import (
    AuditRecord,
    FundingAttachment,
    FundingRequest,
    IssuedDocument,
    Project,
)
from app.services.commands import funding, perform
from app.services.documents import issuing
from app.services.engine.fire import available_steps
from app.services.reads import funding as reads
from app.services.reads.inbox import inbox
from app.services.time import limits
from tests import factories as f
from tests.documents.conftest import current_pdf, flat, pdf_text
from tests.services.test_attachments import PDF
from workflows.funding_request import FundingRequestState as S


def counts() -> tuple[int, int, int, int]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (FundingRequest, FundingAttachment, AuditRecord, IssuedDocument))


def file(project_id: int, amount="80", files=(), who="wuhua_applicant") -> int:
    with transaction():
        return funding.file_funding_request(f.user(who), project_id, {"amount": amount, "purpose": "全市推广"},
                                            files).id


def step(who: str, request_id: int, trigger: str, data=None):
    with transaction():
        return perform(f.user(who), "funding_request", request_id, trigger, data or {"opinion": "同意"})


def state(request_id: int) -> S:
    db.session.expire_all()
    return db.session.get(FundingRequest, request_id).state


def test_filed_with_attachments_reviewed_and_approved_issues_the_decision(app):
    project_id, _ = f.graded(score="88")
    rid = file(project_id, files=[("funding_plan", "计划.pdf", io.BytesIO(PDF))])
    req = db.session.get(FundingRequest, rid)
    assert req.state == S.OFFICE_REVIEW and req.flow_version == 1 and req.amount == Decimal("80.00")
    assert [(a.kind, a.display_name) for a in req.attachments] == [("funding_plan", "计划.pdf")]
    # the Office finds it in its inbox, with a time limit
    task = next(t for g in inbox(f.user("office")) for t in g.tasks if g.kind == "funding_request")
    assert task.entity.id == rid and task.deadline is not None
    step("office", rid, "pass_funding_review")
    assert state(rid) == S.LEADER_DECISION
    step("leader", rid, "approve_funding", {"opinion": "同意安排", "approved_amount": "60"})
    req = db.session.get(FundingRequest, rid)
    assert req.state == S.APPROVED and req.approved_amount == Decimal("60.00")
    doc = issuing.latest("funding_decision", rid)
    assert doc is not None and doc.number and doc.entity_type == "funding_request"
    assert issuing.status_of(doc) == "ready"  # rendered and sealed by the Office (jobs run in-process here)
    pdf = current_pdf(doc)
    text = flat(pdf_text(pdf))
    assert "后续资金申请的批复" in text and "同意安排后续资金" in text and "60.00" in text
    assert issuing.verify_file(pdf).ok


def test_the_office_returns_it_and_the_agency_revises_amount_and_purpose(app):
    project_id, _ = f.graded(score="88")
    rid = file(project_id)
    step("office", rid, "return_funding_request", {"opinion": "请补充资金使用计划"})
    assert state(rid) == S.RETURNED
    with transaction():
        funding.add_funding_attachment(f.user("wuhua_applicant"), rid, "budget", "预算.pdf", io.BytesIO(PDF))
    step("wuhua_applicant", rid, "resubmit_funding_request", {"amount": "70", "purpose": "全市推广（补充计划）"})
    req = db.session.get(FundingRequest, rid)
    assert req.state == S.OFFICE_REVIEW and req.amount == Decimal("70.00") and "补充" in req.purpose


def test_the_leader_rejects_and_the_decision_says_so(app):
    project_id, _ = f.graded(score="88")
    rid = file(project_id)
    step("office", rid, "pass_funding_review")
    step("leader", rid, "reject_funding", {"opinion": "资金已安排其他项目"})
    assert state(rid) == S.REJECTED
    assert "不予批准" in flat(pdf_text(current_pdf(issuing.latest("funding_decision", rid))))


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "", "100001", "12.345", "0.001"])
def test_an_amount_of_zero_or_less_or_not_a_number_is_a_field_error_and_nothing_is_written(app, amount):
    project_id, _ = f.graded(score="88")
    before = counts()
    with pytest.raises(Invalid) as err, transaction():
        funding.file_funding_request(f.user("wuhua_applicant"), project_id, {"amount": amount, "purpose": "推广"})
    assert "amount" in err.value.errors
    assert counts() == before


def test_a_bad_attachment_refuses_the_whole_filing(app):
    project_id, _ = f.graded(score="88")
    before = counts()
    with pytest.raises(Invalid) as err, transaction():
        funding.file_funding_request(f.user("wuhua_applicant"), project_id, {"amount": "5", "purpose": "推广"},
                                     [("funding_plan", "x.exe", io.BytesIO(b"MZ not a document"))])
    assert "file" in err.value.errors
    with pytest.raises(Invalid) as err, transaction():
        funding.file_funding_request(f.user("wuhua_applicant"), project_id, {"amount": "5", "purpose": "推广"},
                                     [("selfie", "x.pdf", io.BytesIO(PDF))])
    assert "kind" in err.value.errors
    assert counts() == before


@pytest.mark.parametrize("approved", ["0", "80.01", "-1"])
def test_the_approved_amount_is_more_than_zero_and_at_most_the_request(app, approved):
    project_id, _ = f.graded(score="88")
    rid = file(project_id)
    step("office", rid, "pass_funding_review")
    before = counts()
    with pytest.raises(Invalid) as err:
        step("leader", rid, "approve_funding", {"opinion": "同意", "approved_amount": approved})
    assert "approved_amount" in err.value.errors
    assert counts() == before and state(rid) == S.LEADER_DECISION


def test_an_unqualified_latest_grade_blocks_approval_until_a_leader_overrides_it_in_writing(app):
    project_id, _ = f.graded(score="50")  # 不合格
    rid = file(project_id)
    step("office", rid, "pass_funding_review")
    leader = f.user("leader")
    assert [s.trigger for s in available_steps(db.session.get(FundingRequest, rid), leader)] == \
        ["override_grade_block", "reject_funding"]
    assert reads.funding_review(leader, rid).blocking.value == "unqualified"
    before = counts()
    with pytest.raises(Conflict) as err:
        step("leader", rid, "approve_funding", {"opinion": "同意", "approved_amount": "10"})
    assert "grade" in str(err.value) or "等级" in str(err.value)
    with pytest.raises(Invalid):  # the override needs its written reason
        step("leader", rid, "override_grade_block", {"opinion": "  "})
    with pytest.raises(Denied):  # and a leader
        step("office", rid, "override_grade_block", {"opinion": "整改已完成"})
    assert counts() == before
    step("leader", rid, "override_grade_block", {"opinion": "整改已完成，同意特批"})
    rec = db.session.scalar(sa.select(AuditRecord).where(AuditRecord.entity_type == "funding_request",
                                                         AuditRecord.trigger == "override_grade_block"))
    assert rec.opinion == "整改已完成，同意特批" and rec.actor_role == "leader"
    assert db.session.get(FundingRequest, rid).grade_overridden_by_id == leader.id
    with pytest.raises(Conflict):  # once is enough
        step("leader", rid, "override_grade_block", {"opinion": "再次"})
    step("leader", rid, "approve_funding", {"opinion": "同意", "approved_amount": "10"})
    assert "整改已完成，同意特批" in flat(pdf_text(current_pdf(issuing.latest("funding_decision", rid))))


def test_the_rule_is_configurable(app):
    project_id, _ = f.graded(score="80")  # 良好
    rid = file(project_id)
    step("office", rid, "pass_funding_review")
    app.config["FUNDING_BLOCKING_GRADES"] = ("good", "unqualified")
    with pytest.raises(Conflict):
        step("leader", rid, "approve_funding", {"opinion": "同意", "approved_amount": "10"})
    app.config["FUNDING_BLOCKING_GRADES"] = ()
    project_id2, _ = f.graded(score="50")
    rid2 = file(project_id2)
    step("office", rid2, "pass_funding_review")
    step("leader", rid2, "approve_funding", {"opinion": "同意", "approved_amount": "10"})
    assert state(rid2) == S.APPROVED


def test_access_other_agencies_get_404_and_the_wrong_role_403_with_nothing_written(app):
    project_id, _ = f.graded(score="88")
    rid = file(project_id)
    before = counts()
    # another agency neither sees it nor can file for the project
    with pytest.raises(NotFound):
        step("kunming_applicant", rid, "pass_funding_review")
    with pytest.raises(NotFound):
        reads.funding_review(f.user("kunming_applicant"), rid)
    with pytest.raises(NotFound), transaction():
        funding.add_funding_attachment(f.user("kunming_applicant"), rid, "other", "a.pdf", io.BytesIO(PDF))
    for outsider in ("wuhua_office", "expert1", "fgw"):
        assert reads.list_funding_requests(f.user(outsider)).total == 0
        with pytest.raises(NotFound):
            reads.funding_review(f.user(outsider), rid)
    # the agency sees it but may not review it; the Office may not file
    with pytest.raises(Denied) as err:
        step("wuhua_applicant", rid, "pass_funding_review")
    assert err.value.args[0]
    with pytest.raises(Denied), transaction():
        funding.file_funding_request(f.user("office"), project_id, {"amount": "5", "purpose": "x"})
    with pytest.raises(Denied), transaction():
        funding.add_funding_attachment(f.user("office"), rid, "other", "a.pdf", io.BytesIO(PDF))
    assert counts() == before
    assert reads.list_funding_requests(f.user("wuhua_applicant")).total == 1


def test_attachments_only_while_waiting_for_review_or_returned(app):
    project_id, _ = f.graded(score="88")
    rid = file(project_id)
    step("office", rid, "pass_funding_review")
    before = counts()
    with pytest.raises(Conflict), transaction():
        funding.add_funding_attachment(f.user("wuhua_applicant"), rid, "other", "a.pdf", io.BytesIO(PDF))
    assert counts() == before


def test_the_offices_clock_stands_while_the_request_is_returned_and_resumes_on_resubmission(app):
    """停表, as for an application: 3 of the review's 15 working days used, then a week with
    the agency, then the Office has 12 left — its deadline moved by exactly the days it was away."""
    project_id, _ = f.graded(score="88")
    with clock.frozen(datetime(2026, 3, 2, 10, 0)):  # Monday; March 2026 has no holiday
        rid = file(project_id)
        first = limits.status("funding_request", db.session.get(FundingRequest, rid))
    with clock.frozen(datetime(2026, 3, 5, 10, 0)):
        step("office", rid, "return_funding_request", {"opinion": "请补充资金使用计划"})
    with clock.frozen(datetime(2026, 3, 12, 10, 0)):  # 5 working days later
        step("wuhua_applicant", rid, "resubmit_funding_request", {"amount": "70", "purpose": "全市推广"})
        request = db.session.get(FundingRequest, rid)
        resumed = limits.status("funding_request", request)
    assert (first.days, resumed.used) == (15, 3)
    assert (resumed.deadline - first.deadline).days == 7  # five working days and a weekend
    assert request.due_on == resumed.deadline.astimezone(clock.BEIJING).date()  # the stored day agrees


def test_the_agency_removes_an_attachment_while_the_request_waits_and_the_history_keeps_it(app):
    project_id, _ = f.graded(score="88")
    rid = file(project_id, files=[("funding_plan", "计划.pdf", io.BytesIO(PDF)), ("other", "错传.pdf", io.BytesIO(PDF + b"1"))])
    kept, wrong = db.session.get(FundingRequest, rid).attachments
    for who, error in (("kunming_applicant", NotFound), ("office", Denied)):
        before = counts()
        with pytest.raises(error), transaction():
            funding.remove_funding_attachment(f.user(who), wrong.id)
        assert counts() == before
    with pytest.raises(NotFound), transaction():  # named under another request
        funding.remove_funding_attachment(f.user("wuhua_applicant"), wrong.id, rid + 1)
    with transaction():
        funding.remove_funding_attachment(f.user("wuhua_applicant"), wrong.id, rid)
    db.session.expire_all()
    assert [a.display_name for a in db.session.get(FundingRequest, rid).attachments] == ["计划.pdf"]
    rec = db.session.scalar(sa.select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1))
    assert (rec.entity_type, rec.trigger, rec.payload["name"]) == ("funding_request", "detach", "错传.pdf")
    step("office", rid, "pass_funding_review")
    before = counts()
    with pytest.raises(Conflict), transaction():  # with the leader now: the files stand
        funding.remove_funding_attachment(f.user("wuhua_applicant"), kept.id)
    assert counts() == before


def test_a_project_proposed_as_a_demonstration_may_ask_for_follow_on_funding(app):
    """拟推荐示范 comes after acceptance: the agency may ask, as while evaluated or once a
    demonstration project or closed."""
    project_id, _ = f.graded("wuhua_applicant", score="92")
    with transaction():
        perform(f.user("leader"), "project", project_id, "select_demonstration", {"opinion": "拟推荐"})
    assert state_of_project(project_id) == "candidate"
    request_id = file(project_id)
    assert state(request_id) == S.OFFICE_REVIEW


def state_of_project(project_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Project, project_id).state.value
