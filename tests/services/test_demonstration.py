"""示范项目: only well-evaluated projects, within the configured bounds."""
import pytest

from app.database import transaction
from app.errors import Conflict
from app.extensions import db
from app.models import Project
from app.services.commands import demonstration as svc
from app.services.engine.guards import message
from tests import factories as f
from workflows.project import ProjectState as P


def test_only_excellent_or_good_projects_are_shortlisted_and_selectable(app):
    good, _ = f.graded(score="80")
    weak, _ = f.graded("kunming_applicant", score="65")
    assert [p.id for p, _ in svc.shortlist()] == [good]
    with pytest.raises(Conflict), transaction():
        svc.select_demonstration(f.user("leader"), weak, {"opinion": "试试"})
    with transaction():
        svc.select_demonstration(f.user("leader"), good, {"opinion": "成效显著"})
    assert db.session.get(Project, good).state == P.DEMONSTRATION


def test_selection_stops_at_the_maximum_and_publishing_needs_the_minimum(app):
    app.config.update(DEMONSTRATION_MIN=2, DEMONSTRATION_MAX=2)
    ids = [f.graded(name, score="95")[0] for name in ("wuhua_applicant", "kunming_applicant", "dali_applicant")]
    with transaction():
        svc.select_demonstration(f.user("leader"), ids[0], {"opinion": "选入"})
    with pytest.raises(Conflict) as err, transaction():
        svc.publish_demonstrations(f.user("leader"), {"opinion": "发布"})
    assert "2" in str(err.value)
    with transaction():
        svc.select_demonstration(f.user("leader"), ids[1], {"opinion": "选入"})
    with pytest.raises(Conflict) as err, transaction():
        svc.select_demonstration(f.user("leader"), ids[2], {"opinion": "选入"})
    assert message("demonstration_places_left") in str(err.value)
    with transaction():
        publication = svc.publish_demonstrations(f.user("leader"), {"opinion": "发布"})
    assert publication.project_ids == sorted(ids[:2])
