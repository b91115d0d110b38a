"""`flask demo …`: the demo data and a full simulated programme."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.database import transaction
from app.demo.lifecycle import run_lifecycle
from app.demo.reference import load_reference_data
from app.demo.seed import DEMO_PASSWORD, load_demo
from app.demo.story import already_told, tell_story
from app.demo.waiting import first_account, waiting
from app.jobs import queue

demo_cli = AppGroup("demo", help="Demo data and a full simulated programme.")


@demo_cli.command("load")
@click.option("--history/--no-history", default=True, show_default=True,
              help="Also tell two years of the programme (into a database without applications).")
def demo_load(history: bool) -> None:
    """Load the real divisions, demo users for every role, a plan catalogue and a batch — and
    about two years of history told through the services with the clock set back."""
    with transaction():
        logins = load_demo()
    click.echo(f"演示数据已载入，每个演示账号的密码：{DEMO_PASSWORD}\n"
               f"Demo data loaded. Every demo account's password: {DEMO_PASSWORD}")
    for username, display, roles in logins:
        click.echo(f"  {username:<20} {roles:<16} {display}")
    if not history:
        return
    if filed := already_told():
        click.echo(f"历史：数据库中已有 {filed} 份申报，未再添加。\n"
                   f"History: the database already holds {filed} applications; nothing added.")
        return
    with queue.in_process():  # each step acts on the documents the previous one issued
        report = tell_story()
    click.echo(f"历史：以 {report.decisions} 次办理讲述了两个项目年度（{report.seconds:.1f} 秒）。\n"
               f"History: two programme years told in {report.decisions} decisions ({report.seconds:.1f} s).")


@demo_cli.command("waiting")
def demo_waiting() -> None:
    """What each demo account finds waiting in its inbox now, and which one to start with."""
    accounts = waiting()
    first = first_account(accounts)
    click.echo(f"请先以 {first.username}（{first.display}）登录，密码 {DEMO_PASSWORD}：项目总览，待办 {first.tasks} 项。\n"
               f"Start with {first.username} ({first.display}), password {DEMO_PASSWORD}: "
               f"the programme dashboard and {first.tasks} items waiting.")
    for a in accounts:
        if not a.tasks:
            continue
        stages = ", ".join(f"{zh} {n}" for zh, _en, n in a.stages)
        overdue_zh, overdue_en = (f"，逾期 {a.overdue} 项", f", {a.overdue} overdue") if a.overdue else ("", "")
        click.echo(f"  {a.username:<20} {a.display}: 待办 {a.tasks} 项{overdue_zh} · {a.tasks} waiting{overdue_en}"
                   f" — {stages}")
    idle = [a.username for a in accounts if not a.tasks]
    if idle:
        click.echo(f"  暂无待办 · nothing waiting: {', '.join(idle)}")


@demo_cli.command("lifecycle")
@click.option("--count", default=60, show_default=True, help="How many applications to file.")
@click.option("--seed", default=2026, show_default=True)
def demo_lifecycle(count: int, seed: int) -> None:
    """Drive COUNT applications through every stage and print where they ended."""
    with queue.in_process():  # each step acts on the documents the previous one issued
        report = run_lifecycle(count, seed)
    for kind, tally in report.states.items():
        click.echo(f"{kind}:")
        for state, n in sorted(tally.items(), key=lambda kv: str(kv[0])):
            label = state.zh if hasattr(state, "zh") else str(state)
            click.echo(f"  {str(state):<24} {label:<12} {n:>4}")
    click.echo(f"refused by the batch quota: {len(report.quota_refusals)}")
    for reason in dict.fromkeys(report.quota_refusals):
        click.echo(f"  “{reason}”")
    click.echo(f"demonstration list: {report.publication}")
    _echo_change_requests(report)
    click.echo(f"expert declarations: {report.declarations} no conflict, {len(report.recusals)} recusals")
    for line in report.recusals:
        click.echo(f"  {line}")
    click.echo(f"approvals entered by the leader's proxy (代录): {report.proxy_entries}")
    _echo_funding(report)
    _echo_demonstration(report.demonstration)
    click.echo(f"ranking: {report.ranked} endorsements ranked (unique per office and batch), "
               f"{report.reranks} applications re-ranked, {report.summaries} summaries (汇总上报表) issued")
    click.echo(f"{report.decisions} decisions in {report.seconds:.1f} s "
               f"({report.decisions / max(report.seconds, 1e-9):.0f} per second)")


def _echo_funding(report) -> None:
    """Follow-on funding: the decisions, and each approval the grade rule refused."""
    click.echo("follow-on funding requests:")
    for state, n in sorted(report.funding.items(), key=lambda kv: str(kv[0])):
        click.echo(f"  {str(state):<24} {state.zh:<12} {n:>4}")
    click.echo(f"funding approvals blocked by a grade: {len(report.funding_blocked)}")
    for reason in report.funding_blocked:
        click.echo(f"  “{reason}”")


def _echo_demonstration(run) -> None:
    """The demonstration 公示 of the lifecycle (app.demo.lifecycle.run_demonstration)."""
    if run is None:
        return
    click.echo(f"demonstration 公示: {run.proposed} proposed (拟推荐), {run.withdrawn} withdrawn; "
               f"list #{run.list_id} under notice until {run.notice_ends_on}; "
               f"{run.objections} objection filed, {run.answered} answered")
    click.echo(f"  confirmed demonstration list: {run.confirmed} projects covering {run.domains} of 12 domains")
    if run.refused:
        click.echo(f"  refused: {run.refused}")


@demo_cli.command("reference")
def demo_reference() -> None:
    """Load only the reference data (divisions, IT offices, provincial departments)."""
    with transaction():
        added = load_reference_data(current_app.config["REFERENCE_DATA_DIR"])
    click.echo(f"added {added['divisions']} divisions and {added['organisations']} organisations")


def _echo_change_requests(report) -> None:
    """变更/延期申请: by type and outcome."""
    total = sum(report.change_requests.values())
    click.echo(f"change requests: {total}")
    for (change_type, outcome), n in sorted(report.change_requests.items()):
        click.echo(f"  {change_type:<10} {outcome:<9} {n}")
