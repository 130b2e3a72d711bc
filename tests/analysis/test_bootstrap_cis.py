"""Bootstrap CIs come from scipy.stats.bootstrap, with explicit seeds (issue 16)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis import measures as ms
from motorseq.analysis.cleaning import CleaningRules, clean
from motorseq.analysis.fits import MODELS, fit_curves, fit_learning_curves, predict
from motorseq.analysis.schema import finalize_trials
from scipy import stats

NO_RULES = CleaningRules(post_error=False, anticipation_ms=None, outlier_sd=None, first_trials=0)


def _srt(rng) -> pd.DataFrame:
    """One participant: sequence, sequence, random, sequence blocks of 30 trials (block 3 ~40 ms slower)."""
    rows = []
    for block, base in {1: 500, 2: 470, 3: 505, 4: 460}.items():
        for trial in range(1, 31):
            rows.append(
                {
                    "participant": "01",
                    "block": block,
                    "trial": trial,
                    "trial_type": "random" if block == 3 else "sequence",
                    "rt_ms": base + rng.normal(0, 25),
                    "correct": 1,
                }
            )
    table = pd.DataFrame(rows).assign(paradigm="srt")
    return clean(finalize_trials(table, "constructed"), NO_RULES)


def test_sequence_effect_ci_is_scipys_percentile_bootstrap():
    cleaned = _srt(np.random.default_rng(4))
    out = ms.sequence_learning(cleaned, n_boot=500, seed=11).iloc[0]
    rts = [cleaned.loc[(cleaned["block"] == b) & cleaned["use_rt"], "rt_ms"].to_numpy() for b in (3, 2, 4)]

    def effect(random, before, after, axis=-1):
        return np.median(random, axis=axis) - (np.median(before, axis=axis) + np.median(after, axis=axis)) / 2

    (stream,) = np.random.SeedSequence(11).spawn(1)
    expected = stats.bootstrap(
        rts, effect, n_resamples=500, vectorized=True, method="percentile", rng=np.random.default_rng(stream)
    ).confidence_interval
    assert (out["ci_low"], out["ci_high"]) == (expected.low, expected.high)
    assert out["ci_low"] < out["sequence_effect_ms"] < out["ci_high"]
    again = ms.sequence_learning(cleaned, n_boot=500, seed=11).iloc[0]
    other = ms.sequence_learning(cleaned, n_boot=500, seed=12).iloc[0]
    assert again["ci_low"] == out["ci_low"] and other["ci_low"] != out["ci_low"]


def _cohort(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(6)
    rows = []
    for p in range(n):
        rt = predict("exponential", np.arange(1, 9.0), 360 + rng.normal(0, 15), 140, 0.45) + rng.normal(0, 6, 8)
        rows += [
            {"participant": f"{p:02d}", "session": "1", "group": "all", "source": "human", "block": b + 1, "rt_ms": v}
            for b, v in enumerate(rt)
        ]
    return pd.DataFrame(rows)


def test_group_fit_cis_are_scipys_bootstrap_of_participants():
    curves = _cohort(8)
    fits = fit_learning_curves(curves, n_boot=200, n_boot_participant=0, seed=5)
    y = curves.pivot(index="participant", columns="block", values="rt_ms").to_numpy()
    x = np.arange(1, 9.0)

    def statistic(data, axis=-1):
        ys = np.mean(data, axis=axis).T
        ys = ys if ys.ndim == 2 else ys[None, :]
        values = []
        for model in MODELS:
            fit = fit_curves(model, x, ys, grid=32, refine=False)
            values += [
                fit["a"][None],
                fit["b"][None],
                fit["c"][None],
                predict(model, x, fit["a"], fit["b"], fit["c"]).T,
            ]
        out = np.concatenate(values)
        return out if data.ndim == 3 else out[:, 0]

    # the group stream is the first of the two spawned from the seed
    rng = np.random.default_rng(np.random.SeedSequence(5).spawn(2)[0])
    ci = stats.bootstrap(
        (y.T,), statistic, n_resamples=200, vectorized=True, axis=-1, method="percentile", rng=rng
    ).confidence_interval
    low, high = ci.low.reshape(2, -1), ci.high.reshape(2, -1)
    groups = fits.groups.set_index("model")
    for m, model in enumerate(MODELS):
        for i, k in enumerate("abc"):
            assert groups.loc[model, f"{k}_ci_low"] == pytest.approx(low[m, i], rel=1e-12)
            assert groups.loc[model, f"{k}_ci_high"] == pytest.approx(high[m, i], rel=1e-12)
        band = fits.curves[fits.curves["model"] == model]
        np.testing.assert_allclose(band["band_low"], low[m, 3:], rtol=1e-12)
    assert groups.loc["exponential", "c_ci_low"] < 0.45 < groups.loc["exponential", "c_ci_high"]


def test_one_participant_has_no_group_ci_and_participant_cis_repeat_with_the_seed():
    one = fit_learning_curves(_cohort(1), n_boot=100, n_boot_participant=0, seed=0)
    assert one.groups[["a_ci_low", "a_ci_high", "c_ci_low"]].isna().all().all()  # nothing to resample
    curves = _cohort(3)
    curves = curves[~((curves["participant"] == "01") & (curves["block"] == 5))]  # a missing block
    first = fit_learning_curves(curves, n_boot=50, n_boot_participant=80, seed=2).participants
    again = fit_learning_curves(curves, n_boot=50, n_boot_participant=80, seed=2).participants
    pd.testing.assert_frame_equal(first, again)
    exp = first[first["model"] == "exponential"]
    assert exp[["a_ci_low", "c_ci_low", "c_ci_high"]].notna().all().all()
    assert ((exp["c_ci_low"] <= exp["c"]) & (exp["c"] <= exp["c_ci_high"])).all()
