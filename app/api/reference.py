"""Reference data and overviews: the caller, organisations, batches, the plan catalogue (《规划》),
the acceptance criteria and the dashboard statistics."""
from __future__ import annotations

from app.api.auth import actor
from app.api.blueprint import api_blueprint, documented_errors
from app.api.schemas import (
    BatchListArgs,
    BatchSchema,
    CriterionSchema,
    MeSchema,
    OrganisationListArgs,
    OrganisationSchema,
    PlanItemListArgs,
    PlanItemSchema,
    StatisticsArgs,
    StatisticsSchema,
    page_of,
)
from app.i18n import short_locale
from app.services.reads import dashboard as statistics
from app.services.reads import reference as reads
from workflows.acceptance import CRITERIA

ID = "<id:{}>"

me_bp = api_blueprint("me", "", "The caller and the programme's overview.")
orgs = api_blueprint("organisations", "/organisations",
                     "Organisations: IT offices (信息化主管部门), departments, expert institutions.")
batches = api_blueprint("batches", "/batches", "Filing batches (申报批次) and their quotas.")
plan = api_blueprint("plan_items", "/plan-items", "The provincial plan catalogue (《规划》).")


@me_bp.route("/me")
@me_bp.response(200, MeSchema)
@documented_errors(me_bp, 401)
def me():
    """The token's user

    Who the token acts as: roles and organisation decide what every other endpoint shows.
    """
    return actor()


@me_bp.route("/statistics")
@me_bp.arguments(StatisticsArgs, location="query")
@me_bp.response(200, StatisticsSchema)
@documented_errors(me_bp, 401, 403, 422)
def programme_statistics(args):
    """Dashboard statistics

    The dashboard's counts and budget totals: for the Office's reviewers and leaders, as the page.
    """
    return statistics.programme_counts(actor(), args.get("batch_id"))


@me_bp.route("/acceptance-criteria")
@me_bp.response(200, CriterionSchema(many=True))
@documented_errors(me_bp, 401)
def criteria():
    """The acceptance criteria (验收评分项)

    The keys an expert's `submit_scores` body needs, with their maximum points (they add up to 100).
    """
    return [{"key": k, "zh": zh, "en": en, "label": en if short_locale() == "en" else zh, "max_points": m}
            for k, zh, en, m in CRITERIA]


@orgs.route("")
@orgs.arguments(OrganisationListArgs, location="query")
@orgs.response(200, page_of(OrganisationSchema))
@documented_errors(orgs, 401, 422)
def list_organisations(args):
    """List organisations

    Ordered by code. Filter by kind, division code, or a text in the name or code.
    """
    return reads.list_organisations(**args)


@orgs.route("/" + ID.format("organisation_id"))
@orgs.response(200, OrganisationSchema)
@documented_errors(orgs, 401, 404)
def get_organisation(organisation_id: int):
    """One organisation"""
    return reads.get_organisation(organisation_id)


@batches.route("")
@batches.arguments(BatchListArgs, location="query")
@batches.response(200, page_of(BatchSchema))
@documented_errors(batches, 401, 422)
def list_batches(args):
    """List batches

    Newest year first.
    """
    return reads.list_batches(**args)


@batches.route("/" + ID.format("batch_id"))
@batches.response(200, BatchSchema)
@documented_errors(batches, 401, 404)
def get_batch(batch_id: int):
    """One batch"""
    return reads.get_batch(batch_id)


@plan.route("")
@plan.arguments(PlanItemListArgs, location="query")
@plan.response(200, page_of(PlanItemSchema))
@documented_errors(plan, 401, 422)
def list_plan_items(args):
    """List the plan catalogue

    Ordered by code; only active items unless `active=false`.
    """
    return reads.list_plan_items(**args)


@plan.route("/" + ID.format("item_id"))
@plan.response(200, PlanItemSchema)
@documented_errors(plan, 401, 404)
def get_plan_item(item_id: int):
    """One plan item"""
    return reads.get_plan_item(item_id)


BLUEPRINTS = [me_bp, orgs, batches, plan]
