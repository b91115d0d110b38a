"""Random walks of the whole lifecycle (hypothesis ``RuleBasedStateMachine``) across the
service layer: every step of every flow (``actions_for``/``perform``) and the other verbs —
batch endorsement, opening checks and evaluations, publishing the demonstration list, new
applications, follow-on funding — taken by every demo account, allowed or not, in random order
and with the clock moving. After every step:

* state, version and audit agree: each item's state is the target of its last state-changing
  audit record, and its version is 1 + the number of its steps and edits in the audit;
* the audit chain verifies (the records added by the step, linked to the head; the whole
  chain at the end of each walk);
* no batch holds more projects than its quota and the demonstration places are never
  exceeded (the counters agree with the rows);
* a refused action wrote nothing: every table's row count and the audit head are unchanged
  (and a refusal by policy, visibility or input left nothing even inside its unit of work);
* what a user can list equals what they can open (a rule the walk takes at random: the read
  layer's list against its detail read, for every row of every kind).

Each walk starts from one seeded database (items in every stage, built once per module) and
runs inside one transaction rolled back at its end: each step is a SAVEPOINT, as a request is a
transaction. Nothing commits, so the outbox's jobs never run within a walk.

How many walks: ``PILOTFLOW_WALKS`` (default 200) of ``PILOTFLOW_WALK_STEPS`` (30). With
``CI=true`` the walks are derandomized (the same every run). A failure prints the shrunk
sequence of steps and a ``@reproduce_failure`` blob; rerun with ``--hypothesis-seed=N`` (the
seed pytest prints with ``--hypothesis-show-statistics`` or in the failure) to replay a run.
See docs/testing.md.
"""
from __future__ import annotations

import collections
import itertools
import os
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from app import clock
from app.database import transaction, writing
from app.demo.materials import acceptance_materials
from app.demo.seed import DEMO_PASSWORD, DEMO_USERS, EXPERTS
from app.errors import Denied, DomainError, Invalid, NotFound
from app.extensions import db
from app.kinds import KINDS, MODEL_OF
from app.models import (
    Application,
    AuditHead,
    AuditRecord,
    Batch,
    Counter,
    Project,
    User,
)
from app.policies import visible_to
from app.schemas import load
from app.services.commands import action, actions_for, checks, perform
from app.services.commands import endorsement as endorsing
from app.services.commands import evaluation as evaluating
from app.services.commands.applications import create_application
from app.services.commands.demonstration import publish_demonstrations
from app.services.commands.funding import file_funding_request
from app.services.engine.fire import available_steps
from app.services.engine.guards import PLACE_STATES, places_taken, quota_key
from app.services.reads import changes as change_reads
from app.services.reads import funding as funding_reads
from app.services.reads import projects as project_reads
from app.services.reads.applications import (
    ApplicationFilters,
    application_detail,
    list_applications,
)
from app.services.records import audit
from tests import databases, factories
from tests.app_fixtures import app_on

WALKS = int(os.environ.get("PILOTFLOW_WALKS", 200))
STEPS = int(os.environ.get("PILOTFLOW_WALK_STEPS", 30))
USERNAMES = [u[0] for u in DEMO_USERS] + [e[0] for e in EXPERTS]
DEMONSTRATION_MAX = 1
EDIT_TRIGGERS = {"edit"}
TALLY: collections.Counter = collections.Counter()  # what the walks did, printed at the end (pytest -s)  # audit records that bump an item's version without being a flow step


def _seed() -> None:
    """Items in every stage, some competing for the last quota place and demonstration place."""
    for applicant in ("wuhua_applicant", "dali_applicant"):
        factories.graded(applicant)  # graded 优秀: in evaluation, two candidates for one demonstration place
    project_id, acceptance_id = factories.in_acceptance("kunming_applicant")
    members = factories.panel(acceptance_id)
    for expert, _ in members:
        with transaction():
            perform(expert, "acceptance", acceptance_id, "submit_scores", factories.full_scores())
    chair = next(u for u, c in members if c)
    with transaction():  # the report is numbered and rendered: the panel can sign it in a walk
        perform(chair, "acceptance", acceptance_id, "conclude", {"opinion": "同意通过验收"})
    factories.in_acceptance("province_applicant")
    factories.project("dali_applicant")  # under construction, with this year's check open below
    with transaction():
        checks.open_checks(factories.user("office"), clock.today().year)
    for applicant in ("wuhua_applicant", "kunming_applicant", "qujing_applicant"):
        factories.awaiting_approval(applicant)  # three approvals for one place
    factories.in_re_review("qujing_applicant")
    factories.endorsed("dali_applicant")
    factories.submitted("wuhua_applicant")
    factories.submitted("kunming_applicant")
    factories.draft("qujing_applicant")
    with transaction():  # one place left in the batch: the approvals compete for it
        batch = factories.demo_batch()
        batch.quota = db.session.scalar(sa.select(sa.func.count()).where(Project.batch_id == batch.id)) + 1


@pytest.fixture(scope="module")
def walk_app(template_database, tmp_path_factory, pki_dir):
    workdir = tmp_path_factory.mktemp("walks")
    with databases.clone(template_database, "walks", workdir) as url:
        with app_on(url, workdir, pki_dir, DEMONSTRATION_MIN=1, DEMONSTRATION_MAX=DEMONSTRATION_MAX) as app:
            _seed()
            db.session.remove()
            yield app


# --- what the checks read --------------------------------------------------------------------------
_COUNTS = None


def _row_counts() -> tuple:
    """Every table's row count, in one statement (built once)."""
    global _COUNTS
    if _COUNTS is None:
        _COUNTS = sa.text(" UNION ALL ".join(f"SELECT '{t.name}', COUNT(*) FROM {t.name}"
                                             for t in db.metadata.sorted_tables))
    return tuple(sorted(db.session.execute(_COUNTS).all()))


def _items() -> dict[str, dict[int, tuple]]:
    """kind → id → (state, version) of every workflow item."""
    return {kind: {i: (st_, v) for i, st_, v in db.session.execute(sa.select(m.id, m.state, m.version))}
            for kind, m in MODEL_OF.items()}


_HEAD = sa.text("SELECT last_id FROM audit_head WHERE id = 1")


def _head_id() -> int:
    return db.session.scalar(_HEAD) or 0


def _every_page(read) -> list:
    """Every row of a paged list, page by page as a reader turns them."""
    rows, page = [], 1
    while True:
        result = read(page)
        rows += result.items
        if page >= result.pages:
            return rows
        page += 1


_SIGNED: dict = {}


def _perform(user, kind: str, entity_id: int, trigger: str, data: dict, version: int | None):
    """``perform`` as the adapters call it: the step's preparation first (an expert's
    signature, made once per document version and signer for all the walks: every walk starts
    from the same database, and signing takes most of a second), then the step."""
    found = action(kind, trigger)
    prepared = None
    if found.prepare is not None:
        plan = found.prepare(user, entity_id, load(found.schema(), data))
        key = (plan.document_id, plan.base, plan.sha256, plan.request.field_name, user.id)
        if key not in _SIGNED:
            _SIGNED[key] = plan.make()
        prepared = _SIGNED[key]
    return perform(user, kind, entity_id, trigger, data, version, prepared)


def _data(trigger: str, variant: int) -> dict:
    """Valid input for each step (``variant`` picks among outcomes, e.g. a failing score)."""
    today = clock.today()
    return {
        "endorse": {"opinion": "同意上报", "ranking": 1 + variant},
        "record_joint_opinion": {"recommendation": ("approve", "revise", "reject")[variant % 3], "opinion": "意见"},
        "approve_project": {"opinion": "批准立项", "approved_budget": "100", "construction_months": 12},
        "request_acceptance": {"summary": "已完成建设", "materials": acceptance_materials()},
        "submit_progress_report": {"report": "进展顺利"},
        "submit_rectification": {"report": "已整改"},
        "submit_self_evaluation": {"report": "运行良好"},
        "order_rectification": {"opinion": "请整改", "deadline": (today + timedelta(days=30)).isoformat()},
        "form_panel": {"size": 3, "seed": variant},
        "submit_scores": factories.full_scores((0.9, 0.5, 0.7)[variant % 3]),
        "sign_report": {"password": DEMO_PASSWORD},
        "score": {"opinion": "评分", **{k: ("92", "55", "78")[variant % 3]
                                      for k in ("results_score", "operation_score", "promotion_score")}},
    }.get(trigger, {"opinion": "意见"})


class LifecycleWalk(RuleBasedStateMachine):
    """One walk: random steps by random accounts on one seeded database, rolled back at the end."""

    @initialize()
    def start(self):
        db.session.rollback()
        clock.set_now(None)
        self.writing = writing()  # the walk is one unit of work that writes (BEGIN IMMEDIATE on SQLite)
        self.writing.__enter__()
        self.users = {u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(USERNAMES)))}
        self.verified_id, self.verified_hash = self._verify_from(0, audit.GENESIS)
        self.counts, self.head, self.items = _row_counts(), _head_id(), _items()

    def teardown(self):
        try:
            report = audit.verify_chain()
            assert report.ok, report
            for kind in KINDS:
                self._check_state_and_version(kind, "the walk")
        finally:
            db.session.rollback()
            self.writing.__exit__(None, None, None)
            clock.set_now(None)

    # --- the one way every rule takes a step ----------------------------------------------------
    def _step(self, label: str, run) -> object:
        savepoint = db.session.begin_nested()
        try:
            result = run()
        except DomainError as exc:
            if isinstance(exc, (Denied, NotFound, Invalid)):  # refused before deciding anything
                assert _head_id() == self.head, f"{label}: refused ({exc!r}) after writing an audit record"
            savepoint.rollback()
            event(f"refused: {type(exc).__name__}")
            TALLY[f"refused ({type(exc).__name__})"] += 1
            assert _row_counts() == self.counts, f"{label}: refused ({exc!r}) but rows changed"
            assert _head_id() == self.head, f"{label}: refused ({exc!r}) but the audit head moved"
            return None
        savepoint.commit()
        event(f"done: {label}")
        TALLY["done"] += 1
        TALLY["done " + label.split(" ", 1)[-1].split(" [")[0].split(" 20")[0]] += 1
        self._check_after_success(label)
        return result

    def _check_after_success(self, label: str) -> None:
        self.verified_id, self.verified_hash = self._verify_from(self.verified_id, self.verified_hash)
        items = _items()
        self._check_moves(self.items, items, label)
        self._check_quotas(label)
        self.counts, self.head, self.items = _row_counts(), _head_id(), items

    def _check_moves(self, before: dict, after: dict, label: str) -> None:
        """Every item the step changed or created moved exactly as its new audit records say:
        its version by one per step (or edit), its state to the last record's target."""
        new = db.session.execute(sa.select(AuditRecord.entity_type, AuditRecord.entity_id, AuditRecord.trigger,
                                           AuditRecord.to_state).where(AuditRecord.id > self.head)
                                 .order_by(AuditRecord.id)).all()
        for kind, rows in after.items():
            steps = set(KINDS[kind].flow.triggers) | EDIT_TRIGGERS
            assert set(before[kind]) <= set(rows), f"after {label}: a {kind} disappeared"
            for entity_id, (state, version) in rows.items():
                mine = [r for r in new if r.entity_type == kind and r.entity_id == entity_id]
                was_state, was_version = before[kind].get(entity_id, (None, 0))  # a new item starts at 1
                moved = sum(r.trigger in steps for r in mine) + (entity_id not in before[kind])
                targets = [r.to_state for r in mine if r.to_state is not None]
                assert version - was_version == moved, \
                    f"after {label}: {kind} {entity_id} went from version {was_version} to {version} in {moved} steps"
                assert state.value == (targets[-1] if targets else getattr(was_state, "value", state.value)), \
                    f"after {label}: {kind} {entity_id} is {state.value}, its audit says {targets or was_state}"

    def _verify_from(self, last_id: int, prev: str) -> tuple[int, str]:
        """The records after ``last_id``: each linked to the one before and matching its digest;
        the head names the last."""
        for rec in itertools.chain.from_iterable(audit.chain_batches(after=last_id)):
            assert rec.prev_hash == prev, f"audit record {rec.id}: broken link"
            assert audit.row_digest(prev, rec) == rec.hash, f"audit record {rec.id}: digest"
            last_id, prev = rec.id, rec.hash
        head = db.session.get(AuditHead, 1)
        assert head is None or (head.last_id, head.last_hash) == (last_id, prev), "audit head"
        return last_id, prev

    def _check_state_and_version(self, kind: str, label: str) -> None:
        model, flow = MODEL_OF[kind], KINDS[kind].flow
        rows = db.session.execute(sa.select(model.id, model.state, model.version)).all()
        counted = dict(db.session.execute(
            sa.select(AuditRecord.entity_id, sa.func.count()).where(
                AuditRecord.entity_type == kind, AuditRecord.trigger.in_(set(flow.triggers) | EDIT_TRIGGERS))
            .group_by(AuditRecord.entity_id)).all())
        last = sa.select(AuditRecord.entity_id, sa.func.max(AuditRecord.id).label("last")).where(
            AuditRecord.entity_type == kind, AuditRecord.to_state.is_not(None)).group_by(AuditRecord.entity_id).subquery()
        targets = dict(db.session.execute(sa.select(AuditRecord.entity_id, AuditRecord.to_state)
                                          .join(last, last.c.last == AuditRecord.id)).all())
        for entity_id, state, version in rows:
            assert version == 1 + counted.get(entity_id, 0), \
                f"after {label}: {kind} {entity_id} is at version {version} with {counted.get(entity_id, 0)} steps"
            if entity_id in targets:
                assert targets[entity_id] == state.value, \
                    f"after {label}: {kind} {entity_id} is {state.value}, its audit says {targets[entity_id]}"

    def _check_quotas(self, label: str) -> None:
        for batch_id, quota, used in db.session.execute(
                sa.select(Batch.id, Batch.quota, sa.func.count(Project.id))
                .outerjoin(Project, Project.batch_id == Batch.id).group_by(Batch.id, Batch.quota)):
            taken = db.session.scalar(sa.select(Counter.value).where(Counter.key == quota_key(batch_id))) or 0
            assert used <= quota and taken == used, f"after {label}: batch {batch_id} {used}/{taken} of {quota}"
        # the places are the candidates and demonstration projects now: a closed one frees its place
        places = places_taken(db.session)
        selected = db.session.scalar(sa.select(sa.func.count()).select_from(Project).where(
            Project.state.in_(PLACE_STATES), Project.demonstration_selected_at.is_not(None)))
        assert selected == places <= DEMONSTRATION_MAX, f"after {label}: {selected} selected, {places} places"

    def _ids(self, kind: str) -> list[int]:
        return list(db.session.scalars(sa.select(MODEL_OF[kind].id).order_by(MODEL_OF[kind].id)))

    # --- the rules ------------------------------------------------------------------------------
    def _someone_acts(self, pick, choice, variant):
        """An item not at its end (of any kind), and one of the steps some account may take on it now."""
        waiting = [(kind, i) for kind, model in MODEL_OF.items() for i in db.session.scalars(
            sa.select(model.id).where(model.state.not_in(KINDS[kind].flow.terminal_states)).order_by(model.id))]
        if not waiting:
            return
        kind, entity_id = waiting[pick % len(waiting)]
        entity = db.session.get(MODEL_OF[kind], entity_id)
        offered = [(name, step.trigger) for name, user in self.users.items()
                   for step in available_steps(entity, user)]
        if not offered:
            event("nobody can act on the item picked")
            TALLY["nobody can act on the item picked"] += 1
            return
        name, trigger = offered[choice % len(offered)]
        user = self.users[name]
        _, shown = actions_for(user, kind, entity.id)
        assert trigger in {a.trigger for a in shown}, f"{name} may {kind}.{trigger} but has no button"
        self._step(f"{name} {kind}.{trigger}", lambda: _perform(user, kind, entity.id, trigger,
                                                                  _data(trigger, variant), entity.version))

    # Three rules for the same move, so that a third of the steps move items on.
    acts = st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 2)

    @rule(pick=acts[0], choice=acts[1], variant=acts[2])
    def someone_takes_a_step_they_may(self, pick, choice, variant):
        self._someone_acts(pick, choice, variant)

    @rule(pick=acts[0], choice=acts[1], variant=acts[2])
    def someone_else_takes_a_step_they_may(self, pick, choice, variant):
        self._someone_acts(pick, choice, variant)

    @rule(pick=acts[0], choice=acts[1], variant=acts[2])
    def and_another_takes_a_step_they_may(self, pick, choice, variant):
        self._someone_acts(pick, choice, variant)

    @rule(name=st.sampled_from(USERNAMES), kind=st.sampled_from(list(KINDS)), pick=st.integers(0, 10**6),
          trigger=st.data(), valid=st.booleans(), stale=st.booleans())
    def anyone_tries_anything(self, name, kind, pick, trigger, valid, stale):
        """Any account, any step, any item (also one they cannot see), sometimes with bad input
        or a stale version: mostly refused."""
        step = trigger.draw(st.sampled_from(list(KINDS[kind].flow.triggers)))
        ids = self._ids(kind) + [10**6]
        entity_id = ids[pick % len(ids)]
        user = self.users[name]
        version = None
        if stale:
            version = (db.session.scalar(sa.select(MODEL_OF[kind].version).where(MODEL_OF[kind].id == entity_id))
                       or 1) - 1
        data = _data(step, pick) if valid else {"opinion": "x" * 5001, "ranking": 0, "size": 4}
        self._step(f"{name} tries {kind}.{step}", lambda: _perform(user, kind, entity_id, step, data, version))

    @rule(name=st.sampled_from(USERNAMES), pick=st.lists(st.integers(0, 10**6), min_size=1, max_size=3),
          stale=st.booleans())
    def batch_endorsement(self, name, pick, stale):
        ids = self._ids("application")
        chosen = sorted({ids[p % len(ids)] for p in pick})
        versions = dict(db.session.execute(sa.select(Application.id, Application.version)
                                           .where(Application.id.in_(chosen))).all())
        items = [{"id": i, "version": versions[i] - (1 if stale else 0), "ranking": n + 1}
                 for n, i in enumerate(chosen)]
        self._step(f"{name} endorses {chosen}", lambda: endorsing.endorse_many(
            self.users[name], {"opinion": "汇总上报", "items": items}))

    @rule(name=st.sampled_from(USERNAMES), year=st.sampled_from([0, 1, 2]))
    def open_checks(self, name, year):
        self._step(f"{name} opens checks", lambda: checks.open_checks(self.users[name], clock.today().year + year))

    @rule(name=st.sampled_from(USERNAMES), period=st.sampled_from(["2031", "2031H1", "2032"]),
          some=st.booleans())
    def open_evaluations(self, name, period, some):
        project_ids = self._ids("project")[:2] if some else None
        self._step(f"{name} opens evaluations {period}",
                   lambda: evaluating.open_evaluations(self.users[name], period, project_ids))

    @rule(name=st.sampled_from(USERNAMES))
    def publish_the_demonstration_list(self, name):
        self._step(f"{name} publishes", lambda: publish_demonstrations(self.users[name], {"opinion": "公布"}))

    @rule(name=st.sampled_from(USERNAMES))
    def new_application(self, name):
        self._step(f"{name} drafts", lambda: create_application(self.users[name], factories.draft_data()))

    @rule(name=st.sampled_from(USERNAMES), pick=st.integers(0, 10**6))
    def follow_on_funding(self, name, pick):
        ids = self._ids("project")
        self._step(f"{name} asks funding", lambda: file_funding_request(
            self.users[name], ids[pick % len(ids)], {"amount": "10", "purpose": "二期"}))

    @rule(days=st.integers(1, 400))
    def time_passes(self, days):
        clock.set_now(clock.now() + timedelta(days=days))

    @rule(name=st.sampled_from(USERNAMES), kind=st.sampled_from(list(KINDS)))
    def what_one_lists_one_can_open(self, name, kind):
        """The read layer's list of a kind against its detail read, for every row of that kind."""
        user = self.users[name]
        list_of, detail = READS[kind]
        try:
            shown = {r.id for r in _every_page(lambda page: list_of(user, page))}
        except Denied:  # a list this role has no page for (an expert's change requests): it sees none
            shown = set()
        model = MODEL_OF[kind]
        assert shown == set(db.session.scalars(sa.select(model.id).where(visible_to(user, model)))), (name, kind)
        for entity_id in self._ids(kind):
            try:
                detail(user, entity_id)
                opened = True
            except NotFound:
                opened = False
            assert opened == (entity_id in shown), f"{name}: {kind} {entity_id} listed={not opened}, opens={opened}"


# kind → (the list a reader pages through, the detail they open)
READS = {
    "application": (lambda user, page: list_applications(user, ApplicationFilters(), page), application_detail),
    "project": (lambda user, page: project_reads.list_projects(user, page), project_reads.project_detail),
    "midterm_check": (lambda user, page: project_reads.list_midterm_checks(user, page=page),
                      project_reads.midterm_check_detail),
    "acceptance": (lambda user, page: project_reads.list_acceptances(user, page=page), project_reads.acceptance_detail),
    "evaluation": (lambda user, page: project_reads.list_evaluations(user, page=page), project_reads.evaluation_detail),
    "change_request": (lambda user, page: change_reads.list_change_requests(user, page=page),
                       change_reads.change_request_detail),
    "funding_request": (lambda user, page: funding_reads.list_funding_requests(user, page=page),
                        funding_reads.funding_request_detail),
    "demonstration_list": (lambda user, page: project_reads.list_demonstration_lists(user, page),
                           project_reads.demonstration_list_detail),
    "demonstration_objection": (lambda user, page: project_reads.list_objections(user, page),
                                project_reads.objection_detail),
}


def test_random_walks_of_the_lifecycle_keep_every_invariant(walk_app):
    started = time.process_time()  # reported, never asserted: speed is measured, not tested
    run_state_machine_as_test(LifecycleWalk, settings=settings(
        max_examples=WALKS, stateful_step_count=STEPS, deadline=None, database=None,
        derandomize=os.environ.get("CI") == "true", print_blob=True,
        suppress_health_check=list(HealthCheck)))
    done = sorted((k, n) for k, n in TALLY.items() if k.startswith("done "))
    print(f"\n{WALKS} walks of up to {STEPS} steps in {time.process_time() - started:.1f} s of CPU: "
          f"{TALLY['done']} steps done, "
          + ", ".join(f"{n} {k}" for k, n in TALLY.items() if k.startswith("refused")))
    print("\n".join(f"  {n:5d}  {k[5:]}" for k, n in done))
    # the walks move the items on, not only knock on closed doors (hypothesis starts with its
    # simplest walks, so a run of a handful may do nothing yet)
    assert TALLY["done"] > WALKS or WALKS < 20
