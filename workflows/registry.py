"""All flows by name, and every version of each kept loadable.

``FLOWS`` holds each flow's current definition. A changed flow gets a new ``version`` in its
module, and the definition it replaces moves to ``EARLIER`` (kept as data, e.g. in
``workflows/earlier/``), so a case keeps following the version it started under
(``flow_version`` on every case table) until an admin migrates it.
"""
from workflows.acceptance import ACCEPTANCE, ACCEPTANCE_V1
from workflows.application import APPLICATION
from workflows.change_request import CHANGE_REQUEST
from workflows.demonstration import DEMONSTRATION_LIST, DEMONSTRATION_OBJECTION
from workflows.engine import Flow
from workflows.evaluation import EVALUATION
from workflows.funding_request import FUNDING_REQUEST
from workflows.midterm_check import MIDTERM_CHECK
from workflows.project import PROJECT

FLOWS: dict[str, Flow] = {f.name: f for f in (APPLICATION, PROJECT, MIDTERM_CHECK, ACCEPTANCE, EVALUATION,
                                             CHANGE_REQUEST, FUNDING_REQUEST,
                                             DEMONSTRATION_LIST, DEMONSTRATION_OBJECTION)}

# Earlier versions of the flows, kept so that the cases started under them can finish.
EARLIER: tuple[Flow, ...] = (ACCEPTANCE_V1,)

# name → version → definition.
VERSIONS: dict[str, dict[int, Flow]] = {}
_changes = 0  # how often VERSIONS changed (what was built from the flows may be kept until then)


def register(flow: Flow) -> None:
    """Make a version of a flow loadable (the highest version of a name is its current one)."""
    known = VERSIONS.setdefault(flow.name, {})
    if known.get(flow.version, flow) is not flow:
        raise ValueError(f"two definitions of {flow.name} version {flow.version}")
    if known.get(flow.version) is not flow:
        _changed()
    known[flow.version] = flow


def unregister(flow: Flow) -> None:
    """Forget a version (tests that define one); a flow's first definition stays."""
    if VERSIONS.get(flow.name, {}).get(flow.version) is flow and FLOWS.get(flow.name) is not flow:
        del VERSIONS[flow.name][flow.version]
        _changed()


def _changed() -> None:
    global _changes
    _changes += 1


def revision() -> int:
    """Changes to the registered versions so far: what was built from them stays true until it grows."""
    return _changes


def flow_version(name: str, version: int | None) -> Flow:
    """The definition of ``name`` at ``version`` (KeyError when there is none)."""
    return VERSIONS[name][version or 1]


def current_version(name: str) -> int:
    return max(VERSIONS[name])


def current_flow(name: str) -> Flow:
    return VERSIONS[name][current_version(name)]


for _flow in (*FLOWS.values(), *EARLIER):
    register(_flow)
