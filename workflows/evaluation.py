"""Periodic performance evaluation (绩效评估) of an accepted project, and how it is graded."""
from decimal import Decimal

from workflows.engine import Flow, LabelledEnum, Step


class EvaluationState(LabelledEnum):
    OPENED = ("opened", "待自评", "Awaiting self-evaluation", "draft")
    SELF_EVALUATED = ("self_evaluated", "待评分", "Self-evaluated")
    SCORED = ("scored", "待定级", "Scored")
    GRADED = ("graded", "已定级", "Graded", "done")


class Grade(LabelledEnum):
    EXCELLENT = ("excellent", "优秀", "Excellent", "done")
    GOOD = ("good", "良好", "Good", "done")
    QUALIFIED = ("qualified", "合格", "Qualified")
    UNQUALIFIED = ("unqualified", "不合格", "Unqualified", "stopped")


# Results weigh half, operation & maintenance 30 %, follow-on promotion 20 %.
WEIGHTS = {"results_score": Decimal("0.5"), "operation_score": Decimal("0.3"), "promotion_score": Decimal("0.2")}
GRADE_FLOORS = ((Decimal(90), Grade.EXCELLENT), (Decimal(75), Grade.GOOD), (Decimal(60), Grade.QUALIFIED))


def grade_for(total: Decimal) -> Grade:
    return next((g for floor, g in GRADE_FLOORS if total >= floor), Grade.UNQUALIFIED)


S = EvaluationState

EVALUATION = Flow(
    name="evaluation", zh="绩效评估", en="Performance evaluation",
    states=EvaluationState, initial=S.OPENED,
    steps=(
        Step("submit_self_evaluation", (S.OPENED,), S.SELF_EVALUATED, "applicant_owns",
             "提交自评报告", "Submit self-evaluation", role="applicant", opinion_required=False, days=30),
        Step("score", (S.SELF_EVALUATED,), S.SCORED, "office_reviewer", "评分", "Score",
             role="office_reviewer", days=15),
        Step("return_self_evaluation", (S.SELF_EVALUATED,), S.OPENED, "office_reviewer",
             "退回补充自评", "Return the self-evaluation", role="office_reviewer", days=15, style="secondary"),
        Step("confirm_grade", (S.SCORED,), S.GRADED, "leader", "确认等级", "Confirm the grade",
             role="leader", guards=("has_scores",), days=7),
        Step("rescore", (S.SCORED,), S.SELF_EVALUATED, "leader", "退回重新评分",
             "Return for rescoring", role="leader", days=7, style="secondary"),
    ),
)
