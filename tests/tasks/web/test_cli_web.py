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
    from motorseq.tasks.web.db import connect

    db = f"sqlite:///{tmp_path / 'x.db'}"
    connect(db).engine.dispose()
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


def _database_with_one_run(path) -> str:
    """A serve database (SQLite) holding one run with one trial, written through the web API."""
    from motorseq.tasks.web.app import create_app
    from motorseq.tasks.web.db import connect
    from motorseq.tasks.web.service import ProtocolCatalog
    from starlette.testclient import TestClient

    url = f"sqlite:///{path}"
    db = connect(url)
    client = TestClient(create_app(db, ProtocolCatalog(["classroom"], max_trials_per_block=4)))
    run = client.post("/api/runs", json={"protocol": "classroom", "participant": "07"}).json()
    trial = run["config"]["trials"][0]
    press = {"key": trial["correct_key"], "down_ms": 1420.0, "up_ms": 1500.0}
    body = {"trial_index": trial["trial_index"], "onset_ms": 1000.0, "end_ms": 1420.0, "presses": [press]}
    assert client.post("/api/runs/me/trials", json=body, headers={"X-Run-Token": run["token"]}).status_code == 201
    db.engine.dispose()
    return url


def test_export_reads_an_existing_database_without_changing_it(tmp_path):
    path = tmp_path / "class.db"
    url = _database_with_one_run(path)
    before = path.read_bytes()
    result = _motorseq("export", "--db", url, "--out", str(tmp_path / "bids"))
    assert result.returncode == 0, result.stderr
    assert "1 run(s) written" in result.stdout and len(list((tmp_path / "bids").rglob("*_beh.tsv"))) == 1
    assert path.read_bytes() == before


def test_export_never_creates_a_database(tmp_path):
    missing = tmp_path / "nonexist.db"
    result = _motorseq("export", "--db", f"sqlite:///{missing}", "--out", str(tmp_path / "out"))
    assert result.returncode == 2, result.stdout
    assert result.stderr.strip().splitlines() == [f"error: --db sqlite:///{missing}: no such database file ({missing})"]
    assert not missing.exists() and not (tmp_path / "out").exists()


def test_export_from_a_database_it_cannot_use_is_one_line_naming_db(tmp_path):
    from motorseq.protocols.errors import OptionError
    from motorseq.tasks.web.db import open_existing

    text = tmp_path / "notes.db"
    text.write_text("not a database\n")
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    cases = {
        f"sqlite:///{text}": "cannot open the database: (sqlite3.DatabaseError) file is not a database",
        f"sqlite:///{empty}": "not a database of motorseq serve (no table runs or trials)",
        "no-url-here": "not a database URL; give sqlite:///FILE.db or postgresql://user@host/name",
        "postgres:/user:hunter2@host": "not a database URL",
        "mysql://user:hunter2@host/x": "not a database motorseq serve writes",
    }
    for url, problem in cases.items():
        with pytest.raises(OptionError, match=r"^--db ") as info:
            open_existing(url)
        assert problem in str(info.value) and "hunter2" not in str(info.value), str(info.value)
    assert empty.read_bytes() == b""  # no tables created in it
    result = _motorseq("export", "--db", "postgresql://nobody:hunter2@127.0.0.1:1/none", "--out", str(tmp_path / "o"))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: --db postgresql://nobody:***@127.0.0.1:1/none: cannot open the database: ")
    assert "hunter2" not in result.stderr + result.stdout
