"""Periodic performance evaluation (绩效评估) of an accepted project."""
from workflows.engine import Flow, LabelledEnum, Step


class EvaluationState(LabelledEnum):
    OPENED = ("opened", "待自评", "Awaiting self-evaluation")
    SELF_EVALUATED = ("self_evaluated", "待评分", "Self-evaluated")
    SCORED = ("scored", "待定级", "Scored")
    GRADED = ("graded", "已定级", "Graded")


class Grade(LabelledEnum):
    EXCELLENT = ("excellent", "优秀", "Excellent")
    GOOD = ("good", "良好", "Good")
    QUALIFIED = ("qualified", "合格", "Qualified")
    UNQUALIFIED = ("unqualified", "不合格", "Unqualified")


S = EvaluationState

EVALUATION = Flow(
    name="evaluation", zh="绩效评估", en="Performance evaluation",
    states=EvaluationState, initial=S.OPENED,
    steps=(
        Step("submit_self_evaluation", (S.OPENED,), S.SELF_EVALUATED, "applicant_owns",
             "提交自评报告", "Submit self-evaluation", fields=("report",), opinion_required=False),
        Step("score", (S.SELF_EVALUATED,), S.SCORED, "office_reviewer", "评分", "Score",
             fields=("results_score", "operation_score", "promotion_score")),
        Step("return_self_evaluation", (S.SELF_EVALUATED,), S.OPENED, "office_reviewer",
             "退回补充自评", "Return the self-evaluation", style="secondary"),
        Step("confirm_grade", (S.SCORED,), S.GRADED, "leader", "确认等级", "Confirm the grade"),
        Step("rescore", (S.SCORED,), S.SELF_EVALUATED, "leader", "退回重新评分",
             "Return for rescoring", style="secondary"),
    ),
)
