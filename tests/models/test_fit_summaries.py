"""Summary statistics: one definition for a person's files and a simulated participant.

A simulated participant (the spiking model, through the bank's simulator) and a person whose run
is the same behaviour written by the task's own writer (``RunWriter``, source ``human``) get the
same numbers: both go through the analysis loader, cleaning and measures.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis.loaders import load_dataset
from motorseq.models.fit import ModelSimulator, summary_statistics
from motorseq.models.fit.summaries import restrict
from motorseq.protocols import load_protocol
from motorseq.protocols.io import RunWriter, read_runs
from motorseq.tasks.shorten import shorten_protocol

BUILD_ROOT = Path(
    os.environ.get("MOTORSEQ_TEST_BUILD_ROOT", Path(tempfile.gettempdir()) / f"motorseq-test-build-{os.getuid()}")
)


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """One shortened ASRT participant of the spiking model (1 practice + 5 learning blocks of 15 trials)."""
    protocol = shorten_protocol(load_protocol("asrt"), max_trials_per_block=15, max_blocks=6)
    root = tmp_path_factory.mktemp("bank-trials")
    simulator = ModelSimulator(protocol, build_root=str(BUILD_ROOT), trials_dir=str(root))
    stats = simulator({"non_decision_ms": 180.0, "eta_striatum": 0.002}, seed=4, index=3)
    return protocol, root, stats


def test_person_files_and_simulated_participant_give_the_same_statistics(simulated, tmp_path):
    protocol, root, stats = simulated
    beh = next(root.glob("sub-bank0000003/ses-1/beh/*_beh.tsv"))
    runs = read_runs([beh])
    rows = runs.trials.drop(columns=["file_index"], errors="ignore")
    events = pd.read_csv(beh.with_name(beh.name.replace("_beh.tsv", "_events.tsv")), sep="\t")
    writer = RunWriter(tmp_path, protocol, "p07", "1", 1, seed=4, source={"Type": "human"})
    for row in rows.to_dict("records"):
        presses = events[events["trial_index"] == row["trial_index"]].drop(
            columns=["trial_type", "block", "trial_index"]
        )
        clean_row = {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()}
        writer.write_trial(clean_row, presses.to_dict("records"))
    writer.close("complete")
    person = summary_statistics(load_dataset(tmp_path))
    assert person["participant"].tolist() == ["p07"]
    assert sorted(person.columns[3:]) == sorted(stats)
    for name, value in stats.items():
        assert person[name].iloc[0] == pytest.approx(value, nan_ok=True, rel=1e-12), name
    # real numbers, laid out as documented: 5 learning blocks, one epoch, ASRT triplet and error measures
    assert [c for c in stats if c.startswith("rt_b")] == [f"rt_b{k}" for k in range(1, 6)]
    assert all(250 < stats[f"rt_b{k}"] < 1500 for k in range(1, 6))
    assert all(0.5 <= stats[f"acc_b{k}"] <= 1 for k in range(1, 6))
    assert {"lh_e1", "errH_e1", "errL_e1", "sd_e1", "cv_e1", "curve_a", "curve_b", "curve_logc"} <= set(stats)
    assert stats["sd_e1"] > 0 and 0 < stats["cv_e1"] < 1


def test_restrict_keeps_the_first_learning_blocks_and_trials(shared_asrt_path):
    data = load_dataset(shared_asrt_path)
    one = data.trials[(data.trials["participant"] == data.trials["participant"].iloc[0])]
    short = restrict(one, max_blocks=5, max_trials_per_block=15)
    learning = short[~short["is_practice"]]
    assert sorted(learning.groupby("session")["block"].nunique().unique()) == [5]
    assert learning["trial"].max() == 15 and short["is_practice"].any()


@pytest.mark.slow
def test_bank_cli_simulates_the_model_on_dask_and_grows(tmp_path):
    import subprocess
    import sys

    from motorseq.models.fit import read_bank

    motorseq = str(Path(sys.executable).with_name("motorseq"))
    args = [motorseq, "bank", "asrt", "--out", str(tmp_path / "bank"), "--max-blocks", "6",
            "--max-trials-per-block", "15", "--workers", "1", "--build-dir", str(BUILD_ROOT)]  # fmt: skip
    first = subprocess.run([*args, "--simulations", "2"], capture_output=True, text=True, timeout=1800)
    assert first.returncode == 0, first.stderr
    assert "2 simulated, 0 already in the bank (skipped), 0 failed; 2 in the bank;" in first.stderr
    assert "simulations/hour" in first.stderr
    second = subprocess.run([*args, "--simulations", "3"], capture_output=True, text=True, timeout=1800)
    assert "1 simulated, 2 already in the bank (skipped)" in second.stderr
    bank = read_bank(tmp_path / "bank")
    assert bank["sim"].tolist() == [0, 1, 2]
    assert bank["x.rt_b5"].between(250, 1500).all() and bank["theta.lesion_dopamine"].between(0.2, 1).all()


def test_rt_slope_is_the_least_squares_trend_of_the_block_rts_for_people_and_banks():
    from motorseq.models.fit.summaries import add_derived

    table = pd.DataFrame(
        {"participant": ["a", "b", "c"], "rt_b1": [500.0, 400.0, 400.0], "rt_b2": [490.0, 420.0, np.nan],
         "rt_b3": [np.nan, 410.0, np.nan], "rt_b4": [470.0, 430.0, 380.0], "rt_b5": [460.0, 440.0, np.nan]}
    )  # fmt: skip
    out = add_derived(table)
    assert out["rt_slope"].iloc[0] == pytest.approx(-10.0)  # 500, 490, -, 470, 460: -10 ms per block
    assert out["rt_slope"].iloc[1] == pytest.approx(9.0)  # 400, 420, 410, 430, 440
    assert np.isnan(out["rt_slope"].iloc[2])  # two blocks with an RT: no trend
    bank = add_derived(table.rename(columns=lambda c: "x." + c), "x.")
    np.testing.assert_allclose(bank["x.rt_slope"], out["rt_slope"])
    assert add_derived(out)["rt_slope"].equals(out["rt_slope"])  # already there: unchanged
