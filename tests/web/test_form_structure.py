"""Every page of a walkthrough is parsed (html.parser) and must hold together for assistive
technology: ids are unique on the page; every input, select and textarea has a label tied to it
(``<label for>`` naming its id, a wrapping label, or aria-label/aria-labelledby); every id an
attribute points at (for, aria-describedby, aria-labelledby, aria-controls) exists; a field shown
with an error is marked aria-invalid and names the error in its aria-describedby, and no error
message next to a field stands unlinked. Forms leave validation to the server (novalidate), so
the messages are the product's own, in the page's language.

The walkthrough: items in several stages (a draft, one in 初审, one in 复审, a project with its
mid-term check, an accepted and a graded project), each demo role visiting the lists, the details
and each step's own form page; then forms sent back with errors (several action forms on one page,
an upload, a destructive step without its confirmation)."""
from __future__ import annotations

import io
import shutil
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Evaluation, MidtermCheck
from app.services.commands import actions_for
from tests import databases
from tests import factories as f
from tests.app_fixtures import FILE_DIRS, app_on
from tests.web.web_client import User as Browser

CONTROLS = {"input", "select", "textarea"}
NOT_LABELLED = {"hidden", "submit", "button", "reset", "image"}
POINTERS = ("for", "aria-describedby", "aria-labelledby", "aria-controls")


class Page(HTMLParser):
    """The page's elements with their attributes, the labels around each control, the errors."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.open_labels = 0
        self.wrapped: set[int] = set()  # indexes of controls inside a <label>
        self.forms: list[dict] = []
        self.in_error: list[dict] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {k: (v or "") for k, v in attrs}
        if tag == "label":
            self.open_labels += 1
        if tag in CONTROLS and self.open_labels:
            self.wrapped.add(len(self.elements))
        if tag == "form":
            self.forms.append(attributes)
        self.elements.append((tag, attributes))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "label" and self.open_labels:
            self.open_labels -= 1

    def problems(self) -> list[str]:
        found = []
        ids: dict[str, int] = {}
        for _tag, attributes in self.elements:
            if "id" in attributes:
                ids[attributes["id"]] = ids.get(attributes["id"], 0) + 1
        found += [f"id {i!r} used {n} times" for i, n in ids.items() if n > 1]
        label_for = {a["for"] for t, a in self.elements if t == "label" and a.get("for")}
        for index, (tag, a) in enumerate(self.elements):
            for pointer in POINTERS:
                for target in a.get(pointer, "").split():
                    if target not in ids:
                        found.append(f"<{tag}> {pointer}={target!r} names no element")
            if tag in CONTROLS and a.get("type", "text") not in NOT_LABELLED:
                labelled = (a.get("id") in label_for or index in self.wrapped
                            or a.get("aria-label") or a.get("aria-labelledby"))
                if not labelled:
                    found.append(f"<{tag} name={a.get('name')!r} id={a.get('id')!r}> has no label")
            if a.get("aria-invalid") == "true":
                errors = [t for t in a.get("aria-describedby", "").split() if t.endswith("-error")]
                if not errors:
                    found.append(f"<{tag} id={a.get('id')!r}> is invalid but names no error")
            classes = a.get("class", "").split()
            if "error" in classes and tag == "span":
                described = [x for _t, x in self.elements if a.get("id") and a["id"] in x.get("aria-describedby", "").split()]
                if not described:
                    found.append(f"error <span id={a.get('id')!r}> is linked to no field")
        for form in self.forms:
            if "novalidate" not in form:
                found.append(f"<form action={form.get('action')!r}> lets the browser validate (no novalidate)")
        return found


def check(response, where: str) -> None:
    assert response.content_type.startswith("text/html"), where
    problems = Page(response.get_data(as_text=True)).problems()
    assert not problems, f"{where}:\n  " + "\n  ".join(problems)


def _walk_items() -> dict:
    draft = f.draft("wuhua_applicant", name="五华区社区服务草稿")
    in_review = f.endorsed("wuhua_applicant", name="五华区政务服务初审")
    re_review = f.in_re_review("dali_applicant", name="大理农业补贴复审")
    project = f.project("wuhua_applicant", name="五华区养老服务平台")
    accepted, _acceptance = f.accepted("dali_applicant")
    graded, evaluation = f.graded("wuhua_applicant")
    check_id = db.session.scalar(sa.select(MidtermCheck.id).where(MidtermCheck.project_id == project))
    return {"application": [draft, in_review, re_review], "project": [project, accepted, graded],
            "midterm_check": [check_id] if check_id else [], "evaluation": [evaluation],
            "evaluation_ids": db.session.scalars(sa.select(Evaluation.id)).all()}


@pytest.fixture(scope="module")
def walked(template_database, tmp_path_factory, pki_dir):
    """The walkthrough's items, made once for the module (some five seconds of steps) in a copy of
    the demo data that each test then clones: (that copy, its files' directory, the items' ids)."""
    workdir = tmp_path_factory.mktemp("walkthrough")
    with databases.copied(template_database, "walkthrough", workdir) as seeded:
        with app_on(seeded.url, workdir, pki_dir):
            items = _walk_items()
        yield seeded, workdir, items


@pytest.fixture
def database_url(walked, tmp_path):
    """This module's tests run on a clone of the walkthrough's database, with its files."""
    seeded, workdir, _items = walked
    for files in FILE_DIRS.values():
        if (workdir / files).exists():
            shutil.copytree(workdir / files, tmp_path / files)
    with databases.clone(seeded, "test", tmp_path) as url:
        yield url


@pytest.fixture
def walkthrough(app, walked):
    return walked[2]


def plain_pages(app) -> list[str]:
    """Every page without a parameter (lists, forms, settings, administration)."""
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments
                  and not rule.rule.startswith(("/api/", "/static", "/logout")))


PAGES = {"application": "/applications/{}", "project": "/projects/{}", "midterm_check": "/projects/checks/{}",
         "evaluation": "/evaluations/{}"}


@pytest.mark.parametrize("username", ["wuhua_applicant", "dali_applicant", "wuhua_office", "office", "leader",
                                      "fgw", "admin"])
def test_every_page_of_the_walkthrough_has_labelled_fields_and_unique_ids(app, walkthrough, username):
    user = Browser(app, username)
    seen = 0
    for path in plain_pages(app):
        response = user.get(path)
        if response.status_code == 200 and response.content_type.startswith("text/html"):
            check(response, f"{username} {path}")
            seen += 1
    for kind, ids in walkthrough.items():
        if kind not in PAGES:
            continue
        for item in ids:
            response = user.get(PAGES[kind].format(item))
            if response.status_code != 200:
                continue
            check(response, f"{username} {PAGES[kind].format(item)}")
            seen += 1
            with app.app_context():
                steps = actions_for(f.user(username), kind, item)[1]
            for step in steps:  # each step's own page (the no-script way to its form)
                path = f"/act/{kind}/{item}/{step.trigger}"
                check(user.get(path), f"{username} {path}")
                seen += 1
    assert seen >= 15, seen


def test_forms_sent_back_with_errors_link_each_error_to_its_field(app, walkthrough):
    draft, in_review, _re = walkthrough["application"]
    office = Browser(app, "office")
    # several action forms on one page, one of them sent back: every id still unique, the error linked
    refused = office.act("application", in_review, "return_for_revision", {"opinion": " "})
    assert refused.status_code == 422
    check(refused, "return_for_revision without an opinion")
    assert f'id="f-application-{in_review}-return_for_revision-opinion-error"' in refused.text
    check(office.get(f"/applications/{in_review}"), "the office's three action forms on one page")

    applicant = Browser(app, "wuhua_applicant")
    empty = applicant.post(f"/applications/{draft}/attachments", {"kind": "budget", "file": (io.BytesIO(b""), "a.pdf")},
                           content_type="multipart/form-data")
    assert empty.status_code == 422
    check(empty, "an empty upload")
    unconfirmed = applicant.act("application", draft, "withdraw", {"opinion": "不再申报"})
    assert unconfirmed.status_code == 422
    check(unconfirmed, "a withdrawal without its confirmation")
    assert 'aria-invalid="true"' in unconfirmed.text


def test_the_checker_finds_what_it_looks_for():
    """The parser above catches each kind of fault (else the walkthrough would prove nothing)."""
    bad = Page('<form><input id="a" name="x"><input id="a" type="text" aria-describedby="gone">'
               '<select id="s" aria-invalid="true"></select><span class="error" id="e">!</span></form>')
    text = "\n".join(bad.problems())
    for fault in ("id 'a' used 2 times", "names no element", "has no label", "names no error",
                  "linked to no field", "no novalidate"):
        assert fault in text, fault
    good = Page('<form novalidate><label for="a">A</label><input id="a" name="a" aria-invalid="true" '
                'aria-describedby="a-error"><span class="error" id="a-error">!</span>'
                '<label>B <input name="b"></label><input type="hidden" name="c"></form>')
    assert good.problems() == []
