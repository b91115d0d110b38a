"""Acceptance (验收) by an expert panel: its criteria, scoring, signing the report, the conclusion."""
from dataclasses import replace
from decimal import Decimal

from workflows.engine import Flow, LabelledEnum, Step


class AcceptanceState(LabelledEnum):
    REQUESTED = ("requested", "待组建专家组", "Awaiting the panel")
    SCORING = ("scoring", "专家评分", "Experts scoring")
    SIGNING = ("signing", "专家签署验收报告", "Experts signing the report")
    PASSED = ("passed", "验收通过", "Passed", "done")
    PASSED_WITH_CONDITIONS = ("passed_with_conditions", "有条件通过", "Passed with conditions", "done")
    FAILED = ("failed", "验收不通过", "Failed", "stopped")
    RE_REQUESTED = ("re_requested", "已申请重新验收", "Superseded by re-acceptance", "attention")


# (key, Chinese, English, maximum points); the maxima add up to 100.
CRITERIA = (
    ("completion", "建设内容完成情况", "Completion of the planned work", 30),
    ("quality", "技术方案与系统质量", "Technical solution and quality", 25),
    ("effect", "应用成效", "Effect of the application", 25),
    ("funds", "资金使用与管理", "Use and management of funds", 10),
    ("documentation", "文档资料与运维保障", "Documentation and maintenance", 10),
)
PASS_AT, CONDITIONAL_AT = Decimal(80), Decimal(60)  # the panel's average decides the conclusion


# How the report words each conclusion.
CONCLUSION_WORDING = {"pass": "通过验收", "conditional": "有条件通过验收", "fail": "不通过验收"}


def conclusion_for(average: Decimal) -> str:
    if average >= PASS_AT:
        return "pass"
    return "conditional" if average >= CONDITIONAL_AT else "fail"


S = AcceptanceState

# Version 1, as first published: kept so that the rounds begun under it finish under it.
ACCEPTANCE_V1 = Flow(
    name="acceptance", zh="项目验收", en="Project acceptance",
    states=AcceptanceState, initial=S.REQUESTED,
    steps=(
        Step("form_panel", (S.REQUESTED,), S.SCORING, "office_reviewer", "组建专家组", "Form the expert panel",
             role="office_reviewer", opinion_required=False, days=20),
        # 回避声明: each drawn expert, before seeing scores or scoring (a recusal draws a replacement);
        # the declaration shares the scoring stage's limit, so the stage's deadline stays 15 days.
        Step("declare", (S.SCORING,), S.SCORING, "panel_member_yet_to_declare", "声明无利益冲突",
             "Declare no conflict of interest", role="expert", opinion_required=False, days=15),
        Step("recuse", (S.SCORING,), S.SCORING, "panel_member_yet_to_declare", "申请回避", "Recuse",
             role="expert", optional=True, style="danger", confirm=True),
        Step("submit_scores", (S.SCORING,), S.SCORING, "panel_member_yet_to_score", "提交评分", "Submit scores",
             role="expert", opinion_required=False, days=15),
        Step("conclude", (S.SCORING,), S.SIGNING, "panel_chair", "形成验收结论", "Conclude",
             role="expert", guards=("all_scored",), days=15),
        Step("sign_report", (S.SIGNING,), S.SIGNING, "panel_member_yet_to_sign", "签署验收报告",
             "Sign the report", role="expert", guards=("chair_signs_last",), opinion_required=False, days=7),
        Step("seal_report", (S.SIGNING,), S.PASSED, "office_reviewer", "盖章确认", "Seal the report",
             role="office_reviewer", guards=("all_signed", "concluded_pass"), opinion_required=False, days=7),
        Step("seal_report", (S.SIGNING,), S.PASSED_WITH_CONDITIONS, "office_reviewer", "盖章确认",
             "Seal the report", role="office_reviewer", guards=("all_signed", "concluded_with_conditions"),
             opinion_required=False, days=7),
        Step("seal_report", (S.SIGNING,), S.FAILED, "office_reviewer", "盖章确认", "Seal the report",
             role="office_reviewer", guards=("all_signed", "concluded_fail"), opinion_required=False, days=7),
        Step("request_reacceptance", (S.FAILED,), S.RE_REQUESTED, "applicant_owns",
             "整改后申请重新验收", "Request re-acceptance", role="applicant"),
    ),
)

# Version 2: a seat that a recusal left empty (nobody was left in the pool to replace the expert)
# is filled by the Office once the pool has someone again (补选专家), so the panel gets back to
# its odd size; under version 1 the panel stayed short for good.
FILL_SEATS = Step("fill_seats", (S.SCORING,), S.SCORING, "office_reviewer", "补选专家", "Fill the vacant seats",
                  role="office_reviewer", guards=("seat_vacant",), opinion_required=False)
ACCEPTANCE = replace(ACCEPTANCE_V1, version=2, steps=(*ACCEPTANCE_V1.steps[:3], FILL_SEATS, *ACCEPTANCE_V1.steps[3:]))
