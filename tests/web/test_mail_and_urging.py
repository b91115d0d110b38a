"""The mail settings page, the 催办 form on an item's page, and their API operations."""
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import AuditRecord
from tests import factories as f
from tests.api.conftest import ApiClient, assert_error
from tests.web.web_client import User as Browser


def test_settings_page_saves_valid_input_and_writes_nothing_on_bad_input(app):
    browser = Browser(app, "wuhua_office")
    page = browser.get("/settings/mail")
    assert page.status_code == 200 and "wuhua.office@example.gov.cn" in page.text
    assert "/settings/mail" in browser.get("/inbox").text  # reachable from the user menu
    bad = browser.post("/settings/mail", {"email": "not-an-address", "locale": "en", "mail_preference": "digest"})
    assert bad.status_code == 422 and "请输入有效的邮箱地址" in bad.text
    db.session.expire_all()
    assert f.user("wuhua_office").locale == "zh_CN" and f.user("wuhua_office").mail_preference == "immediate"
    assert browser.post("/settings/mail", {"email": "", "locale": "en", "mail_preference": "digest"}).status_code == 422
    ok = browser.post("/settings/mail", {"email": "zm@example.gov.cn", "locale": "en", "mail_preference": "digest"})
    assert ok.status_code == 302
    db.session.expire_all()
    user = f.user("wuhua_office")
    assert (user.email, user.locale, user.mail_preference) == ("zm@example.gov.cn", "en", "digest")


def test_settings_need_the_csrf_token(app):
    browser = Browser(app, "wuhua_office")
    response = browser.client.post("/settings/mail", data={"email": "x@example.gov.cn", "locale": "en",
                                                           "mail_preference": "none"})
    assert response.status_code == 400


def test_the_urge_form_is_shown_to_supervisors_and_posts_with_a_note(app):
    app_id = f.submitted("wuhua_applicant")
    assert "urge-note" not in Browser(app, "wuhua_office").get(f"/applications/{app_id}").text
    browser = Browser(app, "kunming_office")
    assert "urge-note" in browser.get(f"/applications/{app_id}").text
    response = browser.post(f"/urge/application/{app_id}", {"note": "<b>请尽快</b>"})
    assert response.status_code == 302
    page = browser.get(f"/applications/{app_id}")
    assert "&lt;b&gt;请尽快&lt;/b&gt;" in page.text and "催办" in page.text
    assert browser.post(f"/urge/application/{app_id}", {"note": "再次"}).status_code == 409
    assert Browser(app, "wuhua_office").post(f"/urge/application/{app_id}", {"note": "x"}).status_code == 403
    assert browser.post(f"/urge/nonsense/{app_id}", {"note": "x"}).status_code in (302, 404)
    assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id)).where(AuditRecord.trigger == "urge")) == 1


def test_api_mail_settings_and_urge(app, client):
    api = ApiClient(client)
    assert api.get("me/mail-settings", "leader").get_json()["email"] == "leader@example.gov.cn"
    assert_error(api.put("me/mail-settings", "leader", json={"email": "bad", "locale": "en",
                                                             "mail_preference": "none"}), 422, "invalid")
    body = api.put("me/mail-settings", "leader", json={"email": None, "locale": "en", "mail_preference": "none"})
    assert body.status_code == 200 and body.get_json() == {"email": None, "locale": "en", "mail_preference": "none"}
    app_id = f.submitted("wuhua_applicant")
    made = api.post(f"urge/application/{app_id}", "leader", json={"note": "请尽快推荐"})
    assert made.status_code == 201 and made.get_json()["urged"] == ["周敏（五华区信息办）"]
    assert made.get_json()["created_at"].endswith("+00:00")  # a moment with its offset, as everywhere
    assert_error(api.post(f"urge/application/{app_id}", "leader", json={"note": "again"}), 409, "conflict")
    assert_error(api.post(f"urge/application/{app_id}", "office", json={"note": "x"}), 403, "forbidden")
    assert_error(api.post(f"urge/application/{app_id}", "kunming_office", json={}), 422, "invalid")
    assert_error(api.post(f"urge/nothing/{app_id}", "leader", json={"note": "x"}), 404, "not_found")


def test_once_a_beijing_day_holds_when_the_utc_date_is_still_yesterday(app, client):
    """At 01:00 in Beijing it is 17:00 of the day before in UTC: a second urge that Beijing
    morning is refused, and the next Beijing day it is allowed again."""
    api = ApiClient(client)
    app_id = f.submitted("wuhua_applicant")
    morning = datetime.combine(clock.today() + timedelta(days=1), time(1, 0))
    with clock.frozen(morning):
        assert api.post(f"urge/application/{app_id}", "leader", json={"note": "请尽快"}).status_code == 201
    with clock.frozen(morning + timedelta(hours=22)):
        assert_error(api.post(f"urge/application/{app_id}", "leader", json={"note": "again"}), 409, "conflict")
    with clock.frozen(morning + timedelta(hours=23)):
        assert api.post(f"urge/application/{app_id}", "leader", json={"note": "次日"}).status_code == 201
