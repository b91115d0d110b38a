"""Demonstration projects: the shortlist, selection within the bounds, publishing, and the
published list every signed-in user reads."""
from __future__ import annotations

from app.extensions import db
from app.models import Project
from tests import factories as f
from tests.web.web_client import User as Browser


def test_shortlist_selection_and_publication(app):
    good_id, _ = f.graded("wuhua_applicant", score="92")
    weak_id, _ = f.graded("dali_applicant", score="65")        # qualified only: not shortlisted
    leader, office = Browser(app, "leader"), Browser(app, "office")

    page = leader.get("/demonstration/").text
    assert f'data-project="{good_id}"' in page and f'data-project="{weak_id}"' not in page
    assert 'data-trigger="select_demonstration"' in page
    assert 'data-trigger="select_demonstration"' not in office.get("/demonstration/").text  # the leader's call

    # the default bounds (30–40) refuse a list of one, with the reason
    assert leader.act("project", good_id, "select_demonstration", {"opinion": "成效显著，选为示范。",
                                                                    "next": "/demonstration/"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Project, good_id).state.value == "demonstration"
    refused = leader.post("/demonstration/publish", {"opinion": "发布"})
    assert refused.status_code == 409 and "30" in refused.text

    app.config["DEMONSTRATION_MIN"] = 1
    assert leader.post("/demonstration/publish", {"opinion": "发布示范项目名单。"}).status_code == 302
    published = Browser(app, "qujing_applicant").get("/demonstration/published")
    assert published.status_code == 200
    assert db.session.get(Project, good_id).name in published.text
    status = Browser(app, "wuhua_applicant", lang="en").get(f"/projects/{good_id}").text
    assert "Selected as a demonstration project" in status


def test_only_the_office_and_leaders_see_the_shortlist(app):
    f.graded("wuhua_applicant")
    assert Browser(app, "wuhua_applicant").get("/demonstration/").status_code == 403
    assert Browser(app, "expert2").get("/demonstration/").status_code == 403
    assert Browser(app, "office").post("/demonstration/publish", {"opinion": "x"}).status_code == 403
    empty = Browser(app, "wuhua_applicant").get("/demonstration/published")
    assert empty.status_code == 200
