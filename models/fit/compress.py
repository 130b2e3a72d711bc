"""Linear compression of the statistics: one regression estimate of each parameter (semi-automatic ABC).

With a bank of a few hundred simulations a flow conditioned on ~20 noisy statistics overfits.
Fearnhead & Prangle (2012) showed that the regression estimate E[theta | x] is a good low-dimensional
summary: here one ridge regression per parameter (on the robustly scaled, clipped statistics),
its penalty chosen by exact leave-one-out error, fitted on the training simulations only. The
estimator is then conditioned on these ``d`` estimates instead of the raw statistics.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ALPHAS", "fit_ridge", "project"]

#: Ridge penalties tried (per parameter, on standardised statistics).
ALPHAS = np.logspace(-2, 4, 25)


def fit_ridge(x: np.ndarray, theta: np.ndarray, alphas: np.ndarray = ALPHAS) -> tuple[np.ndarray, np.ndarray]:
    """Ridge regression of every column of ``theta`` on ``x``, penalty by leave-one-out error.

    Parameters
    ----------
    x : ndarray, shape (n, p)
        Statistics (scaled; no NaN).
    theta : ndarray, shape (n, d)
        Parameters.
    alphas : ndarray
        Penalties tried.

    Returns
    -------
    weights : ndarray, shape (p + 1, d)
        Coefficients, the last row the intercept (:func:`project` applies them).
    chosen : ndarray, shape (d,)
        The penalty of each parameter.
    """
    mean_x, mean_t = x.mean(axis=0), theta.mean(axis=0)
    xc, tc = x - mean_x, theta - mean_t
    u, s, vt = np.linalg.svd(xc, full_matrices=False)
    ut = u.T @ tc  # (k, d)
    best = np.full(theta.shape[1], np.inf)
    chosen = np.zeros(theta.shape[1])
    n = len(x)
    for alpha in alphas:
        shrink = s**2 / (s**2 + alpha)
        fitted = u @ (shrink[:, None] * ut)
        leverage = (u**2) @ shrink + 1.0 / n  # hat matrix diagonal, intercept included
        loo = ((tc - fitted) / (1.0 - leverage)[:, None]) ** 2
        err = loo.mean(axis=0)
        better = err < best
        best[better], chosen[better] = err[better], alpha
    weights = np.empty((x.shape[1] + 1, theta.shape[1]))
    for j, alpha in enumerate(chosen):
        coef = vt.T @ ((s / (s**2 + alpha)) * ut[:, j])
        weights[:-1, j] = coef
        weights[-1, j] = mean_t[j] - mean_x @ coef
    return weights, chosen


def project(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Apply :func:`fit_ridge` weights: the regression estimate of each parameter, shape (n, d)."""
    return np.atleast_2d(x) @ weights[:-1] + weights[-1]
