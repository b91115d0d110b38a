"""Follow-on funding (后续资金申请) after a project's evaluation: the agency files, the Office
reviews (returning it for revision if need be), a leader decides the approved amount or rejects.

A grade the Office's rule names (FUNDING_BLOCKING_GRADES, default 不合格) in the project's latest
graded evaluation blocks approval until a leader overrides it with a written reason: the
override is its own recorded step, like the plan-gate override of an application.
"""
from workflows.engine import Flow, LabelledEnum, Step


class FundingRequestState(LabelledEnum):
    OFFICE_REVIEW = ("office_review", "待审核", "Awaiting office review")
    RETURNED = ("returned", "退回修改", "Returned for revision", "attention")
    LEADER_DECISION = ("leader_decision", "待领导决定", "Awaiting the leader's decision")
    APPROVED = ("approved", "已批准", "Approved", "done")
    REJECTED = ("rejected", "未批准", "Not approved", "stopped")


S = FundingRequestState
# The agency adds material while the request waits for the Office's review or is returned to it.
ATTACHABLE = (S.OFFICE_REVIEW, S.RETURNED)
REVISION_DAYS = 30
DECISIONS = ("approve_funding", "reject_funding")  # the steps whose outcome the 后续资金批复 states

FUNDING_REQUEST = Flow(
    name="funding_request", zh="后续资金申请", en="Follow-on funding request",
    states=FundingRequestState, initial=S.OFFICE_REVIEW,
    steps=(
        Step("pass_funding_review", (S.OFFICE_REVIEW,), S.LEADER_DECISION, "office_reviewer",
             "审核通过，报领导决定", "Pass review to the leader", role="office_reviewer", days=15),
        Step("return_funding_request", (S.OFFICE_REVIEW,), S.RETURNED, "office_reviewer",
             "退回修改", "Return for revision", role="office_reviewer", days=15, style="secondary"),
        Step("resubmit_funding_request", (S.RETURNED,), S.OFFICE_REVIEW, "applicant_owns",
             "修改后重新提交", "Resubmit after revision", role="applicant", opinion_required=False,
             days=REVISION_DAYS),
        Step("override_grade_block", (S.LEADER_DECISION,), S.LEADER_DECISION, "leader",
             "评估等级特批", "Override the grade block", role="leader",
             guards=("grade_blocks_not_overridden",), days=7, style="secondary"),
        Step("approve_funding", (S.LEADER_DECISION,), S.APPROVED, "leader",
             "批准后续资金", "Approve the funding", role="leader", guards=("grade_allows_funding",), days=7),
        Step("reject_funding", (S.LEADER_DECISION,), S.REJECTED, "leader",
             "不予批准", "Reject", role="leader", days=7, style="danger", confirm=True),
    ),
)
