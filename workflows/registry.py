"""All flows by name."""
from workflows.acceptance import ACCEPTANCE
from workflows.application import APPLICATION
from workflows.demonstration import DEMONSTRATION_LIST, DEMONSTRATION_OBJECTION
from workflows.engine import Flow
from workflows.evaluation import EVALUATION
from workflows.midterm_check import MIDTERM_CHECK
from workflows.project import PROJECT

FLOWS: dict[str, Flow] = {f.name: f for f in (APPLICATION, PROJECT, MIDTERM_CHECK, ACCEPTANCE, EVALUATION,
                                              DEMONSTRATION_LIST, DEMONSTRATION_OBJECTION)}
