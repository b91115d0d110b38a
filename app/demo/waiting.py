"""What each demo account finds waiting on first sign-in, read from its inbox (the inbox's own
rule: the items on which the account may take a step now, each against its time limit)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app import policies
from app.demo.lifecycle import demo_user
from app.demo.seed import DEMO_USERS, EXPERTS
from app.services.reads.inbox import inbox


@dataclass(frozen=True)
class Waiting:
    username: str
    display: str
    tasks: int
    overdue: int
    stages: list[tuple[str, str, int]] = field(default_factory=list)  # (stage zh, stage en, items)
    sees_dashboard: bool = False


def waiting(now: datetime | None = None) -> list[Waiting]:
    """Every demo account, in the order of the demo's list, with its inbox counted."""
    found = []
    for username, display, *_ in (*DEMO_USERS, *EXPERTS):
        user = demo_user(username)
        groups = inbox(user, now)
        found.append(Waiting(
            username, display, sum(len(g.tasks) for g in groups),
            sum(t.overdue for g in groups for t in g.tasks),
            [(g.state.zh, g.state.en, len(g.tasks)) for g in groups],
            policies.check("programme_overview", user).allowed))
    return found


def first_account(accounts: list[Waiting]) -> Waiting:
    """Where to start: of the accounts that see the programme dashboard, the one with most waiting."""
    return max((a for a in accounts if a.sees_dashboard), key=lambda a: (a.tasks, a.overdue))
