"""axe-core on every page the browser tests visit.

axe-core (npm, pinned in package.json, vendored as tests/browser/vendor/axe.min.js by
scripts/bootstrap.sh) is given to each browser context as an init script: Playwright injects it
through the DevTools protocol, so the pages' Content-Security-Policy (no inline script) stays as
it is and no page the product serves ever carries it.

When is a page audited? Every Playwright call a test makes on a page or a locator first audits
the document it is about to act on, if that document has not been audited yet (waiting for its
``load`` event); ``goto``, ``reload``, ``go_back`` and the ``wait_for_*`` calls audit right after.
So a page is audited before the test can click away from it. Each main-frame navigation is also
recorded: a page left before any call could audit it is re-opened (GET, same cookies) when the test
ends and audited then.

Findings go to test-artifacts/axe/<test>.json (every finding, per page) and a summary line per page
to test-artifacts/axe/summary.tsv; a *serious* or *critical* finding fails the test that visited
the page (tests/browser/conftest.py: ``pytest_runtest_call``).
"""
from __future__ import annotations

import functools
import json
import re
from collections import Counter
from contextlib import suppress
from pathlib import Path

from playwright.sync_api import Locator, Page

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = Path(__file__).with_name("vendor") / "axe.min.js"
REPORTS = ROOT / "test-artifacts" / "axe"
FAILING = ("serious", "critical")

# Runs in the page: audit this document once (after its load event), return the findings.
AUDIT = """
async () => {
  if (!window.axe || window.__axeAudited) return null;
  window.__axeAudited = true;
  if (document.readyState !== "complete")
    await new Promise(done => window.addEventListener("load", done, {once: true}));
  const result = await window.axe.run(document, {resultTypes: ["violations"]});
  return {
    url: location.pathname + location.search,
    title: document.title,
    violations: result.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 300),
                                summary: n.failureSummary}))
    }))
  };
}
"""

# Page and Locator calls that reach the browser: each audits a fresh document first.
_PAGE_CALLS = ("click", "fill", "check", "uncheck", "select_option", "set_input_files", "press", "type",
               "inner_text", "text_content", "content", "title", "screenshot", "evaluate",
               "wait_for_selector", "get_attribute", "is_visible", "dispatch_event", "hover", "focus")
_PAGE_NAVIGATIONS = ("goto", "reload", "go_back", "go_forward", "wait_for_url", "wait_for_load_state")
_LOCATOR_CALLS = ("click", "fill", "check", "uncheck", "select_option", "set_input_files", "press", "type",
                  "inner_text", "inner_html", "text_content", "count", "evaluate", "is_visible", "is_checked",
                  "get_attribute", "input_value", "all_inner_texts", "all_text_contents", "wait_for",
                  "screenshot", "hover", "focus", "dispatch_event", "set_checked", "is_enabled")


class Audits:
    """The findings of one test: per audited page, and the navigations not yet audited."""

    def __init__(self) -> None:
        self.pages: list[dict] = []
        self.visited: dict[int, list[str]] = {}   # id(page) → main-frame URLs in order
        self.audited: dict[int, set[str]] = {}
        self.watched: dict[int, Page] = {}
        self.busy = False

    def record(self, page: Page, report: dict) -> None:
        report["who"] = getattr(page, "_axe_who", "")
        self.pages.append(report)
        self.audited.setdefault(id(page), set()).add(report["url"])

    def serious(self) -> list[dict]:
        return [{**page, "violations": [v for v in page["violations"] if v["impact"] in FAILING]}
                for page in self.pages if any(v["impact"] in FAILING for v in page["violations"])]


current = Audits()


def audit(page: Page) -> None:
    """Audit the page's current document unless it already was (or it is mid-navigation)."""
    if current.busy or page.is_closed():
        return
    current.busy = True
    try:
        report = _ORIGINAL[(Page, "evaluate")](page, AUDIT)
    except Exception:  # the document went away under us: it is re-opened at the end
        report = None
    finally:
        current.busy = False
    if report:
        current.record(page, report)


def watch(page: Page, who: str = "") -> None:
    """Record the page's main-frame navigations (to audit pages left too soon, at the end)."""
    page._axe_who = who
    visited = current.visited.setdefault(id(page), [])

    def navigated(frame) -> None:
        if frame == page.main_frame and frame.url.startswith("http"):
            visited.append(_path(frame.url))
    page.on("framenavigated", navigated)
    current.watched[id(page)] = page


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("#")[0] or "/"


def finish() -> Audits:
    """Audit what was left unaudited (re-opened in a new tab of the same context), hand back the
    test's findings and start afresh."""
    global current
    done = current
    for key, urls in done.visited.items():
        page = done.watched.get(key)
        if not page or page.is_closed():
            continue
        with suppress(Exception):
            audit(page)
            for url in [u for u in dict.fromkeys(urls) if u not in done.audited.get(key, set())]:
                probe = page.context.new_page()
                probe._axe_who = getattr(page, "_axe_who", "")
                _ORIGINAL[(Page, "goto")](probe, url)
                audit(probe)
                done.audited.setdefault(key, set()).add(url)
                probe.close()
    current = Audits()
    return done


def write(nodeid: str, audits: Audits) -> None:
    """test-artifacts/axe/<test>.json with every finding; one summary line per page."""
    if not audits.pages:
        return
    REPORTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::")[-1])
    (REPORTS / f"{name}.json").write_text(json.dumps(audits.pages, ensure_ascii=False, indent=1), "utf-8")
    with (REPORTS / "summary.tsv").open("a", encoding="utf-8") as out:
        for page in audits.pages:
            counts = Counter(v["impact"] for v in page["violations"])
            out.write("\t".join([name, page.get("who", ""), page["url"]]
                                + [str(counts.get(level, 0)) for level in ("critical", "serious", "moderate", "minor")])
                      + "\n")


def describe(findings: list[dict]) -> str:
    lines = []
    for page in findings:
        lines.append(f"{page['url']} ({page.get('who', '')}, {page['title']}):")
        for v in page["violations"]:
            lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
            lines.extend(f"      {n['target']}  {n['html'][:160]}" for n in v["nodes"][:5])
    return "\n".join(lines)


def start_report() -> None:
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "summary.tsv").write_text("test\tuser\tpage\tcritical\tserious\tmoderate\tminor\n", "utf-8")


def totals() -> tuple[int, Counter]:
    path = REPORTS / "summary.tsv"
    if not path.exists():
        return 0, Counter()
    rows = [line.split("\t") for line in path.read_text("utf-8").splitlines()[1:] if line]
    counts: Counter = Counter()
    for row in rows:
        for level, value in zip(("critical", "serious", "moderate", "minor"), row[3:]):
            counts[level] += int(value)
    return len(rows), counts


# --- the hooks on Playwright's sync API -------------------------------------------------------
_ORIGINAL: dict[tuple[type, str], object] = {}


def _before(method):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        audit(self if isinstance(self, Page) else self.page)
        return method(self, *args, **kwargs)
    return call


def _after(method):
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        audit(self)
        return result
    return call


def install() -> None:
    """Wrap the calls (once per process)."""
    if _ORIGINAL:
        return
    for cls, names, wrap in ((Page, _PAGE_CALLS, _before), (Page, _PAGE_NAVIGATIONS, _after),
                             (Locator, _LOCATOR_CALLS, _before)):
        for name in names:
            _ORIGINAL[(cls, name)] = getattr(cls, name)
            setattr(cls, name, wrap(getattr(cls, name)))
