"""Several machines: PostgreSQL, a private redis-server, two gunicorn web servers on two loopback
ports and two `flask worker` processes, all separate processes sharing only the database, Redis
and the document store — the topology of docs/deployment.md on one host.

Ten applications go through the whole lifecycle over HTTP, each request to the other server.
While PDF jobs run, one worker is killed with SIGKILL in the middle of a job. Then: every
document was rendered once and the acceptance reports sealed once, the numbers have no gap and
no duplicate, the audit chain verifies, no job was lost, and no request got a 5xx.
"""
from __future__ import annotations

import itertools
import signal
import time

import pytest
import requests
import sqlalchemy as sa
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import StartedJobRegistry

from app.database import transaction
from app.demo.seed import DEMO_PASSWORD
from app.extensions import db
from app.models import DocumentVersion, IssuedDocument, OutboxMessage, OutboxStatus
from app.services.commands import tokens
from app.services.records import audit
from tests import databases, factories
from tests.cluster.processes import Cluster
from workflows.acceptance import CRITERIA

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(databases.BACKEND != "postgresql",
                       reason="several machines share a PostgreSQL server (runs in the suite's PostgreSQL pass)"),
]
APPLICATIONS = 10
USERS = ("wuhua_applicant", "wuhua_office", "kunming_office", "office", "leader", "fgw", "czt", "xxb",
         *(f"expert{i}" for i in range(1, 10)))


class Http:
    """JSON calls with bearer tokens, each to the next server in turn; every status is kept."""

    def __init__(self, urls: list[str], secrets: dict[str, str]):
        self.servers = itertools.cycle(urls)
        self.secrets = secrets
        self.statuses: list[tuple[int, str]] = []

    def call(self, method: str, path: str, user: str, body: dict | None = None, ok=(200, 201)) -> requests.Response:
        response = requests.request(method, f"{next(self.servers)}/api/v1/{path}", json=body, timeout=60,
                                    headers={"Authorization": f"Bearer {self.secrets[user]}", "Accept-Language": "en"})
        self.statuses.append((response.status_code, f"{method} {path}"))
        assert response.status_code < 500, (method, path, response.status_code, response.text[:500])
        if ok:
            assert response.status_code in ok, (method, path, user, response.status_code, response.text[:500])
        return response

    def act(self, kind: str, item_id: int, trigger: str, user: str, **body) -> dict:
        version = self.call("GET", f"{kind}/{item_id}", user).json()["version"]
        return self.call("POST", f"{kind}/{item_id}/actions/{trigger}", user, {"version": version, **body}).json()

    def act_with_files(self, kind: str, item_id: int, trigger: str, user: str, fields: dict, files: dict) -> dict:
        """A step that takes materials: a multipart body."""
        version = self.call("GET", f"{kind}/{item_id}", user).json()["version"]
        response = requests.post(f"{next(self.servers)}/api/v1/{kind}/{item_id}/actions/{trigger}", timeout=60,
                                 data={"version": str(version), **fields},
                                 files={name: (filename, stream) for name, (stream, filename) in files.items()},
                                 headers={"Authorization": f"Bearer {self.secrets[user]}", "Accept-Language": "en"})
        self.statuses.append((response.status_code, f"POST {kind}/{item_id}/actions/{trigger}"))
        assert response.status_code == 200, (trigger, response.status_code, response.text[:500])
        return response.json()

    def act_when_ready(self, kind: str, item_id: int, trigger: str, user: str, **body) -> dict:
        """A step that needs a document its job is still making answers 409 until it is ready."""
        deadline = time.monotonic() + 120
        while True:
            version = self.call("GET", f"{kind}/{item_id}", user).json()["version"]
            response = self.call("POST", f"{kind}/{item_id}/actions/{trigger}", user,
                                 {"version": version, **body}, ok=None)
            if response.status_code == 200:
                return response.json()
            assert response.status_code == 409 and "being generated" in response.json()["message"], response.text
            assert time.monotonic() < deadline, "the document was never generated"
            time.sleep(0.3)


def _approve(http: Http, batch_id: int, plan_item_id: int, n: int) -> int:
    draft = http.call("POST", "applications", "wuhua_applicant", {
        "batch_id": batch_id, "name": f"多机部署验证项目{n:02d}", "category": "online_service",
        "domain": "social_security", "contact_name": "刘洋", "contact_phone": "0871-65123456",
        "requested_budget": "120.50", "construction_months": 18, "objectives": "提高办事效率",
        "content": "建设社区服务系统", "expected_benefits": "群众少跑腿", "plan_item_id": plan_item_id}).json()
    app_id = draft["id"]
    http.act("applications", app_id, "submit", "wuhua_applicant")
    http.act("applications", app_id, "endorse", "wuhua_office", opinion="同意上报", ranking=n + 1)
    http.act("applications", app_id, "endorse", "kunming_office", opinion="同意上报", ranking=n + 1)
    http.act("applications", app_id, "pass_initial_review", "office", opinion="初审通过")
    http.act("applications", app_id, "leader_approve", "leader", opinion="同意")
    for reviewer in ("fgw", "czt", "xxb"):
        http.act("applications", app_id, "record_joint_opinion", reviewer, recommendation="approve", opinion="同意")
    http.act("applications", app_id, "re_review_approve", "office", opinion="复审通过")
    result = http.act("applications", app_id, "approve_project", "leader", opinion="批准立项",
                      approved_budget="100.00", construction_months=12)
    return result["created"]["id"]


def _accept(http: Http, project_id: int, year: int, usernames: dict[int, str]) -> int:
    check = next(c for c in http.call("GET", f"midterm-checks?project_id={project_id}", "office").json()["items"])
    http.act("midterm-checks", check["id"], "submit_progress_report", "wuhua_applicant", report="进展顺利")
    http.act("midterm-checks", check["id"], "pass_check", "office", opinion="通过")
    acc_id = http.act_with_files("projects", project_id, "request_acceptance", "wuhua_applicant",
                                 {"summary": "已完成建设"}, factories.acceptance_files())["created"]["id"]
    http.act("acceptances", acc_id, "form_panel", "office", size=3, seed=project_id)
    members = http.call("GET", f"acceptances/{acc_id}", "office").json()["members"]
    scores = {k: {"score": str(m * 0.9), "comment": "好"} for k, _zh, _en, m in CRITERIA}
    for member in members:  # each declares no conflict of interest (回避声明) before scoring
        http.act("acceptances", acc_id, "declare", usernames[member["user_id"]])
        http.act("acceptances", acc_id, "submit_scores", usernames[member["user_id"]], scores=scores)
    chair = next(usernames[m["user_id"]] for m in members if m["is_chair"])
    http.act("acceptances", acc_id, "conclude", chair, opinion="同意通过验收")
    for member in sorted(members, key=lambda m: m["is_chair"]):  # the chair signs last
        http.act_when_ready("acceptances", acc_id, "sign_report", usernames[member["user_id"]], password=DEMO_PASSWORD)
    assert http.act("acceptances", acc_id, "seal_report", "office")["state"] == "passed"
    return acc_id


def _kill_a_worker_inside_a_job(cluster: Cluster) -> tuple[str, int]:
    """SIGKILL the worker that is running a job right now (waits until one is)."""
    queue = Queue("pilotflow", connection=Redis(unix_socket_path=cluster.redis_socket))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for job_id in StartedJobRegistry(queue=queue).get_job_ids():
            job = Job.fetch(job_id, connection=queue.connection)
            process = cluster.workers.get(job.worker_name or "")
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
                return job.worker_name, job.args[0]
        time.sleep(0.05)
    raise AssertionError("no worker was ever seen running a job")


def _settle(timeout: float = 180) -> None:
    """Wait until the outbox holds no pending work (the remaining worker sweeps the lost job)."""
    deadline = time.monotonic() + timeout
    while True:
        with transaction():
            pending = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.status == OutboxStatus.PENDING))
        if pending == 0:
            return
        assert time.monotonic() < deadline, f"{pending} jobs never ran"
        time.sleep(0.5)


def test_two_web_servers_and_two_workers_lose_nothing_when_a_worker_is_killed(app, database_url, tmp_path, pki_dir):
    secrets = {}
    with transaction():
        for username in USERS:
            _, secrets[username] = tokens.create_token(factories.user(username), {"name": "cluster"})
    usernames = {factories.user(u).id: u for u in USERS}
    db.session.remove()

    with Cluster(database_url, tmp_path, pki_dir, webs=2, workers=2) as cluster:
        http = Http(cluster.web_urls, secrets)
        batch_id = http.call("GET", "batches", "wuhua_applicant").json()["items"][0]["id"]
        plan_item_id = http.call("GET", "plan-items?category=online_service", "wuhua_applicant").json()["items"][0]["id"]
        projects = [_approve(http, batch_id, plan_item_id, n) for n in range(APPLICATIONS)]
        killed, lost_job = _kill_a_worker_inside_a_job(cluster)  # ten 立项批复 are rendering now
        year = time.localtime().tm_year
        # the workers' scheduler may have opened the year's checks of projects approved so far
        # (MIDTERM_OPENS_ON has passed): the office opens the rest, and each project has one
        http.call("POST", "midterm-checks", "office", {"year": year}, ok=(201,))
        acceptances = [_accept(http, project_id, year, usernames) for project_id in projects]
        evaluations = http.call("POST", "evaluations", "office", {"period": f"{year + 1}", "project_ids": projects},
                                ok=(201,)).json()
        for ev in evaluations:
            http.act("evaluations", ev["id"], "submit_self_evaluation", "wuhua_applicant", report="运行良好")
            http.act("evaluations", ev["id"], "score", "office", opinion="评分", results_score="92",
                     operation_score="92", promotion_score="92")
            assert http.act("evaluations", ev["id"], "confirm_grade", "leader", opinion="同意")["state"] == "graded"
        _settle()
        assert cluster.workers[killed].returncode == -signal.SIGKILL

    assert not [s for s in http.statuses if s[0] >= 500]
    assert len(http.statuses) > 40 * APPLICATIONS
    with transaction():
        docs = db.session.scalars(sa.select(IssuedDocument).order_by(IssuedDocument.id)).all()
        kinds = [d.kind for d in docs]
        for kind in ("project_approval", "midterm_report", "acceptance_report", "evaluation_report"):
            assert kinds.count(kind) == APPLICATIONS, (kind, kinds)
        for doc in docs:  # rendered exactly once; an acceptance report sealed exactly once, last
            notes = [v.note for v in db.session.scalars(sa.select(DocumentVersion).where(
                DocumentVersion.document_id == doc.id).order_by(DocumentVersion.position))]
            assert sum(n.startswith("rendered from") for n in notes) == 1 and notes[0].startswith("rendered from")
            if doc.kind == "acceptance_report":
                assert notes.count("sealed by the Office") == 1 and notes[-1] == "sealed by the Office"
                assert len(notes) == 5 and doc.finalised_at is not None
        for year in {d.year for d in docs}:
            seqs = sorted(d.seq for d in docs if d.year == year)
            assert seqs == list(range(1, len(seqs) + 1)), "numbers with a gap or a duplicate"
        assert len({d.number for d in docs}) == len(docs)
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.status != OutboxStatus.DONE)) == 0, "a job was lost or failed"
        assert db.session.get(OutboxMessage, lost_job).status == OutboxStatus.DONE  # handed over again
        assert audit.verify_chain().ok
        assert len(acceptances) == APPLICATIONS
