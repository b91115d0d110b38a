"""The dashboard: counts and stage durations for the office and leaders, charts drawn by the
vendored Chart.js (nothing loaded from the internet), numbers in accessible tables."""
from __future__ import annotations

import json
import re

from tests import factories as f
from tests.web.web_client import User as Browser


def test_office_sees_counts_by_stage_prefecture_category_and_domain(app):
    f.project("wuhua_applicant")
    f.submitted("dali_applicant", domain="agriculture")
    page = Browser(app, "office").get("/dashboard/")
    assert page.status_code == 200
    text = page.text
    assert re.search(r'data-testid="total-applications">\s*2<', text)
    assert re.search(r'data-testid="total-projects">\s*1<', text)
    for canvas in ("applications", "projects", "prefectures", "categories", "domains", "days"):
        assert f'id="chart-{canvas}"' in text
    assert "昆明市" in text and "大理白族自治州" in text and "涉农管理与服务" in text
    assert "/static/vendor/chart.umd.min.js" in text
    assert not re.search(r'<script[^>]+src="(https?:)?//', text)  # no CDN
    data = json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', text, re.S).group(1))
    assert data["prefectures"]["labels"][:2] in (["昆明市", "大理白族自治州"], ["大理白族自治州", "昆明市"])
    assert len(data["prefectures"]["labels"]) == 17 and sum(data["prefectures"]["counts"]) == 2
    assert sum(data["prefectures"]["approved"]) == 1
    assert len(data["domains"]["labels"]) == 12 and len(data["categories"]["labels"]) == 4
    assert data["days"]["labels"] and all(v >= 0 for v in data["days"]["values"])


def test_dashboard_in_english_and_filtered_by_batch(app):
    f.draft("wuhua_applicant")
    batch_id = f.demo_batch().id
    page = Browser(app, "leader", lang="en").get(f"/dashboard/?batch_id={batch_id}")
    assert page.status_code == 200
    assert "Draft" in page.text and "Online service and public participation system" in page.text


def test_vendored_chart_library_is_served_locally(app):
    js = Browser(app, "office").get("/static/vendor/chart.umd.min.js")
    assert js.status_code == 200 and b"Chart" in js.data[:5000]


def test_applicants_experts_and_endorsers_get_403(app):
    for who in ("wuhua_applicant", "expert1", "kunming_office"):
        assert Browser(app, who).get("/dashboard/").status_code == 403, who
