"""Writing one simulated participant: merging responses, BIDS files, atomic appearance."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from motorseq.models.output import merge_responses, participant_done, presses_from_responses
from motorseq.protocols import generate_trials, load_protocol


def _tiny_protocol(folder: Path, rule: str = "first-press"):
    data = load_protocol("srt-classic").model_dump(mode="json", by_alias=True, exclude_none=True)
    data["name"] = "srt-tiny"
    data["blocks"] = [{"kind": "sequence", "trials": 12}, {"kind": "random", "trials": 12}]
    data["response"] = {**data["response"], "rule": rule}
    path = folder / f"srt-tiny-{rule}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_protocol(path)


def _responses(trials: pd.DataFrame, positions, rts, presses) -> pd.DataFrame:
    onsets = np.arange(len(trials), dtype=float) * 1.5
    targets = trials["target"].astype(int).to_numpy()
    correct = [pd.NA if p is None else int(p == t) for p, t in zip(positions, targets, strict=True)]
    return pd.DataFrame(
        {
            "trial_index": trials["trial_index"].to_numpy(),
            "stimulus_onset": onsets,
            "response_position": pd.array(positions, dtype="Int64"),
            "rt": rts,
            "correct": pd.array(correct, dtype="Int64"),
            "n_presses": presses,
        }
    )


def test_merge_responses_fills_every_beh_column(tmp_path):
    from motorseq.protocols.io import BEH_COLUMNS

    protocol = _tiny_protocol(tmp_path)
    trials = generate_trials(protocol, "01", seed=3).head(4)
    targets = trials["target"].astype(int).tolist()
    wrong = targets[1] % 4 + 1
    responses = _responses(trials, [targets[0], wrong, None, targets[3]], [0.41, 0.38, np.nan, 0.52], [1, 1, 0, 1])
    rows = merge_responses(protocol, trials, responses)
    assert set(c.name for c in BEH_COLUMNS) <= set(rows.columns)
    keys = [None if pd.isna(k) else k for k in rows["response"]]
    assert keys == [
        protocol.positions[targets[0] - 1].key,
        protocol.positions[wrong - 1].key,
        None,
        protocol.positions[targets[3] - 1].key,
    ]
    assert rows["correct"].tolist()[:2] == [1, 0] and rows["correct"].isna().tolist()[2]
    assert rows["n_errors"].tolist() == [0, 1, 0, 0]  # first-press: a wrong first press is one error
    assert rows["block"].tolist() == trials["block"].tolist()
    presses = presses_from_responses(rows)
    assert [len(p) for p in presses] == [1, 1, 0, 1]
    assert presses[1][0]["onset"] == pytest.approx(1.5 + 0.38)
    assert presses[1][0]["correct"] == 0 and presses[1][0]["position"] == wrong


def test_until_correct_counts_every_press_before_the_correct_one_as_an_error(tmp_path):
    protocol = _tiny_protocol(tmp_path, rule="until-correct")
    trials = generate_trials(protocol, "01", seed=3).head(3)
    targets = trials["target"].astype(int).tolist()
    responses = _responses(trials, [targets[0], targets[1] % 4 + 1, targets[2] % 4 + 1], [0.4, 0.4, 0.4], [1, 3, 2])
    rows = merge_responses(protocol, trials, responses)
    assert rows["n_errors"].tolist() == [0, 2, 1]


def test_merge_refuses_responses_that_do_not_match_the_trials(tmp_path):
    protocol = _tiny_protocol(tmp_path)
    trials = generate_trials(protocol, "01", seed=3)
    responses = _responses(trials.head(5), [1] * 5, [0.4] * 5, [1] * 5)
    with pytest.raises(ValueError, match="do not match"):
        merge_responses(protocol, trials, responses)
    with pytest.raises(ValueError, match="missing column"):
        merge_responses(protocol, trials, responses.drop(columns="rt"))


def test_participant_done_needs_the_trial_table_and_the_derivatives(tmp_path):
    from motorseq.models.output import derivative_paths
    from motorseq.protocols.io import run_paths

    protocol = _tiny_protocol(tmp_path)
    root = tmp_path / "data"
    assert not participant_done(root, "01", "1", protocol)
    beh = run_paths(root, "01", "1", protocol.name).beh
    beh.parent.mkdir(parents=True)
    beh.write_text("x\n")
    assert not participant_done(root, "01", "1", protocol)
    for key in ("activity", "bold"):
        path = derivative_paths(root, protocol, "01", "1")[key]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    assert participant_done(root, "01", "1", protocol)
    assert not participant_done(root, "02", "1", protocol)


def test_stale_temporaries_of_dead_writers_are_removed_and_live_ones_kept(tmp_path):
    import subprocess
    import sys

    from motorseq.models.output import _host, remove_stale_temporaries

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".sub-01_ses-1_run-1.tmp-{_host()}-{dead.pid}-0123abcd"
    live = tmp_path / f".sub-02_ses-1_run-1.tmp-{_host()}-{os.getpid()}-0123abcd"
    elsewhere = tmp_path / f".sub-03_ses-1_run-1.tmp-otherhost{_host()}-{dead.pid}-0123abcd"
    for folder in (stale, live, elsewhere):
        (folder / "sub-01").mkdir(parents=True)
    (tmp_path / "sub-04").mkdir()
    assert remove_stale_temporaries(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and elsewhere.exists() and (tmp_path / "sub-04").exists()


def test_derivative_tables_are_written_as_pandas_formats_them(tmp_path):
    from motorseq.models.output import _write_tsv

    rng = np.random.default_rng(3)
    table = pd.DataFrame(
        {
            "trial_index": np.arange(1, 7),
            "region": ["M1", "SMA_PMC", "a\tb", "GPe", "DCN", "n/a"],
            "rate": [0.0, -0.0, np.nan, 1e9 / 3, -2.5e-7, 0.5000005],
            "input": rng.normal(0, 1e4, 6),
            "flag": [True, False, True, True, False, False],
        }
    )
    _write_tsv(tmp_path / "t.tsv", table)
    expected = table.to_csv(sep="\t", index=False, na_rep="n/a", float_format="%.6f", lineterminator="\n")
    assert (tmp_path / "t.tsv").read_text(encoding="utf-8") == expected
    assert "\tn/a\t" in expected and '"a\tb"' in expected
