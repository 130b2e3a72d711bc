"""Validation before use: parameter recovery on held-back bank simulations.

The estimator is trained on the bank less a held-back share and applied to the held-back
simulations, whose parameters are known; with ``folds`` (K-fold cross-validation) every
simulation of the bank is held back once, by one of K estimators trained on the rest, so the
figures rest on the whole bank instead of a tenth of it. Per parameter (on the prior's axis: log
for log-scaled parameters):

* ``r`` — Pearson correlation of the true value and the posterior mean;
* ``coverage`` — share of held-back simulations whose true value lies in the 90 % interval
  (a calibrated posterior covers 90 %);
* simulation-based calibration (Talts et al. 2018): the rank of the true value among the
  posterior draws is uniform for a calibrated posterior; ``sbc_p`` is the chi-square test of
  uniformity of the ranks in 10 bins;
* ``contraction`` — 1 − posterior variance / prior variance (0: the data say nothing).

A parameter is *not identifiable* from these statistics when ``r < 0.5`` or
``contraction < 0.1``: its posterior is (nearly) its prior.

:func:`statistic_information` says which statistic carries information about which parameter:
the Spearman correlation of each statistic with each parameter across the bank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sst

from .bank import THETA, X
from .inference import LEVEL, Estimator, train_estimator
from .priors import FitError, Priors
from .summaries import add_derived

__all__ = [
    "IDENTIFIABLE_CONTRACTION",
    "IDENTIFIABLE_R",
    "RecoveryCheck",
    "recovery_check",
    "statistic_information",
]

IDENTIFIABLE_R = 0.5
IDENTIFIABLE_CONTRACTION = 0.1


@dataclass
class RecoveryCheck:
    """Recovery figures.

    Attributes
    ----------
    parameters : DataFrame
        ``parameter, r, coverage, sbc_p, contraction, identifiable, n``.
    recovered : DataFrame
        ``sim, parameter, true, mean, q05, q95, rank, n_draws`` per held-back simulation (model units).
    estimator : Estimator
        Trained on the rest of the bank (with folds: the first fold's estimator).
    draws : ndarray
        Posterior draws of every held-back simulation on the priors' unit axis, shape
        ``(n_held, n_samples, n_parameters)``, in the order of ``recovered``'s simulations.
    truth : ndarray
        Their true values on the unit axis, shape ``(n_held, n_parameters)``.
    """

    parameters: pd.DataFrame
    recovered: pd.DataFrame
    estimator: Estimator
    draws: np.ndarray | None = None
    truth: np.ndarray | None = None

    @property
    def non_identifiable(self) -> list[str]:
        """Parameters the statistics cannot identify."""
        return self.parameters.loc[~self.parameters["identifiable"], "parameter"].tolist()


def _split(n: int, holdout: float | int, folds: int | None, seed: int) -> list[np.ndarray]:
    """Held-back masks: one (``holdout``) or ``folds`` that hold every simulation back once."""
    rng = np.random.default_rng(seed)
    if folds is not None:
        if isinstance(folds, bool) or int(folds) < 2 or n // int(folds) < 5 or n - n // int(folds) < 20:
            raise FitError(f"--folds: {folds!r} folds of {n} simulations; need >= 2 folds of >= 5, >= 20 to train")
        order = rng.permutation(n)
        masks = []
        for part in np.array_split(order, int(folds)):
            held = np.zeros(n, dtype=bool)
            held[part] = True
            masks.append(held)
        return masks
    n_hold = int(round(holdout * n)) if isinstance(holdout, float) and holdout < 1 else int(holdout)
    if n_hold < 5 or n - n_hold < 20:
        raise FitError(f"--holdout: {n_hold} held back of {n} simulations; need >= 5 held back and >= 20 to train")
    held = np.zeros(n, dtype=bool)
    held[rng.choice(n, n_hold, replace=False)] = True
    return [held]


def recovery_check(
    bank: pd.DataFrame,
    priors: Priors,
    holdout: float | int = 0.1,
    n_samples: int = 500,
    seed: int = 0,
    folds: int | None = None,
    **train_kwargs,
) -> RecoveryCheck:
    """Train on the bank less ``holdout`` simulations (or K-fold) and recover the held-back ones.

    Parameters
    ----------
    bank : DataFrame
        :func:`~motorseq.models.fit.bank.read_bank` output.
    priors : Priors
        The bank's priors.
    holdout : float or int
        Share (below 1) or number of simulations held back (chosen by ``seed``); ignored with ``folds``.
    n_samples : int
        Posterior draws per held-back simulation (SBC ranks run 0..n_samples).
    seed : int
        Seed of the split, the training and the draws.
    folds : int, optional
        K-fold cross-validation: K estimators, every simulation held back by one of them.
    **train_kwargs
        Passed to :func:`~motorseq.models.fit.inference.train_estimator`.

    Raises
    ------
    FitError
        A bank too small to split.
    """
    bank = add_derived(bank, X)
    masks = _split(len(bank), holdout, folds, seed)
    tests, all_draws, first = [], [], None
    for k, held in enumerate(masks):
        train = bank[~held].reset_index(drop=True)
        test = bank[held].reset_index(drop=True)
        estimator = train_estimator(train, priors, seed=seed + 100 * k, **train_kwargs)
        first = first or estimator
        x = estimator.prepare(test[[X + f for f in estimator.features]])
        all_draws.append(estimator.sample(x, n_samples, seed))  # (n_held, n, d), unit cube
        tests.append(test)
    test = pd.concat(tests, ignore_index=True)
    draws = np.concatenate(all_draws, axis=0)
    n_hold = len(test)
    truth = priors.to_unit(test[[THETA + p for p in priors.names]].to_numpy(dtype=float))
    q = (1 - LEVEL) / 2
    rows, recovered = [], []
    for j, name in enumerate(priors.names):
        d, t = draws[:, :, j], truth[:, j]
        mean = d.mean(axis=1)
        lo, hi = np.quantile(d, q, axis=1), np.quantile(d, 1 - q, axis=1)
        ranks = (d < t[:, None]).sum(axis=1)
        counts = np.histogram(ranks, bins=10, range=(0, n_samples + 1))[0]
        r = float(np.corrcoef(t, mean)[0, 1]) if np.std(mean) > 0 else 0.0
        contraction = float(1.0 - d.var(axis=1).mean() / (1.0 / 12.0))
        rows.append(
            {
                "parameter": name,
                "r": r,
                "coverage": float(np.mean((t >= lo) & (t <= hi))),
                "sbc_p": float(sst.chisquare(counts).pvalue),
                "contraction": contraction,
                "identifiable": bool(r >= IDENTIFIABLE_R and contraction >= IDENTIFIABLE_CONTRACTION),
                "n": int(n_hold),
            }
        )
        back = lambda u, j=j: priors.from_unit(np.tile(u[:, None], (1, len(priors.names))))[:, j]  # noqa: E731
        recovered.append(
            pd.DataFrame(
                {
                    "sim": test["sim"].to_numpy(),
                    "parameter": name,
                    "true": back(t),
                    "mean": priors.from_unit(draws[:, :, :]).mean(axis=1)[:, j],
                    "q05": back(lo),
                    "q95": back(hi),
                    "rank": ranks,
                    "n_draws": n_samples,
                }
            )
        )
    return RecoveryCheck(pd.DataFrame(rows), pd.concat(recovered, ignore_index=True), first, draws, truth)


def statistic_information(bank: pd.DataFrame, priors: Priors) -> pd.DataFrame:
    """Which statistic carries information about which parameter (Spearman correlation across the bank).

    Returns
    -------
    DataFrame
        One row per statistic (``statistic``, ``missing`` share) and one column per parameter
        (Spearman rho of the statistic with the parameter, NaN rows left out pairwise), then
        ``strongest`` (the parameter with the largest |rho|).
    """
    bank = add_derived(bank, X)
    theta = priors.to_unit(bank[[THETA + p for p in priors.names]].to_numpy(dtype=float))
    rows = []
    for column in (c for c in bank.columns if c.startswith(X)):
        x = bank[column].to_numpy(dtype=float)
        ok = np.isfinite(x)
        row = {"statistic": column[len(X) :], "missing": float(1 - ok.mean())}
        for j, name in enumerate(priors.names):
            usable = ok.sum() >= 5 and np.ptp(x[ok]) > 0
            row[name] = float(sst.spearmanr(x[ok], theta[ok, j]).statistic) if usable else np.nan
        values = {n: abs(row[n]) for n in priors.names if np.isfinite(row[n])}
        row["strongest"] = max(values, key=values.get) if values else ""
        rows.append(row)
    return pd.DataFrame(rows)
