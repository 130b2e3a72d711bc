"""Compression of the statistics: one regression estimate of each parameter (semi-automatic ABC).

With a bank of a few hundred simulations a flow conditioned on ~50 noisy statistics underfits or
overfits. Fearnhead & Prangle (2012) showed that the regression estimate ``E[theta | x]`` is a
good low-dimensional summary: the estimator is then conditioned on these ``d`` estimates instead
of the raw statistics. Two regressions (both on the robustly scaled, clipped statistics, fitted on
the training simulations only):

* ``linear``: one ridge regression per parameter, its penalty chosen by exact leave-one-out error.
* ``boosted``: gradient-boosted trees per parameter (scikit-learn), which also catch effects that
  only show together (a random-block cost that a dopamine gain removes only when the striatum
  learns), beside the ridge estimates (trees follow a smooth linear trend only in steps): ``2 d``
  summaries. Trees fit their own training simulations closely, so the flow is trained on
  *cross-fitted* tree estimates: each simulation's comes from the models fitted without its
  fold, and a new person's is the mean of those fold models (Chernozhukov et al. 2018); the ridge
  estimates are cross-fitted the same way. (Exact leave-one-out ridge estimates would not do:
  for a parameter the statistics do not inform, the penalised fit is the mean of the other
  simulations, ``(sum - theta_i) / (n - 1)``, which tells a flow each simulation's own value.) Without
  that the flow would learn from estimates more exact than any person's and come out
  overconfident.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "ALPHAS",
    "COMPRESSIONS",
    "DEFAULT_COMPRESS",
    "BoostedCompression",
    "fit_boosted",
    "fit_ridge",
    "project",
]

#: How the statistics may be compressed before the flow (``none``: the raw statistics).
COMPRESSIONS = ("none", "linear", "boosted")
#: The default of ``motorseq fit`` (measured in session 23, models/README.md "Fitting").
DEFAULT_COMPRESS = "boosted"

#: Ridge penalties tried (per parameter, on standardised statistics).
ALPHAS = np.logspace(-2, 4, 25)
#: Folds of the cross-fitted boosted compression.
BOOSTED_FOLDS = 5
#: Trees of each boosted regression: shallow (depth 2: pairs of statistics), slow (rate 0.05) and
#: subsampled (0.8), which kept the held-out error lowest on the 424-simulation srt-classic bank
#: (session 23; 100-400 trees, depth 1-3 tried).
BOOSTED_TREES = {"n_estimators": 200, "max_depth": 2, "learning_rate": 0.05, "subsample": 0.8}


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


@dataclass
class BoostedCompression:
    """Cross-fitted gradient-boosted estimates of each parameter and the ridge estimates beside them.

    ``models[k][j]`` is fold ``k``'s tree regression of parameter ``j`` and ``ridges[k]`` fold
    ``k``'s :func:`fit_ridge` weights; :meth:`apply` averages the folds' tree estimates, then their
    ridge estimates.
    """

    models: list[list] = field(default_factory=list)
    ridges: list[np.ndarray] = field(default_factory=list)

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Estimate every parameter for each row of ``x``: ``(n, d)`` tree estimates, then ``(n, d)`` ridge ones."""
        x = np.atleast_2d(x)
        trees = np.mean([np.column_stack([m.predict(x) for m in fold]) for fold in self.models], axis=0)
        if not self.ridges:
            return trees
        return np.hstack([trees, np.mean([project(x, w) for w in self.ridges], axis=0)])


def fit_boosted(
    x: np.ndarray, theta: np.ndarray, seed: int = 0, folds: int = BOOSTED_FOLDS
) -> tuple[BoostedCompression, np.ndarray]:
    """Cross-fit gradient-boosted regressions of every column of ``theta`` on ``x``.

    Parameters
    ----------
    x : ndarray, shape (n, p)
        Statistics (scaled; no NaN).
    theta : ndarray, shape (n, d)
        Parameters (the estimator's axis).
    seed : int
        Seed of the folds and the trees' subsampling.
    folds : int
        Number of folds (each simulation's training estimate comes from the other folds' models).

    Returns
    -------
    compression : BoostedCompression
        The fold models and the ridge weights (for new data).
    held_out : ndarray, shape (n, 2 d)
        Each simulation's tree estimates, then its ridge estimates, from the fold models fitted
        without it (for training the flow: as inexact as a new person's).
    """
    from sklearn.ensemble import GradientBoostingRegressor

    n = len(x)
    order = np.random.default_rng(seed).permutation(n)
    held_out = np.empty((n, 2 * theta.shape[1]), dtype=float)
    models, ridges = [], []
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        fold = []
        for j in range(theta.shape[1]):
            model = GradientBoostingRegressor(**BOOSTED_TREES, random_state=seed + 1000 * k + j)
            model.fit(x[train], theta[train, j])
            held_out[test, j] = model.predict(x[test])
            fold.append(model)
        ridge = fit_ridge(x[train], theta[train])[0]
        held_out[test, theta.shape[1] :] = project(x[test], ridge)
        models.append(fold)
        ridges.append(ridge)
    return BoostedCompression(models, ridges), held_out


def project(x: np.ndarray, weights: np.ndarray | BoostedCompression) -> np.ndarray:
    """Apply a compression: ridge weights of :func:`fit_ridge` or a :class:`BoostedCompression`, shape (n, d)."""
    if isinstance(weights, BoostedCompression):
        return weights.apply(x)
    return np.atleast_2d(x) @ weights[:-1] + weights[-1]
