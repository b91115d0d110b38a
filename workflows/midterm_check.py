"""The annual mid-term check (中期检查) of a project under construction."""
from workflows.engine import Flow, LabelledEnum, Step


class MidtermCheckState(LabelledEnum):
    DUE = ("due", "待提交进展报告", "Progress report due", "draft")
    REPORT_SUBMITTED = ("report_submitted", "待检查结论", "Report submitted")
    RECTIFYING = ("rectifying", "整改中", "Rectification ordered", "attention")
    RECTIFICATION_SUBMITTED = ("rectification_submitted", "整改待复查", "Rectification submitted", "attention")
    PASSED = ("passed", "检查通过", "Passed", "done")
    TERMINATED = ("terminated", "项目终止", "Project terminated", "stopped")


S = MidtermCheckState
CONCLUSIONS = ("pass_check", "order_rectification", "terminate_project")  # the steps that conclude a check

MIDTERM_CHECK = Flow(
    name="midterm_check", zh="年度中期检查", en="Annual mid-term check",
    states=MidtermCheckState, initial=S.DUE,
    steps=(
        Step("submit_progress_report", (S.DUE,), S.REPORT_SUBMITTED, "applicant_owns",
             "提交进展报告", "Submit progress report", role="applicant", opinion_required=False, days=60),
        Step("pass_check", (S.REPORT_SUBMITTED, S.RECTIFICATION_SUBMITTED), S.PASSED,
             "office_reviewer", "检查通过", "Pass the check", role="office_reviewer", days=15),
        Step("order_rectification", (S.REPORT_SUBMITTED, S.RECTIFICATION_SUBMITTED), S.RECTIFYING,
             "office_reviewer", "限期整改", "Order rectification", role="office_reviewer", days=15,
             style="secondary"),
        # No default limit: the office sets the rectification deadline when ordering it.
        Step("submit_rectification", (S.RECTIFYING,), S.RECTIFICATION_SUBMITTED, "applicant_owns",
             "提交整改报告", "Submit rectification report", role="applicant", opinion_required=False),
        Step("terminate_project", (S.REPORT_SUBMITTED, S.RECTIFYING, S.RECTIFICATION_SUBMITTED),
             S.TERMINATED, "leader", "终止项目", "Terminate the project", role="leader", optional=True,
             style="danger", confirm=True),
    ),
)
