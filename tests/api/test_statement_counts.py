"""Every API list endpoint costs the same number of SQL statements whatever the number of rows:
counted around one GET at one item per list and again at a hundred (the web pages' counterpart
is tests/web/test_statement_counts.py)."""
from tests.statement_counts import grown, multiply, seed_one_of_each, statements

ENDPOINTS = [
    *[(who, "applications?per_page=100") for who in ("office", "dali_applicant", "dali_office", "dali_city_office",
                                                     "fgw", "expert1")],
    *[(who, "projects?per_page=100") for who in ("office", "dali_applicant", "dali_office", "fgw")],
    *[(who, "midterm-checks?per_page=100") for who in ("office", "dali_applicant")],
    *[(who, "acceptances?per_page=100") for who in ("office", "dali_applicant", "expert1")],
    *[(who, "evaluations?per_page=100") for who in ("office", "dali_applicant")],
    *[(who, "notifications?per_page=100") for who in ("office", "dali_applicant")],
    ("admin", "admin/users?per_page=100"),
    ("admin", "admin/experts"),
    ("admin", "jobs"),
    ("office", "organisations"),
    ("office", "batches"),
    ("office", "plan-items"),
    ("admin", "time-limits"),
    ("office", "demonstration-lists/latest"),
]


def measure(api) -> dict:
    found = {}
    for who, path in ENDPOINTS:
        n, response, sql = statements(lambda url: api.get(url, who), path)
        assert response.status_code in (200, 404) and response.is_json, (who, path, response.status_code)
        found[(who, path)] = n, sql
    return found


def test_every_api_list_runs_as_many_statements_at_100_rows_as_at_1(app, api):
    seed_one_of_each()
    for who in {who for who, _ in ENDPOINTS}:
        api.token(who)
    api.get("me", "office")  # the first request of a token records its first use
    measure(api)  # each token's first use
    one = measure(api)
    multiply(100)
    hundred = measure(api)
    for key in one:
        print(f"{key[0]:18} {key[1]:34} {one[key][0]:4} {hundred[key][0]:4}")
        if one[key][0] != hundred[key][0]:
            print("\n".join(grown(one[key][1], hundred[key][1])))
    assert {k: hundred[k][0] - one[k][0] for k in one} == {k: 0 for k in one}
