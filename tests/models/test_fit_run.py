"""The ``motorseq fit`` workflow on people's files: --out and --force, people who stopped early, design checks.

People are written by the task's own writer (``RunWriter``) with made-up responses on a
shortened SRT protocol (1 practice + 7 learning blocks of 12 trials), so the statistics come
from the loader and the measures as a real person's do; the bank is a cheap simulator that
returns the same statistics around the people's values, with the block RTs driven by
``non_decision_ms``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sbi", reason="the [fit] extra (sbi, torch) is not installed")

from motorseq.analysis.loaders import load_dataset  # noqa: E402
from motorseq.models.fit import FitError, load_priors, model_description, run_bank, summary_statistics  # noqa: E402
from motorseq.models.fit.run import fit_command  # noqa: E402
from motorseq.protocols import generate_trials, load_protocol  # noqa: E402
from motorseq.protocols.io import RunWriter  # noqa: E402
from motorseq.tasks.shorten import shorten_protocol  # noqa: E402

MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))
PRIORS = {
    "parameters": {
        "non_decision_ms": {"low": 80, "high": 320, "reason": "toy"},
        "cue_drive_mv": {"low": 22, "high": 30, "reason": "toy"},
    }
}
TRIALS, BLOCKS = 12, 8  # the bank's design: srt-classic, first 8 blocks, at most 12 trials each


def short_srt(trials: int = TRIALS, blocks: int = BLOCKS):
    return shorten_protocol(load_protocol("srt-classic"), max_trials_per_block=trials, max_blocks=blocks)


def write_people(root: Path, groups: dict[str, str], trials: int = TRIALS, stop_after: dict | None = None) -> Path:
    """Write one run per person (label -> group); ``stop_after[label] = b`` ends that run after block b."""
    protocol = short_srt(trials)
    keys = {i + 1: pos.key for i, pos in enumerate(protocol.positions)}
    rng = np.random.default_rng(len(groups))
    for label, group in groups.items():
        writer = RunWriter(root, protocol, label, "1", 1, seed=0, source={"Type": "human"}, wall_clock=False,
                           group=group)  # fmt: skip
        onset = 1.0
        for r in generate_trials(protocol, label).to_dict("records"):
            if stop_after and label in stop_after and r["block"] > stop_after[label]:
                break
            rt = max(0.15, rng.normal(0.45 - 0.01 * r["block"] + 0.06 * (r["trial_type"] == "random"), 0.04))
            ok = rng.random() > 0.05
            pos = int(r["target"]) if ok else int(r["target"]) % 4 + 1
            row = dict(r, stimulus_onset=onset, response=keys[pos], response_position=pos, rt=rt, correct=int(ok),
                       n_presses=1, n_errors=int(not ok))  # fmt: skip
            writer.write_trial(row, [dict(onset=onset + rt, duration=0.1, key=keys[pos], position=pos, rt=rt,
                                          correct=int(ok))])  # fmt: skip
            onset += rt + 0.5
        writer.close("complete" if not (stop_after and label in stop_after) else "aborted")
    return root


class Toy:
    """Bank simulator: the people's statistics with noise; block RTs 300 + non_decision_ms - 3 k."""

    def __init__(self, base: dict[str, float]):
        self.base = base

    def __call__(self, params, seed, index):
        rng = np.random.default_rng(seed)
        out = {name: value * (1 + 0.1 * rng.normal()) for name, value in self.base.items()}
        for name in self.base:
            if name.startswith("rt_b"):
                out[name] = 300 + params["non_decision_ms"] - 3 * int(name[4:]) + 8 * rng.normal()
        return out


@pytest.fixture(scope="module")
def people(tmp_path_factory):
    root = tmp_path_factory.mktemp("people")
    return write_people(root / "two-groups", {"01": "a", "02": "a", "03": "b", "04": "b"})


@pytest.fixture(scope="module")
def bank(tmp_path_factory, people):
    stats = summary_statistics(load_dataset(people))
    base = stats.drop(columns=["participant", "session", "group", "rt_slope"]).mean().to_dict()
    out = tmp_path_factory.mktemp("fit") / "bank"
    run_bank(out, 150, load_priors(PRIORS), Toy(base), seed=2, batch_size=50,
             description=model_description("srt-classic", short_srt(), BLOCKS, TRIALS))  # fmt: skip
    return out


def fit(people, bank, out, **kwargs):
    return fit_command([Path(people)], bank, out, n_samples=50, max_epochs=3, **kwargs)


def test_a_fit_into_a_used_out_is_refused_and_force_leaves_no_table_of_the_earlier_fit(people, bank, tmp_path):
    out = tmp_path / "fit"
    fit(people, bank, out)
    groups = pd.read_csv(out / "group_differences.csv")
    assert groups["groups"].unique().tolist() == ["a | b"] and len(groups) == 2  # two parameters compared
    (out / "notes.txt").write_text("mine")
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    with pytest.raises(FitError, match=rf"^{out}: --out is not empty; use --force to write into it"):
        fit(people, bank, out)
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before  # nothing touched
    pd.DataFrame({"parameter": ["x"]}).to_csv(out / "recovery.csv")  # as an earlier --check leaves it
    one_group = people / "sub-01"  # one person, one group: no group comparison
    lines = fit(one_group, bank, out, force=True)
    assert not (out / "group_differences.csv").exists() and not (out / "recovery.csv").exists()
    assert (out / "notes.txt").read_text() == "mine"  # not a file fit writes
    summary = pd.read_csv(out / "posterior_summary.csv", dtype={"participant": str})
    assert summary["participant"].unique().tolist() == ["01"]
    assert "estimator: reused (estimator.pkl)" in "\n".join(lines)  # same bank: the cache stays valid
    assert "compressed to 4 regression estimates (boosted)" in "\n".join(lines)  # trees + ridge, 2 parameters
    lines = fit(one_group, bank, out, force=True, compress="none")  # another setting: trained again
    assert "estimator: trained" in "\n".join(lines) and "compressed" not in "\n".join(lines)
    run = subprocess.run(
        [MOTORSEQ, "fit", str(one_group), "--bank", str(bank), "--out", str(out)], capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip() == (
        f"error: {out}: --out is not empty; use --force to write into it (the tables an earlier fit wrote there "
        "are removed first)"
    )


def test_blocks_a_person_did_not_do_are_not_scored_and_the_imputation_is_announced(people, bank, tmp_path):
    from motorseq.models.fit import predictive_verdicts
    from motorseq.models.fit.inference import Estimator, _band_frame

    # one person, seven learning blocks, the last five without data: the band holds blocks 1-2
    blocks = {f"rt_b{k}": v for k, v in enumerate([450.0, 440.0] + [np.nan] * 5, start=1)}
    person = pd.Series({"participant": "02", "session": "1", "group": "a", **blocks}, dtype=object)
    columns = [f"rt_b{k}" for k in range(1, 8)]
    band = np.vstack([np.full(7, 400.0), np.full(7, 450.0), np.full(7, 500.0)])
    frame = _band_frame(person, columns, "rt_b", band, ess=30.0, assessed=True)
    assert frame["inside"].tolist()[:2] == [True, True] and frame["inside"].iloc[2:].isna().all()
    verdict = predictive_verdicts(frame).iloc[0]
    assert verdict["share"] == pytest.approx(1.0) and verdict["assessed"] and verdict["inside"]  # 2 of 2, not 2 of 7

    stopped = write_people(tmp_path / "stopped", {"01": "a", "02": "a"}, stop_after={"02": 3})  # practice + 2
    out = tmp_path / "fit"
    lines = fit(stopped, bank, out)
    stats = pd.read_csv(out / "summaries.csv", dtype={"participant": str}).set_index("participant")
    features = Estimator.load(out / "estimator.pkl").features
    lacking = [f for f in features if np.isnan(stats.loc["02", f])]
    assert stats.loc["01", features].notna().all() and len(lacking) >= 10
    warnings = [line for line in lines if line.startswith("warning:")]
    assert warnings == [
        f"warning: 02/ses-1: {len(lacking)} of {len(features)} statistics missing ({', '.join(lacking[:6])}, ...), "
        "filled with the bank's median; blocks without data are not scored by the predictive check"
    ]
    assert lacking[:5] == ["rt_b3", "rt_b4", "rt_b5", "rt_b6", "rt_b7"]
    bands = pd.read_csv(out / "predictive_check.csv", dtype={"participant": str})
    mine = bands[bands["participant"] == "02"].set_index("block")
    assert mine.loc[3:7, "inside"].isna().all() and mine.loc[1:2, "inside"].notna().all()
    verdicts = predictive_verdicts(bands.astype({"inside": "boolean"})).set_index("participant")
    assert verdicts.loc["02", "share"] == pytest.approx(mine.loc[1:2, "inside"].astype(float).mean())


def test_people_with_shorter_blocks_than_the_banks_are_refused_and_longer_ones_cut(bank, tmp_path):
    short = write_people(tmp_path / "short", {"01": "a", "02": "a"}, trials=6)  # the bank simulated 12 per block
    with pytest.raises(FitError) as error:
        fit(short, bank, tmp_path / "fit-short")
    assert str(error.value) == (
        f"{short}: participant 01 session 1: learning block 1 (block 2) has 6 trials, the bank's design has 12 "
        f"({bank}/bank.json: simulator.protocol srt-classic, max_trials_per_block 12); fit it against a bank of its "
        "design"
    )
    assert not (tmp_path / "fit-short").exists()  # refused before anything was written
    long = write_people(tmp_path / "long", {"01": "a", "02": "a"}, trials=20)  # cut to the bank's 12, as documented
    fit(long, bank, tmp_path / "fit-long")
    stats = pd.read_csv(tmp_path / "fit-long" / "summaries.csv")
    assert stats[[f"rt_b{k}" for k in range(1, 8)]].notna().all().all()
    run = load_dataset(long).trials
    assert run.groupby(["participant", "block"]).size().max() == 20  # the files keep all trials; fit used 12


def test_shared_gives_each_group_one_posterior_of_the_value_its_members_share(people, bank, tmp_path):
    out = tmp_path / "fit"
    lines = fit(people, bank, out, shared=["non_decision_ms"])
    table = pd.read_csv(out / "group_posteriors.csv")
    assert table["group"].tolist() == ["a", "b"] and (table["parameter"] == "non_decision_ms").all()
    assert (table["n"] == 2).all() and (table["q05"] <= table["mean"]).all() and (table["mean"] <= table["q95"]).all()
    assert "the value each group shares (non_decision_ms, as --shared says; group_posteriors.csv):" in lines
    with pytest.raises(FitError, match=r"^--shared: 'dopamine' is not a parameter of the bank \(fitted: "):
        fit(people, bank, tmp_path / "f2", shared=["dopamine"])
    assert not (tmp_path / "f2").exists()
