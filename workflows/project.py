"""The project flow: construction, acceptance, evaluation, demonstration, closure."""
from workflows.engine import Flow, LabelledEnum, Step


class ProjectState(LabelledEnum):
    UNDER_CONSTRUCTION = ("under_construction", "建设中", "Under construction")
    ACCEPTANCE = ("acceptance", "验收中", "In acceptance")
    EVALUATION = ("evaluation", "绩效评估期", "In performance evaluation")
    CANDIDATE = ("candidate", "拟推荐示范", "Demonstration candidate", "attention")
    DEMONSTRATION = ("demonstration", "示范项目", "Demonstration project", "done")
    CLOSED = ("closed", "已结项", "Closed", "done")
    TERMINATED = ("terminated", "已终止", "Terminated", "stopped")


S = ProjectState

PROJECT = Flow(
    name="project", zh="试点项目", en="Pilot project",
    states=ProjectState, initial=S.UNDER_CONSTRUCTION,
    steps=(
        Step("request_acceptance", (S.UNDER_CONSTRUCTION,), S.ACCEPTANCE, "applicant_owns",
             "申请验收", "Request acceptance", role="applicant", guards=("no_open_midterm_check",),
             opinion_required=False, optional=True),
        Step("complete_acceptance", (S.ACCEPTANCE,), S.EVALUATION, "office_reviewer",
             "验收通过，进入绩效评估", "Accepted: start evaluation", role="office_reviewer",
             guards=("acceptance_passed",), opinion_required=False),
        Step("terminate", (S.UNDER_CONSTRUCTION, S.ACCEPTANCE), S.TERMINATED, "leader",
             "终止项目", "Terminate the project", role="leader", optional=True, style="danger", confirm=True),
        # A selected project is a candidate (拟推荐); it becomes 示范项目 only when the leader
        # confirms the list after its public notice (commands.demonstration.confirm_list).
        Step("select_demonstration", (S.EVALUATION,), S.CANDIDATE, "leader",
             "拟推荐为示范项目", "Propose as demonstration", role="leader",
             guards=("well_evaluated", "no_notice_running", "demonstration_places_left"), optional=True),
        Step("deselect_demonstration", (S.CANDIDATE,), S.EVALUATION, "leader",
             "撤销拟推荐", "Withdraw the proposal", role="leader", optional=True, style="secondary"),
        Step("confirm_demonstration", (S.CANDIDATE,), S.DEMONSTRATION, "leader",
             "确认为示范项目", "Confirm as demonstration", role="leader",
             guards=("on_confirmed_list",), optional=True),
        Step("close", (S.EVALUATION, S.DEMONSTRATION), S.CLOSED, "office_reviewer",
             "结项", "Close the project", role="office_reviewer", guards=("has_graded_evaluation",),
             optional=True, style="secondary"),
    ),
)
