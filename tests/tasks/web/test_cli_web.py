"""`motorseq serve` and `motorseq export` on the command line."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _motorseq(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "motorseq.protocols", *args], capture_output=True, text=True, timeout=timeout
    )


def test_serve_listens_on_localhost_unless_told():
    import inspect

    from motorseq.tasks.web.cli import serve

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    result = _motorseq("serve", "--help")
    assert result.returncode == 0 and "127.0.0.1" in result.stdout


def test_export_of_an_unknown_class_is_one_line_exit_2(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = _motorseq("export", "--db", db, "--out", str(tmp_path / "out"), "--class", "NOPE")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: --class NOPE: no class with this code in {db}"]


def test_serve_with_a_database_it_cannot_open_is_one_line_exit_2(tmp_path):
    result = _motorseq("serve", "--db", "postgresql://nobody@127.0.0.1:1/none", "--port", "8123")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --db postgresql://nobody@127.0.0.1:1/none: cannot open")


@pytest.mark.parametrize("bad", ["../x", "a/b"])
def test_ids_in_urls_are_never_paths(tmp_path, bad):
    from motorseq.tasks.web.app import create_app
    from motorseq.tasks.web.db import connect
    from motorseq.tasks.web.service import ProtocolCatalog
    from starlette.testclient import TestClient

    client = TestClient(create_app(connect(f"sqlite:///{tmp_path / 'w.db'}"), ProtocolCatalog(["classroom"])))
    assert client.get(f"/static/{bad}/../../../../etc/passwd").status_code == 404
    assert client.post(f"/api/class/{bad}/join", json={}).status_code == 404
