"""The PDFs speak as people do: the 申报书 and the 立项批复 carry the application's number, and
the 申报书's history names every entry (创建, 提交申报 …), never its stored code."""
from __future__ import annotations

import re

from app.database import transaction
from app.extensions import db
from app.models import Application, Project
from app.services.documents import issuing
from tests import factories as f
from tests.documents.conftest import current_pdf, flat, pdf_text


def test_the_application_form_and_the_approval_carry_the_number_and_name_every_entry(app):
    app_id = f.submitted()
    number = db.session.get(Application, app_id).number
    with transaction():
        issuing.issue_application_form(f.user("wuhua_applicant"), app_id)
    text = flat(pdf_text(current_pdf(issuing.latest("application_form", app_id))))
    assert flat(number) in text and "提交申报" in text
    assert not re.search(r"\b(create|submit|attach|edit)\b", text)

    project_id = f.project()
    project = db.session.get(Project, project_id)
    approval = flat(pdf_text(current_pdf(issuing.latest("project_approval", project_id))))
    assert flat(project.application.number) in approval
