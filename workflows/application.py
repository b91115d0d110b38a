"""The application flow: filing, level-by-level endorsement, 初审, 领导审批, 复审 and 立项."""
from workflows.engine import Flow, LabelledEnum, Step


class ApplicationState(LabelledEnum):
    DRAFT = ("draft", "草稿", "Draft")
    ENDORSING = ("endorsing", "逐级上报", "Endorsement")
    RETURNED_BY_ENDORSER = ("returned_by_endorser", "上报退回修改", "Returned by endorser")
    INITIAL_REVIEW = ("initial_review", "初审", "Initial review")
    RETURNED_BY_REVIEWER = ("returned_by_reviewer", "初审退回修改", "Returned by initial review")
    LEADER_APPROVAL = ("leader_approval", "领导审批", "Leadership approval")
    RE_REVIEW = ("re_review", "复审", "Re-review")
    RETURNED_BY_RE_REVIEW = ("returned_by_re_review", "复审退回修改", "Returned by re-review")
    PROJECT_APPROVAL = ("project_approval", "待立项", "Awaiting project approval")
    APPROVED = ("approved", "已立项", "Approved as project")
    NOT_ACCEPTED = ("not_accepted", "不予受理", "Not accepted")
    REJECTED = ("rejected", "未获批准", "Rejected")
    WITHDRAWN = ("withdrawn", "已撤回", "Withdrawn")


S = ApplicationState
RETURNED = (S.RETURNED_BY_ENDORSER, S.RETURNED_BY_REVIEWER, S.RETURNED_BY_RE_REVIEW)
EDITABLE = (S.DRAFT, *RETURNED)  # the applicant may change content and attachments

APPLICATION = Flow(
    name="application", zh="试点项目申报", en="Pilot application",
    states=ApplicationState, initial=S.DRAFT,
    steps=(
        # filing -------------------------------------------------------------------------
        Step("submit", (S.DRAFT,), S.ENDORSING, "applicant_owns", "提交申报", "Submit",
             guards=("needs_endorsement", "batch_open", "plan_item_or_justification"),
             opinion_required=False),
        Step("submit", (S.DRAFT,), S.INITIAL_REVIEW, "applicant_owns", "提交申报", "Submit",
             guards=("no_endorsement_needed", "batch_open", "plan_item_or_justification"),
             opinion_required=False),
        Step("withdraw", (S.DRAFT, S.ENDORSING, *RETURNED, S.INITIAL_REVIEW), S.WITHDRAWN,
             "applicant_owns", "撤回申报", "Withdraw", style="danger"),
        Step("resubmit", (S.RETURNED_BY_ENDORSER,), S.ENDORSING, "applicant_owns",
             "修改后重新提交", "Resubmit after revision", guards=("plan_item_or_justification",)),
        Step("resubmit", (S.RETURNED_BY_REVIEWER,), S.INITIAL_REVIEW, "applicant_owns",
             "修改后重新提交", "Resubmit after revision", guards=("plan_item_or_justification",)),
        Step("resubmit", (S.RETURNED_BY_RE_REVIEW,), S.RE_REVIEW, "applicant_owns",
             "修改后重新提交", "Resubmit after revision", guards=("plan_item_or_justification",)),
        # 逐级上报: one endorsement per IT office on the route --------------------------------
        Step("endorse", (S.ENDORSING,), S.ENDORSING, "endorser_of_current_level",
             "推荐上报", "Endorse and forward", guards=("more_endorsements_after_this",),
             fields=("ranking",)),
        Step("endorse", (S.ENDORSING,), S.INITIAL_REVIEW, "endorser_of_current_level",
             "推荐上报", "Endorse and forward", guards=("last_endorsement",), fields=("ranking",)),
        Step("return_to_applicant", (S.ENDORSING,), S.RETURNED_BY_ENDORSER,
             "endorser_of_current_level", "退回申报单位", "Return to applicant", style="secondary"),
        # 初审 ------------------------------------------------------------------------------
        Step("override_plan_gate", (S.INITIAL_REVIEW, S.LEADER_APPROVAL), S.INITIAL_REVIEW, "leader",
             "规划外立项特批", "Override the plan gate", guards=("off_plan_not_overridden",),
             style="secondary"),
        Step("pass_initial_review", (S.INITIAL_REVIEW,), S.LEADER_APPROVAL, "office_reviewer",
             "初审通过", "Pass initial review", guards=("in_plan_or_overridden",)),
        Step("return_for_revision", (S.INITIAL_REVIEW,), S.RETURNED_BY_REVIEWER, "office_reviewer",
             "退回修改", "Return for revision", style="secondary"),
        Step("refuse", (S.INITIAL_REVIEW,), S.NOT_ACCEPTED, "office_reviewer",
             "不予受理", "Do not accept", style="danger"),
        # 领导审批 --------------------------------------------------------------------------
        Step("leader_approve", (S.LEADER_APPROVAL,), S.RE_REVIEW, "leader",
             "审批同意", "Approve", guards=("in_plan_or_overridden",)),
        Step("leader_return", (S.LEADER_APPROVAL,), S.INITIAL_REVIEW, "leader",
             "退回初审", "Return to initial review", style="secondary"),
        Step("leader_reject", (S.LEADER_APPROVAL, S.PROJECT_APPROVAL), S.REJECTED, "leader",
             "不予批准", "Reject", style="danger"),
        # 复审: each joint reviewer records an opinion, then the office concludes --------------
        Step("record_joint_opinion", (S.RE_REVIEW,), S.RE_REVIEW, "joint_reviewer_pending",
             "填写复审意见", "Record re-review opinion", fields=("recommendation",)),
        Step("re_review_approve", (S.RE_REVIEW,), S.PROJECT_APPROVAL, "office_reviewer",
             "复审通过", "Pass re-review", guards=("all_joint_opinions_in",)),
        Step("re_review_return", (S.RE_REVIEW,), S.RETURNED_BY_RE_REVIEW, "office_reviewer",
             "复审退回修改", "Return for revision", guards=("all_joint_opinions_in",),
             style="secondary"),
        Step("re_review_reject", (S.RE_REVIEW,), S.REJECTED, "office_reviewer",
             "复审不通过", "Reject at re-review", guards=("all_joint_opinions_in",), style="danger"),
        # 立项 ------------------------------------------------------------------------------
        Step("approve_project", (S.PROJECT_APPROVAL,), S.APPROVED, "leader",
             "批准立项", "Approve the project",
             guards=("batch_quota_left",), fields=("approved_budget", "construction_months")),
    ),
)
