"""Fixtures of the web tests: a real `motorseq serve` process and the system Chromium."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("sqlalchemy")

CHROMIUM = os.environ.get("MOTORSEQ_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
#: A class protocol short enough for tests: practice, sequence, sequence, random, sequence (4 trials each).
SHORT = ["--max-trials-per-block", "4"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A `motorseq serve` child process."""

    args: list[str]
    db: str
    log: Path
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        if not self.port:
            self.port = free_port()
        command = [sys.executable, "-m", "motorseq.protocols", "serve", "--port", str(self.port), "--db", self.db]
        handle = open(self.log, "a", encoding="utf-8")
        self.process = subprocess.Popen(command + self.args, stdout=handle, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited: {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("serve did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def class_code(self) -> tuple[str, str]:
        text = self.output()
        code = re.search(r"Class code: (\w+)", text).group(1)
        token = re.search(r"/teacher/\w+\?token=(\S+)", text).group(1)
        return code, token


@pytest.fixture
def serve(tmp_path):
    started: list[Server] = []

    def make(*args: str, db: str | None = None) -> Server:
        server = Server(list(args), db or f"sqlite:///{tmp_path / 'web.db'}", tmp_path / f"serve{len(started)}.log")
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.kill()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM}: no Chromium; .ci/install must apt-install chromium")
        pytest.skip("the system Chromium is not installed (apt install chromium)")
    pytest.importorskip("playwright")
    return CHROMIUM


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("MOTORSEQ_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("MOTORSEQ_TEST_POSTGRES_URL is not set (.ci/run starts a throw-away PostgreSQL and sets it)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh database: SQLite in tmp_path, or a new PostgreSQL database (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'web.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    import uuid

    import psycopg

    name = f"motorseq_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield base.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def keep_screenshot(path: Path) -> None:
    """Copy a screenshot to ``$MOTORSEQ_SCREENSHOTS`` (when set), to be looked at by eye."""
    folder = os.environ.get("MOTORSEQ_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)
