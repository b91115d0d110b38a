"""Parity of the adapters: every write the web pages offer is an operation of the JSON API that
calls the same service. A new web-only write fails here until the API offers it too (or the
table below says, with a reason, why it never will)."""
from __future__ import annotations

import inspect
import re
from types import CodeType

import pytest

from app.kinds import KINDS

# web endpoint → (the service function both adapters call, the API endpoint)
WEB_WRITES_IN_THE_API = {
    "jobs.retry": ("retry_job", "api_jobs.retry"),
    "applications.new": ("create_application", "api_applications.create_application"),
    "applications.edit": ("update_application", "api_applications.update_application"),
    "applications.upload": ("add_attachment", "api_applications.upload_attachment"),
    "applications.remove_attachment": ("remove_attachment", "api_applications.delete_attachment"),
    "documents.application_form": ("issue_application_form", "api_applications.issue_application_form"),
    "documents.verify": ("verify_upload", "api_documents.verify_file"),
    "review.endorsements": ("endorse_many", "api_endorsements.endorse_many"),
    "review.ranking": ("rerank", "api_endorsements.rerank"),
    "projects.open_checks": ("open_checks", "api_midterm_checks.open_checks"),
    "projects.funding": ("file_funding_request", "api_projects.request_funding"),
    "funding.upload": ("add_funding_attachment", "api_funding_requests.upload_attachment"),
    "funding.remove_attachment": ("remove_funding_attachment", "api_funding_requests.delete_attachment"),
    "projects.dossier_request": ("request", "api_projects.request_dossier"),
    "evaluation.open_period": ("open_evaluations", "api_evaluations.open_evaluations"),
    "demonstration.publish": ("publish_demonstrations", "api_demonstration_lists.publish"),
    "public.demonstration_notice": ("file_objection", "api_public_demonstration.file_objection"),
    "inbox.mark_read": ("mark_notifications_read", "api_notifications.mark_read"),
    "admin.new_user": ("create_user", "api_admin.create_user"),
    "admin.edit_user": ("update_user", "api_admin.update_user"),
    "admin.set_active": ("set_user_active", "api_admin.set_user_active"),
    "admin.organisations": ("create_organisation", "api_admin.create_organisation"),
    "admin.edit_organisation": ("update_organisation", "api_admin.update_organisation"),
    "admin.batches": ("create_batch", "api_admin.create_batch"),
    "admin.edit_batch": ("update_batch", "api_admin.update_batch"),
    "admin.plan": ("create_plan_item", "api_admin.create_plan_item"),
    "admin.edit_plan_item": ("update_plan_item", "api_admin.update_plan_item"),
    "admin.edit_expert": ("update_expert", "api_admin.update_expert"),
    "calendar.set_day": ("set_day", "api_calendar.set_day"),
    "calendar.remove_day": ("remove_day", "api_calendar.remove_day"),
    "calendar.import_schedule": ("import_schedule", "api_calendar.import_schedule"),
    "calendar.confirm": ("confirm_year", "api_calendar.confirm"),
    "mail_settings.save": ("update_mail_settings", "api_mail_settings.put_mail_settings"),
    "urging.urge_item": ("urge", "api_urging.urge_item"),
    "time_limits.set_limit": ("set_limit", "api_time_limits.set_limit"),
    "time_limits.clear_limit": ("clear_limit", "api_time_limits.clear_limit"),
    "changes.new": ("file_change_request", "api_change_requests.file_change_request"),
    "changes.upload": ("add_change_attachment", "api_change_requests.upload_change_attachment"),
    "changes.remove_attachment": ("remove_change_attachment", "api_change_requests.delete_change_attachment"),
    "delegations.designate": ("designate", "api_delegations.designate"),
    "delegations.revoke": ("revoke", "api_delegations.revoke"),
    "workflow_versions.migrate": ("migrate_case", "api_workflow_versions.migrate"),
}
API_PATHS = {"application": "applications", "project": "projects", "midterm_check": "midterm_checks",
             "acceptance": "acceptances", "evaluation": "evaluations", "change_request": "change_requests",
             "funding_request": "funding_requests", "demonstration_list": "demonstration_lists",
             "demonstration_objection": "demonstration_objections"}
# The one generic action view: every step of every flow is one API operation, through perform().
GENERIC_ACTION_VIEW = ("actions.act", "perform",
                       [f"api_{API_PATHS[kind]}.act_{trigger}" for kind, k in KINDS.items() for trigger in k.flow.triggers])

# Web writes the API does not offer, and why.
NOT_IN_THE_API = {
    "auth.login": "signing in opens a browser session; an API client authenticates every request with its token",
    "auth.logout": "ends the browser session; a token ends by revocation (browser or `flask users token revoke`)",
    "auth.set_language": "the browser session's language; an API client sends Accept-Language with each request",
    "tokens.create": "a bearer token never mints tokens: a leaked one could otherwise outlive its own revocation "
                     "and expiry; tokens are made in the browser or with `flask users token create`",
    "tokens.revoke": "token management stays with the signed-in browser and the shell (`flask users token "
                     "revoke`): a leaked token must not be able to revoke its owner's other tokens",
}

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _names(code: CodeType) -> set[str]:
    """Every global and attribute name a function's code (and its nested code) refers to."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            names |= _names(const)
    return names


def _calls(app, endpoint: str) -> set[str]:
    return _names(inspect.unwrap(app.view_functions[endpoint]).__code__)


def _web_writes(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.methods & WRITE_METHODS and not rule.endpoint.startswith("api_") and rule.endpoint != "static"}


def test_every_web_write_is_an_api_operation_or_says_why_not(app):
    known = set(WEB_WRITES_IN_THE_API) | {GENERIC_ACTION_VIEW[0]} | set(NOT_IN_THE_API)
    unmapped = _web_writes(app) - known
    assert not unmapped, (f"web-only writes {sorted(unmapped)}: give each an API operation calling the same "
                          "service and add it to WEB_WRITES_IN_THE_API (or say in NOT_IN_THE_API why not)")
    assert not known - _web_writes(app), f"stale entries: {sorted(known - _web_writes(app))}"
    assert all(len(reason) > 40 for reason in NOT_IN_THE_API.values())


@pytest.mark.parametrize("web_endpoint", sorted(WEB_WRITES_IN_THE_API))
def test_the_web_and_the_api_call_the_same_service(app, web_endpoint):
    service, api_endpoint = WEB_WRITES_IN_THE_API[web_endpoint]
    api_rules = [r for r in app.url_map.iter_rules() if r.endpoint == api_endpoint]
    assert api_rules and api_rules[0].methods & WRITE_METHODS, f"no API write operation {api_endpoint}"
    assert service in _calls(app, web_endpoint), f"{web_endpoint} does not call {service}"
    assert service in _calls(app, api_endpoint), f"{api_endpoint} does not call {service}"


def test_every_workflow_step_of_the_generic_action_view_is_an_api_operation(app):
    web_endpoint, service, api_endpoints = GENERIC_ACTION_VIEW
    assert service in _calls(app, web_endpoint)
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    for api_endpoint in api_endpoints:
        assert api_endpoint in endpoints, api_endpoint
        assert service in _calls(app, api_endpoint), api_endpoint


def test_every_parity_operation_is_documented(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    wanted = [api for _service, api in WEB_WRITES_IN_THE_API.values()] + GENERIC_ACTION_VIEW[2]
    for api_endpoint in wanted:
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == api_endpoint)
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods & WRITE_METHODS:
            operation = spec["paths"][path][method.lower()]
            assert operation["summary"], (method, path)
            unauthenticated = set() if operation.get("security") == [] else {"401"}  # the public notice's objections
            assert {"default"} | unauthenticated <= set(operation["responses"]), (method, path)
