"""Learning-curve fits: exponential and power law, per participant and per group.

Models (x = block or epoch number, from 1)::

    exponential  rt = a + b * exp(-c * (x - 1))
    power        rt = a + b * x ** (-c)

*a* is the asymptote, *b* the gain from practice, *c* the rate (Heathcote, Brown & Mewhort
2000 on why both should be compared per participant). For a given rate the model is linear in
*a* and *b*, so *a, b* are solved in closed form and only *c* is searched: a coarse grid
followed by SciPy's vectorised bracketed minimiser (:func:`scipy.optimize.elementwise.find_minimum`),
for all curves at once (bootstrap resamples use one parabolic step on the grid). The models
are compared by AIC (``n ln(RSS/n) + 2k``, *k* = 4 with the residual variance). Group fits
get percentile bootstrap CIs from resampling participants; participant fits get
residual-bootstrap CIs (the curve's residuals resampled and added to the fitted curve). Both
are :func:`scipy.stats.bootstrap` (``method="percentile"``); every draw comes from
``np.random.default_rng`` streams spawned from ``seed``, so the same seed gives the same CIs.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import elementwise

__all__ = ["MODELS", "MIN_POINTS", "fit_curves", "fit_learning_curves", "fit_status", "predict", "CurveFits"]

MODELS = ("exponential", "power")
#: curves with fewer points are not fitted (their parameters are NaN).
MIN_POINTS = 4
_LOG_C = {"exponential": (np.log(1e-3), np.log(5.0)), "power": (np.log(1e-3), np.log(5.0))}
_K = 4


def _basis(model: str, x: np.ndarray, c: np.ndarray) -> np.ndarray:
    c = c[..., None]
    if model == "exponential":
        return np.exp(-c * (x - 1.0))
    return x ** (-c)


def predict(model: str, x: np.ndarray, a, b, c) -> np.ndarray:
    """Curve values at ``x`` for parameters ``a, b, c`` (broadcast over leading dims)."""
    a, b, c = (np.asarray(v, dtype=float) for v in (a, b, c))
    return a[..., None] + b[..., None] * _basis(model, np.asarray(x, dtype=float), c)


def _linear(model: str, x: np.ndarray, y: np.ndarray, w: np.ndarray, c: np.ndarray):
    """Closed-form a, b and the RSS for rates ``c`` (shape (m,)), curves y (m, n), weights w."""
    g = _basis(model, x, c)
    n = w.sum(axis=-1)
    gm = (w * g).sum(-1) / n
    ym = (w * y).sum(-1) / n
    dg = (g - gm[..., None]) * w
    dy = (y - ym[..., None]) * w
    sgg = (dg * dg).sum(-1)
    sgy = (dg * dy).sum(-1)
    syy = (dy * dy).sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.where(sgg > 0, sgy / sgg, 0.0)
    a = ym - b * gm
    rss = np.maximum(syy - b * sgy, 0.0)
    return a, b, rss


def _grid_rss(model: str, x: np.ndarray, y0: np.ndarray, w: np.ndarray, logc: np.ndarray) -> np.ndarray:
    """RSS of every curve at every grid rate, with matrix products (shape (m, grid))."""
    g = _basis(model, x, np.exp(logc))  # (grid, n)
    n = w.sum(axis=1)[:, None]
    wy = w * y0
    ym = wy.sum(axis=1)[:, None] / n
    syy = (wy * y0).sum(axis=1)[:, None] - n * ym**2
    if w.all():  # complete curves share the basis sums
        gm = g.mean(axis=1)[None, :]
        sgg = ((g - gm.T) ** 2).sum(axis=1)[None, :]
    else:
        gm = (w @ g.T) / n
        sgg = w @ (g**2).T - n * gm**2
    sgy = wy @ g.T - n * gm * ym
    with np.errstate(invalid="ignore", divide="ignore"):
        explained = np.where(sgg > 1e-12, sgy**2 / sgg, 0.0)
    return np.maximum(syy - explained, 0.0)


def fit_curves(model: str, x: np.ndarray, y: np.ndarray, grid: int = 64, refine: bool = True) -> dict[str, np.ndarray]:
    """Fit one model to many curves at once.

    Parameters
    ----------
    model : {"exponential", "power"}
        Curve family.
    x : ndarray, shape (n,)
        Block (or epoch) numbers, from 1.
    y : ndarray, shape (m, n)
        One curve per row; NaN = missing point.
    grid : int
        Points of the coarse log-rate grid.
    refine : bool
        Polish the rate with SciPy's bracketed minimiser (otherwise one parabolic step on
        the grid, which is what the bootstrap resamples use).

    Returns
    -------
    dict
        ``a, b, c, rss, aic, n, at_bound`` arrays of shape (m,); ``at_bound`` marks a rate at
        an end of the search range (10^-3 or 5: the curve is flat, linear or a step), where
        the rate is not identified.
    """
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    x = np.asarray(x, dtype=float)
    y = np.atleast_2d(np.asarray(y, dtype=float))
    w = (~np.isnan(y)).astype(float)
    y0 = np.nan_to_num(y)
    lo, hi = _LOG_C[model]
    logc = np.linspace(lo, hi, grid)
    with np.errstate(invalid="ignore", divide="ignore"):  # empty curves (all NaN) stay NaN quietly
        rss_grid = _grid_rss(model, x, y0, w, logc)
    best = np.argmin(np.nan_to_num(rss_grid, nan=np.inf), axis=1)
    inner = (best > 0) & (best < grid - 1)
    start = logc[best].copy()
    rows = np.flatnonzero(inner)
    if rows.size and refine:
        y_in, w_in = y0[rows], w[rows]

        def objective(v, row):
            r = row.astype(np.int64)
            return _linear(model, x, y_in[r], w_in[r], np.exp(v))[2]

        res = elementwise.find_minimum(
            objective,
            (logc[best[rows] - 1], logc[best[rows]], logc[best[rows] + 1]),
            args=(np.arange(rows.size, dtype=float),),
            tolerances={"xatol": 1e-6, "xrtol": 1e-8},
        )
        start[rows] = np.where(res.success, res.x, start[rows])
    elif rows.size:
        f0, f1, f2 = (rss_grid[rows, best[rows] + k] for k in (-1, 0, 1))
        denom = f0 - 2 * f1 + f2
        step = logc[1] - logc[0]
        with np.errstate(invalid="ignore", divide="ignore"):
            shift = np.where(denom > 0, 0.5 * (f0 - f2) / denom, 0.0)
        start[rows] += np.clip(shift, -1, 1) * step
    c = np.exp(start)
    with np.errstate(invalid="ignore", divide="ignore"):
        a, b, rss = _linear(model, x, y0, w, c)
    n = w.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        aic = n * np.log(np.maximum(rss, 1e-12) / n) + 2 * _K
    few = n < MIN_POINTS  # three parameters need at least four points to say anything
    for values in (a, b, c, rss, aic):
        values[few] = np.nan
    at_bound = ~inner & ~few  # the best rate is an end of the search range (flat or linear curve)
    return {"a": a, "b": b, "c": c, "rss": rss, "aic": aic, "n": n, "at_bound": at_bound}


@dataclass
class CurveFits:
    """Fits of every model to participants' and groups' learning curves.

    Attributes
    ----------
    participants : DataFrame
        One row per participant × session × model: ``a, b, c`` with bootstrap CIs
        (``*_ci_low``, ``*_ci_high``), ``rss, aic, delta_aic, best``, ``rate_at_bound`` and
        ``fit_status`` (:func:`fit_status`: ``ok`` or why the parameters are not a result).
    groups : DataFrame
        One row per group cell × model: the fit of the group mean curve, bootstrap CIs,
        ``aic, delta_aic, best``.
    curves : DataFrame
        Observed group means and fitted values with bootstrap bands, for figures:
        ``cell keys, x, model, observed, fitted, band_low, band_high``.
    """

    participants: pd.DataFrame
    groups: pd.DataFrame
    curves: pd.DataFrame


def _percentile_bootstrap(data: np.ndarray, statistic, n_resamples: int, rng: np.random.Generator, level: float):
    """:func:`scipy.stats.bootstrap` over the last axis of ``data``, percentile CIs (NaN-safe, quiet).

    Resamples go to ``statistic`` in batches that keep the resampled array near 4 million values.
    """
    from scipy.stats import bootstrap

    batch = max(1, int(4e6 // max(1, data.size)))
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN means and percentiles of unfittable curves
        result = bootstrap(
            (data,),
            statistic,
            n_resamples=n_resamples,
            batch=batch,
            vectorized=True,
            axis=-1,
            method="percentile",
            confidence_level=level,
            rng=rng,
        )
    return result.confidence_interval.low, result.confidence_interval.high


def _group_bootstrap(
    x: np.ndarray, sub: np.ndarray, n_boot: int, rng: np.random.Generator, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """CIs of a group's fits from resampling its participants (rows of ``sub``).

    Each resample's mean curve (NaN-aware) is fitted by every model (one parabolic step on the
    grid). Returns ``low, high`` of shape ``(len(MODELS), 3 + len(x))``: ``a, b, c`` and the
    fitted curve at each ``x`` (the band). NaN with fewer than two participants (nothing to resample).
    """
    shape = (len(MODELS), 3 + len(x))
    if n_boot <= 0 or len(sub) < 2:
        return np.full(shape, np.nan), np.full(shape, np.nan)

    def statistic(curves: np.ndarray, axis: int = -1) -> np.ndarray:
        mean = np.nanmean(curves, axis=axis)  # (len(x),) or (len(x), batch)
        ys = mean.T if mean.ndim == 2 else mean[None, :]
        out = []
        for model in MODELS:
            fit = fit_curves(model, x, ys, grid=32, refine=False)
            out += [fit["a"][None], fit["b"][None], fit["c"][None], predict(model, x, fit["a"], fit["b"], fit["c"]).T]
        values = np.concatenate(out)  # (len(MODELS) * (3 + len(x)), batch)
        return values if mean.ndim == 2 else values[:, 0]

    # participants on the last axis: curves (len(x), participants)
    low, high = _percentile_bootstrap(sub.T, statistic, n_boot, rng, level)
    return low.reshape(shape), high.reshape(shape)


def _residual_bootstrap(
    model: str, x: np.ndarray, y: np.ndarray, fitted: np.ndarray, n_boot: int, rng: np.random.Generator, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Residual-bootstrap CIs of every participant's ``a, b, c`` (shape ``(3, len(y))`` each).

    A participant's residuals (at its observed points) are resampled and added to its fitted
    curve, and the curve is fitted again (one parabolic step on the grid). Participants with the
    same observed points are resampled in one :func:`scipy.stats.bootstrap` call.
    """
    low, high = np.full((3, len(y)), np.nan), np.full((3, len(y)), np.nan)
    observed = ~np.isnan(y)
    patterns, which = np.unique(observed, axis=0, return_inverse=True)
    for p, cols in enumerate(patterns):
        members = np.flatnonzero(which.ravel() == p)
        if cols.sum() < 2:
            continue
        base = fitted[np.ix_(members, cols)]  # (members, points)

        def statistic(resid: np.ndarray, axis: int = -1, base=base, cols=cols) -> np.ndarray:
            ystar = (base[:, None, :] if resid.ndim == 3 else base) + resid
            full = np.full(ystar.shape[:-1] + (len(x),), np.nan)
            full[..., cols] = ystar
            fit = fit_curves(model, x, full.reshape(-1, len(x)), grid=32, refine=False)
            return np.stack([fit[k].reshape(ystar.shape[:-1]) for k in ("a", "b", "c")])

        resid = y[np.ix_(members, cols)] - base
        lo, hi = _percentile_bootstrap(resid, statistic, n_boot, rng, level)
        low[:, members], high[:, members] = lo, hi
    return low, high


def _mark_best(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    low = table.groupby(keys, sort=False, observed=True, dropna=False)["aic"].transform("min")
    table["delta_aic"] = table["aic"] - low
    table["best"] = table["delta_aic"] == 0
    return table


def fit_status(a: np.ndarray, c: np.ndarray, at_bound: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Say, per fit, whether its parameters can be read as a result.

    ``ok``; ``not fitted`` (too few points); ``failed: asymptote outside the data`` when *a*
    lies more than twice the curve's own span beyond its lowest or highest value (a near-linear
    curve fitted with a tiny rate gives asymptotes like a = -4.2e+04 ms); ``rate not identified``
    when the rate sits at a search bound.

    Parameters
    ----------
    a, c : ndarray
        Asymptotes and rates, one per curve.
    at_bound : ndarray of bool
        The rate is at a search bound.
    y : ndarray
        The curves, one row per fit (NaN where missing).

    Returns
    -------
    ndarray of str
    """
    y = np.atleast_2d(np.asarray(y, dtype=float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
        low, high = np.nanmin(y, axis=1), np.nanmax(y, axis=1)
    span = high - low
    a = np.asarray(a, dtype=float)
    outside = (a < low - 2 * span) | (a > high + 2 * span)
    status = np.where(np.asarray(at_bound, dtype=bool), "rate not identified", "ok").astype(object)
    status[outside] = "failed: asymptote outside the data"
    status[~np.isfinite(a) | ~np.isfinite(np.asarray(c, dtype=float))] = "not fitted"
    return status


def fit_learning_curves(
    curves: pd.DataFrame,
    unit: str = "block",
    value: str = "rt_ms",
    cell: tuple[str, ...] = ("session", "group", "source"),
    n_boot: int = 1000,
    n_boot_participant: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> CurveFits:
    """Fit exponential and power-law curves per participant and per group, with bootstrap CIs.

    Parameters
    ----------
    curves : DataFrame
        Output of :func:`motorseq.analysis.measures.learning_curves` (``rt_ms`` per
        participant × ``unit``).
    unit : str
        The x column; the fits count from its first value (x = 1).
    value : str
        The y column (RT in ms, or e.g. FTT correct sequences, which rise: *b* is then negative).
    cell : tuple of str
        Columns that define a group curve.
    n_boot : int
        Bootstrap resamples of participants for the group fits.
    n_boot_participant : int
        Residual-bootstrap resamples per participant (0 = no participant CIs).
    seed : int
        Seed of all resampling.
    level : float
        Confidence level.

    Returns
    -------
    CurveFits
    """
    ss = np.random.SeedSequence(seed)
    rng_group, rng_part = (np.random.default_rng(s) for s in ss.spawn(2))
    ids = ["participant"] + [c for c in cell if c in curves.columns]
    cell = [c for c in cell if c in curves.columns]
    wide = curves.pivot_table(index=ids, columns=unit, values=value, aggfunc="first", observed=True)
    labels = wide.columns.to_numpy(dtype=float)
    x = labels - labels.min() + 1.0  # the first learning block is x = 1 (practice blocks excluded)
    y = wide.to_numpy(dtype=float)
    index = wide.index.to_frame(index=False)
    part_rows, group_rows, curve_rows = [], [], []
    for model in MODELS:
        fit = fit_curves(model, x, y)
        table = index.assign(
            model=model,
            **{k: fit[k] for k in ("a", "b", "c", "rss", "aic")},
            n_points=fit["n"].astype(int),
            rate_at_bound=fit["at_bound"],
            fit_status=fit_status(fit["a"], fit["c"], fit["at_bound"], y),
        )
        if n_boot_participant > 0:
            fitted = predict(model, x, fit["a"], fit["b"], fit["c"])
            lo, hi = _residual_bootstrap(model, x, y, fitted, n_boot_participant, rng_part, level)
            for i, k in enumerate(("a", "b", "c")):
                table[f"{k}_ci_low"], table[f"{k}_ci_high"] = lo[i], hi[i]
        part_rows.append(table)
    participants = _mark_best(pd.concat(part_rows, ignore_index=True), ids)

    groups = index.groupby(cell, sort=True, observed=True, dropna=False).indices if cell else {(): np.arange(len(y))}
    for key, rows in groups.items():
        key = key if isinstance(key, tuple) else (key,)
        sub = y[rows]
        mask = ~np.isnan(sub)
        mean = np.nansum(sub, 0) / np.maximum(mask.sum(0), 1)
        mean[mask.sum(0) == 0] = np.nan
        ci_low, ci_high = _group_bootstrap(x, sub, n_boot, rng_group, level)
        for m, model in enumerate(MODELS):
            fit = fit_curves(model, x, mean[None, :])
            row = dict(zip(cell, key, strict=True)) | {"model": model, "n_participants": len(rows)}
            for k in ("a", "b", "c", "rss", "aic"):
                row[k] = float(fit[k][0])
            row["rate_at_bound"] = bool(fit["at_bound"][0])
            row["fit_status"] = str(fit_status(fit["a"], fit["c"], fit["at_bound"], mean[None, :])[0])
            for i, k in enumerate(("a", "b", "c")):
                row[f"{k}_ci_low"], row[f"{k}_ci_high"] = float(ci_low[m, i]), float(ci_high[m, i])
            group_rows.append(row)
            band_lo, band_hi = ci_low[m, 3:], ci_high[m, 3:]
            curve_rows.append(
                pd.DataFrame(
                    {
                        **{c: k for c, k in zip(cell, key, strict=True)},
                        unit: labels,
                        "model": model,
                        "observed": mean,
                        "fitted": predict(model, x, fit["a"], fit["b"], fit["c"])[0],
                        "band_low": band_lo,
                        "band_high": band_hi,
                    }
                )
            )
    group_table = _mark_best(pd.DataFrame(group_rows), cell) if group_rows else pd.DataFrame()
    curve_table = pd.concat(curve_rows, ignore_index=True) if curve_rows else pd.DataFrame()
    return CurveFits(participants=participants, groups=group_table, curves=curve_table)
