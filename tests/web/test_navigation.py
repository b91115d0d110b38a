"""The navigation bar is derived from the policies the pages enforce: for every demo account and
every link, the link is shown exactly when its page opens (200) — a page that does not open
answers 403 or 404 — so the bar and the views can never disagree. No template asks for a role
itself: templates ask ``may(rule)``, which asks app.policies."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import policies
from app.database import transaction
from app.demo.seed import DEMO_PASSWORD, DEMO_USERS, EXPERTS
from app.extensions import db
from app.i18n import force_locale
from app.models import User
from app.services.commands import admin
from app.services.commands.users import create_user
from app.web.navigation import NAV
from tests import databases
from tests import factories as f
from tests.app_fixtures import app_on
from tests.web.web_client import User as Browser

USERNAMES = [u for u, *_ in DEMO_USERS] + [u for u, *_ in EXPERTS]
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NAV_BAR = re.compile(r'<nav class="main-nav".*?</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"\s*(aria-current="page")?\s*>([^<]*)')


class Visits:
    """Every demo account signed in once (English pages), each page fetched once per account."""

    def __init__(self, app):
        self.app = app
        with app.test_request_context():
            from flask import url_for

            self.paths = {link.endpoint: url_for(link.endpoint) for link in NAV}
        self._browsers: dict[str, Browser] = {}
        self._answers: dict[tuple[str, str], tuple[int, str]] = {}

    def get(self, username: str, path: str) -> tuple[int, str]:
        if (username, path) not in self._answers:
            if username not in self._browsers:
                self._browsers[username] = Browser(self.app, username, lang="en")
            response = self._browsers[username].get(path)
            self._answers[username, path] = (response.status_code, response.text)
        return self._answers[username, path]

    def status(self, username: str, endpoint: str) -> int:
        return self.get(username, self.paths[endpoint])[0]

    def nav(self, username: str, path: str = "/inbox") -> dict[str, tuple[str, bool]]:
        """The navigation bar of a page: href → (label, marked as the current page)."""
        status, text = self.get(username, path)
        assert status == 200, (username, path, status)
        bar = NAV_BAR.search(text).group(0)
        return {href: (label.strip(), bool(current)) for href, current, label in LINK.findall(bar)}


@pytest.fixture(scope="module")
def site(template_database, tmp_path_factory, pki_dir):
    """One app on one copy of the demo data for this module: signing in is all these tests change."""
    workdir = tmp_path_factory.mktemp("navigation")
    with databases.clone(template_database, "nav", workdir) as url:
        with app_on(url, workdir, pki_dir) as app:
            yield Visits(app)


def _user(username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


@pytest.mark.parametrize("link", NAV, ids=[link.endpoint for link in NAV])
@pytest.mark.parametrize("username", USERNAMES)
def test_a_link_is_shown_exactly_when_its_page_opens(site, username, link):
    opens = site.status(username, link.endpoint) == 200
    assert opens or site.status(username, link.endpoint) in (403, 404), "a page that does not open refuses"
    assert bool(policies.check(link.rule, _user(username))) == opens, f"the page does not enforce {link.rule!r}"
    covered = link.instead_of is not None and site.status(username, link.instead_of) == 200
    path = site.paths[link.endpoint]
    bar = site.nav(username)
    assert (path in bar) == (opens and not covered)
    if path in bar:
        label = link.label
        if link.relabel and policies.check(link.relabel[0], _user(username)):
            label = link.relabel[1]
        with force_locale("en"):
            assert bar[path][0] == str(label)
        marked = [href for href, (_label, current) in site.nav(username, path).items() if current]
        assert marked == [path], "on its own page the link, and only it, is marked as the current page"


@pytest.mark.parametrize("username", USERNAMES)
def test_the_acceptances_link_says_my_panels_exactly_when_the_page_lists_only_ones_own(site, username):
    status, text = site.get(username, site.paths["panels.index"])
    bar = site.nav(username)
    if status != 200:
        assert site.paths["panels.index"] not in bar
        return
    own = "My acceptance panels" in text
    assert bar[site.paths["panels.index"]][0] == ("My panels" if own else "Acceptances")


def test_the_admin_has_the_quota_board_because_the_policy_allows_it(site):
    assert site.status("admin", "review.quota") == 200
    assert site.paths["review.quota"] in site.nav("admin")


def test_nobody_signed_in_sees_no_navigation(site):
    client = site.app.test_client()
    bar = NAV_BAR.search(client.get("/login").text).group(0)
    assert "<a " not in bar


def test_every_link_names_a_policy_and_a_page():
    for link in NAV:
        assert link.rule in policies.RULES, link
        assert link.relabel is None or link.relabel[0] in policies.RULES, link
        assert link.instead_of is None or link.instead_of in {other.endpoint for other in NAV}, link


def test_no_template_asks_for_a_role_itself(site):
    asking = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if "has_role(" in p.read_text("utf-8")]
    assert not asking, f"ask may(rule) instead of has_role(...): {asking}"
    assert "has_role" not in site.app.jinja_env.globals


def test_only_the_owning_agency_is_offered_follow_on_funding(app):
    project_id, _ev = f.graded("wuhua_applicant", score="88")
    funding = f'href="/projects/{project_id}/funding"'
    assert funding in Browser(app, "wuhua_applicant").get(f"/projects/{project_id}").text
    assert funding not in Browser(app, "office").get(f"/projects/{project_id}").text


def test_an_expert_who_is_also_an_office_reviewer_follows_every_acceptance(app):
    with transaction():
        create_user("expert_reviewer", DEMO_PASSWORD, "兼任专家的经办人", "XXB", ["expert", "office_reviewer"],
                    specialties="电子政务", title="高级工程师")
    page = Browser(app, "expert_reviewer", lang="en").get("/acceptances/")
    assert page.status_code == 200 and "My acceptance panels" not in page.text
    bar = NAV_BAR.search(page.text).group(0)
    assert '<a href="/acceptances/" aria-current="page">Acceptances</a>' in bar  # it once said "My panels" here


def test_the_bar_follows_a_change_of_roles_and_of_language_on_the_next_page(app):
    """The app keeps each bar by the actor's scope and language: a role the administrator takes
    away or gives, or another language, shows on the very next page."""
    agency = Browser(app, "wuhua_applicant", lang="en")
    assert {"New application", "Evaluations"} <= _labels(agency) and "My panels" not in _labels(agency)
    moved = _user("wuhua_applicant")
    with transaction():
        admin.update_user(_user("admin"), moved.id, {"display_name": moved.display_name,
                                                     "organisation_code": moved.organisation.code,
                                                     "roles": ["expert"]})
    assert "My panels" in _labels(agency) and not {"New application", "Evaluations"} & _labels(agency)
    agency.client.set_cookie("lang", "zh_CN")
    assert "我的评审" in _labels(agency) and "My panels" not in _labels(agency)


def _labels(browser: Browser) -> set[str]:
    """The labels of the navigation bar on the browser's inbox page."""
    bar = NAV_BAR.search(browser.get("/inbox").text).group(0)
    return {label.strip() for _href, _current, label in LINK.findall(bar)}
