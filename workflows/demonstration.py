"""The demonstration list's public notice (示范项目名单公示) and the objections filed against it (公示异议).

The leader publishes the candidates (拟推荐) as a draft list for a notice period; anybody may
object during it; the Office answers each objection; after the period, with every objection
answered, the leader confirms the final list (the candidates then become 示范项目, see
``workflows.project``)."""
from workflows.engine import Flow, LabelledEnum, Step


class DemonstrationListState(LabelledEnum):
    NOTICE = ("notice", "公示中", "In public notice", "attention")
    CONFIRMED = ("confirmed", "已确认", "Confirmed", "done")


class ObjectionState(LabelledEnum):
    FILED = ("filed", "待答复", "Awaiting an answer", "attention")
    ANSWERED = ("answered", "已答复", "Answered", "done")


L = DemonstrationListState
O = ObjectionState  # noqa: E741

# The confirmation waits for the notice period (5 working days by default) and then for the leader.
CONFIRM_DAYS = 10

DEMONSTRATION_LIST = Flow(
    name="demonstration_list", zh="示范项目名单", en="Demonstration list",
    states=DemonstrationListState, initial=L.NOTICE,
    steps=(
        Step("confirm_list", (L.NOTICE,), L.CONFIRMED, "leader",
             "确认最终名单", "Confirm the final list", role="leader",
             guards=("notice_period_over", "objections_answered"), days=CONFIRM_DAYS),
    ),
)

DEMONSTRATION_OBJECTION = Flow(
    name="demonstration_objection", zh="公示异议", en="Objection to the notice",
    states=ObjectionState, initial=O.FILED,
    steps=(
        Step("answer_objection", (O.FILED,), O.ANSWERED, "office_reviewer",
             "答复异议", "Answer the objection", role="office_reviewer", days=5),
    ),
)
