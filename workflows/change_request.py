"""Change requests (变更/延期申请): during construction the agency asks to change its project's
budget, content, construction period or contact, or for an extension; the Office reviews (and
may return it for revision), the leader decides. An approved change is applied to the project
in the deciding transaction."""
from workflows.engine import Flow, LabelledEnum, Step


class ChangeRequestState(LabelledEnum):
    SUBMITTED = ("submitted", "待审核", "Awaiting review")
    RETURNED = ("returned", "退回修改", "Returned for revision", "attention")
    REVIEWED = ("reviewed", "待领导审批", "Awaiting the leader's decision")
    APPROVED = ("approved", "已批准", "Approved", "done")
    REJECTED = ("rejected", "未批准", "Rejected", "stopped")
    WITHDRAWN = ("withdrawn", "已撤回", "Withdrawn", "stopped")


class ChangeType(LabelledEnum):
    BUDGET = ("budget", "预算调整", "Budget adjustment")
    SCOPE = ("scope", "建设内容调整", "Content or scope change")
    PERIOD = ("period", "建设周期调整", "Construction period change")
    EXTENSION = ("extension", "延期", "Extension")
    CONTACT = ("contact", "联系人变更", "Change of contact")


S = ChangeRequestState
# The states of a request still open: a project has at most one such request at a time.
OPEN = (S.SUBMITTED, S.RETURNED, S.REVIEWED)

CHANGE_REQUEST = Flow(
    name="change_request", zh="变更/延期申请", en="Change request",
    states=ChangeRequestState, initial=S.SUBMITTED,
    steps=(
        Step("review", (S.SUBMITTED,), S.REVIEWED, "office_reviewer", "审核通过，报领导审批",
             "Reviewed: to the leader", role="office_reviewer", days=10),
        Step("return_for_revision", (S.SUBMITTED,), S.RETURNED, "office_reviewer", "退回修改",
             "Return for revision", role="office_reviewer", days=10, style="secondary"),
        Step("resubmit", (S.RETURNED,), S.SUBMITTED, "applicant_owns", "修改后重新提交",
             "Revise and resubmit", role="applicant", opinion_required=False, days=15),
        Step("approve", (S.REVIEWED,), S.APPROVED, "leader", "批准变更", "Approve the change",
             role="leader", guards=("project_under_construction",), days=7),
        Step("reject", (S.REVIEWED,), S.REJECTED, "leader", "不予批准", "Reject the change",
             role="leader", days=7, style="danger", confirm=True),
        Step("withdraw", (S.SUBMITTED, S.RETURNED), S.WITHDRAWN, "applicant_owns", "撤回申请",
             "Withdraw the request", role="applicant", opinion_required=False, optional=True,
             style="danger", confirm=True),
    ),
)
