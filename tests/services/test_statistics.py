"""Dashboard statistics: counts by stage, prefecture, category, domain; days spent per stage."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.errors import Denied
from app.services.commands import perform
from app.services.reads.dashboard import (
    PROVINCE_LEVEL,
    average_days_in_stage,
    programme_overview,
)
from tests import factories as f


def _bar(bars, key):
    return next(b for b in bars if b.key == key)


def test_counts_by_stage_prefecture_category_and_domain(app, users):
    f.draft("wuhua_applicant")                                  # Kunming (530100), a draft
    f.submitted("dali_applicant", domain="agriculture")         # Dali (532900), endorsing
    f.project("province_applicant", category="business")        # provincial department, approved

    ov = programme_overview(users["office"])

    assert ov.total_applications == 3
    assert _bar(ov.applications_by_stage, "draft").count == 1
    assert _bar(ov.applications_by_stage, "endorsing").count == 1
    assert _bar(ov.applications_by_stage, "approved").count == 1
    assert _bar(ov.projects_by_stage, "under_construction").count == 1
    assert ov.total_projects == 1
    # 16 prefectures plus the provincial departments, ranked by filings
    assert len(ov.by_prefecture) == 17
    assert {b.key for b in ov.by_prefecture[:3]} == {"530100", "532900", PROVINCE_LEVEL}
    assert _bar(ov.by_prefecture, "530100").zh == "昆明市"
    assert _bar(ov.by_prefecture, PROVINCE_LEVEL).approved == 1
    assert all(b.count == 0 for b in ov.by_prefecture[3:])
    assert _bar(ov.by_category, "business").count == 1 and _bar(ov.by_category, "business").approved == 1
    assert _bar(ov.by_category, "online_service").count == 2
    assert ov.by_domain[0].key == "social_security" and ov.by_domain[0].count == 2
    assert _bar(ov.by_domain, "agriculture").count == 1


def test_counts_can_be_limited_to_one_batch(app, users):
    from app.database import transaction
    from app.demo.seed import new_batch

    f.draft("wuhua_applicant")
    with transaction():
        other = new_batch("另一批次", 2030).id
    assert programme_overview(users["leader"], batch_id=other).total_applications == 0
    assert programme_overview(users["leader"], batch_id=f.demo_batch().id).total_applications == 1


@pytest.mark.parametrize("username", ["wuhua_applicant", "kunming_office", "expert1", "fgw"])
def test_only_the_office_and_leaders_see_the_dashboard(app, users, username):
    with pytest.raises(Denied):
        programme_overview(users[username])


@pytest.fixture
def clock(monkeypatch):
    """The history's clock, set by the test (the audit trail itself is append-only)."""
    import app.services.records.audit as audit_module

    class Clock:
        now = datetime(2026, 1, 1, tzinfo=timezone.utc)

        def advance(self, days: float) -> None:
            self.now += timedelta(days=days)

    c = Clock()
    monkeypatch.setattr(audit_module, "utcnow", lambda: c.now)
    return c


def test_average_days_per_stage_come_from_the_history(app, users, clock):
    # A provincial department's application goes straight to 初审 on submission.
    first = f.draft("province_applicant")
    clock.advance(2)
    second = f.draft("province_applicant")
    clock.advance(2)
    from app.database import transaction
    from app.services.commands import applications

    with transaction():
        applications.submit_application(users["province_applicant"], first)   # 4 days a draft
    with transaction():
        applications.submit_application(users["province_applicant"], second)  # 2 days a draft
    clock.advance(10)
    with transaction():
        perform(users["office"], "application", first, "pass_initial_review", {"opinion": "通过"})  # 10 days

    stays = {(s.flow, s.state.value): s for s in average_days_in_stage(users["office"])}

    assert stays[("application", "draft")].stays == 2
    assert stays[("application", "draft")].average_days == Decimal("3.00")
    assert stays[("application", "initial_review")].stays == 1
    assert stays[("application", "initial_review")].average_days == Decimal("10.00")
    assert ("application", "leader_approval") not in stays  # still there: not a completed stay
    assert [s.state.value for s in average_days_in_stage(users["office"])][:2] == ["draft", "initial_review"]


def test_project_stages_start_at_project_approval(app, users):
    project_id, acc_id = f.in_acceptance("province_applicant")
    stays = {(s.flow, s.state.value): s for s in average_days_in_stage(users["leader"])}
    assert stays[("project", "under_construction")].stays == 1
    assert stays[("midterm_check", "due")].stays == 1
    assert stays[("application", "re_review")].stays == 1
    assert all(s.average_days >= 0 for s in stays.values())
