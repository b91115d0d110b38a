"""逐级上报: routes follow the division tree; each office endorses in turn."""
import pytest

from app import policies
from app.database import transaction
from app.errors import Denied, NotFound
from app.extensions import db
from app.models import Application
from app.services.commands import applications, perform
from app.services.commands import endorsement as escalation
from tests import factories as f
from workflows.application import ApplicationState as S


def route_of(app_id):
    return [e.office.code for e in db.session.get(Application, app_id).endorsements]


def test_a_county_department_goes_through_the_county_then_the_prefecture_office(app):
    assert route_of(f.submitted("wuhua_applicant")) == ["IT530102", "IT530100"]


def test_a_prefecture_department_goes_through_the_prefecture_office_only(app):
    assert route_of(f.submitted("kunming_applicant")) == ["IT530100"]


def test_a_provincial_department_goes_straight_to_initial_review(app):
    app_id = f.submitted("province_applicant")
    assert route_of(app_id) == []
    assert db.session.get(Application, app_id).state == S.INITIAL_REVIEW


def test_endorsement_moves_level_by_level_to_the_province(app):
    app_id = f.submitted("wuhua_applicant")
    with transaction():
        escalation.endorse(f.user("wuhua_office"), app_id, {"opinion": "同意", "ranking": 2})
    app_ = db.session.get(Application, app_id)
    assert (app_.state, app_.endorsement_level) == (S.ENDORSING, 1)
    assert app_.endorsements[0].ranking == 2 and app_.endorsements[0].endorsed_at is not None
    with transaction():
        escalation.endorse(f.user("kunming_office"), app_id, {"opinion": "同意上报"})
    assert db.session.get(Application, app_id).state == S.INITIAL_REVIEW


def test_the_prefecture_office_cannot_endorse_before_the_county_office(app):
    app_id = f.submitted("wuhua_applicant")
    with pytest.raises(Denied), transaction():
        escalation.endorse(f.user("kunming_office"), app_id, {"opinion": "越级"})


def test_an_office_of_another_area_cannot_even_see_the_application(app):
    app_id = f.submitted("wuhua_applicant")
    with pytest.raises(NotFound), transaction():
        escalation.endorse(f.user("qujing_office"), app_id, {"opinion": "同意"})


def test_a_returned_application_resumes_at_the_office_that_returned_it(app):
    app_id = f.submitted("wuhua_applicant")
    with transaction():
        escalation.endorse(f.user("wuhua_office"), app_id, {"opinion": "同意"})
    with transaction():
        perform(f.user("kunming_office"), "application", app_id, "return_to_applicant", {"opinion": "请补充材料"})
    assert db.session.get(Application, app_id).state == S.RETURNED_BY_ENDORSER
    with transaction():
        applications.resubmit_application(f.user("wuhua_applicant"), app_id, {"opinion": "已补充"})
    app_ = db.session.get(Application, app_id)
    assert app_.state == S.ENDORSING and app_.current_endorsement.office.code == "IT530100"


def _batch(*items: tuple[int, int | None], opinion: str = "同意") -> dict:
    """BatchEndorsementSchema's data: (application id, ranking) at the version now."""
    return {"opinion": opinion, "items": [{"id": i, "ranking": r, "version": db.session.get(Application, i).version}
                                          for i, r in items]}


def test_batch_endorsement_is_all_or_nothing(app):
    first, second = f.submitted("kunming_applicant"), f.submitted("kunming_applicant")
    other = f.submitted("qujing_applicant")
    with pytest.raises(NotFound), transaction():
        escalation.endorse_many(f.user("kunming_office"), _batch((first, 1), (other, 2)))
    db.session.expire_all()
    assert db.session.get(Application, first).state == S.ENDORSING
    with transaction():
        escalation.endorse_many(f.user("kunming_office"), _batch((first, 1), (second, 2)))
    assert [db.session.get(Application, i).state for i in (first, second)] == [S.INITIAL_REVIEW] * 2


def test_batch_endorsement_refuses_two_applications_in_the_same_place(app):
    from app.errors import Invalid

    first, second = f.submitted("kunming_applicant"), f.submitted("kunming_applicant")
    with pytest.raises(Invalid) as err, transaction():
        escalation.endorse_many(f.user("kunming_office"), _batch((first, 1), (second, 1)))
    assert "items" in err.value.errors
    db.session.expire_all()
    assert db.session.get(Application, first).state == S.ENDORSING


def test_batch_endorsement_needs_an_endorser_and_at_least_one_application(app):
    from app.errors import Invalid

    app_id = f.submitted("kunming_applicant")
    with pytest.raises(Denied) as denied, transaction():
        escalation.endorse_many(f.user("office"), _batch((app_id, 1)))
    assert denied.value.reason == policies.check("endorser", f.user("office")).reason
    with pytest.raises(Invalid) as err, transaction():
        escalation.endorse_many(f.user("kunming_office"), {"opinion": "同意", "items": []})
    assert "items" in err.value.errors
    with pytest.raises(Invalid) as twice, transaction():
        escalation.endorse_many(f.user("kunming_office"), _batch((app_id, 1), (app_id, 2)))
    assert "items" in twice.value.errors
