"""Compression of the statistics to regression estimates: the boosted trees find what ridge cannot.

A parameter that shows only through an interaction of two statistics (a random-block cost that
a dopamine gain removes only when the striatum learns) has no linear relation to any statistic;
the cross-fitted trees must find it, and their training estimates must be no more exact than a
new simulation's (else the flow trained on them is overconfident).
"""

from __future__ import annotations

import numpy as np
from motorseq.models.fit.compress import BoostedCompression, fit_boosted, fit_ridge, project


def interaction_bank(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """u1 shows only through x1 = (u1 - 0.5)(2 u2 - 1); x2 = u2; x3 is noise."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=(n, 2))
    x = np.column_stack(
        [(u[:, 0] - 0.5) * (2 * u[:, 1] - 1) + 0.02 * rng.normal(size=n), u[:, 1] + 0.02 * rng.normal(size=n),
         rng.normal(size=n)]
    )  # fmt: skip
    return x, u


def r(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def test_boosted_trees_recover_a_parameter_that_shows_only_through_an_interaction():
    x, u = interaction_bank(500, seed=1)
    compression, held_out = fit_boosted(x, u, seed=0)
    new_x, new_u = interaction_bank(300, seed=2)
    estimates = compression.apply(new_x)
    assert estimates.shape == (300, 4)  # trees for u1, u2, then ridge for u1, u2
    ridge = project(new_x, fit_ridge(x, u)[0])
    assert abs(r(ridge[:, 0], new_u[:, 0])) < 0.2  # no linear trace of u1
    assert r(estimates[:, 0], new_u[:, 0]) > 0.7  # the trees find it
    assert r(estimates[:, 1], new_u[:, 1]) > 0.99 and r(estimates[:, 3], new_u[:, 1]) > 0.99
    np.testing.assert_allclose(estimates[:, 2:], ridge, atol=0.01)  # the folds' ridges, averaged


def test_cross_fitted_training_estimates_are_as_exact_as_a_new_simulations():
    x, u = interaction_bank(500, seed=1)
    compression, held_out = fit_boosted(x, u, seed=0)
    new_x, new_u = interaction_bank(2000, seed=3)
    train_error = np.mean((held_out[:, 0] - u[:, 0]) ** 2)
    new_error = np.mean((compression.apply(new_x)[:, 0] - new_u[:, 0]) ** 2)
    assert 0.6 < new_error / train_error < 1.6  # measured 1.35 (0.0186 vs 0.0251)
    # a fold's trees on their own training simulations are far more exact: what cross-fitting avoids
    fold = BoostedCompression([compression.models[0]])
    trained_on = np.setdiff1d(np.arange(500), np.random.default_rng(0).permutation(500)[0::5])
    in_sample = np.mean((fold.apply(x[trained_on])[:, 0] - u[trained_on, 0]) ** 2)
    assert in_sample < 0.6 * new_error  # measured 0.46


def test_the_same_seed_gives_the_same_compression():
    x, u = interaction_bank(200, seed=4)
    a, held_a = fit_boosted(x, u, seed=7)
    b, held_b = fit_boosted(x, u, seed=7)
    np.testing.assert_array_equal(held_a, held_b)
    np.testing.assert_array_equal(a.apply(x[:5]), b.apply(x[:5]))


def test_a_parameter_the_statistics_ignore_leaves_no_trace_of_its_own_value_in_the_training_estimates():
    rng = np.random.default_rng(5)
    x, u = rng.normal(size=(400, 6)), rng.uniform(size=(400, 1))  # statistics independent of u
    _, held_out = fit_boosted(x, u, seed=0)
    # a leave-one-out mean, (sum - u_i) / (n - 1), would correlate -1 with u_i
    assert abs(r(held_out[:, 0], u[:, 0])) < 0.2 and abs(r(held_out[:, 1], u[:, 0])) < 0.2
