"""The later-stage lists' pages show each row's deadline and 黄牌/红牌 badge and take the
warning-level filter: projects, mid-term checks, acceptances, evaluations."""
from __future__ import annotations

import pytest

from tests.late_items import late_items
from tests.web.web_client import User as Browser

LISTS = [("projects", "/projects/", "/projects/{}\""), ("checks", "/projects/checks", "/projects/checks/{}\""),
         ("acceptances", "/acceptances/", "/acceptances/{}\""), ("evaluations", "/evaluations/", "/evaluations/{}\"")]


@pytest.mark.parametrize("name,url,link", LISTS, ids=[n for n, _u, _l in LISTS])
def test_each_list_shows_the_level_and_filters_by_it(app, name, url, link):
    items = getattr(late_items(), name)
    b = Browser(app, "office")
    everything = b.get(url).text
    assert link.format(items.late) in everything and link.format(items.fresh) in everything
    assert 'data-level="overdue"' in everything and "已超期（红牌）" in everything
    assert 'name="level"' in everything
    overdue = b.get(url + "?level=overdue").text
    assert link.format(items.late) in overdue and link.format(items.fresh) not in overdue
    on_time = b.get(url + "?level=on_time").text
    assert link.format(items.fresh) in on_time and link.format(items.late) not in on_time
    assert b.get(url + "?level=nonsense&page=x").status_code == 200
