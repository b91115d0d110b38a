"""The inbox counts every task (no cap on how many items it looks at) and shows them a page at
a time, the stages in the flows' order."""
from app.services.reads import inbox as worklists
from tests import factories as f
from tests.statement_counts import multiply


def test_the_inbox_counts_every_waiting_item_and_pages_through_them(app):
    f.endorsed("kunming_applicant")  # 初审: the office's task
    multiply(320)  # more than any one query used to look at

    office = f.user("office")
    assert sum(len(g.tasks) for g in worklists.inbox(office)) == 320
    first, last = worklists.inbox_page(office, 1, 50), worklists.inbox_page(office, 7, 50)
    assert (first.total, first.pages, last.total) == (320, 7, 320)
    assert [len(g.tasks) for g in first.groups] == [50] and [len(g.tasks) for g in last.groups] == [20]
    shown = [t.entity.id for p in range(1, 8) for g in worklists.inbox_page(office, p, 50).groups for t in g.tasks]
    assert len(set(shown)) == 320
    assert first.groups[0].state.value == "initial_review"
    assert first.overdue + first.due_soon <= first.total
