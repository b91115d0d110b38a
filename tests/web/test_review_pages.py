"""The reviewers' desks and the personal lists: batch endorsement with ranking, the quota
board, re-review opinions, the inbox and the notifications."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import Application, Endorsement, Notification
from app.services.engine.guards import quota_key
from app.services.records import counters
from tests import factories
from tests.web.web_client import User


def test_an_office_endorses_several_applications_at_once_with_their_ranking(app):
    first, second = factories.submitted(), factories.submitted(name="五华区养老服务平台")
    county = User(app, "wuhua_office")
    page = county.get("/endorsements").text
    assert f'name="pick" value="{first}"' in page and f'name="pick" value="{second}"' in page
    versions = {i: db.session.get(Application, i).version for i in (first, second)}
    response = county.post("/endorsements", {"pick": [str(first), str(second)], "opinion": "同意推荐",
                                             f"ranking-{first}": "2", f"ranking-{second}": "1",
                                             f"version-{first}": versions[first], f"version-{second}": versions[second]})
    assert response.status_code == 302
    rankings = dict(db.session.execute(sa.select(Endorsement.application_id, Endorsement.ranking)
                                       .where(Endorsement.position == 0)).all())
    assert rankings == {first: 2, second: 1}
    assert "value=\"%d\"" % first not in county.get("/endorsements").text  # now the prefecture's
    assert f'name="pick" value="{first}"' in User(app, "kunming_office").get("/endorsements").text


def test_batch_endorsement_needs_a_tick_and_an_opinion(app):
    app_id = factories.submitted()
    county = User(app, "wuhua_office", lang="en")
    assert "Tick at least one application." in county.post("/endorsements", {"opinion": "同意"}).text
    response = county.post("/endorsements", {"pick": str(app_id), "opinion": "",
                                             f"version-{app_id}": db.session.get(Application, app_id).version})
    assert response.status_code == 422 and "Please write your opinion" in response.text
    assert db.session.get(Application, app_id).endorsement_level == 0


def test_only_endorsers_have_the_endorsement_desk(app):
    response = User(app, "wuhua_applicant", lang="en").get("/endorsements")
    assert response.status_code == 403 and "endorser may endorse" in response.text


def test_the_quota_board_counts_per_batch_by_category_and_division(app):
    factories.project()  # 五华区 → 昆明市
    factories.awaiting_approval("qujing_applicant")
    leader = User(app, "leader")
    page = leader.get("/quota").text
    batch = factories.demo_batch()
    assert counters.value(quota_key(batch.id)) == 1
    assert re.search(rf'data-testid="quota-{batch.id}">1 / 50<', page)
    assert "在线办事和公众参与系统" in page and "昆明市" in page
    assert "剩余 49 个名额；1 个申报待立项。" in page
    response = User(app, "wuhua_applicant", lang="en").get("/quota")
    assert response.status_code == 403 and "reviewers and leaders may see" in response.text


def test_each_joint_reviewer_records_an_opinion_then_the_office_concludes(app):
    app_id = factories.in_re_review()
    office = User(app, "office")
    assert "data-trigger=\"re_review_approve\"" not in office.get(f"/applications/{app_id}/re-review").text
    for name, recommendation in (("fgw", "approve"), ("czt", "approve"), ("xxb", "return")):
        reviewer = User(app, name)
        page = reviewer.get(f"/applications/{app_id}/re-review").text
        assert 'data-trigger="record_joint_opinion"' in page
        assert reviewer.act("application", app_id, "record_joint_opinion",
                            {"recommendation": recommendation, "opinion": f"{name} 的意见"}).status_code == 302
        assert 'data-trigger="record_joint_opinion"' not in reviewer.get(f"/applications/{app_id}/re-review").text
    page = office.get(f"/applications/{app_id}/re-review").text
    assert "xxb 的意见" in page and "建议退回修改" in page and "待填写" not in page
    assert 'data-trigger="re_review_approve"' in page
    assert office.act("application", app_id, "re_review_approve", {"opinion": "复审通过"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, app_id).state.value == "project_approval"


def test_the_inbox_groups_what_awaits_me_by_stage_and_marks_overdue_items(app):
    with clock.frozen(clock.now() - timedelta(days=30)):
        factories.endorsed(name="超期的申报项目")
    factories.endorsed(name="新到的申报项目")
    factories.in_re_review(name="复审中的申报项目")
    page = User(app, "office").get("/inbox").text
    assert "超期的申报项目" in page and "新到的申报项目" in page
    assert "复审中的申报项目" not in page  # waiting for the joint reviewers, not for the office
    assert re.search(r"超期的申报项目</a></td>.*?已超期", page, re.S)
    assert "共有 2 项待您办理" in page and "1 项已超期" in page
    assert "初审" in page
    assert "复审中的申报项目" in User(app, "fgw").get("/inbox").text
    handled = User(app, "wuhua_office").get("/inbox/handled").text
    assert "超期的申报项目" in handled and "同意上报" in handled


@pytest.mark.usefixtures("factory_jobs")
def test_notifications_list_what_happened_to_my_items_and_can_be_marked_read(app):
    factories.endorsed(name="通知测试项目")
    applicant = User(app, "wuhua_applicant")
    page = applicant.get("/notifications").text
    assert "通知测试项目" in page and "推荐上报" in page
    assert re.search(r'<span class="count"[^>]*>2</span>', page)
    assert applicant.post("/notifications/read").status_code == 302
    # the applicant's own are read; the offices and reviewers it reached keep theirs
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.read_at.is_(None), Notification.user_id == factories.user("wuhua_applicant").id)) == 0
    assert 'class="count"' not in applicant.get("/notifications").text
    assert "通知测试项目" not in User(app, "kunming_applicant").get("/notifications").text
