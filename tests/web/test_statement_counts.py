"""Every list and inbox page costs the same number of SQL statements whatever the number of rows:
counted around one GET at one item per list and again at a hundred (no per-row loads, no
per-item guard or policy queries)."""
from app.database import transaction
from app.services.commands.checks import open_checks
from app.services.reads import inbox
from tests import factories as f
from tests.statement_counts import grown, multiply, seed_one_of_each, statements
from tests.web.web_client import User

# (user, page): every list and inbox page, for every role that has it
PAGES = [
    *[(who, "/inbox") for who in ("office", "leader", "wuhua_applicant", "dali_applicant", "dali_city_office",
                                    "dali_office", "fgw", "expert1", "admin")],
    *[(who, "/inbox/handled") for who in ("office", "dali_applicant")],
    *[(who, "/notifications") for who in ("office", "dali_applicant")],
    *[(who, "/applications/") for who in ("office", "dali_applicant", "dali_office", "dali_city_office", "fgw",
                                          "expert1")],
    *[(who, "/projects/") for who in ("office", "dali_applicant", "dali_office", "fgw")],
    *[(who, "/projects/checks") for who in ("office", "dali_applicant", "dali_office")],
    *[(who, "/acceptances/") for who in ("office", "dali_applicant", "expert1")],
    *[(who, "/evaluations/") for who in ("office", "dali_applicant")],
    ("dali_city_office", "/endorsements"),
    ("leader", "/quota"),
    ("office", "/demonstration/"),
    ("office", "/supervision/"),
    ("office", "/supervision/items?measure=current"),
    ("admin", "/admin/users"),
    ("admin", "/admin/experts"),
    ("admin", "/admin/organisations"),
    ("admin", "/admin/batches"),
    ("admin", "/admin/plan"),
    ("admin", "/admin/jobs/"),
    ("admin", "/admin/time-limits/"),
]


# The supervision board counts every visible item's stays, so it reads every item's history:
# one query per 500 items (limits.state_changes), here one more for the 700 applications.
GROWS = {"/supervision/": 1, "/supervision/items?measure=current": 1}


def measure(clients: dict) -> dict:
    found = {}
    for who, url in PAGES:
        n, response, sql = statements(clients[who].get, url)
        assert response.status_code == 200, (who, url, response.status_code)
        found[(who, url)] = n, sql
    return found


def test_every_list_and_inbox_page_runs_as_many_statements_at_100_rows_as_at_1(app):
    seed_one_of_each()
    clients = {who: User(app, who) for who in {who for who, _ in PAGES}}
    one = measure(clients)
    multiply(100)
    hundred = measure(clients)
    for key in one:
        print(f"{key[0]:18} {key[1]:40} {one[key][0]:4} {hundred[key][0]:4}")
        if one[key][0] != hundred[key][0]:
            print("\n".join(grown(one[key][1], hundred[key][1])))
    # Never more at a hundred rows (a paged inbox may even run fewer: its later stages' rows
    # are not on the first page, so nothing is loaded for them).
    grew = {k: hundred[k][0] - one[k][0] for k in one if hundred[k][0] - one[k][0] > GROWS.get(k[1], 0)}
    assert grew == {}


def test_every_page_of_a_long_inbox_runs_no_more_statements_than_a_short_inbox(app):
    """A hundred mid-term checks await the agency: their tasks are named after their projects,
    which every page must load with the page, not one by one."""
    seed_one_of_each()
    f.project("dali_applicant")
    with transaction():
        open_checks(f.user("office"), 2100)  # every project under construction: a check awaits its agency
    users = ("dali_applicant", "office")
    clients = {who: User(app, who) for who in users}
    one = {who: statements(clients[who].get, "/inbox")[0] for who in users}
    multiply(100)
    kinds = set()
    for who in users:
        for page in range(1, inbox.inbox_page(f.user(who)).pages + 1):
            kinds |= {t.kind for g in inbox.inbox_page(f.user(who), page).groups for t in g.tasks}
            n, response, sql = statements(clients[who].get, f"/inbox?page={page}")
            assert response.status_code == 200, (who, page)
            assert n <= one[who], (who, page, n, one[who], sql)
    assert "midterm_check" in kinds and inbox.inbox_page(f.user("dali_applicant")).pages > 1
