"""Document numbers: 云信办〔year〕n号, one yearly sequence without gaps or duplicates, also
when many decisions issue documents at once and when a decision is rolled back."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.database import transaction
from app.documents import numbering
from app.extensions import db
from app.models import Application, IssuedDocument
from app.services.documents import issuing
from tests import factories as f


def _seqs() -> list[int]:
    return list(db.session.scalars(sa.select(IssuedDocument.seq).order_by(IssuedDocument.seq)))


def test_numbers_follow_one_yearly_sequence_and_a_rolled_back_decision_leaves_no_gap(app):
    app_id = f.draft()
    applicant = f.user("wuhua_applicant")
    with transaction():
        first = issuing.issue_application_form(applicant, app_id)
    assert first.number == numbering.format_number("云信办", first.year, 1) == f"云信办〔{first.year}〕1号"
    with pytest.raises(RuntimeError), transaction():
        issuing.reserve("application_form", db.session.get(Application, app_id), applicant)
        raise RuntimeError("the deciding transaction fails after numbering")
    with transaction():
        second = issuing.reserve("application_form", db.session.get(Application, app_id), applicant)
    assert _seqs() == [1, 2]
    for _ in range(2):  # the application is unchanged: the latest numbered form comes back
        with transaction():
            assert issuing.issue_application_form(applicant, app_id).id == second.id
    with transaction():  # a changed application gets a new form with the next number
        f.applications.submit_application(applicant, app_id)
    with transaction():
        assert issuing.issue_application_form(applicant, app_id).seq == 3


def test_concurrent_issuing_gives_distinct_gapless_numbers(app):
    app_id = f.draft()
    applicant_id = f.user("wuhua_applicant").id
    db.session.rollback()  # end this thread's read transaction (on SQLite it holds the write lock)
    workers, per_worker, errors = 6, 3, []
    barrier = threading.Barrier(workers)

    def issue_some():
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(per_worker):
                    with transaction():
                        from app.models import User

                        actor = db.session.get(User, applicant_id)
                        issuing.reserve("application_form", db.session.get(Application, app_id), actor)
                db.session.remove()
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=issue_some) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = list(db.session.scalars(sa.select(IssuedDocument.number)))
    assert _seqs() == list(range(1, workers * per_worker + 1))
    assert len(set(numbers)) == workers * per_worker


def test_people_can_type_a_number_loosely():
    assert numbering.normalise(" 云信办[2026] 12号 ") == "云信办〔2026〕12号"
    assert numbering.normalise("云信办（2026）12号") == "云信办〔2026〕12号"
    assert numbering.NUMBER_RE.match("云信办〔2026〕12号")
