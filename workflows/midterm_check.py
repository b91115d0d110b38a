"""The annual mid-term check (中期检查) of a project under construction."""
from workflows.engine import Flow, LabelledEnum, Step


class MidtermCheckState(LabelledEnum):
    DUE = ("due", "待提交进展报告", "Progress report due")
    REPORT_SUBMITTED = ("report_submitted", "待检查结论", "Report submitted")
    RECTIFYING = ("rectifying", "整改中", "Rectification ordered")
    RECTIFICATION_SUBMITTED = ("rectification_submitted", "整改待复查", "Rectification submitted")
    PASSED = ("passed", "检查通过", "Passed")
    TERMINATED = ("terminated", "项目终止", "Project terminated")


S = MidtermCheckState

MIDTERM_CHECK = Flow(
    name="midterm_check", zh="年度中期检查", en="Annual mid-term check",
    states=MidtermCheckState, initial=S.DUE,
    steps=(
        Step("submit_progress_report", (S.DUE,), S.REPORT_SUBMITTED, "applicant_owns",
             "提交进展报告", "Submit progress report", fields=("report",), opinion_required=False),
        Step("pass_check", (S.REPORT_SUBMITTED, S.RECTIFICATION_SUBMITTED), S.PASSED,
             "office_reviewer", "检查通过", "Pass the check"),
        Step("order_rectification", (S.REPORT_SUBMITTED, S.RECTIFICATION_SUBMITTED), S.RECTIFYING,
             "office_reviewer", "限期整改", "Order rectification", fields=("deadline",),
             style="secondary"),
        Step("submit_rectification", (S.RECTIFYING,), S.RECTIFICATION_SUBMITTED, "applicant_owns",
             "提交整改报告", "Submit rectification report", fields=("report",),
             opinion_required=False),
        Step("terminate_project", (S.REPORT_SUBMITTED, S.RECTIFYING, S.RECTIFICATION_SUBMITTED),
             S.TERMINATED, "leader", "终止项目", "Terminate the project", style="danger"),
    ),
)
