"""Curve fits recover known parameters, AIC picks the generating family, bootstrap is seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis.fits import fit_curves, fit_learning_curves, predict


@pytest.mark.parametrize("model", ["exponential", "power"])
def test_exact_curves_are_recovered(model):
    x = np.arange(1, 16, dtype=float)
    a, b, c = np.array([350.0, 420.0]), np.array([200.0, 80.0]), np.array([0.3, 0.8])
    y = predict(model, x, a, b, c)
    fit = fit_curves(model, x, y)
    np.testing.assert_allclose(fit["c"], c, rtol=1e-4)
    np.testing.assert_allclose(fit["a"], a, rtol=1e-4)
    np.testing.assert_allclose(fit["b"], b, rtol=1e-3)
    assert np.all(fit["rss"] < 1e-6)


def test_missing_points_are_ignored():
    x = np.arange(1, 11, dtype=float)
    y = predict("exponential", x, 300.0, 150.0, 0.5)[None, :].copy()
    y[0, 4] = np.nan
    fit = fit_curves("exponential", x, y)
    assert fit["n"][0] == 9 and fit["c"][0] == pytest.approx(0.5, rel=1e-4)


def test_aic_prefers_the_generating_family():
    rng = np.random.default_rng(3)
    x = np.arange(1, 21, dtype=float)
    y_exp = predict("exponential", x, 400.0, 200.0, 0.35) + rng.normal(0, 2, 20)
    y_pow = predict("power", x, 300.0, 300.0, 1.2) + rng.normal(0, 2, 20)
    ys = np.vstack([y_exp, y_pow])
    aic_exp = fit_curves("exponential", x, ys)["aic"]
    aic_pow = fit_curves("power", x, ys)["aic"]
    assert aic_exp[0] < aic_pow[0] and aic_pow[1] < aic_exp[1]


def _cohort(seed: int, n: int = 12) -> tuple[pd.DataFrame, float]:
    rng = np.random.default_rng(seed)
    rows = []
    asymptotes = 350 + rng.normal(0, 20, n)
    for p in range(n):
        rt = predict("exponential", np.arange(1, 11.0), asymptotes[p], 150, 0.4) + rng.normal(0, 8, 10)
        rows += [
            {"participant": f"{p:02d}", "session": "1", "group": "all", "source": "human", "block": b + 2, "rt_ms": v}
            for b, v in enumerate(rt)
        ]
    return pd.DataFrame(rows), float(asymptotes.mean())


def test_group_and_participant_fits_with_bootstrap():
    curves, mean_asymptote = _cohort(5)
    fits = fit_learning_curves(curves, n_boot=300, n_boot_participant=50, seed=7)
    g = fits.groups.set_index("model")
    assert g.loc["exponential", "c_ci_low"] < 0.4 < g.loc["exponential", "c_ci_high"]
    assert g.loc["exponential", "a_ci_low"] < mean_asymptote < g.loc["exponential", "a_ci_high"]
    assert g["best"].sum() == 1 and g["delta_aic"].min() == 0
    parts = fits.participants
    assert len(parts) == 2 * 12 and parts.groupby("participant")["best"].sum().eq(1).all()
    exp = parts[parts["model"] == "exponential"]
    assert ((exp["c_ci_low"] <= exp["c"]) & (exp["c"] <= exp["c_ci_high"])).all()
    # x counts from the first learning block (block 2 here): the curve table keeps the labels
    assert fits.curves["block"].min() == 2
    again = fit_learning_curves(curves, n_boot=300, n_boot_participant=50, seed=7)
    pd.testing.assert_frame_equal(fits.groups, again.groups)
    other = fit_learning_curves(curves, n_boot=300, n_boot_participant=50, seed=8)
    assert not np.allclose(other.groups["c_ci_low"], fits.groups["c_ci_low"])


def test_curves_too_short_are_not_fitted():
    curves, _ = _cohort(9, n=4)
    curves = curves[(curves["participant"] != "03") | (curves["block"] <= 4)]  # 3 points left
    fits = fit_learning_curves(curves, n_boot=100, n_boot_participant=20, seed=1)
    short = fits.participants[fits.participants["participant"] == "03"]
    assert short["c"].isna().all() and short["aic"].isna().all() and not short["best"].any()
    assert short["n_points"].tolist() == [3, 3]
    others = fits.participants[fits.participants["participant"] != "03"]
    assert others["c"].notna().all() and others.groupby("participant")["best"].sum().eq(1).all()


def test_linear_curve_rate_is_flagged_at_bound():
    x = np.arange(1, 11, dtype=float)
    y = np.vstack([500 - 5 * x, predict("exponential", x, 350.0, 150.0, 0.5)])
    fit = fit_curves("exponential", x, y)
    assert fit["at_bound"].tolist() == [True, False]
