"""Acceptance (验收) by an expert panel: scoring, signing the report, the conclusion."""
from workflows.engine import Flow, LabelledEnum, Step


class AcceptanceState(LabelledEnum):
    REQUESTED = ("requested", "待组建专家组", "Awaiting the panel")
    SCORING = ("scoring", "专家评分", "Experts scoring")
    SIGNING = ("signing", "专家签署验收报告", "Experts signing the report")
    PASSED = ("passed", "验收通过", "Passed")
    PASSED_WITH_CONDITIONS = ("passed_with_conditions", "有条件通过", "Passed with conditions")
    FAILED = ("failed", "验收不通过", "Failed")
    RE_REQUESTED = ("re_requested", "已申请重新验收", "Superseded by re-acceptance")


S = AcceptanceState

ACCEPTANCE = Flow(
    name="acceptance", zh="项目验收", en="Project acceptance",
    states=AcceptanceState, initial=S.REQUESTED,
    steps=(
        Step("form_panel", (S.REQUESTED,), S.SCORING, "office_reviewer",
             "组建专家组", "Form the expert panel", fields=("size", "seed"), opinion_required=False),
        Step("submit_scores", (S.SCORING,), S.SCORING, "panel_member_yet_to_score",
             "提交评分", "Submit scores", fields=("scores",), opinion_required=False),
        Step("conclude", (S.SCORING,), S.SIGNING, "panel_chair",
             "形成验收结论", "Conclude", guards=("all_scored",)),
        Step("sign_report", (S.SIGNING,), S.SIGNING, "panel_member_yet_to_sign",
             "签署验收报告", "Sign the report", guards=("chair_signs_last",),
             fields=("password",), opinion_required=False),
        Step("seal_report", (S.SIGNING,), S.PASSED, "office_reviewer", "盖章确认", "Seal the report",
             guards=("all_signed", "concluded_pass"), fields=("password",), opinion_required=False),
        Step("seal_report", (S.SIGNING,), S.PASSED_WITH_CONDITIONS, "office_reviewer",
             "盖章确认", "Seal the report", guards=("all_signed", "concluded_with_conditions"),
             fields=("password",), opinion_required=False),
        Step("seal_report", (S.SIGNING,), S.FAILED, "office_reviewer", "盖章确认", "Seal the report",
             guards=("all_signed", "concluded_fail"), fields=("password",), opinion_required=False),
        Step("request_reacceptance", (S.FAILED,), S.RE_REQUESTED, "applicant_owns",
             "整改后申请重新验收", "Request re-acceptance"),
    ),
)
