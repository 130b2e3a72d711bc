"""Property: a damaged data file gives one line naming the file, or a correct result (issue 13).

Hypothesis damages one file of a small SRT dataset (a cell, a cut, a line, bytes, the sidecar,
``participants.tsv``) and runs ``validate-data`` and ``analyze`` on it (the library calls behind the
commands). Allowed outcomes: a ``MotorseqError`` whose message is one line and names the damaged
file, or a result whose measures are all present and finite. Anything else (another exception,
a missing participant, a NaN measure) fails.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from motorseq.analysis import analyze
from motorseq.protocols.errors import MotorseqError
from motorseq.protocols.io import validate_path

CELLS = ["inf", "-inf", "nan", "1e308", "-1", "0", "", "n/a", "abc", "1.5e3", "99999999999999999999", "\x00", " 1"]
COLUMNS = ["rt", "correct", "block", "trial", "trial_index", "block_kind", "stimulus_onset", "trial_type", "target"]


@pytest.fixture(scope="module")
def small_srt(tmp_path_factory) -> Path:
    """Three participants of the small SRT protocol (156 trials each)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("analysis_conftest", Path(__file__).with_name("conftest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = tmp_path_factory.mktemp("damaged")
    return module.write_srt_cohort(
        folder / "bids", module.small_srt_protocol(folder), n=3, seed=5, source="human", random_cost=60.0
    )


damage = st.one_of(
    st.tuples(st.just("cell"), st.sampled_from(COLUMNS), st.integers(1, 156), st.sampled_from(CELLS)),
    st.tuples(st.just("cut"), st.integers(0, 20000)),
    st.tuples(st.just("drop-line"), st.integers(0, 156)),
    st.tuples(st.just("repeat-line"), st.integers(1, 156)),
    st.tuples(st.just("bytes"), st.integers(0, 20000), st.binary(min_size=1, max_size=8)),
    st.tuples(
        st.just("sidecar"),
        st.sampled_from(["RunStatus", "TrialsWritten", "Protocol", "Source", "Participant"]),
        st.sampled_from([None, 5, -3, "x", [], {}, True, 1e309]),
    ),
    st.tuples(st.just("sidecar-cut"), st.integers(0, 400)),
    st.tuples(st.just("participants"), st.binary(max_size=40)),
)


def _apply(root: Path, change: tuple) -> Path:
    """Damage one file of the dataset at ``root``; return the damaged file."""
    beh = next((root / "sub-02").rglob("*_beh.tsv"))
    kind = change[0]
    if kind == "cell":
        _, column, row, value = change
        lines = beh.read_text().split("\n")
        index = lines[0].split("\t").index(column)
        cells = lines[row].split("\t")
        cells[index] = value
        lines[row] = "\t".join(cells)
        beh.write_text("\n".join(lines))
    elif kind == "cut":
        beh.write_bytes(beh.read_bytes()[: change[1]])
    elif kind in ("drop-line", "repeat-line"):
        lines = beh.read_text().splitlines(keepends=True)
        if kind == "drop-line":
            del lines[change[1]]
        else:
            lines.insert(change[1], lines[change[1]])
        beh.write_text("".join(lines))
    elif kind == "bytes":
        data = bytearray(beh.read_bytes())
        at = min(change[1], len(data) - 1)
        data[at : at + len(change[2])] = change[2]
        beh.write_bytes(bytes(data))
    elif kind == "sidecar":
        path = beh.with_name(beh.name.replace("_beh.tsv", "_beh.json"))
        meta = json.loads(path.read_text())
        meta[change[1]] = change[2]
        path.write_text(json.dumps(meta))  # 1e309 is written as Infinity
        return path
    elif kind == "sidecar-cut":
        path = beh.with_name(beh.name.replace("_beh.tsv", "_beh.json"))
        path.write_bytes(path.read_bytes()[: change[1]])
        return path
    elif kind == "participants":
        path = root / "participants.tsv"
        path.write_bytes(change[1])
        return path
    return beh


def _check_error(error: MotorseqError, damaged: Path) -> None:
    message = str(error)
    # a damaged sidecar may be named through its run (file:field), which names the same run
    names = {damaged.name, damaged.name.replace("_beh.json", "_beh.tsv")}
    assert "\n" not in message and any(n in message for n in names), f"{type(error).__name__}: {message}"


@given(change=damage)
@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_damaged_file_gives_a_named_error_or_a_correct_result(small_srt, tmp_path_factory, change):
    root = tmp_path_factory.mktemp("case") / "bids"
    shutil.copytree(small_srt, root)
    damaged = _apply(root, change)
    try:
        report = validate_path(root)
    except MotorseqError as error:
        _check_error(error, damaged)
    else:
        assert len(report) == 3
    try:
        result = analyze(root, n_boot=10, n_boot_participant=0, statistics=False, figures=False)
    except MotorseqError as error:
        _check_error(error, damaged)
        return
    effects = result.tables["srt_sequence_learning"]
    curves = result.tables["learning_curves"]
    assert set(effects["participant"]) == {"01", "02", "03"}, change
    assert np.isfinite(effects["sequence_effect_ms"]).all(), change
    assert np.isfinite(curves["rt_ms"]).all() and len(curves) == 3 * 5, change  # 5 sequence blocks each
