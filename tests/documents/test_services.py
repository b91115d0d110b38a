"""Issuing at the decisions (numbered in the deciding transaction, rendered after it), downloads
under the same access rules as the item's page, and stored files that cannot be swapped."""
from __future__ import annotations

import os

import pytest

from app.database import transaction
from app.documents import storage
from app.errors import Denied, NotFound
from app.extensions import db
from app.models import Project
from app.services.documents import issuing
from tests import factories as f
from tests.documents.conftest import flat, pdf_text


def test_approving_a_project_numbers_its_approval_document_and_a_job_renders_it_after_the_commit(app):
    project_id = f.project()
    project = db.session.get(Project, project_id)
    doc = issuing.latest("project_approval", project_id)
    assert doc is not None and doc.title == f"关于同意“{project.name}”立项的批复"
    assert len(doc.versions) == 1 and doc.versions[0].created_by_id is None  # made by its job
    with transaction():
        opened = issuing.open_document(f.user("wuhua_applicant"), doc.id)
    assert opened.data.startswith(b"%PDF") and opened.filename.startswith(doc.number)
    text = flat(pdf_text(opened.data))
    assert project.code in text and "同意立项" in text and "批准立项" in text  # the leader's opinion
    with transaction():
        again = issuing.open_document(f.user("office"), doc.id)
    assert again.version.sha256 == opened.version.sha256 and len(doc.versions) == 1


def test_a_document_still_being_rendered_says_so_when_downloaded(app):
    app_id = f.submitted()
    applicant = f.user("wuhua_applicant")
    with transaction():
        doc = issuing.issue_application_form(applicant, app_id)
        assert doc.versions == []  # numbered in this transaction; its job runs after the commit
        with pytest.raises(issuing.StillRendering) as pending:
            issuing.open_document(applicant, doc.id)
        assert doc.number in str(pending.value)
        assert issuing.issue_application_form(applicant, app_id).id == doc.id  # asking again: the same
    db.session.refresh(doc)
    assert len(doc.versions) == 1


def test_downloads_follow_the_visibility_of_the_page_they_belong_to(app):
    project_id = f.project()
    doc = issuing.latest("project_approval", project_id)
    for outsider in ("kunming_applicant", "dali_office", "expert1"):
        with pytest.raises(NotFound), transaction():
            issuing.open_document(f.user(outsider), doc.id)
    with pytest.raises(NotFound), transaction():
        issuing.documents_of(f.user("kunming_applicant"), "project", project_id)
    assert [d.id for d in issuing.documents_of(f.user("wuhua_office"), "project", project_id)] == [doc.id]
    with pytest.raises(NotFound), transaction():
        issuing.open_document(f.user("office"), doc.id + 999)


def test_a_stored_file_that_was_swapped_on_disk_is_refused(app):
    project_id = f.project()
    doc = issuing.latest("project_approval", project_id)
    with transaction():
        opened = issuing.open_document(f.user("office"), doc.id)
    path = storage.path_for(opened.version.sha256)
    os.chmod(path, 0o644)
    path.write_bytes(opened.data.replace(b"%PDF", b"%PDF ", 1))
    with pytest.raises(storage.StorageCorrupted):
        issuing.open_document(f.user("office"), doc.id)


def test_only_the_applicant_or_the_office_prints_an_application_form(app):
    app_id = f.submitted()
    with pytest.raises(Denied), transaction():
        issuing.issue_application_form(f.user("wuhua_office"), app_id)  # may see it, may not print it
    with pytest.raises(NotFound), transaction():
        issuing.issue_application_form(f.user("kunming_applicant"), app_id)
    with transaction():
        doc = issuing.issue_application_form(f.user("office"), app_id)
    assert doc.kind == "application_form" and len(doc.versions) == 1
