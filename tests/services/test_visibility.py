"""Scoping: one visible_to rule serves lists, details and counts."""
import pytest
import sqlalchemy as sa

from app.database import transaction
from app.errors import NotFound
from app.extensions import db
from app.models import Application, Project
from app.policies import visible_to
from app.services.commands import admin
from app.services.engine.loading import load_visible
from app.services.reads.applications import ApplicationFilters, list_applications
from app.services.reads.paging import LIST_STATEMENTS
from tests import factories as f


def visible_ids(username, model=Application):
    return set(db.session.scalars(sa.select(model.id).where(visible_to(f.user(username), model))))


def test_an_applicant_sees_only_their_own_agencys_applications(app):
    mine, theirs = f.submitted("wuhua_applicant"), f.submitted("kunming_applicant")
    assert visible_ids("wuhua_applicant") == {mine}
    with pytest.raises(NotFound):
        load_visible(Application, theirs, f.user("wuhua_applicant"))


def test_an_endorser_sees_their_areas_submitted_applications_only(app):
    county, prefecture, elsewhere = f.submitted("wuhua_applicant"), f.submitted("kunming_applicant"), f.submitted("qujing_applicant")
    draft = f.draft("wuhua_applicant")
    assert visible_ids("wuhua_office") == {county}
    assert visible_ids("kunming_office") == {county, prefecture}
    assert elsewhere not in visible_ids("kunming_office") and draft not in visible_ids("kunming_office")


def test_the_office_and_leaders_see_everything_but_drafts_are_counted_too(app):
    ids = {f.draft(), f.submitted("qujing_applicant")}
    assert ids <= visible_ids("office") and ids <= visible_ids("leader")


def test_an_expert_sees_only_projects_of_their_panels(app):
    project_id, acc_id = f.in_acceptance()
    members = {u.username for u, _ in f.panel(acc_id)}
    other_project = f.project("kunming_applicant")
    for name in (f"expert{i}" for i in range(1, 10)):
        expected = {project_id} if name in members else set()
        assert visible_ids(name, Project) == expected, name
    assert other_project not in visible_ids(next(iter(members)), Project)


def test_joint_reviewers_see_applications_once_they_reach_re_review(app):
    early, late = f.endorsed(), f.in_re_review()
    assert visible_ids("fgw") == {late}
    assert early not in visible_ids("czt")


def test_the_quota_board_is_for_the_office_whoever_asks(app):
    from app.errors import Denied
    from app.services.reads.inbox import quota_boards

    assert quota_boards(f.user("leader")) and quota_boards(f.user("office"))
    for name in ("wuhua_applicant", "kunming_office", "expert1", "fgw"):
        with pytest.raises(Denied):
            quota_boards(f.user(name))


def test_an_item_loads_for_whoever_may_see_it_now_though_each_scopes_statement_is_kept(app):
    """``load_visible`` keeps each scope's statement: what the data says (a panel drawn after the
    first load) and what the scope holds (another agency, other roles) still decide every load."""
    project_id, acc_id = f.in_acceptance()
    before = {name for name in (f"expert{i}" for i in range(1, 10)) if _loads(Project, project_id, name)}
    assert before == set()  # no panel yet: the statements are built and kept for nobody
    members = {u.username for u, _ in f.panel(acc_id)}
    assert {name for name in (f"expert{i}" for i in range(1, 10)) if _loads(Project, project_id, name)} == members
    mine = f.submitted("wuhua_applicant")
    assert _loads(Application, mine, "wuhua_applicant")
    moved, other = f.user("wuhua_applicant"), f.user("kunming_applicant").organisation.code
    with transaction():
        admin.update_user(f.user("admin"), moved.id, {"display_name": moved.display_name,
                                                      "organisation_code": other, "roles": ["applicant"]})
    assert not _loads(Application, mine, "wuhua_applicant")


def _loads(model, entity_id: int, username: str) -> bool:
    try:
        return load_visible(model, entity_id, f.user(username)).id == entity_id
    except NotFound:
        return False


def _listed(username: str, **filters) -> set[int]:
    page = list_applications(f.user(username), ApplicationFilters(**filters), 1, 100)
    assert page.total == len(page.items)
    return {a.id for a in page.items}


def test_the_application_list_shows_what_each_reader_may_see_now_though_its_statements_are_kept(app):
    """``list_applications`` keeps its COUNT and page SELECT by the reader's scope and the
    filters: new rows, a filter, a reader with the same roles in another agency, and a reader
    moved to another agency each still get exactly their own rows."""
    kept = LIST_STATEMENTS.entries()
    mine = f.submitted("wuhua_applicant")
    assert _listed("wuhua_applicant") == {mine} and len(kept) == 1
    assert _listed("wuhua_applicant") == {mine} and len(kept) == 1  # the same statements, used again
    draft = f.draft("wuhua_applicant")
    assert _listed("wuhua_applicant") == {mine, draft}  # the data decides, not what was kept
    assert _listed("wuhua_applicant", state="draft") == {draft} and len(kept) == 2
    theirs = f.submitted("kunming_applicant")
    assert _listed("kunming_applicant") == {theirs} and len(kept) == 3
    assert _listed("office") >= {mine, draft, theirs}
    assert _listed("wuhua_office") == {mine}
    assert _listed("kunming_office") == {mine, theirs}
    moved, other = f.user("wuhua_applicant"), f.user("kunming_applicant").organisation.code
    with transaction():
        admin.update_user(f.user("admin"), moved.id, {"display_name": moved.display_name,
                                                      "organisation_code": other, "roles": ["applicant"]})
    assert _listed("wuhua_applicant") == {theirs}
