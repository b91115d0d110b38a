"""Processes for the benchmarks: gunicorn servers, a private redis-server and a private
PostgreSQL cluster (scripts/pg.sh), each in its own process group, all stopped at the end."""
from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what: str, timeout: float = 60, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
        except OSError:  # not listening yet
            value = None
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def product_env(workdir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of the product's processes on ``database_url`` (rate limits off)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PILOTFLOW_", "REDIS_", "DATABASE_"))}
    env.update({"FLASK_APP": "wsgi", "SECRET_KEY": "bench-" + os.urandom(8).hex(), "DATABASE_URL": database_url,
                "PILOTFLOW_PKI_DIR": str(workdir / "pki"), "PILOTFLOW_DOCUMENT_DIR": str(workdir / "documents"),
                "PILOTFLOW_UPLOAD_DIR": str(workdir / "uploads"),
                "PILOTFLOW_AUDIT_ANCHOR_DIR": str(workdir / "anchors"), "PILOTFLOW_RATELIMIT_ENABLED": "0",
                **extra})
    return env


class Stack:
    """The processes this run started, each in its own session, stopped in reverse order."""

    def __init__(self, workdir: Path, app_root: Path = ROOT):
        self.workdir, self.app_root = workdir, app_root
        self.procs: list[subprocess.Popen] = []
        self.pg_dirs: list[str] = []

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path | None = None) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 — closed with the process
        proc = subprocess.Popen(argv, cwd=cwd or self.app_root, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    def gunicorn(self, name: str, target: str, env: dict[str, str], *, workers: int = 2, threads: int = 1,
                 cwd: Path | None = None) -> str:
        """gunicorn serving ``target`` on a free loopback port; returns its base URL once it answers."""
        port = free_port()
        argv = [PYTHON, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                "--timeout", "120", "--log-level", "warning"]
        if threads > 1:
            argv += ["--threads", str(threads)]
        proc = self.start(name, [*argv, target], env, cwd)
        url = f"http://127.0.0.1:{port}"

        def up():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.workdir / (name + '.log')}")
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        wait_for(up, name, timeout=90)
        return url

    def redis(self) -> str:
        sock = self.workdir / "redis.sock"
        sock.unlink(missing_ok=True)
        self.start("redis", ["redis-server", "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
                             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)], dict(os.environ))
        wait_for(sock.exists, "redis-server", timeout=20)
        return f"unix://{sock}"

    def flask(self, env: dict[str, str], *args: str, timeout: float = 900) -> str:
        result = subprocess.run([PYTHON, "-m", "flask", *args], cwd=self.app_root, env=env, capture_output=True,
                                text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        return result.stdout

    def in_app(self, env: dict[str, str], body: str, timeout: float = 900):
        """Run ``body`` (Python, indented 4 spaces, may set ``result``) inside an app context of the
        code under test, in a child process on ``env``'s database; returns ``result`` (JSON)."""
        code = ("import json, sys\nsys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
                "try:\n    from app.factory import create_app\n"
                "except ModuleNotFoundError:  # a checkout from before app.factory (--app-root)\n"
                "    from app import create_app\n"
                "from app.database import transaction\n"
                "app = create_app()\nresult = None\nwith app.app_context():\n" + body +
                "\nprint('RESULT=' + json.dumps(result))\n")
        done = subprocess.run([PYTHON, "-c", code, str(self.app_root), str(ROOT)], env=env, cwd=self.app_root,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"in-app step failed:\n{done.stdout[-1500:]}{done.stderr[-3000:]}")
        return json.loads(re.search(r"^RESULT=(.*)$", done.stdout, re.M).group(1))

    def postgres(self, options: str = "") -> str:
        """A private PostgreSQL cluster (scripts/pg.sh) with the server ``options`` added; returns its URL."""
        out = subprocess.run(["bash", "-c", f"source {ROOT / 'scripts' / 'pg.sh'} && PG_PORT={free_port()} "
                                            f"PG_OPTIONS={shlex.quote(options)} pg_start "
                                            "&& echo PG_DIR=$PG_DIR && echo PG_URL=$PILOTFLOW_PG_URL"],
                             capture_output=True, text=True, check=True, timeout=120).stdout
        self.pg_dirs.append(re.search(r"^PG_DIR=(.+)$", out, re.M).group(1))
        return re.search(r"^PG_URL=(.+)$", out, re.M).group(1)

    def stop(self, proc: subprocess.Popen, grace: float = 15.0) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)  # its own group: gunicorn's workers, nothing else
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            except ProcessLookupError:
                pass
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all_servers(self) -> None:
        """Every process started here (the PostgreSQL cluster stays)."""
        for proc in reversed(list(self.procs)):
            self.stop(proc, grace=10.0)

    def stop_all(self) -> None:
        self.stop_all_servers()
        for pg_dir in self.pg_dirs:
            subprocess.run(["bash", "-c", f"source {ROOT / 'scripts' / 'pg.sh'} && PG_DIR={pg_dir} pg_stop"],
                           capture_output=True, timeout=120)
        self.pg_dirs.clear()
