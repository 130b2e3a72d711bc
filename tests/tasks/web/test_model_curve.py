"""The model's curve for a class: really simulated (Brian2) once, in a niced child process, then cached."""

from __future__ import annotations

import os

import pytest
from motorseq.protocols import load_protocol
from motorseq.tasks import shorten_protocol
from motorseq.tasks.web.model_cache import _path, cached_curve, start_model_curve


@pytest.mark.slow  # a Brian2 build and two simulated participants on a shortened classroom protocol
def test_the_model_curve_is_simulated_once_and_pooled_like_the_class(tmp_path, monkeypatch):
    root = os.environ.get("MOTORSEQ_BUILD_ROOT") or str(tmp_path / "build")
    monkeypatch.setenv("MOTORSEQ_BUILD_ROOT", root)  # the child process shares the build cache
    protocol = shorten_protocol(load_protocol("classroom"), 6)
    _path(protocol).unlink(missing_ok=True)  # start with no cached curve for this protocol
    process = start_model_curve(protocol, 2)
    assert process is not None and process.wait(1800) == 0
    curve = cached_curve(protocol)
    kinds = [block.kind for block in protocol.blocks for _ in range(block.repeat)]
    assert [c["block"] for c in curve] == [i + 1 for i, k in enumerate(kinds) if k != "practice"]
    assert [c["kind"] for c in curve] == [k for k in kinds if k != "practice"]
    assert all(c["n"] == 2 and 100 < c["rt_ms"] < 1500 for c in curve), curve
    assert start_model_curve(protocol, 2) is None  # cached: the class's next session does not simulate again
