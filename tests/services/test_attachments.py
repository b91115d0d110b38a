"""Attachments: content-addressed storage, types judged by their bytes, the applicant's own
draft or returned application only, scoped downloads."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from app.database import transaction
from app.errors import Conflict, Denied, Invalid, NotFound
from app.services.commands import attachments, perform
from app.services.commands.attachments import (
    add_attachment,
    open_attachment,
    remove_attachment,
)
from app.services.records.audit import history
from tests import factories

pytestmark = pytest.mark.usefixtures("app")

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def office_file(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, "<xml/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    return buffer.getvalue()


def upload(app_id: int, content: bytes, name: str = "建设方案.pdf", kind: str = "construction_plan",
           username: str = "wuhua_applicant"):
    with transaction():
        return add_attachment(factories.user(username), app_id, kind, name, io.BytesIO(content))


def test_a_file_is_stored_under_its_sha256_never_under_the_clients_name(app):
    app_id = factories.draft()
    att = upload(app_id, PDF, name="../../etc/建设方案.pdf")
    path = attachments.storage_path(att.sha256)
    assert path.read_bytes() == PDF and path.name == att.sha256
    assert path.is_relative_to(app.config["UPLOAD_DIR"])
    assert (att.display_name, att.content_type, att.size) == ("建设方案.pdf", "application/pdf", len(PDF))


def test_the_same_bytes_are_stored_once(app):
    app_id = factories.draft()
    first, second = upload(app_id, PDF), upload(app_id, PDF, name="copy.pdf")
    assert first.sha256 == second.sha256 and first.id != second.id
    stored = [p for p in attachments.storage_path(first.sha256).parent.iterdir()]
    assert stored == [attachments.storage_path(first.sha256)]


@pytest.mark.parametrize("content, name, content_type", [
    (PDF, "a.pdf", "application/pdf"),
    (PNG, "a.png", "image/png"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "photo.jpg", "image/jpeg"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "old.doc", "application/msword"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "budget.xls", "application/vnd.ms-excel"),
    (office_file("word/document.xml"), "plan.docx",
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (office_file("xl/workbook.xml"), "budget.xlsx",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (office_file("any/thing.txt"), "bundle.zip", "application/zip"),
])
def test_the_type_is_judged_from_the_bytes(content, name, content_type):
    assert upload(factories.draft(), content, name=name).content_type == content_type


@pytest.mark.parametrize("sent, shown", [
    ("建设方案.pdf", "建设方案.pdf"), ("REPORT.PDF", "REPORT.PDF"), ("x.exe", "x.pdf"), ("x", "x.pdf"),
    ("..", "attachment.pdf"), (".", "attachment.pdf"), ("", "attachment.pdf"), (None, "attachment.pdf"),
    ("../..", "attachment.pdf"), (" .pdf", "attachment.pdf"), ("方案.pdf.exe", "方案.pdf.pdf"),
    ("报告 v1.2 终稿", "报告 v1.2 终稿.pdf"), ("a\x00b\u202e.pdf", "ab.pdf"), ("长" * 300 + ".pdf", "长" * 196 + ".pdf"),
])
def test_a_file_is_shown_and_downloaded_under_a_name_that_says_what_it_is(sent, shown):
    assert upload(factories.draft(), PDF, name=sent).display_name == shown


def test_a_renamed_executable_is_refused():
    with pytest.raises(Invalid) as exc:
        upload(factories.draft(), b"MZ\x90\x00" + b"\x00" * 64, name="plan.pdf")
    assert "file" in exc.value.errors


def test_an_empty_file_and_an_oversized_one_are_refused_with_clear_messages(app):
    app_id = factories.draft()
    with pytest.raises(Invalid) as empty:
        upload(app_id, b"")
    assert set(empty.value.errors) == {"file"}
    app.config["UPLOAD_MAX_BYTES"] = 1024
    with pytest.raises(Invalid) as big:
        upload(app_id, PDF + b"x" * 2000)
    assert set(big.value.errors) == {"file"} and big.value.errors != empty.value.errors
    leftovers = [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]
    assert leftovers == []


def test_an_unknown_kind_is_refused():
    with pytest.raises(Invalid) as exc:
        upload(factories.draft(), PDF, kind="selfie")
    assert "kind" in exc.value.errors


def test_only_the_owning_applicant_may_upload():
    app_id = factories.draft("wuhua_applicant")
    with pytest.raises(NotFound):  # another agency does not even see it
        upload(app_id, PDF, username="dali_applicant")
    with pytest.raises(Denied):
        upload(app_id, PDF, username="office")


def test_uploads_stop_once_submitted_and_resume_when_returned():
    app_id = factories.endorsed()
    with pytest.raises(Conflict):
        upload(app_id, PDF)
    with transaction():
        perform(factories.user("office"), "application", app_id, "return_for_revision", {"opinion": "补充预算表"})
    assert upload(app_id, PDF, kind="budget").kind == "budget"


def test_downloads_are_scoped_like_the_application(app):
    app_id = factories.submitted("wuhua_applicant")
    draft_id = factories.draft("wuhua_applicant")
    att_id = upload(draft_id, PDF).id
    attachment, path = open_attachment(factories.user("wuhua_applicant"), att_id)
    assert path.read_bytes() == PDF and attachment.id == att_id
    assert open_attachment(factories.user("office"), att_id)[0].id == att_id
    with pytest.raises(NotFound):
        open_attachment(factories.user("dali_applicant"), att_id)
    with pytest.raises(NotFound):
        open_attachment(factories.user("wuhua_applicant"), att_id, application_id=app_id)


def test_removing_keeps_the_record_in_the_history():
    app_id = factories.draft()
    att = upload(app_id, PDF)
    with transaction():
        remove_attachment(factories.user("wuhua_applicant"), att.id)
    assert attachments.list_attachments(factories.user("wuhua_applicant"), app_id) == []
    assert [r.trigger for r in history("application", app_id)][-2:] == ["attach", "detach"]
