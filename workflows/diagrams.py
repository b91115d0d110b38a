"""Mermaid state diagrams generated from the flow definitions (no Graphviz needed)."""
from __future__ import annotations

from workflows.engine import Flow


def mermaid(flow: Flow, locale: str = "zh", current: str | None = None) -> str:
    """A ``stateDiagram-v2`` of the flow; ``current`` (a state value) is highlighted."""
    lines = ["stateDiagram-v2"]
    for state in flow.states:
        lines.append(f'    state "{state.label(locale)}" as {state.value}')
    lines.append(f"    [*] --> {flow.initial.value}")
    seen: set[tuple[str, str, str]] = set()
    for step in flow.steps:
        for src in step.sources:
            edge = (src.value, step.dest.value, step.label(locale))
            if edge not in seen:
                seen.add(edge)
                lines.append(f"    {edge[0]} --> {edge[1]}: {edge[2]}")
    for state in flow.terminal_states:
        lines.append(f"    {state.value} --> [*]")
    if current:
        lines.append("    classDef current fill:#c8102e,color:#fff,stroke:#8b0000")
        lines.append(f"    class {current} current")
    return "\n".join(lines) + "\n"
