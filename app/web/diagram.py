"""A workflow drawn as inline SVG on the server (no JavaScript, nothing from the internet):
stages laid out by their distance from the start, the current stage highlighted, stages
already passed through tinted. Generic over every flow in workflows.FLOWS."""
from __future__ import annotations

from markupsafe import Markup, escape

from workflows.engine import Flow

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 150, 40, 46, 14, 8


def _layout(flow: Flow) -> dict:
    """state → (column, row): column = shortest number of steps from the initial state."""
    column = {flow.initial: 0}
    queue = [flow.initial]
    while queue:
        state = queue.pop(0)
        for step in flow.steps:
            if state in step.sources and step.dest not in column:
                column[step.dest] = column[state] + 1
                queue.append(step.dest)
    for state in flow.states:  # unreachable states (none expected) go last
        column.setdefault(state, max(column.values()) + 1)
    rows: dict[int, int] = {}
    place = {}
    for state in flow.states:
        c = column[state]
        place[state] = (c, rows.get(c, 0))
        rows[c] = rows.get(c, 0) + 1
    return place


def _lines(text: str) -> list[str]:
    if len(text) <= 16 or " " not in text:
        return [text] if len(text) <= 16 else [text[: len(text) // 2], text[len(text) // 2:]]
    middle = len(text) // 2
    cut = min((i for i, ch in enumerate(text) if ch == " "), key=lambda i: abs(i - middle))
    return [text[:cut], text[cut + 1:]]


def flow_svg(flow: Flow, current=None, visited=(), locale: str = "zh", title: str = "") -> Markup:
    place = _layout(flow)
    cols = max(c for c, _ in place.values()) + 1
    rows = max(r for _, r in place.values()) + 1
    width, height = cols * (BOX_W + GAP_X) - GAP_X + 2 * PAD, rows * (BOX_H + GAP_Y) - GAP_Y + 2 * PAD

    def box(state):
        c, r = place[state]
        return PAD + c * (BOX_W + GAP_X), PAD + r * (BOX_H + GAP_Y)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-labelledby="diagram-title"><title id="diagram-title">{escape(title)}</title>',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#8a97a6"/></marker></defs>']
    drawn = set()
    sinks = set(flow.terminal_states)
    for step in flow.steps:
        for src in step.sources:
            if src == step.dest or (src, step.dest) in drawn:
                continue
            if step.dest in sinks and place[step.dest][0] <= place[src][0]:
                continue  # e.g. "withdraw" from every stage: one arrow into the sink is enough
            drawn.add((src, step.dest))
            (x1, y1), (x2, y2) = box(src), box(step.dest)
            if place[step.dest][0] > place[src][0]:
                d = f"M {x1 + BOX_W} {y1 + BOX_H / 2} C {x1 + BOX_W + GAP_X / 2} {y1 + BOX_H / 2}, " \
                    f"{x2 - GAP_X / 2} {y2 + BOX_H / 2}, {x2} {y2 + BOX_H / 2}"
                parts.append(f'<path class="edge" d="{d}"/>')
            else:  # a way back: a dashed arc above the boxes
                parts.append(f'<path class="edge back" stroke-dasharray="4 3" d="M {x1 + BOX_W / 2} {y1} '
                             f'C {x1 + BOX_W / 2} {y1 - 12}, {x2 + BOX_W / 2} {y2 - 12}, {x2 + BOX_W / 2} {y2}"/>')
    visited = {getattr(v, "value", v) for v in visited}
    for state in flow.states:
        x, y = box(state)
        cls = "current" if current is not None and state == current else (
            "visited" if state.value in visited else "")
        lines = _lines(state.label(locale))
        text = "".join(f'<tspan x="{x + BOX_W / 2}" dy="{0 if i == 0 else 13}">{escape(t)}</tspan>'
                       for i, t in enumerate(lines))
        y_text = y + BOX_H / 2 + 4 - (6 if len(lines) > 1 else 0)
        aria = ' aria-current="step"' if cls == "current" else ""
        parts.append(f'<g class="node {cls}" data-state="{state.value}"{aria}><rect x="{x}" y="{y}" width="{BOX_W}" '
                     f'height="{BOX_H}" rx="6"/><text x="{x + BOX_W / 2}" y="{y_text}" text-anchor="middle">'
                     f'{text}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
