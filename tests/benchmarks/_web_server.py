"""Start and stop a `motorseq serve` child process for the web benchmarks."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], db: str, log: Path) -> tuple[subprocess.Popen, str]:
    """Start `motorseq serve ARGS --db DB` on a free port; return the process and its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "motorseq.protocols", "serve", "--port", str(port), "--db", db, *args]
    process = subprocess.Popen(command, stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, f"http://127.0.0.1:{port}"
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.1)
    raise RuntimeError("serve did not start")


def class_code(log: Path) -> str:
    return re.search(r"Class code: (\w+)", log.read_text()).group(1)


def teacher_token(log: Path) -> str:
    return re.search(r"/teacher/\w+\?token=(\S+)", log.read_text()).group(1)


def stop(process: subprocess.Popen) -> None:
    """Kill the server and its worker processes (its own process group)."""
    import os
    import signal

    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(10)
