"""The small pieces every list repeats, built in Python (app/web/badges.py, templating.py): each
escapes what it is given, speaks the reader's language, and the pager stays a handful of links
however many pages there are."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from flask import url_for
from markupsafe import Markup

from app import clock
from app.bounds import MAX_ID
from app.i18n import force_locale
from app.kinds import PAGE_ENDPOINTS
from app.services.reads.paging import Page
from app.services.time.limits import Level, Limit
from app.web.badges import labels, level_badge, overdue_badge, state_badge
from app.web.templating import entity_url, option_tags, page_numbers, page_url
from workflows.application import ApplicationState
from workflows.registry import FLOWS


def test_a_states_badge_carries_its_tone_value_and_label_in_the_readers_language(app):
    with app.test_request_context("/"):
        with force_locale("zh_CN"):
            assert state_badge(ApplicationState.DRAFT) == (
                f'<span class="badge {ApplicationState.DRAFT.tone}" data-state="draft">'
                f'{ApplicationState.DRAFT.label("zh")}</span>')
        with force_locale("en"):
            assert f'>{ApplicationState.DRAFT.label("en")}</span>' in state_badge(ApplicationState.DRAFT)
        assert state_badge(None) == ""


def test_a_plain_value_is_escaped_and_never_mistaken_for_the_member_it_equals(app):
    with app.test_request_context("/"), force_locale("en"):
        member = state_badge(ApplicationState.DRAFT)  # kept per member and language
        plain = state_badge("draft")  # a str equal to the member (a str enum): not its badge
        assert plain == '<span class="badge active" data-state="draft">draft</span>' != member
        hostile = state_badge('"><script>x</script>')
        assert "<script>" not in hostile and "&lt;script&gt;" in hostile and '&#34;&gt;' in hostile
        assert isinstance(hostile, Markup)


def test_a_levels_badge_shows_only_when_a_limit_is_near_or_past(app):
    with app.test_request_context("/"), force_locale("zh_CN"):
        assert level_badge(None) == "" and level_badge(Limit(None, Level.NONE, None)) == ""
        overdue = level_badge(Limit(None, Level.OVERDUE, -2))
        assert 'data-level="overdue"' in overdue and Level.OVERDUE.label("zh") in overdue
        assert 'data-level="due_soon"' in level_badge(Limit(None, Level.DUE_SOON, 1))
        assert overdue_badge() == '<span class="badge overdue">已超期</span>'
    with app.test_request_context("/"), force_locale("en"):
        assert overdue_badge() == '<span class="badge overdue">Overdue</span>'


def test_options_select_the_value_given_as_text_and_escape_every_value_and_text():
    html = option_tags([(1, "一"), (2, "<b>二</b>"), ('x"y', "z")], "2")
    assert html == ('<option value="1">一</option><option value="2" selected>&lt;b&gt;二&lt;/b&gt;</option>'
                    '<option value="x&#34;y">z</option>')
    assert option_tags({"a": "A", "b": "B"}, "b") == '<option value="a">A</option><option value="b" selected>B</option>'
    assert " selected" not in option_tags([(0, "zero"), ("", "blank")], None)
    kept = ((1, "一"), (2, "<b>二</b>"), ('x"y', "z"))  # a tuple's tags are kept per selected value
    assert option_tags(kept, "2") == html and option_tags(kept, 2) == html
    assert option_tags(kept, "1").count(" selected") == 1 and '"1" selected' in option_tags(kept, "1")
    assert " selected" not in option_tags(kept) and option_tags(kept, "2") == html
    assert option_tags(((["a"], "list"),), None) == '<option value="[&#39;a&#39;]">list</option>'  # not a key


@pytest.mark.parametrize(("page", "pages", "expected"), [
    (1, 1, [1]),
    (1, 5, [1, 2, 3, None, 5]),
    (4, 7, [1, 2, 3, 4, 5, 6, 7]),
    (10, 20, [1, None, 8, 9, 10, 11, 12, None, 20]),
    (5000, 5000, [1, None, 4998, 4999, 5000]),
])
def test_the_pager_links_the_ends_and_two_pages_either_side_with_a_gap_mark_between(page, pages, expected):
    assert page_numbers(Page([], pages * 20, page, 20)) == expected


def test_the_pager_of_a_list_of_a_hundred_thousand_stays_a_handful_of_links(app):
    with app.test_request_context("/applications/?page=2500&state=draft"):
        pager = app.jinja_env.from_string('{% from "macros/ui.html" import pagination %}{{ pagination(page) }}')
        html = pager.render(page=Page([], 100_000, 2500, 20))
    links = re.findall(r'href="([^"]+)"', html)
    assert len(links) == 8  # previous, 1, 2498, 2499, 2501, 2502, 5000, next
    assert all("state=draft" in link for link in links)
    assert '<span aria-current="page">2500</span>' in html and html.count("…") == 2


def test_a_pages_link_keeps_every_filter_and_changes_only_the_page(app):
    with app.test_request_context("/applications/?state=draft&page=3&q=%E4%B8%AD+x%26y&state=submitted"):
        kept = url_for("applications.index", state=["draft", "submitted"], q="中 x&y")
        assert page_url(4) == f"{kept}&page=4" and page_url(1) == f"{kept}&page=1"
    with app.test_request_context("/applications/?page=7"):
        assert page_url(2) == "/applications/?page=2"
    with app.test_request_context("/applications/"):
        assert page_url(2) == "/applications/?page=2"


def test_several_labels_join_in_the_readers_language_and_escape_when_shown(app):
    steps = [s for s in FLOWS["application"].steps_from(ApplicationState.DRAFT) if s.trigger != "submit"][:1]
    steps.append(FLOWS["application"].steps_from(ApplicationState.DRAFT)[0])
    assert len(steps) == 2 and steps[0].en != steps[1].en
    with app.test_request_context("/"):
        with force_locale("en"):
            assert labels(steps) == f"{steps[0].en} / {steps[1].en}"
        with force_locale("zh_CN"):
            assert labels(steps, "、") == f"{steps[0].zh}、{steps[1].zh}"
            assert labels([]) == "" and labels([None, "<b>x</b>"]) == " / <b>x</b>"
            shown = app.jinja_env.from_string("{{ v|labels }}").render(v=["<b>x</b>"])
            assert shown == "&lt;b&gt;x&lt;/b&gt;"


@pytest.mark.parametrize("root", ["", "/pilot"])
def test_an_items_link_is_the_one_url_for_builds_for_every_kind_and_id(app, root):
    with app.test_request_context("/", base_url=f"http://localhost{root}/"):
        for kind, endpoint in PAGE_ENDPOINTS.items():
            for entity_id in (1, 7, 1234567, MAX_ID):  # (the last: the mark itself)
                assert entity_url(kind, entity_id) == url_for(endpoint, id=entity_id)
                assert entity_url(kind, entity_id).startswith(f"{root}/")
        assert entity_url("no_such_kind", 1) is None


def test_a_moment_reads_alike_however_it_is_given_and_each_instant_as_its_own(app):
    naive_utc = datetime(2026, 1, 1, 20, 0, 59, 999999)
    aware = naive_utc.replace(tzinfo=UTC)
    shifted = aware.astimezone(timezone(timedelta(hours=-5)))  # the same instant in another zone
    assert clock.beijing(naive_utc) == clock.beijing(aware) == clock.beijing(shifted) == "2026-01-02 04:00"
    assert clock.beijing(aware + timedelta(minutes=1)) == "2026-01-02 04:01"  # another instant: not a kept text
    assert clock.beijing(aware, "%H:%M:%S") == "04:00:59"  # the format is part of what is kept
    assert clock.beijing(date(2026, 3, 9), "%H:%M") == "2026-03-09"  # a date reads as it is
    assert clock.beijing(None) == clock.beijing("") == ""
