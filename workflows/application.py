"""The application flow: filing, level-by-level endorsement, 初审, 领导审批, 复审 and 立项."""
from workflows.engine import Flow, LabelledEnum, Step


class ApplicationState(LabelledEnum):
    DRAFT = ("draft", "草稿", "Draft", "draft")
    ENDORSING = ("endorsing", "逐级上报", "Endorsement")
    RETURNED_BY_ENDORSER = ("returned_by_endorser", "上报退回修改", "Returned by endorser", "attention")
    INITIAL_REVIEW = ("initial_review", "初审", "Initial review")
    RETURNED_BY_REVIEWER = ("returned_by_reviewer", "初审退回修改", "Returned by initial review", "attention")
    LEADER_APPROVAL = ("leader_approval", "领导审批", "Leadership approval")
    RE_REVIEW = ("re_review", "复审", "Re-review")
    RETURNED_BY_RE_REVIEW = ("returned_by_re_review", "复审退回修改", "Returned by re-review", "attention")
    PROJECT_APPROVAL = ("project_approval", "待立项", "Awaiting project approval")
    APPROVED = ("approved", "已立项", "Approved as project", "done")
    NOT_ACCEPTED = ("not_accepted", "不予受理", "Not accepted", "stopped")
    REJECTED = ("rejected", "未获批准", "Rejected", "stopped")
    WITHDRAWN = ("withdrawn", "已撤回", "Withdrawn", "stopped")


S = ApplicationState
RETURNED = (S.RETURNED_BY_ENDORSER, S.RETURNED_BY_REVIEWER, S.RETURNED_BY_RE_REVIEW)
EDITABLE = (S.DRAFT, *RETURNED)  # the applicant may change content and attachments
REVISION_DAYS = 30  # the applicant's own time to revise a returned application
PLAN_GATE = ("plan_item_or_justification",)

APPLICATION = Flow(
    name="application", zh="试点项目申报", en="Pilot application",
    states=ApplicationState, initial=S.DRAFT,
    steps=(
        # filing -------------------------------------------------------------------------
        Step("submit", (S.DRAFT,), S.ENDORSING, "applicant_owns", "提交申报", "Submit", role="applicant",
             guards=("needs_endorsement", "batch_open", *PLAN_GATE), opinion_required=False),
        Step("submit", (S.DRAFT,), S.INITIAL_REVIEW, "applicant_owns", "提交申报", "Submit", role="applicant",
             guards=("no_endorsement_needed", "batch_open", *PLAN_GATE), opinion_required=False),
        Step("withdraw", (S.DRAFT, S.ENDORSING, *RETURNED, S.INITIAL_REVIEW), S.WITHDRAWN,
             "applicant_owns", "撤回申报", "Withdraw", role="applicant", optional=True, style="danger",
             confirm=True),
        Step("resubmit", (S.RETURNED_BY_ENDORSER,), S.ENDORSING, "applicant_owns", "修改后重新提交",
             "Resubmit after revision", role="applicant", guards=PLAN_GATE, days=REVISION_DAYS),
        Step("resubmit", (S.RETURNED_BY_REVIEWER,), S.INITIAL_REVIEW, "applicant_owns", "修改后重新提交",
             "Resubmit after revision", role="applicant", guards=PLAN_GATE, days=REVISION_DAYS),
        Step("resubmit", (S.RETURNED_BY_RE_REVIEW,), S.RE_REVIEW, "applicant_owns", "修改后重新提交",
             "Resubmit after revision", role="applicant", guards=PLAN_GATE, days=REVISION_DAYS),
        # 逐级上报: one endorsement per IT office on the route --------------------------------
        Step("endorse", (S.ENDORSING,), S.ENDORSING, "endorser_of_current_level", "推荐上报",
             "Endorse and forward", role="endorser", guards=("more_endorsements_after_this",), days=10),
        Step("endorse", (S.ENDORSING,), S.INITIAL_REVIEW, "endorser_of_current_level", "推荐上报",
             "Endorse and forward", role="endorser", guards=("last_endorsement",), days=10),
        Step("return_to_applicant", (S.ENDORSING,), S.RETURNED_BY_ENDORSER, "endorser_of_current_level",
             "退回申报单位", "Return to applicant", role="endorser", days=10, style="secondary"),
        # 初审 ------------------------------------------------------------------------------
        Step("override_plan_gate", (S.INITIAL_REVIEW, S.LEADER_APPROVAL), S.INITIAL_REVIEW, "leader",
             "规划外立项特批", "Override the plan gate", role="leader", guards=("off_plan_not_overridden",),
             days=7, style="secondary"),
        Step("pass_initial_review", (S.INITIAL_REVIEW,), S.LEADER_APPROVAL, "office_reviewer",
             "初审通过", "Pass initial review", role="office_reviewer", guards=("in_plan_or_overridden",),
             days=15),
        Step("return_for_revision", (S.INITIAL_REVIEW,), S.RETURNED_BY_REVIEWER, "office_reviewer",
             "退回修改", "Return for revision", role="office_reviewer", days=15, style="secondary"),
        Step("refuse", (S.INITIAL_REVIEW,), S.NOT_ACCEPTED, "office_reviewer",
             "不予受理", "Do not accept", role="office_reviewer", days=15, style="danger",
             confirm=True),
        # 领导审批 --------------------------------------------------------------------------
        Step("leader_approve", (S.LEADER_APPROVAL,), S.RE_REVIEW, "leader",
             "审批同意", "Approve", role="leader", guards=("in_plan_or_overridden",), days=7),
        Step("leader_return", (S.LEADER_APPROVAL,), S.INITIAL_REVIEW, "leader",
             "退回初审", "Return to initial review", role="leader", days=7, style="secondary"),
        Step("leader_reject", (S.LEADER_APPROVAL, S.PROJECT_APPROVAL), S.REJECTED, "leader",
             "不予批准", "Reject", role="leader", optional=True, style="danger", confirm=True),
        # 复审: each joint reviewer records an opinion, then the office concludes --------------
        Step("record_joint_opinion", (S.RE_REVIEW,), S.RE_REVIEW, "joint_reviewer_pending",
             "填写复审意见", "Record re-review opinion", role="joint_reviewer", days=15),
        Step("re_review_approve", (S.RE_REVIEW,), S.PROJECT_APPROVAL, "office_reviewer",
             "复审通过", "Pass re-review", role="office_reviewer", guards=("all_joint_opinions_in",), days=15),
        Step("re_review_return", (S.RE_REVIEW,), S.RETURNED_BY_RE_REVIEW, "office_reviewer",
             "复审退回修改", "Return for revision", role="office_reviewer", guards=("all_joint_opinions_in",),
             days=15, style="secondary"),
        Step("re_review_reject", (S.RE_REVIEW,), S.REJECTED, "office_reviewer", "复审不通过",
             "Reject at re-review", role="office_reviewer", guards=("all_joint_opinions_in",), days=15,
             style="danger", confirm=True),
        # 立项 ------------------------------------------------------------------------------
        Step("approve_project", (S.PROJECT_APPROVAL,), S.APPROVED, "leader", "批准立项", "Approve the project",
             role="leader", guards=("batch_quota_left",), days=10),
    ),
)
