"""The value a group shares: one posterior per group from its members' amortised posteriors.

A manipulation applied to a whole cohort (``--lesion dopamine=0.4``) gives every member the same
value of one parameter while the others differ from person to person. A single person's
statistics rarely pin such a parameter down (its posterior stays near the prior), but eight people
who share it do. With the members' other parameters independent a priori, the posterior of a
shared value ``φ`` given everyone's data is

    p(φ | x_1 … x_n) ∝ p(φ) · Π_i p(φ | x_i) / p(φ),

each factor a member's marginal posterior over the prior (the product of likelihoods, each
integrated over that member's own parameters). The members' posteriors come from the amortised
estimator (their draws); each is smoothed by a Gaussian kernel on the estimator's logit axis,
where the prior is the standard logistic density, and the product is evaluated on a grid. This is
the aggregation of individual posteriors used for hierarchical and multi-observation inference
with neural posterior estimators (Geffner et al. 2023). It assumes the group *does* share the
value: for a cohort whose members differ in it, the product is the value they would have in
common, and its interval is far too narrow to describe them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inference import LEVEL
from .priors import Priors

__all__ = [
    "GROUP_SIZE",
    "MAX_SPREAD",
    "MIN_GROUPS",
    "shared_posterior",
    "group_posteriors",
    "group_recovery",
    "group_recovery_summary",
    "people_outside_groups",
    "heterogeneity_p",
]

#: Members of the pseudo-groups of ``fit --check`` (the lesion cohorts of the benchmark have 8).
GROUP_SIZE = 8
#: Widest range of true values (on the unit axis) a pseudo-group of ``fit --check`` may span.
MAX_SPREAD = 0.03
#: Fewest pseudo-groups ``fit --check`` reports a recovery figure from.
MIN_GROUPS = 3

#: Group labels that mean "no group" (people without one share nothing with anyone).
NO_GROUP = ("", "n/a", "nan", "na", "none")
#: Grid of the logit axis the product is evaluated on (u from 0.0009 to 0.9991).
LOGIT_GRID = np.linspace(-7.0, 7.0, 1401)
#: Smallest kernel bandwidth on the logit axis (a member whose draws are all equal).
MIN_BANDWIDTH = 0.02
#: A member disagrees with the group's value when that value lies outside this central share of
#: the member's own draws.
AGREEMENT = 0.99
#: Below this heterogeneity p, ``fit`` warns that the members do not share the value.
HETEROGENEITY_ALPHA = 0.01


def _log_kernel_density(z: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray:
    """Log of a Gaussian kernel density estimate of the draws ``z`` on ``grid`` (finite everywhere)."""
    from scipy.special import logsumexp

    scaled = (grid[:, None] - z[None, :]) / bandwidth
    return logsumexp(-0.5 * scaled**2, axis=1) - np.log(z.size * bandwidth * np.sqrt(2 * np.pi))


def _log_smoothed_prior(grid: np.ndarray, bandwidth: float) -> np.ndarray:
    """Log of the standard logistic density smoothed by the same Gaussian kernel as a member's draws.

    Dividing a member's kernel estimate by the equally smoothed prior (not the prior itself)
    cancels the smoothing's bias in the tails, where the prior is raised to the power 1 - n.
    """
    offsets = np.linspace(-6 * bandwidth, 6 * bandwidth, 241)
    kernel = np.exp(-0.5 * (offsets / bandwidth) ** 2)
    kernel /= kernel.sum()
    shifted = grid[:, None] - offsets[None, :]
    logistic = np.exp(-np.abs(shifted)) / (1 + np.exp(-np.abs(shifted))) ** 2
    return np.log(logistic @ kernel)


def shared_posterior(unit_draws: np.ndarray, level: float = LEVEL) -> dict:
    """Posterior of one value shared by every member, from each member's draws on the unit axis.

    Parameters
    ----------
    unit_draws : ndarray, shape (n_members, n_draws)
        Each member's posterior draws of the parameter on the priors' unit axis.
    level : float
        Central interval level.

    Returns
    -------
    dict
        ``mean``, ``median``, ``q_low``, ``q_high`` on the unit axis, ``n`` members,
        ``disagree`` (members whose own central 99 % of draws excludes the group's median),
        ``heterogeneity_p`` (:func:`heterogeneity_p`: small when the members' data contradict a
        shared value) and the posterior on the grid, ``grid`` (unit axis) and ``weights``.
    """
    draws = np.clip(np.atleast_2d(np.asarray(unit_draws, dtype=float)), 1e-6, 1 - 1e-6)
    z = np.log(draws / (1 - draws))
    u_grid = 1.0 / (1.0 + np.exp(-LOGIT_GRID))
    total = np.log(u_grid * (1.0 - u_grid))  # the standard logistic density on the logit axis
    for member in z:
        bandwidth = max(float(member.std(ddof=1)) * member.size ** (-1 / 5), MIN_BANDWIDTH)  # Scott's rule
        total += _log_kernel_density(member, LOGIT_GRID, bandwidth) - _log_smoothed_prior(LOGIT_GRID, bandwidth)
    weights = np.exp(total - np.max(total))
    weights /= weights.sum()
    cumulative = np.cumsum(weights)
    tail = (1 - level) / 2

    def quantile(q: float) -> float:
        return float(u_grid[min(np.searchsorted(cumulative, q), u_grid.size - 1)])

    median = quantile(0.5)
    low, high = np.quantile(draws, [(1 - AGREEMENT) / 2, (1 + AGREEMENT) / 2], axis=1)
    return {
        "heterogeneity_p": heterogeneity_p(z),
        "mean": float(weights @ u_grid),
        "median": median,
        "q_low": quantile(tail),
        "q_high": quantile(1 - tail),
        "n": int(len(z)),
        "disagree": int(np.sum((median < low) | (median > high))),
        "grid": u_grid,
        "weights": weights,
    }


def heterogeneity_p(z: np.ndarray) -> float:
    """Cochran's Q test that the members' posteriors (draws on the logit axis) are of one value.

    ``Q = sum_i (m_i - m)^2 / v_i``, with ``m_i`` each member's posterior median, ``v_i`` the
    square of half its 16-84 % range (robust to the long tails a flow on the logit axis gives)
    and ``m`` their precision-weighted mean, is chi-square with ``n - 1`` degrees of freedom when
    the members share the value (Cochran 1954). It is conservative here: each posterior is pulled
    towards the prior, so members whose posteriors are wide pass even when they differ. A small
    p: the members differ more than their posteriors allow.
    """
    from scipy.stats import chi2

    z = np.atleast_2d(z)
    if len(z) < 2:
        return float("nan")
    means = np.median(z, axis=1)
    low, high = np.quantile(z, [0.16, 0.84], axis=1)
    variances = np.maximum(((high - low) / 2) ** 2, 1e-12)
    weights = 1.0 / variances
    centre = float(weights @ means / weights.sum())
    q = float(weights @ (means - centre) ** 2)
    return float(chi2.sf(q, len(z) - 1))


def _to_model_units(priors: Priors, name: str, unit: np.ndarray | float) -> np.ndarray:
    unit = np.atleast_1d(np.asarray(unit, dtype=float))
    vector = np.full((unit.size, len(priors.names)), 0.5)
    vector[:, priors.names.index(name)] = unit
    return priors.from_unit(vector)[:, priors.names.index(name)]


def group_posteriors(
    samples: pd.DataFrame, priors: Priors, parameters: list[str] | None = None, level: float = LEVEL
) -> pd.DataFrame:
    """Return the value each group would share, per parameter, from ``fit_people``'s posterior draws.

    Parameters
    ----------
    samples : DataFrame
        :func:`~motorseq.models.fit.inference.fit_people` draws: ``participant, session, group,
        draw`` and one column per parameter (model units).
    priors : Priors
        The bank's priors (their unit axis is the estimator's).
    parameters : list of str, optional
        The parameters each group's members are taken to share (default: all). Only those a
        group really shares give a meaningful value: the product of the posteriors of people who
        differ is a narrow interval around none of them.
    level : float
        Central interval level.

    Returns
    -------
    DataFrame
        ``group, session, parameter, n, mean, median, q05, q95`` (model units; ``mean`` on the
        model's axis, as in ``posterior_summary.csv``), ``disagree`` (members whose own
        posterior excludes the group's median) and ``heterogeneity_p`` (Cochran's Q: small when
        the members differ more than their posteriors allow), for every group of two or more. People
        without a group label are left out (:func:`people_outside_groups` names them).
    """
    rows = []
    grouped = samples.assign(session=samples["session"].astype(str))
    grouped = grouped[~grouped["group"].map(_no_group)]
    for (group, session), part in grouped.groupby(["group", "session"], sort=True):
        people = sorted(part["participant"].unique())
        if len(people) < 2:
            continue
        unit = priors.to_unit(part[priors.names].to_numpy(dtype=float))
        order = part["participant"].to_numpy()
        for j, name in enumerate(priors.names):
            if parameters is not None and name not in parameters:
                continue
            per_person = [unit[order == p, j] for p in people]
            n_draws = min(len(d) for d in per_person)
            found = shared_posterior(np.stack([d[:n_draws] for d in per_person]), level)
            values = _to_model_units(priors, name, np.array([found["median"], found["q_low"], found["q_high"]]))
            rows.append(
                {
                    "group": group,
                    "session": session,
                    "parameter": name,
                    "n": found["n"],
                    "mean": float(found["weights"] @ _to_model_units(priors, name, found["grid"])),
                    "median": float(values[0]),
                    "q05": float(values[1]),
                    "q95": float(values[2]),
                    "disagree": found["disagree"],
                    "heterogeneity_p": found["heterogeneity_p"],
                }
            )
    columns = ["group", "session", "parameter", "n", "mean", "median", "q05", "q95", "disagree", "heterogeneity_p"]
    return pd.DataFrame(rows, columns=columns)


def _no_group(label: object) -> bool:
    """Whether a group label means "no group" (missing, ``n/a``, ``nan``, empty)."""
    return label is None or (isinstance(label, float) and np.isnan(label)) or str(label).strip().lower() in NO_GROUP


def people_outside_groups(samples: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Return the people :func:`group_posteriors` leaves out: those without a group, and groups of one.

    Returns
    -------
    tuple of list
        Participants without a group label; groups (``group/ses-session``) with one person.
    """
    labels = samples[["participant", "session", "group"]].drop_duplicates()
    missing = sorted(labels.loc[labels["group"].map(_no_group), "participant"].astype(str).unique())
    named = labels[~labels["group"].map(_no_group)].assign(session=lambda t: t["session"].astype(str))
    sizes = named.groupby(["group", "session"])["participant"].nunique()
    alone = [f"{g}/ses-{s}" for (g, s), n in sizes.items() if n < 2]
    return missing, alone


def group_recovery(
    draws: np.ndarray,
    truth: np.ndarray,
    group_size: int = GROUP_SIZE,
    max_spread: float = MAX_SPREAD,
    level: float = LEVEL,
) -> pd.DataFrame:
    """Check :func:`shared_posterior` on held-back simulations grouped by a near-equal true value.

    The bank's simulations each have their own parameters, so a group "sharing" a value is made of
    ``group_size`` held-back simulations that are neighbours in true value (unit axis, sorted and
    cut into consecutive runs); its truth is their mean. Runs spread wider than ``max_spread``
    (few simulations in that part of the range) are left out. Used by ``fit --check``.

    Parameters
    ----------
    draws : ndarray, shape (n_sims, n_draws)
        Held-back posterior draws of one parameter (unit axis).
    truth : ndarray, shape (n_sims,)
        Their true values (unit axis).
    group_size : int
        Members per pseudo-group.
    max_spread : float
        Widest range of true values (unit axis) a pseudo-group may span.
    level : float
        Central interval level.

    Returns
    -------
    DataFrame
        One row per pseudo-group: ``truth`` (mean true value), ``spread`` (max − min of the
        members' true values), ``mean``, ``q_low``, ``q_high``, ``inside`` (unit axis).
    """
    order = np.argsort(truth, kind="stable")
    rows = []
    for start in range(0, len(order) - group_size + 1, group_size):
        chosen = order[start : start + group_size]
        spread = float(np.ptp(truth[chosen]))
        if spread > max_spread:
            continue
        found = shared_posterior(draws[chosen], level)
        t = float(truth[chosen].mean())
        rows.append(
            {
                "truth": t,
                "spread": spread,
                "mean": found["mean"],
                "q_low": found["q_low"],
                "q_high": found["q_high"],
                "inside": bool(found["q_low"] <= t <= found["q_high"]),
            }
        )
    return pd.DataFrame(rows, columns=["truth", "spread", "mean", "q_low", "q_high", "inside"])


def group_recovery_summary(
    draws: np.ndarray, truth: np.ndarray, names: list[str], group_size: int = GROUP_SIZE
) -> pd.DataFrame:
    """:func:`group_recovery` for every parameter of a recovery check, summarised.

    Parameters
    ----------
    draws : ndarray, shape (n_sims, n_draws, n_parameters)
        Held-back posterior draws (unit axis): ``RecoveryCheck.draws``.
    truth : ndarray, shape (n_sims, n_parameters)
        True values (unit axis): ``RecoveryCheck.truth``.
    names : list of str
        Parameter names, in column order.
    group_size : int
        Members per pseudo-group.

    Returns
    -------
    DataFrame
        ``parameter, groups, group_size, r, coverage, width``: correlation of the groups' true
        values with their posterior means, share of 90 % intervals covering the truth, mean
        interval width (unit axis: the prior's range is 1).
    """
    rows = []
    for j, name in enumerate(names):
        found = group_recovery(draws[:, :, j], truth[:, j], group_size=group_size)
        ok = len(found) >= MIN_GROUPS and np.std(found["mean"]) > 0
        rows.append(
            {
                "parameter": name,
                "groups": len(found),
                "group_size": group_size,
                "r": float(np.corrcoef(found["truth"], found["mean"])[0, 1]) if ok else np.nan,
                "coverage": float(found["inside"].mean()) if len(found) else np.nan,
                "width": float((found["q_high"] - found["q_low"]).mean()) if len(found) else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=["parameter", "groups", "group_size", "r", "coverage", "width"])
