"""Run the real ``motorseq`` entry point in-process, as a user's shell would."""

from __future__ import annotations

import sys

import pytest
from motorseq.protocols.cli import main


def run_main(args: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Return (exit code, stdout, stderr) of ``motorseq ARGS``; any other exception propagates (a traceback)."""
    capsys.readouterr()
    monkeypatch.setattr(sys, "argv", ["motorseq", *[str(a) for a in args]])
    code = 0
    try:
        main()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    """The single non-empty line of ``err`` (fails if there are more)."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]
