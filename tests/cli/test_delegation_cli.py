"""`flask delegation …` and `flask workflow versions|migrate`: the same services from the shell."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app import clock
from app.database import transaction
from app.extensions import db
from app.models import Application, AuditRecord
from app.services.commands import perform
from tests import factories as f
from workflows.application import ApplicationState as A


def test_designate_then_the_proxy_acts_with_workflow_act_and_the_leader_lists_it(app, runner):
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "初审通过"})
    today = clock.today()
    made = runner.invoke(args=["delegation", "designate", "--as", "leader", "--proxy", "office",
                               "--from", today.isoformat(), "--until", (today + timedelta(days=1)).isoformat()])
    assert made.exit_code == 0 and "李明" in made.output, made.output
    acted = runner.invoke(args=["workflow", "act", "application", str(app_id), "leader_approve",
                                "--as", "office", "--opinion", "同意"])
    assert acted.exit_code == 0, acted.output
    assert db.session.get(Application, app_id).state == A.RE_REVIEW
    listed = runner.invoke(args=["delegation", "entered", "--as", "leader"])
    assert "leader_approve" in listed.output and "李明" in listed.output
    assert "in_force" in runner.invoke(args=["delegation", "list", "--as", "leader"]).output
    records = db.session.scalar(sa.select(sa.func.count(AuditRecord.id)))
    refused = runner.invoke(args=["delegation", "revoke", "1", "--as", "office"])
    assert refused.exit_code == 2 and db.session.scalar(sa.select(sa.func.count(AuditRecord.id))) == records
    assert runner.invoke(args=["delegation", "revoke", "1", "--as", "leader"]).exit_code == 0


def test_a_proxy_outside_the_period_is_refused(app, runner):
    start = clock.today() + timedelta(days=3)
    assert runner.invoke(args=["delegation", "designate", "--as", "leader", "--proxy", "office", "--from",
                               start.isoformat(), "--until", start.isoformat()]).exit_code == 0
    app_id = f.endorsed()
    with transaction():
        perform(f.user("office"), "application", app_id, "pass_initial_review", {"opinion": "初审通过"})
    refused = runner.invoke(args=["workflow", "act", "application", str(app_id), "leader_approve",
                                  "--as", "office", "--opinion", "同意"])
    assert refused.exit_code == 2 and start.isoformat() in refused.output
    bad = runner.invoke(args=["delegation", "designate", "--as", "leader", "--proxy", "office",
                              "--from", "2000-01-01", "--until", "2000-01-02"])
    assert bad.exit_code == 2


def test_versions_lists_every_flow_and_migrate_refuses_a_case_on_the_current_version(app, runner):
    app_id = f.submitted()
    listed = runner.invoke(args=["workflow", "versions"])
    assert listed.exit_code == 0
    line = next(x for x in listed.output.splitlines() if x.startswith("application"))
    assert "v1*" in line and "1 cases" in line
    for kind in ("project", "midterm_check", "acceptance", "evaluation"):
        assert kind in listed.output
    refused = runner.invoke(args=["workflow", "migrate", "application", str(app_id), "--as", "admin"])
    assert refused.exit_code == 2 and "当前版本" in refused.output
    assert runner.invoke(args=["workflow", "migrate", "application", str(app_id), "--as", "office"]).exit_code == 2
    diagram = runner.invoke(args=["workflow", "diagram", "application", "--version", "1"])
    assert diagram.exit_code == 0 and "stateDiagram" in diagram.output
    assert runner.invoke(args=["workflow", "diagram", "application", "--version", "9"]).exit_code == 2
