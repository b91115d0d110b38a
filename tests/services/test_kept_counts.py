"""Counts kept while the database is unchanged (``paging.kept_count``, ``database.unchanged_mark``):
a list or an inbox read again skips its COUNT, and any change that commits — from this app or
from any other connection — or the day moving on makes the next read count again. A transaction's
own uncommitted writes are counted but never kept."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.database import transaction, unchanged_mark
from app.extensions import db
from app.models import Application
from app.services.commands import applications
from app.services.reads.applications import ApplicationFilters, list_applications
from app.services.reads.inbox import inbox_page
from app.services.reads.paging import kept_count, statement_key
from tests import factories as f

DRAFTS = ApplicationFilters(state="draft")


def counted(read):
    """(read()'s result, the COUNT(*) statements it ran), read in a transaction of its own, as a request's."""
    return _counted(read)[:2]


def _counted(read):
    db.session.rollback()
    seen = []
    listener = lambda _c, _k, statement, *_a: seen.append(statement)  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        before, result, after = unchanged_mark(), read(), unchanged_mark()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    return result, sum("count(*)" in s.lower() for s in seen), before, after


def read_again(read):
    """(result, COUNT(*)s) of read() asked a second time with nothing committed since the first.
    On SQLite that is the next read. A PostgreSQL snapshot also moves when another database of
    the same server commits (the other test workers'), so there the pair is read until nothing
    did in between."""
    for _ in range(100):
        _, _, began, _ = _counted(read)
        result, counts, _, ended = _counted(read)
        if began == ended:
            return result, counts
        assert db.engine.dialect.name == "postgresql", "the marks of an unchanged SQLite database differ"
    raise AssertionError("another connection kept committing")


def drafts_total() -> int:
    return list_applications(f.user("office"), DRAFTS).total


def test_a_list_read_again_skips_its_count_until_another_connection_commits_a_change(app):
    ids = [f.draft("wuhua_applicant") for _ in range(3)]
    first, counts = counted(drafts_total)
    assert counts == 1 and first >= 3
    assert read_again(drafts_total) == (first, 0)
    # Another process (here another engine on the same database) withdraws a draft behind the app's back.
    other = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql://", "postgresql+psycopg://"))
    try:
        with other.begin() as conn:
            conn.execute(sa.update(Application.__table__).where(Application.id == ids[0]).values(state="withdrawn"))
    finally:
        other.dispose()
    assert counted(drafts_total) == (first - 1, 1)
    assert read_again(drafts_total) == (first - 1, 0)


def test_a_change_committed_by_the_app_itself_is_counted(app):
    first, _ = counted(drafts_total)
    f.draft("kunming_applicant")
    assert counted(drafts_total) == (first + 1, 1)


def test_a_transactions_own_uncommitted_rows_are_counted_but_not_kept(app):
    first, _ = counted(drafts_total)
    with pytest.raises(RuntimeError), transaction():
        applications.create_application(f.user("wuhua_applicant"), f.draft_data())
        assert unchanged_mark() is None  # it has written: nothing it reads is kept
        assert drafts_total() == first + 1
        raise RuntimeError("rolled back")
    assert counted(drafts_total) == (first, 1)


def test_an_inbox_read_again_skips_its_counts_and_a_new_task_or_a_new_day_counts_again(app):
    endorser = f.user("wuhua_office")
    f.submitted("wuhua_applicant")
    page, counts = counted(lambda: inbox_page(endorser))
    assert counts == 1 and page.total >= 1
    again, counts = read_again(lambda: inbox_page(endorser))
    assert counts == 0 and (again.total, again.overdue, again.due_soon) == (page.total, page.overdue, page.due_soon)
    f.submitted("wuhua_applicant")
    grown, counts = counted(lambda: inbox_page(endorser))
    assert counts == 1 and grown.total == page.total + 1
    # Nothing is written, but a year on every one of these tasks is overdue.
    later, counts = counted(lambda: inbox_page(endorser, now=clock.now() + timedelta(days=365)))
    assert counts == 1 and later.overdue == later.total == grown.total > grown.overdue


def test_a_statement_with_a_value_that_is_no_key_is_counted_every_time(app):
    with_list = sa.select(sa.func.count()).where(Application.id.in_([1, 2]))
    with_dict = sa.select(sa.func.count()).where(Application.name == sa.bindparam("n", value={"not": "a key"}))
    assert statement_key(with_list) == statement_key(sa.select(sa.func.count()).where(Application.id.in_([1, 2])))
    assert statement_key(with_list) != statement_key(sa.select(sa.func.count()).where(Application.id.in_([1, 3])))
    assert statement_key(with_dict) is None
    runs = []
    for _ in range(2):
        kept_count(statement_key(with_dict), lambda: runs.append(1))
    assert runs == [1, 1]
