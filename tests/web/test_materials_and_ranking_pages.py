"""Materials and ranking in the pages: the acceptance request's form is multipart with a typed file
input per material and names what is missing (422, nothing written); panel experts download the
materials from their scoring page, other experts get 404; an office sees its ranking by place
and re-ranks it."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from app.database import transaction
from app.demo.materials import pdf
from app.extensions import db
from app.models import (
    Acceptance,
    Application,
    AuditRecord,
    Endorsement,
    IssuedDocument,
    Material,
    MidtermCheck,
)
from app.services.commands import endorsement as escalation
from app.services.documents import issuing
from tests import factories as f
from tests.api.conftest import ApiClient
from tests.services.test_materials import _ready_for_acceptance
from tests.web.web_client import User as Browser


def test_the_acceptance_request_form_takes_typed_files_and_names_the_missing_ones(app):
    project_id = _ready_for_acceptance()
    applicant = Browser(app, "wuhua_applicant")
    form = applicant.get(f"/act/project/{project_id}/request_acceptance")
    assert 'enctype="multipart/form-data"' in form.text
    assert 'name="materials.completion_report"' in form.text and 'name="materials.financial_audit"' in form.text
    refused = applicant.act("project", project_id, "request_acceptance", {
        "summary": "已完成", "materials.completion_report": (io.BytesIO(pdf("done")), "竣工报告.pdf")})
    assert refused.status_code == 422 and "财务审计报告" in refused.text
    assert db.session.scalar(sa.select(sa.func.count(Material.id)).where(Material.stage == "acceptance")) == 0
    assert db.session.scalar(sa.select(sa.func.count(Acceptance.id))) == 0

    done = applicant.act("project", project_id, "request_acceptance", {"summary": "已完成", **f.acceptance_files()})
    assert done.status_code == 302
    acc_id = db.session.scalar(sa.select(Acceptance.id).where(Acceptance.project_id == project_id))
    page = applicant.get(f"/acceptances/{acc_id}")
    assert "竣工报告.pdf" in page.text and "财务审计报告.pdf" in page.text


def test_panel_experts_download_materials_from_the_scoring_page_and_others_get_404(app):
    _project_id, acc_id = f.in_acceptance()
    seated = [u.username for u, _chair in f.panel(acc_id)]
    outsider = next(n for n in (f"expert{i}" for i in range(1, 10)) if n not in seated)
    material = db.session.scalar(sa.select(Material).where(Material.stage == "acceptance",
                                                           Material.stage_id == acc_id,
                                                           Material.kind == "financial_audit"))
    expert = Browser(app, seated[0])
    page = expert.get(f"/acceptances/{acc_id}")
    link = f"/projects/materials/{material.id}"
    assert page.status_code == 200 and link in page.text and "财务审计报告" in page.text
    download = expert.get(link)
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    assert download.mimetype == "application/pdf"
    stranger = Browser(app, outsider)
    assert stranger.get(link).status_code == 404
    assert stranger.get(f"/acceptances/{acc_id}").status_code == 404
    assert Browser(app, "dali_applicant").get(link).status_code == 404


def test_the_progress_report_form_takes_files_and_the_check_page_lists_them(app):
    project_id = _ready_for_acceptance()
    check_id = db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project_id))
    page = Browser(app, "office").get(f"/projects/checks/{check_id}")
    assert "进展报告.pdf" in page.text and "测试报告.pdf" in page.text


def test_the_office_sees_its_ranking_by_place_and_re_ranks_it(app):
    first, second = f.submitted(name="第一个试点平台"), f.submitted(name="第二个试点平台")
    office = Browser(app, "wuhua_office")
    desk = office.get("/endorsements")
    assert 'name="ranking-%d" id="ranking-%d"' % (first, first) in desk.text
    data = {"pick": [str(first), str(second)], "opinion": "同意上报",
            f"ranking-{first}": "1", f"ranking-{second}": "2"}
    for app_id in (first, second):
        data[f"version-{app_id}"] = str(db.session.get(Application, app_id).version)
    assert office.post("/endorsements", data).status_code == 302
    ranking = office.get("/endorsements/ranking")
    assert ranking.text.index("第一个试点平台") < ranking.text.index("第二个试点平台")
    moved = office.post("/endorsements/ranking", {"item": [str(first), str(second)], "opinion": "调整",
                                                  f"ranking-{first}": "2", f"ranking-{second}": "1"})
    assert moved.status_code == 302
    ranking = office.get("/endorsements/ranking")
    assert ranking.text.index("第二个试点平台") < ranking.text.index("第一个试点平台")
    assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id)).where(AuditRecord.trigger == "rerank")) == 2
    clash = office.post("/endorsements/ranking", {"item": [str(first)], f"ranking-{first}": "1"})
    assert clash.status_code == 422 and "第二个试点平台" in clash.text


@pytest.mark.parametrize("bad, message", [("abc", "不是有效的整数。"), ("²", "不是有效的整数。"),
                                          ("-1", "1 至 999"), ("x" * 5000, "不是有效的整数。")])
def test_a_ranking_that_is_no_place_is_named_after_its_application_and_nothing_moves(app, bad, message):
    first, second = f.submitted(name="第一个试点平台"), f.submitted(name="第二个试点平台")
    office = Browser(app, "wuhua_office")
    versions = {f"version-{i}": str(db.session.get(Application, i).version) for i in (first, second)}
    refused = office.post("/endorsements", {"pick": [str(first), str(second)], "opinion": "同意上报",
                                            f"ranking-{first}": "1", f"ranking-{second}": bad, **versions})
    summary = refused.text.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert refused.status_code == 422 and "“第二个试点平台”的排序: " in summary and message in summary, summary
    assert "items" not in summary and f'id="ranking-{second}" aria-invalid="true"' in refused.text
    assert db.session.get(Application, first).endorsement_level == 0  # all or nothing
    office.post("/endorsements", {"pick": [str(first), str(second)], "opinion": "同意上报",
                                  f"ranking-{first}": "1", f"ranking-{second}": "2", **versions})
    refused = office.post("/endorsements/ranking", {"item": [str(first), str(second)], "opinion": "调整",
                                                    f"ranking-{first}": "2", f"ranking-{second}": bad})
    summary = refused.text.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert refused.status_code == 422 and "“第二个试点平台”的排序: " in summary and message in summary, summary
    assert "items" not in summary and "必填" not in summary
    nul = office.post("/endorsements/ranking", {"item": [str(first)], f"ranking-{first}": "1\x00"})
    assert nul.status_code == 422 and "排序: " in nul.text and "items" not in nul.text.split('role="alert"', 1)[1]
    db.session.expire_all()
    assert sorted(e.ranking for e in db.session.scalars(sa.select(Endorsement).where(
        Endorsement.application_id.in_((first, second)), Endorsement.position == 0))) == [1, 2]


def test_a_second_batch_endorsement_suggests_the_next_free_places(app):
    first = f.submitted(name="第一个试点平台")
    with transaction():
        escalation.endorse(f.user("wuhua_office"), first, {"opinion": "同意", "ranking": 1})
    second = f.submitted(name="第二个试点平台")
    desk = Browser(app, "wuhua_office").get("/endorsements")
    suggested = re.search(rf'id="ranking-{second}"\s+value="(\d+)"', desk.text)
    assert suggested and suggested.group(1) == "2"


def test_a_batch_endorsement_issues_a_numbered_summary_that_travels_with_the_applications(app):
    first, second = f.submitted(name="第一个试点平台"), f.submitted(name="第二个试点平台")
    office = Browser(app, "wuhua_office")
    data = {"pick": [str(first), str(second)], "opinion": "两个项目均建设条件成熟，同意推荐。",
            f"ranking-{first}": "2", f"ranking-{second}": "1"}
    for app_id in (first, second):
        data[f"version-{app_id}"] = str(db.session.get(Application, app_id).version)
    assert office.post("/endorsements", data).status_code == 302
    doc = db.session.scalar(sa.select(IssuedDocument).where(IssuedDocument.kind == "endorsement_summary"))
    assert doc is not None and "汇总上报表" in doc.title
    assert doc.title.count("电子政务应用试点项目") == 1, doc.title  # the batch's name already says it
    composed = issuing.compose(doc.id) if not doc.versions else None
    if composed is not None:  # not yet rendered: the layout lists the applications in rank order
        assert composed.html.index("第二个试点平台") < composed.html.index("第一个试点平台")
        assert composed.html.count("电子政务应用试点项目") == 1
    for reader in ("wuhua_office", "office"):
        page = Browser(app, reader).get(f"/applications/{first}")
        assert doc.number in page.text and 'data-testid="ranking"' in page.text
    applicant = Browser(app, "wuhua_applicant")
    assert doc.number not in applicant.get(f"/applications/{first}").text
    assert applicant.get(f"/documents/{doc.id}/download").status_code == 404
    assert Browser(app, "office").get(f"/documents/{doc.id}/download").status_code in (200, 202)
    # The API lists it among the application's documents for those who may read it, no one else.
    api = ApiClient(app.test_client())
    for reader, listed in (("wuhua_office", True), ("office", True), ("wuhua_applicant", False)):
        ids = [d["id"] for d in api.get(f"applications/{first}/documents", reader).get_json()]
        assert (doc.id in ids) is listed, reader
