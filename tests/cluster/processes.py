"""Real servers as separate processes for tests: a private redis-server on a unix socket,
gunicorn web servers on loopback ports and `flask worker` processes — each stopped by the test
that started it (the context manager), killed if it does not stop."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not start within {timeout} s")
        time.sleep(0.1)


class Redis:
    """redis-server on a unix socket in ``workdir`` (no port, no persistence)."""

    def __init__(self, workdir: Path):
        self.socket = str(workdir / "redis.sock")
        self.url = f"unix://{self.socket}"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> Redis:
        self.process = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.socket, "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(self.socket), "redis-server")
        return self

    def stop(self) -> None:
        stop(self.process)
        if os.path.exists(self.socket):
            os.unlink(self.socket)


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Cluster:
    """``webs`` gunicorn servers and ``workers`` workers on one database, one Redis and one
    shared document store."""

    def __init__(self, database_url: str, workdir: Path, pki_dir: Path, webs: int = 2, workers: int = 2):
        self.redis = Redis(workdir)
        self.redis_socket = self.redis.socket
        self.env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": database_url, "REDIS_URL": self.redis.url,
                    "SECRET_KEY": "cluster-test", "PILOTFLOW_PKI_DIR": str(pki_dir),
                    "PILOTFLOW_DOCUMENT_DIR": str(workdir / "shared" / "documents"),
                    "PILOTFLOW_UPLOAD_DIR": str(workdir / "shared" / "uploads"),
                    "PILOTFLOW_AUDIT_ANCHOR_DIR": str(workdir / "shared" / "audit-anchors"),
                    "PILOTFLOW_RATELIMIT_ENABLED": "0", "PILOTFLOW_SWEEP_SECONDS": "0.5",
                    "PILOTFLOW_JOB_STALE_SECONDS": "5"}
        self.env.pop("PILOTFLOW_TEST_DATABASE_URL", None)
        self.ports = [free_port() for _ in range(webs)]
        self.web_urls = [f"http://127.0.0.1:{p}" for p in self.ports]
        self.worker_count = workers
        self.webs: list[subprocess.Popen] = []
        self.workers: dict[str, subprocess.Popen] = {}
        self.logs = workdir / "logs"

    def __enter__(self) -> Cluster:
        self.logs.mkdir(parents=True, exist_ok=True)
        try:
            self.redis.start()
            for port in self.ports:
                self.webs.append(self._spawn(f"web-{port}", [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                                                            "--workers", "2", "--timeout", "120", "wsgi:app"]))
            for n in range(1, self.worker_count + 1):
                name = f"cluster-w{n}"
                self.workers[name] = self._spawn(name, [str(BIN / "flask"), "worker", "--name", name])
            for url in self.web_urls:
                wait_for(lambda url=url: _answers(url), f"the web server at {url}")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 — closed with the process
        return subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def __exit__(self, *exc) -> None:
        for process in [*self.webs, *self.workers.values()]:
            stop(process)
        self.redis.stop()


def environment_of(app, **extra: str) -> dict[str, str]:
    """The environment a `flask` process needs to act as part of ``app``'s deployment: its
    database, document and upload store, PKI and audit anchors."""
    cfg = app.config
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": cfg["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": cfg["SECRET_KEY"], "PILOTFLOW_PKI_DIR": str(cfg["PKI_DIR"]),
           "PILOTFLOW_DOCUMENT_DIR": str(cfg["DOCUMENT_DIR"]), "PILOTFLOW_UPLOAD_DIR": str(cfg["UPLOAD_DIR"]),
           "PILOTFLOW_AUDIT_ANCHOR_DIR": str(cfg["AUDIT_ANCHOR_DIR"]), **extra}
    env.pop("PILOTFLOW_TEST_DATABASE_URL", None)
    return env


def run_worker_burst(app, redis_url: str, timeout: float = 120) -> None:
    """A real `flask worker --burst` process on ``app``'s deployment: runs what is queued, then stops."""
    subprocess.run([str(BIN / "flask"), "worker", "--burst"], cwd=ROOT, timeout=timeout, check=True,
                   env=environment_of(app, REDIS_URL=redis_url), stdout=subprocess.DEVNULL)


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/login", timeout=2).status_code == 200
    except requests.RequestException:
        return False
