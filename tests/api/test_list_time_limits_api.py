"""The later-stage list endpoints give each row's deadline and level and take ``?level=``
(documented; a bad value is a 422 like the applications list's)."""
from __future__ import annotations

import pytest

from tests.late_items import late_items

LISTS = [("projects", "projects"), ("checks", "midterm-checks"), ("acceptances", "acceptances"),
         ("evaluations", "evaluations")]


@pytest.mark.parametrize("name,path", LISTS, ids=[n for n, _p in LISTS])
def test_each_list_says_the_level_and_filters_by_it(app, api, name, path):
    items = getattr(late_items(), name)
    rows = {i["id"]: i for i in api.get(path, as_="office").json["items"]}
    assert rows[items.late]["time_limit_level"] == "overdue" and rows[items.late]["deadline"]
    assert rows[items.fresh]["time_limit_level"] == "on_time"
    assert items.late in [i["id"] for i in api.get(f"{path}?level=overdue", as_="office").json["items"]]
    assert items.fresh not in [i["id"] for i in api.get(f"{path}?level=overdue", as_="office").json["items"]]
    on_time = api.get(f"{path}?level=on_time", as_="office").json
    assert items.fresh in [i["id"] for i in on_time["items"]] and items.late not in [i["id"] for i in on_time["items"]]
    assert api.get(f"{path}?level=red", as_="office").status_code == 422


def test_the_openapi_document_describes_the_filter(app, api):
    paths = api.get("openapi.json").json["paths"]
    for path in ("projects", "midterm-checks", "acceptances", "evaluations"):
        operation = next(ops["get"] for p, ops in paths.items() if p.rstrip("/").endswith("/" + path))
        assert "level" in [p["name"] for p in operation["parameters"]], path
