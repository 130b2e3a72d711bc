"""NPE on a toy bank whose posterior is known: recovery, calibration, non-identifiability, people, CLI.

The toy simulator draws statistics from the parameters on the priors' unit axis ``u``:
``a = u1 + N(0, 0.05)``, ``b = u2 + N(0, 0.05)``, ``c = N(0, 1)`` (says nothing about u3) and a
three-block curve ``rt_b<k> = 400 + 100 u2 - 10 k + N(0, 5)``. The posterior of u1 given a is
then N(a, 0.05) (inside [0, 1]): mean a, 90 % interval a ± 0.082; u3's posterior is its prior.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sbi", reason="the [fit] extra (sbi, torch) is not installed")

from motorseq.models.fit import (  # noqa: E402
    FitError,
    fit_people,
    group_recovery_summary,
    load_priors,
    predictive_bands,
    predictive_verdicts,
    read_bank,
    recovery_check,
    run_bank,
    simulate_predictive,
    simulated_bands,
    statistic_information,
    verdict_summary,
)
from motorseq.models.fit.inference import CLIP  # noqa: E402

MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))
PRIORS = {
    "parameters": {
        "eta_striatum": {"low": 0.0002, "high": 0.005, "scale": "log", "reason": "toy"},
        "non_decision_ms": {"low": 80, "high": 320, "reason": "toy"},
        "cue_drive_mv": {"low": 22, "high": 30, "reason": "toy"},
    }
}
NOISE = 0.05


def toy_statistics(u: np.ndarray, rng: np.random.Generator) -> dict[str, float]:
    stats = {"a": u[0] + NOISE * rng.normal(), "b": u[1] + NOISE * rng.normal(), "c": rng.normal()}
    stats.update({f"rt_b{k}": 400 + 100 * u[1] - 10 * k + 5 * rng.normal() for k in (1, 2, 3)})
    return stats


class Toy:
    """Bank simulator with a known posterior (picklable)."""

    def __init__(self, priors):
        self.priors = priors

    def __call__(self, params, seed, index):
        u = self.priors.to_unit(np.array([[params[n] for n in self.priors.names]]))[0]
        return toy_statistics(u, np.random.default_rng(seed))


@pytest.fixture(scope="module")
def toy_bank(tmp_path_factory):
    priors = load_priors(PRIORS)
    out = tmp_path_factory.mktemp("fit") / "bank"
    run_bank(out, 460, priors, Toy(priors), seed=11, batch_size=100)
    return out, priors


@pytest.fixture(scope="module")
def check(toy_bank):
    out, priors = toy_bank
    # the box-prior flow on the raw statistics: on this bank it gets the known posterior's width;
    # the defaults (logit flow, boosted compression: calibrated on the model bank) are checked by
    # the cross-validation test below
    return recovery_check(
        read_bank(out), priors, holdout=60, n_samples=300, seed=0, hidden_features=32, num_transforms=2, max_epochs=80,
        logit=False, compress="none",
    )  # fmt: skip


def test_recovery_finds_the_identifiable_parameters_and_the_one_the_data_ignore(check):
    table = check.parameters.set_index("parameter")
    assert table.loc["eta_striatum", "r"] > 0.9 and table.loc["non_decision_ms", "r"] > 0.9
    assert abs(table.loc["cue_drive_mv", "r"]) < 0.5
    assert check.non_identifiable == ["cue_drive_mv"]
    assert table.loc[["eta_striatum", "non_decision_ms"], "contraction"].min() > 0.8
    # calibrated: the 90% intervals cover the truth about 90% of the time (60 held back)
    assert table["coverage"].between(0.75, 1.0).all()
    assert (table["sbc_p"] > 0.001).all()
    recovered = check.recovered
    assert len(recovered) == 3 * 60 and recovered["rank"].between(0, 300).all()


def test_a_persons_posterior_matches_the_known_answer(toy_bank, check):
    out, priors = toy_bank
    rng = np.random.default_rng(5)
    truth = np.array([0.3, 0.6, 0.2])
    person = pd.DataFrame([{"participant": "p1", "session": "1", "group": "all", **toy_statistics(truth, rng)}])
    samples, summary = fit_people(check.estimator, person, n_samples=2000, seed=1)
    assert len(samples) == 2000
    post = summary.set_index("parameter")
    unit = lambda name, col: priors.to_unit(  # noqa: E731
        np.array([[post.loc[n, col] if n == name else priors.parameters[n].low for n in priors.names]])
    )[0][priors.names.index(name)]
    a = person["a"].iloc[0]
    # u1 | a ~ N(a, 0.05): mean a, 90% interval a +- 0.082 (on the log axis of eta_striatum); an
    # estimator trained on 400 simulations gets the centre and, within a factor ~1.8, the width
    low, high = unit("eta_striatum", "q05"), unit("eta_striatum", "q95")
    assert unit("eta_striatum", "mean") == pytest.approx(a, abs=0.04)
    assert (low + high) / 2 == pytest.approx(a, abs=0.04)
    assert 0.12 < high - low < 0.30
    # u3 is not in the data: its posterior is the prior (uniform on 22-30 mV)
    assert post.loc["cue_drive_mv", "q95"] - post.loc["cue_drive_mv", "q05"] > 0.7 * 8
    bands = predictive_bands(check.estimator, read_bank(out), person)
    assert bands["statistic"].tolist() == ["rt_b1", "rt_b2", "rt_b3"]
    assert bands["inside"].all()
    assert (bands["high"] - bands["low"]).between(10, 60).all()  # noise SD 5 plus u2's posterior spread


def test_fit_check_from_the_cli_prints_recovery_and_writes_tables(toy_bank, tmp_path):
    out, _ = toy_bank
    run = subprocess.run(
        [MOTORSEQ, "fit", "--check", "--bank", str(out), "--out", str(tmp_path / "fit"), "--holdout", "60",
         "--max-epochs", "40", "--density", "mdn", "--compress", "linear"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "recovery eta_striatum: r = 0.9" in run.stderr
    assert "not identifiable: cue_drive_mv" in run.stderr
    table = pd.read_csv(tmp_path / "fit" / "recovery.csv")
    assert table["parameter"].tolist() == ["eta_striatum", "non_decision_ms", "cue_drive_mv"]
    # 120 held back: 8 neighbours in true value span ~0.06 of the range, too wide to share a value
    assert "groups of 8 sharing a value: too few held-back simulations" in run.stderr
    assert (pd.read_csv(tmp_path / "fit" / "group_recovery.csv")["groups"] < 3).all()
    missing = subprocess.run(
        [MOTORSEQ, "fit", "--check", "--bank", str(tmp_path / "nothing"), "--out", str(tmp_path / "f2")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: {tmp_path / 'nothing'}: not a simulation bank (bank.json missing)"
    wrong = subprocess.run(
        [MOTORSEQ, "fit", "--check", "--bank", str(out), "--out", str(tmp_path / "f3"), "--compress", "pca"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert wrong.returncode == 2
    assert wrong.stderr.strip() == "error: --compress: must be one of none, linear, boosted, got 'pca'"
    assert not (tmp_path / "f3").exists()


def test_cross_validation_holds_every_simulation_back_once_with_an_ensemble(toy_bank):
    out, priors = toy_bank
    bank = read_bank(out)
    folded = recovery_check(
        bank, priors, folds=3, n_samples=200, seed=3, hidden_features=32, num_transforms=2, max_epochs=30, ensemble=2
    )
    assert sorted(folded.recovered["sim"].unique()) == sorted(bank["sim"])  # all 460, each once
    table = folded.parameters.set_index("parameter")
    assert (table["n"] == 460).all()
    assert table.loc["eta_striatum", "r"] > 0.9 and table.loc["non_decision_ms", "r"] > 0.9
    assert folded.non_identifiable == ["cue_drive_mv"]
    # 460 held-back truths: coverage of the 90% interval within +-8 points of 90%
    assert table.loc[["eta_striatum", "non_decision_ms"], "coverage"].between(0.82, 0.98).all()
    assert len(folded.estimator.posteriors) == 2 and folded.estimator.info["ensemble"] == 2
    # groups of 8 held-back neighbours sharing a value: u1 and u2 recovered, u3 (no data) not
    grouped = group_recovery_summary(folded.draws, folded.truth, priors.names).set_index("parameter")
    assert (grouped["groups"] >= 20).all()
    assert grouped.loc["eta_striatum", "r"] > 0.95 and grouped.loc["non_decision_ms", "r"] > 0.95
    assert grouped.loc[["eta_striatum", "non_decision_ms"], "coverage"].min() >= 0.7
    assert abs(grouped.loc["cue_drive_mv", "r"]) < 0.5 and grouped.loc["cue_drive_mv", "width"] > 0.5
    # the default compression: the flow sees a tree and a ridge estimate of each of the 3 parameters
    assert folded.estimator.info["compress"] == "boosted"
    assert folded.estimator.transform(np.zeros((1, len(folded.estimator.features)))).shape == (1, 6)
    with pytest.raises(ValueError, match="--folds: 200 folds of 460"):
        recovery_check(bank, priors, folds=200)


def test_statistics_are_scaled_and_clipped_so_an_outlier_stays_in_the_trained_range(check):
    estimator = check.estimator
    person = pd.DataFrame([{"a": 0.5, "b": 0.5, "c": 1e6, "rt_b1": 450.0, "rt_b2": 440.0, "rt_b3": 430.0}])
    x = estimator.prepare(person)
    assert np.abs(x).max() == pytest.approx(CLIP)  # c = 1e6 clipped to +6 IQR
    assert abs(x[0, estimator.features.index("a")]) < 1.5  # a = 0.5 is the bank's median, IQR ~0.5
    draws = estimator.sample(x, 200, seed=0)
    assert np.isfinite(draws).all() and draws.shape == (1, 200, 3)


def test_information_table_names_the_statistic_behind_each_parameter(toy_bank):
    out, priors = toy_bank
    table = statistic_information(read_bank(out), priors).set_index("statistic")
    assert table.loc["a", "strongest"] == "eta_striatum" and table.loc["a", "eta_striatum"] > 0.9
    assert table.loc["b", "strongest"] == "non_decision_ms" and table.loc["rt_b2", "non_decision_ms"] > 0.9
    assert abs(table.loc["c", ["eta_striatum", "non_decision_ms", "cue_drive_mv"]]).max() < 0.15
    assert (table["missing"] == 0).all()


def test_a_bank_weighted_band_on_too_few_effective_simulations_is_not_assessed(toy_bank, check):
    out, _ = toy_bank
    person = pd.DataFrame(
        [{"participant": "p1", "session": "1", "group": "all", **toy_statistics(np.array([0.3, 0.6, 0.2]),
          np.random.default_rng(5))}]
    )  # fmt: skip
    scored = predictive_bands(check.estimator, read_bank(out), person)
    ess = scored["ess"].iloc[0]
    assert 10 < ess < 460 and scored["inside"].notna().all()
    guarded = predictive_bands(check.estimator, read_bank(out), person, min_ess=ess + 1)
    assert guarded["inside"].isna().all()  # the same band, but too thin a sample to score
    assert guarded[["low", "high"]].equals(scored[["low", "high"]])
    verdict = predictive_verdicts(guarded).iloc[0]
    assert not verdict["assessed"] and not verdict["inside"] and np.isnan(verdict["share"])


def test_predictive_verdicts_count_blocks_inside_per_person():
    rows = [
        {"participant": p, "session": "1", "group": "g", "block": k, "inside": v, "ess": 30.0}
        for p, hits in (("a", [True] * 4 + [False]), ("b", [True] * 3 + [False] * 2), ("c", [pd.NA] * 5))
        for k, v in enumerate(hits, start=1)
    ]
    bands = pd.DataFrame(rows).astype({"inside": "boolean"})
    v = predictive_verdicts(bands).set_index("participant")
    assert v.loc["a", "share"] == pytest.approx(0.8) and v.loc["a", "inside"]
    assert v.loc["b", "share"] == pytest.approx(0.6) and not v.loc["b", "inside"]
    assert not v.loc["c", "assessed"] and not v.loc["c", "inside"]
    summary = verdict_summary(predictive_verdicts(bands))
    assert (summary["n"], summary["assessed"], summary["inside"]) == (3, 2, 1)
    assert summary["rate"] == pytest.approx(0.5) and summary["median_share"] == pytest.approx(0.7)
    assert summary["outside"] == ["b/ses-1 (60%)"] and summary["not_assessed"] == ["c/ses-1"]


def test_simulated_predictive_bands_from_posterior_draws_alone_or_on_dask_workers(toy_bank, check):
    out, priors = toy_bank
    truth = np.array([0.3, 0.6, 0.2])
    person = pd.DataFrame(
        [{"participant": "p1", "session": "1", "group": "all", **toy_statistics(truth, np.random.default_rng(5))}]
    )  # fmt: skip
    samples, _ = fit_people(check.estimator, person, n_samples=200, seed=1)
    here = simulate_predictive(Toy(priors), samples, priors.names, n_draws=40, seed=3)
    assert len(here) == 40 and (here["status"] == "done").all()
    assert here["draw"].isin(samples["draw"]).all() and here["draw"].is_unique
    on_workers = simulate_predictive(Toy(priors), samples, priors.names, n_draws=40, seed=3, workers=2)
    cols = ["draw", "seed", "x.rt_b1", "x.rt_b3"]
    pd.testing.assert_frame_equal(here[cols], on_workers[cols])  # same seed, same simulations
    bands = simulated_bands(here, person)
    assert bands["statistic"].tolist() == ["rt_b1", "rt_b2", "rt_b3"] and (bands["ess"] == 40).all()
    # rt_b = 400 + 100 u2 - 10 k + N(0, 5) with u2 ~ N(0.6, 0.05): the band is ~ +-1.645 * 7 ms
    assert (bands["high"] - bands["low"]).between(10, 50).all()
    assert bands["inside"].all()


def test_only_a_bank_of_the_spiking_model_can_be_simulated_again(toy_bank, tmp_path):
    import json

    from motorseq.models.fit import bank_simulator, model_description
    from motorseq.protocols import load_protocol
    from motorseq.tasks.shorten import shorten_protocol

    out, _ = toy_bank
    with pytest.raises(FitError, match=r"bank\.json: simulator: not a bank of the spiking model"):
        bank_simulator(out)
    short = shorten_protocol(load_protocol("asrt"), max_trials_per_block=10, max_blocks=2)
    description = json.loads(json.dumps(model_description("asrt", short, 2, 10), default=str))
    (tmp_path / "bank.json").write_text(json.dumps({"simulator": description}))
    assert bank_simulator(tmp_path).protocol.name == short.name
    description["code"]["ModelCodeSHA256"] = "0" * 64
    (tmp_path / "bank.json").write_text(json.dumps({"simulator": description}))
    with pytest.raises(FitError, match=r"simulator\.code\.ModelCodeSHA256: recorded \"0000.*the model or protocol"):
        bank_simulator(tmp_path)
