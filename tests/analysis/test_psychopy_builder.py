"""PsychoPy Builder CSV exports are recognised by `analyze` without a mapping (issue 16).

The fixture follows the layout PsychoPy's ExperimentHandler writes for a Builder experiment
(checked against a file written by ``psychopy.data.ExperimentHandler.saveAsWideText``):
conditions columns first, then each loop's ``thisRepN/thisTrialN/thisN/thisIndex`` (outer loop
first), ``thisRow.t``, ``notes``, the components' ``.started/.keys/.corr/.rt/.duration``, the
experiment info, a UTF-8 BOM and a trailing comma; routines outside loops and the end of each
outer-loop iteration get rows of their own.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis import analyze, load_dataset
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.loaders import detect_format

KEYS = "dfjk"
SEQUENCE = [1, 3, 2, 4, 3, 1, 4, 2, 1, 4, 3, 2]
BLOCKS = ["sequence"] * 5 + ["random", "sequence"]
LOOP = ["thisRepN", "thisTrialN", "thisN", "thisIndex"]


def builder_csv(path: Path, participant: str, seed: int, all_keys: bool = False, type_col: str = "block_type") -> Path:
    """One session as Builder writes it: instructions, 8 practice trials, 7 blocks × 12 trials."""
    rng = np.random.default_rng(seed)
    loops = ["practice_trials", "blocks", "trials"]
    columns = [type_col, "target", "corrAns"] + [f"{lp}.{c}" for lp in loops for c in LOOP] + [
        "thisRow.t", "notes", "instr.started", "instr_resp.keys", "instr_resp.rt", "key_resp.started",
        "key_resp.keys", "key_resp.corr", "key_resp.rt", "key_resp.duration", "participant", "session",
        "date", "expName", "psychopyVersion", "frameRate", "expStart"]  # fmt: skip
    info = {
        "participant": participant,
        "session": "001",
        "date": "2026-12-04_10h00.00.000",
        "expName": "srt",
        "psychopyVersion": "2024.2.4",
        "frameRate": 60.0,
        "expStart": "2026-12-04 10h00.00.000000 +0100",
    }
    rows = [{"instr.started": 0.02, "instr_resp.keys": "space", "instr_resp.rt": 3.1, **info}]
    t = 5.0

    def trial(kind, target, rt_s, counters):
        nonlocal t
        t += rt_s + 0.5
        key = KEYS[target - 1]
        error = rng.random() < 0.04
        pressed = KEYS[(target) % 4] if error else key
        keys, rts = (str([pressed, key]), str([round(rt_s, 4), round(rt_s + 0.3, 4)])) if all_keys else (pressed, rt_s)
        return {
            type_col: kind,
            "target": target,
            "corrAns": key,
            **counters,
            "thisRow.t": t,
            "key_resp.started": t - rt_s,
            "key_resp.keys": keys,
            "key_resp.corr": int(not error),
            "key_resp.rt": rts,
            "key_resp.duration": "None",
            **info,
        }

    for i in range(8):
        c = dict(zip([f"practice_trials.{c}" for c in LOOP], [0, i, i, i], strict=True))
        rows.append(trial("random", int(rng.integers(1, 5)), 0.6 + rng.normal(0, 0.03), c))
    for b, kind in enumerate(BLOCKS):
        outer = dict(zip([f"blocks.{c}" for c in LOOP], [0, b, b, b], strict=True))
        for i in range(12):
            inner = dict(zip([f"trials.{c}" for c in LOOP], [0, i, i, i], strict=True))
            target = SEQUENCE[i] if kind == "sequence" else int(rng.integers(1, 5))
            rt = 0.48 - 0.01 * b + (0.06 if kind == "random" else 0) + rng.normal(0, 0.01)
            rows.append(trial(kind, target, rt, {**outer, **inner}))
        rows.append({type_col: kind, **outer, "thisRow.t": t, **info})  # the end of the block iteration
    rows.append({"instr.started": t + 1, **info})  # the thank-you routine
    frame = pd.DataFrame(rows, columns=columns)
    path.write_bytes(b"\xef\xbb\xbf" + frame.to_csv(index=False, lineterminator=",\n").encode())
    return path


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    root = tmp_path_factory.mktemp("builder")
    return [builder_csv(root / f"{p}_srt_2026-12-04_10h00.00.000.csv", p, seed) for seed, p in enumerate(["07", "12"])]


def test_builder_csv_is_recognised_and_read(sessions):
    assert detect_format(sessions[0]) == "psychopy-builder"
    data = load_dataset(sessions)
    t = data.trials
    assert data.format == "psychopy-builder"
    assert sorted(t["participant"].unique()) == ["07", "12"]
    assert int(t["is_practice"].sum()) == 16 and int((~t["is_practice"]).sum()) == 2 * 84
    main = t[~t["is_practice"] & (t["participant"] == "07")]
    assert main["block"].tolist() == [b for b in range(1, 8) for _ in range(12)]
    assert main["trial"].tolist() == list(range(1, 13)) * 7
    assert set(main.loc[main["block"] == 6, "trial_type"]) == {"random"}
    assert main["rt_ms"].between(350, 600).all()
    assert "key_resp" in " ".join(data.notes)


def test_analyze_without_a_mapping_finds_the_sequence_effect(sessions, tmp_path):
    result = analyze(sessions, n_boot=20, n_boot_participant=0, figures=False)
    effect = result.tables["srt_sequence_learning"]
    assert len(effect) == 2
    assert effect["sequence_effect_ms"].mean() == pytest.approx(60, abs=10)


def test_all_keys_storage_keeps_the_first_press(tmp_path):
    path = builder_csv(tmp_path / "p_all.csv", "p3", 5, all_keys=True)
    first = builder_csv(tmp_path / "p_first.csv", "p3", 5)
    a, b = load_dataset(path).trials, load_dataset(first).trials
    assert a["rt_ms"].round(1).tolist() == b["rt_ms"].round(1).tolist()


def test_builder_file_without_trial_type_asks_for_a_mapping(tmp_path):
    path = builder_csv(tmp_path / "x.csv", "01", 1, type_col="Stimulus")
    with pytest.raises(AnalysisInputError, match=r"x.csv: no trial-type column .*mapping YAML"):
        load_dataset(path)


def test_cli_analyze_reads_builder_csv(sessions, tmp_path):
    out = tmp_path / "out"
    motorseq = str(Path(sys.executable).with_name("motorseq"))
    args = [
        "analyze",
        *map(str, sessions),
        "--out",
        str(out),
        "--no-figures",
        "--n-boot",
        "20",
        "--n-boot-participant",
        "0",
    ]
    result = subprocess.run([motorseq, *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "format psychopy-builder, paradigm srt: 2 participant(s)" in result.stdout
