"""`flask workflow act KIND ID TRIGGER --as USERNAME …`: any step from the shell, through the
same action registry as the web's button and the API."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.models import AcceptanceScore, Application, AuditRecord, Project, User
from app.policies import check
from tests import factories as f
from tests.web.web_client import User as WebUser

RECORDED = ("trigger", "actor_id", "actor_role", "from_state", "to_state", "opinion", "payload")


def act(runner, kind: str, entity_id: int, trigger: str, *options: str):
    return runner.invoke(args=["workflow", "act", kind, str(entity_id), trigger, *options])


def last_record(entity_id: int) -> dict:
    rec = db.session.scalar(sa.select(AuditRecord).where(
        AuditRecord.entity_type == "application", AuditRecord.entity_id == entity_id)
        .order_by(AuditRecord.id.desc()).limit(1))
    return {name: getattr(rec, name) for name in RECORDED}


def audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditRecord.id)))


def application(app_id: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, app_id)


def test_submitting_a_draft_moves_it_and_records_it_exactly_as_the_web_button_does(app, runner):
    by_cli, by_web = f.draft(), f.draft()
    result = act(runner, "application", by_cli, "submit", "--as", "wuhua_applicant")
    assert result.exit_code == 0, result.output
    number = application(by_cli).number
    assert number and number.startswith("云试申〔")
    # The stages by their names (both sides), the codes after them.
    assert result.output == f"application {by_cli} {number}: 草稿 → 逐级上报 (draft → endorsing)\nversion 2\n"

    assert WebUser(app, "wuhua_applicant").act("application", by_web, "submit").status_code == 302
    assert application(by_cli).state == application(by_web).state == "endorsing"
    assert application(by_cli).version == application(by_web).version == 2
    assert last_record(by_cli) == last_record(by_web)
    assert last_record(by_cli)["actor_role"] == "applicant"


def test_a_user_the_policy_refuses_gets_its_reason_and_nothing_is_written(runner):
    app_id, before = f.draft(), audit_count()
    result = act(runner, "application", app_id, "submit", "--as", "leader")
    reason = check("applicant_owns", f.user("leader"), application(app_id)).reason
    assert result.exit_code == 2 and reason in result.output
    assert application(app_id).state == "draft" and audit_count() == before


def test_another_agencys_applicant_cannot_even_find_the_draft(runner):
    app_id, before = f.draft(), audit_count()
    result = act(runner, "application", app_id, "submit", "--as", "kunming_applicant")
    assert result.exit_code == 2 and f"applications {app_id}" in result.output
    assert application(app_id).state == "draft" and audit_count() == before


def test_an_unknown_user_or_trigger_is_refused(runner):
    app_id = f.draft()
    nobody = act(runner, "application", app_id, "submit", "--as", "nobody")
    assert nobody.exit_code == 1 and "no active user nobody" in nobody.output
    unknown = act(runner, "application", app_id, "fly", "--as", "wuhua_applicant")
    assert unknown.exit_code == 2 and "fly" in unknown.output
    malformed = act(runner, "application", app_id, "submit", "--as", "wuhua_applicant", "--field", "ranking")
    assert malformed.exit_code == 2 and "NAME=VALUE" in malformed.output


def test_a_stale_version_is_a_conflict(runner):
    app_id, before = f.draft(), audit_count()
    stale = act(runner, "application", app_id, "submit", "--as", "wuhua_applicant", "--version", "0")
    assert stale.exit_code == 2 and "✗" in stale.output
    assert application(app_id).state == "draft" and audit_count() == before
    current = act(runner, "application", app_id, "submit", "--as", "wuhua_applicant", "--version", "1")
    assert current.exit_code == 0, current.output


def test_an_endorsement_carries_its_ranking(runner):
    app_id = f.submitted()
    office_id = application(app_id).current_endorsement.office_id
    office = db.session.scalar(sa.select(User).where(User.organisation_id == office_id))
    result = act(runner, "application", app_id, "endorse", "--as", office.username,
                 "--opinion", "同意上报", "--field", "ranking=1")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"application {app_id} {application(app_id).number}: 逐级上报 → ")
    assert "(endorsing → " in result.output
    endorsement = application(app_id).endorsements[0]
    assert endorsement.ranking == 1 and endorsement.endorsed_at is not None
    assert last_record(app_id)["payload"] == {"ranking": 1}


def test_approving_a_project_takes_its_fields_and_says_which_are_missing(runner):
    app_id, before = f.awaiting_approval(), audit_count()
    missing = act(runner, "application", app_id, "approve_project", "--as", "leader",
                  "--opinion", "批准立项", "--field", "construction_months=12")
    assert missing.exit_code == 2 and "approved_budget" in missing.output and audit_count() == before

    result = act(runner, "application", app_id, "approve_project", "--as", "leader", "--opinion", "批准立项",
                 "--field", "approved_budget=120", "--field", "construction_months=12")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"application {app_id} {application(app_id).number}: ")
    assert "→ 已立项 (project_approval → approved)" in result.output
    project = db.session.scalar(sa.select(Project).where(Project.application_id == app_id))
    assert project.approved_budget == 120


def test_dotted_field_names_nest_like_the_web_forms_scores(runner):
    _project_id, acc_id = f.in_acceptance()
    expert = f.panel(acc_id)[0][0]
    scores = f.full_scores()["scores"]
    fields = [opt for key, given in scores.items()
              for opt in ("--field", f"scores.{key}.score={given['score']}",
                          "--field", f"scores.{key}.comment={given['comment']}")]
    result = act(runner, "acceptance", acc_id, "submit_scores", "--as", expert.username, *fields)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    stored = db.session.scalars(sa.select(AcceptanceScore).where(AcceptanceScore.acceptance_id == acc_id)).all()
    assert {s.criterion: (s.score, s.comment) for s in stored} == {
        key: (Decimal(given["score"]), given["comment"]) for key, given in scores.items()}
