"""The dossier on the pages and the CLI: the project page's build and download (policy dossier_reader),
`flask documents dossier` + `flask documents verify`, and /verify taking a ZIP (the API's
endpoint is in tests/api/test_dossier_api.py)."""
from __future__ import annotations

import io
import re
import zipfile

import sqlalchemy as sa

from app.documents import package
from app.extensions import db
from app.models import DossierExport, Project
from tests import factories as f
from tests.web.web_client import User


def rezip_without(data: bytes, name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info))
    return out.getvalue()


def built_dossier(app, username: str, project_id: int) -> bytes:
    """Build the project's dossier from its page as ``username`` (its job runs in-process right
    after the request's commit) and download it from the link the page then shows."""
    user = User(app, username)
    built = user.post(f"/projects/{project_id}/dossier")
    assert built.status_code == 302 and built.headers["Location"].endswith(f"/projects/{project_id}#dossier")
    page = user.get(f"/projects/{project_id}").text
    link = re.search(rf'data-testid="dossier-download" href="(/projects/{project_id}/dossier/\d+)"', page)
    assert link, page
    got = user.get(link.group(1))
    assert got.status_code == 200 and got.mimetype == "application/zip" and got.data.startswith(b"PK")
    return got.data


def test_the_project_page_builds_the_dossier_for_the_office_and_the_owner_only(app):
    project_id = f.project("wuhua_applicant")
    owner = User(app, "wuhua_applicant")
    page = owner.get(f"/projects/{project_id}").text
    assert 'data-testid="dossier-build"' in page and 'data-testid="dossier-download"' not in page  # nothing built yet
    data = built_dossier(app, "wuhua_applicant", project_id)
    assert package.MANIFEST in zipfile.ZipFile(io.BytesIO(data)).namelist()
    export_id = db.session.scalar(sa.select(DossierExport.id).where(DossierExport.project_id == project_id))
    url = f"/projects/{project_id}/dossier/{export_id}"
    assert User(app, "leader").get(url).data == data  # the same archive: nothing built again

    other = User(app, "dali_applicant")  # may not see the project: neither builds, polls nor downloads
    assert other.post(f"/projects/{project_id}/dossier").status_code == 404
    assert other.get(url).status_code == 404 and other.get(f"{url}/status").status_code == 404
    endorser = User(app, "wuhua_office")  # sees the project, may not export it whole
    assert 'data-testid="dossier-build"' not in endorser.get(f"/projects/{project_id}").text
    refused = endorser.get(url)
    assert refused.status_code == 403 and b"PK\x03\x04" not in refused.data
    assert endorser.post(f"/projects/{project_id}/dossier").status_code == 403
    assert User(app).get(url).status_code == 302  # to the sign-in page
    assert db.session.scalar(sa.select(sa.func.count(DossierExport.id))) == 1  # refusals wrote nothing


def test_the_cli_exports_a_dossier_and_verifies_it_or_names_the_damage(runner, app, tmp_path):
    project_id = f.project("wuhua_applicant")
    code = db.session.get(Project, project_id).code
    out = tmp_path / "dossier.zip"
    exported = runner.invoke(args=["documents", "dossier", code, "-o", str(out)])
    assert exported.exit_code == 0 and out.exists(), exported.output
    ok = runner.invoke(args=["documents", "verify", str(out)])
    assert ok.exit_code == 0 and ok.output.startswith("INTACT") and f"project {code}" in ok.output, ok.output
    assert "seal: valid" in ok.output and "document documents/" in ok.output

    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(rezip_without(out.read_bytes(), "audit/records.json"))
    bad = runner.invoke(args=["documents", "verify", str(damaged)])
    assert bad.exit_code == 1 and bad.output.startswith("ALTERED") and "MISSING: audit/records.json" in bad.output

    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK\x05\x06" + b"\0" * 10)
    assert runner.invoke(args=["documents", "verify", str(junk)]).exit_code == 2
    assert runner.invoke(args=["documents", "dossier", "NO-SUCH", "-o", str(tmp_path / "x.zip")]).exit_code == 2


def test_the_public_verify_page_checks_a_dossier_and_lists_each_member(app):
    project_id = f.project("wuhua_applicant")
    data = built_dossier(app, "office", project_id)
    visitor = User(app)

    def verify(blob: bytes):
        return visitor.post("/verify", {"file": (io.BytesIO(blob), "档案.zip")}, content_type="multipart/form-data")

    page = verify(data)
    assert page.status_code == 200 and re.search(r'data-verdict="authentic"', page.text)
    assert 'data-member="history/history.pdf" data-status="intact"' in page.text
    page = verify(rezip_without(data, "history/history.json"))
    assert 'data-verdict="altered"' in page.text
    assert 'data-member="history/history.json" data-status="missing"' in page.text
    refused = verify(b"PK\x03\x04 broken")
    assert refused.status_code == 400 and "ZIP" in refused.text and "data-verdict" not in refused.text
