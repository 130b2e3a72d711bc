"""Amortised inference: a neural posterior estimator (``sbi`` NPE, CPU torch) trained once on a bank.

The estimator works in the priors' unit cube (:meth:`Priors.to_unit`; log-scaled parameters on
a log axis), with a box-uniform prior there, and reports the model's own units. Statistics a
participant lacks (NaN: e.g. a block without a correct trial) are filled with the bank's median
of that statistic, and statistics that are missing in more than a fifth of the bank, or constant
there, are not used (``Estimator.features`` lists the ones used). Each statistic is then scaled
robustly (bank median and interquartile range) and clipped to ``±CLIP`` of those units, so a few
extreme values (a learning-curve rate fitted to five noisy blocks) neither dominate sbi's
z-scoring nor put a person far outside what the network was trained on. ``ensemble`` flows
trained from different seeds are averaged (an equal-weight mixture), which makes a posterior
from a small bank less overconfident (Lakshminarayanan et al. 2017; Hermans et al. 2022).

The posterior predictive band of a person's block curve is built from the bank itself: each
bank simulation is weighted by the posterior density of its parameters given the person's
statistics over their prior density (self-normalised importance sampling; the prior is uniform
in the unit cube), and the band is the weighted 5-95 % range of each block's RT. Weights are
truncated at ``mean * sqrt(n)`` (truncated importance sampling, Ionides 2008): a posterior on the
logit axis has long tails toward the prior's edges, where the unit-cube density is large, and a
handful of edge simulations would otherwise carry the whole band. Its effective sample size is
reported; :func:`simulate_predictive` runs the simulator at posterior draws instead.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .bank import THETA, X, _run_dask, _simulate_batch
from .compress import COMPRESSIONS, DEFAULT_COMPRESS, BoostedCompression, fit_boosted, fit_ridge, project
from .priors import FitError, Priors
from .summaries import ID, add_derived

__all__ = [
    "Estimator",
    "bank_arrays",
    "fit_people",
    "predictive_bands",
    "simulate_predictive",
    "simulated_bands",
    "predictive_verdicts",
    "train_estimator",
    "verdict_summary",
]

LEVEL = 0.9
#: A bank-weighted predictive band resting on fewer effective simulations than this is not assessed.
MIN_ESS = 10.0
#: Scaled statistics are clipped to this many interquartile ranges from the bank's median.
CLIP = 6.0


def bank_arrays(table: pd.DataFrame, priors: Priors, features: list[str] | None = None):
    """Parameters (unit cube) and statistics of the bank's finished simulations.

    Returns
    -------
    theta : ndarray, shape (n, n_parameters)
    x : ndarray, shape (n, n_features), NaN where a statistic is missing
    features : list of str
    """
    missing = [p for p in priors.names if THETA + p not in table.columns]
    if missing:
        raise FitError(f"bank: no parameter column(s) {missing}: the bank was drawn from other priors")
    table = add_derived(table, X)
    if features is None:
        features = [c[len(X) :] for c in table.columns if c.startswith(X)]
    theta = priors.to_unit(table[[THETA + p for p in priors.names]].to_numpy(dtype=float))
    if np.isnan(theta).any():
        sim = table["sim"].iloc[int(np.flatnonzero(np.isnan(theta).any(axis=1))[0])] if "sim" in table else "?"
        raise FitError(
            f"bank: simulation {sim} has no value for a parameter of the priors: a simulation of another bank"
        )
    x = table[[X + f for f in features]].to_numpy(dtype=float) if features else np.empty((len(table), 0))
    return theta, x, features


@dataclass
class Estimator:
    """A trained neural posterior estimator and what it needs to be applied."""

    priors: Priors
    features: list[str]
    fill: np.ndarray
    posteriors: list[Any]
    n_train: int
    info: dict[str, Any] = field(default_factory=dict)
    center: np.ndarray | None = None
    scale: np.ndarray | None = None
    projection: np.ndarray | BoostedCompression | None = None
    logit: bool = False

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Scale filled statistics as in training (``(x - median) / IQR``, clipped to ``±CLIP``), then compress."""
        if self.center is not None and self.scale is not None:
            x = np.clip((x - self.center) / self.scale, -CLIP, CLIP)
        return x if self.projection is None else project(x, self.projection)

    def prepare(self, stats: pd.DataFrame) -> np.ndarray:
        """Return the statistics of ``stats`` (summary table or bank ``x.`` columns) filled and scaled."""
        stats = add_derived(add_derived(stats), X)
        cols = [X + f if X + f in stats.columns else f for f in self.features]
        absent = [f for f, c in zip(self.features, cols, strict=True) if c not in stats.columns]
        if absent:
            raise FitError(
                f"data: statistic(s) {', '.join(absent[:5])} missing: the data have fewer blocks or epochs "
                "than the bank's protocol, or another paradigm"
            )
        x = stats[cols].to_numpy(dtype=float)
        return self.transform(np.where(np.isnan(x), self.fill, x))

    def missing(self, stats: pd.DataFrame) -> pd.DataFrame:
        """Return which of the estimator's statistics each row of ``stats`` lacks (filled with the bank's median).

        Returns
        -------
        DataFrame
            ``participant, session, group`` (those present), ``missing`` (how many statistics),
            ``of`` (how many the estimator uses) and ``names`` (the missing ones, comma-separated).
        """
        stats = add_derived(add_derived(stats), X)
        cols = [X + f if X + f in stats.columns else f for f in self.features]
        absent = stats.reindex(columns=cols).isna().to_numpy()
        out = stats[[c for c in ID if c in stats.columns]].reset_index(drop=True)
        out["missing"] = absent.sum(axis=1)
        out["of"] = len(self.features)
        out["names"] = [", ".join(f for f, gone in zip(self.features, row, strict=True) if gone) for row in absent]
        return out

    def sample(self, x: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
        """Posterior draws in the unit cube, shape ``(n_rows, n, n_parameters)``.

        With an ensemble each member gives ``ceil(n / members)`` draws; the pooled draws are
        shuffled (seeded) and the first ``n`` kept, a draw from the equal-weight mixture.
        """
        import torch

        torch.set_num_threads(1)
        torch.manual_seed(seed)
        xt = torch.as_tensor(np.atleast_2d(x), dtype=torch.float32)
        each = -(-n // len(self.posteriors))
        parts = [p.sample_batched((each,), x=xt, show_progress_bars=False) for p in self.posteriors]  # (each, rows, d)
        out = torch.cat(parts, dim=0).permute(1, 0, 2).numpy().astype(float)
        if self.logit:
            out = 1.0 / (1.0 + np.exp(-out))
        if len(self.posteriors) > 1:
            out = out[:, np.random.default_rng(seed).permutation(out.shape[1])[:n], :]
        return out

    def log_prob(self, theta_unit: np.ndarray, x_row: np.ndarray) -> np.ndarray:
        """Posterior log density (the ensemble's mixture) of many parameter vectors given one row of statistics."""
        import torch

        theta_unit = np.asarray(theta_unit, dtype=float)
        jacobian = 0.0
        if self.logit:
            u = np.clip(theta_unit, 1e-6, 1 - 1e-6)
            theta_unit, jacobian = np.log(u / (1 - u)), -np.log(u * (1 - u)).sum(axis=-1)
        theta = torch.as_tensor(theta_unit, dtype=torch.float32)
        xt = torch.as_tensor(np.atleast_2d(x_row), dtype=torch.float32)
        with torch.no_grad():
            lps = torch.stack([p.log_prob(theta, x=xt, norm_posterior=False) for p in self.posteriors])
            lp = torch.logsumexp(lps, dim=0) - np.log(len(self.posteriors))
        return lp.numpy().astype(float) + jacobian

    def save(self, path: str | Path) -> Path:
        """Write the estimator (pickle of the torch objects)."""
        path = Path(path)
        tmp = path.with_suffix(path.suffix + ".tmp")
        with open(tmp, "wb") as handle:
            pickle.dump(self, handle)
        tmp.replace(path)
        return path

    @staticmethod
    def load(path: str | Path) -> Estimator:
        """Read an estimator written by :meth:`save`."""
        with open(path, "rb") as handle:
            return pickle.load(handle)  # noqa: S301 - the project's own file


class _NoTracking:
    """An ``sbi`` tracker that logs nothing (the default writes TensorBoard files into ./sbi-logs)."""

    log_dir = None

    def log_metric(self, name, value, step=None) -> None:  # noqa: D102
        pass

    def log_metrics(self, metrics, step=None) -> None:  # noqa: D102
        pass

    def log_params(self, params) -> None:  # noqa: D102
        pass

    def add_figure(self, name, figure, step=None) -> None:  # noqa: D102
        pass

    def flush(self) -> None:  # noqa: D102
        pass


def _usable(x: np.ndarray, features: list[str]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Which statistics to use (missing in at most a fifth of the bank, not constant) and their fill values."""
    missing = np.isnan(x)
    nan_share = missing.mean(axis=0) if len(x) else np.ones(len(features))
    counts = (~missing).sum(axis=0)
    fill = np.zeros(len(features))
    for j in np.flatnonzero(counts):
        fill[j] = np.median(x[~missing[:, j], j])
    spread = np.where(missing, fill, x).std(axis=0) if len(x) else np.zeros(len(features))
    keep = (nan_share <= 0.2) & (spread > 0)
    return keep, [f for f, k in zip(features, keep, strict=True) if k], fill


def _robust_scale(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and interquartile range of each column (the SD where the IQR is 0; 1 where both are)."""
    center = np.median(x, axis=0)
    scale = np.subtract(*np.percentile(x, [75, 25], axis=0))
    scale = np.where(scale > 0, scale, x.std(axis=0))
    return center, np.where(scale > 0, scale, 1.0)


def train_estimator(
    table: pd.DataFrame,
    priors: Priors,
    seed: int = 0,
    density: str = "nsf",
    hidden_features: int = 50,
    num_transforms: int = 3,
    max_epochs: int | None = None,
    batch_size: int = 200,
    threads: int = 1,
    ensemble: int = 1,
    compress: str = DEFAULT_COMPRESS,
    logit: bool = True,
) -> Estimator:
    """Train NPE on a bank's finished simulations.

    Parameters
    ----------
    table : DataFrame
        :func:`~motorseq.models.fit.bank.read_bank` output (or a part of it).
    priors : Priors
        The bank's priors.
    seed : int
        Seed of torch (initialisation, batches, validation split).
    density : {"nsf", "maf", "mdn"}
        Density estimator of ``sbi`` (neural spline flow by default: on the toy bank of the tests
        it gave a non-identified parameter its prior back, where MAF came out overconfident).
    hidden_features, num_transforms : int
        Size of the flow.
    max_epochs : int, optional
        Stop after this many epochs (default: sbi's early stopping alone).
    batch_size : int
        Training batch size.
    threads : int
        Torch CPU threads (1: small networks train fastest on one thread, and the machine is shared).
    ensemble : int
        Flows trained with seeds ``seed, seed + 1, ...`` and averaged (an equal-weight mixture).
    compress : {"none", "linear", "boosted"}
        Condition on one regression estimate per parameter (:mod:`~motorseq.models.fit.compress`)
        instead of the raw statistics: ``linear`` (ridge) or ``boosted`` (gradient-boosted trees,
        cross-fitted).
    logit : bool
        Learn the posterior of ``logit(u)`` (prior: standard logistic, unbounded) instead of ``u``
        in the unit cube (prior: a box, whose sharp edges a flow fits badly from few simulations).

    Raises
    ------
    FitError
        Too few simulations or no usable statistic.
    """
    import torch
    from sbi.inference import NPE
    from sbi.neural_nets import posterior_nn
    from sbi.utils import BoxUniform

    theta, x, features = bank_arrays(table, priors)
    if len(theta) < 20:
        raise FitError(f"bank: {len(theta)} finished simulations; at least 20 are needed to train the estimator")
    keep, used, fill = _usable(x, features)
    if not used:
        raise FitError("bank: no statistic varies across the simulations; nothing to learn from")
    if isinstance(ensemble, bool) or int(ensemble) < 1:
        raise FitError(f"--ensemble: must be a whole number >= 1, got {ensemble!r}")
    x = np.where(np.isnan(x), fill, x)[:, keep]
    center, scale = _robust_scale(x)
    x = np.clip((x - center) / scale, -CLIP, CLIP)
    if compress not in COMPRESSIONS:
        raise FitError(f"--compress: must be one of {', '.join(COMPRESSIONS)}, got {compress!r}")
    projection = None
    if compress == "linear":
        projection = fit_ridge(x, theta)[0]
        x = project(x, projection)
    elif compress == "boosted":
        projection, x = fit_boosted(x, theta, seed=seed)
    torch.set_num_threads(max(1, int(threads)))
    d = len(priors.names)
    prior = BoxUniform(torch.zeros(d), torch.ones(d))
    if logit:
        from torch.distributions import Independent, SigmoidTransform, TransformedDistribution, Uniform

        base = Uniform(torch.zeros(d), torch.ones(d))
        prior = Independent(TransformedDistribution(base, [SigmoidTransform().inv]), 1)
        u = np.clip(theta, 1e-6, 1 - 1e-6)
        theta = np.log(u / (1 - u))
    kwargs = {"training_batch_size": min(batch_size, max(10, len(theta) // 10))}
    if max_epochs is not None:
        kwargs["max_num_epochs"] = int(max_epochs)
    posteriors, epochs = [], []
    for member in range(int(ensemble)):
        torch.manual_seed(seed + member)
        np.random.seed((seed + member) % 2**32)
        builder = posterior_nn(density, hidden_features=hidden_features, num_transforms=num_transforms)
        inference = NPE(prior=prior, density_estimator=builder, show_progress_bars=False, tracker=_NoTracking())
        inference.append_simulations(
            torch.as_tensor(theta, dtype=torch.float32), torch.as_tensor(x, dtype=torch.float32)
        )
        inference.train(**kwargs)
        posteriors.append(inference.build_posterior())
        trained = inference.summary.get("epochs_trained")
        epochs.append(int(trained[-1]) if trained else None)
    info = {"epochs": epochs, "density": density, "ensemble": int(ensemble), "compress": compress, "logit": logit}
    return Estimator(priors, used, fill[keep], posteriors, len(theta), info, center, scale, projection, bool(logit))


def fit_people(
    estimator: Estimator, stats: pd.DataFrame, n_samples: int = 1000, seed: int = 0, level: float = LEVEL
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Posterior of every row (participant × session) of a summary table.

    Returns
    -------
    samples : DataFrame
        ``participant, session, group, draw`` and one column per parameter (model units).
    summary : DataFrame
        ``participant, session, group, parameter, mean, median, sd, q05, q95`` (``level`` interval).
    """
    x = estimator.prepare(stats)
    unit = estimator.sample(x, n_samples, seed)
    values = estimator.priors.from_unit(unit)  # (rows, n, d)
    names = estimator.priors.names
    ids = stats[ID].reset_index(drop=True)
    rows = np.repeat(np.arange(len(ids)), n_samples)
    samples = pd.concat(
        [ids.iloc[rows].reset_index(drop=True), pd.DataFrame({"draw": np.tile(np.arange(n_samples), len(ids))}),
         pd.DataFrame(values.reshape(-1, len(names)), columns=names)],
        axis=1,
    )  # fmt: skip
    q = (1 - level) / 2
    summary = []
    for j, name in enumerate(names):
        v = values[:, :, j]
        summary.append(
            ids.assign(
                parameter=name,
                mean=v.mean(axis=1),
                median=np.median(v, axis=1),
                sd=v.std(axis=1, ddof=1),
                q05=np.quantile(v, q, axis=1),
                q95=np.quantile(v, 1 - q, axis=1),
            )
        )
    return samples, pd.concat(summary, ignore_index=True)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> np.ndarray:
    """Weighted quantiles of each column of ``values`` (NaN rows ignored per column)."""
    out = np.full((len(qs), values.shape[1]), np.nan)
    for j in range(values.shape[1]):
        ok = ~np.isnan(values[:, j])
        if not ok.any():
            continue
        v, w = values[ok, j], weights[ok]
        order = np.argsort(v)
        v, w = v[order], w[order]
        cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
        out[:, j] = np.interp(qs, cdf, v)
    return out


def _scored(inside: pd.Series, assessed: bool) -> pd.Series:
    """``inside`` as a nullable boolean, all ``<NA>`` when the band is not assessed."""
    return inside.astype("boolean") if assessed else pd.Series(pd.NA, index=inside.index, dtype="boolean")


def predictive_bands(
    estimator: Estimator,
    bank: pd.DataFrame,
    stats: pd.DataFrame,
    prefix: str = "rt_b",
    level: float = LEVEL,
    min_ess: float = MIN_ESS,
) -> pd.DataFrame:
    """Posterior predictive band of every person's block curve, from the bank (importance weights).

    A band is only as good as the simulations that carry it: where the weights leave fewer than
    ``min_ess`` effective simulations (a person at the edge of the bank, or a small bank) the
    band is a handful of runs, not a distribution, and ``inside`` is left empty (``<NA>``)
    rather than scored; :func:`simulate_predictive` and :func:`simulated_bands` give the exact check.

    Returns
    -------
    DataFrame
        ``participant, session, group, statistic, block, observed, low, median, high, inside, ess``.
    """
    columns = _block_columns(stats, bank, prefix)
    if not columns:
        raise FitError(f"data: no {prefix}<k> statistics shared with the bank")
    theta = estimator.priors.to_unit(bank[[THETA + p for p in estimator.priors.names]].to_numpy(dtype=float))
    sims = bank[[X + c for c in columns]].to_numpy(dtype=float)
    x = estimator.prepare(stats)
    q = (1 - level) / 2
    frames = []
    for i in range(len(stats)):
        lp = estimator.log_prob(theta, x[i])
        w = np.exp(lp - lp.max())
        w = np.minimum(w, w.mean() * np.sqrt(len(w)))  # truncated importance sampling (Ionides 2008)
        w /= w.sum()
        band = _weighted_quantile(sims, w, [q, 0.5, 1 - q])
        ess = 1.0 / np.sum(w**2)
        frames.append(_band_frame(stats.iloc[i], columns, prefix, band, ess, assessed=ess >= min_ess))
    return pd.concat(frames, ignore_index=True)


def simulate_predictive(
    simulator,
    samples: pd.DataFrame,
    names: list[str],
    n_draws: int = 10,
    seed: int = 0,
    workers: int | None = 0,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Run the simulator at posterior draws (the slow, exact posterior predictive check).

    Parameters
    ----------
    simulator : callable
        As for the bank (``simulator(params, seed, index)``; :func:`~.bank.bank_simulator`).
    samples : DataFrame
        :func:`fit_people` samples.
    names : list of str
        Parameter columns.
    n_draws : int
        Draws simulated per participant × session.
    seed : int
        Picks the draws (per person) and seeds their simulations: the k-th pick of every person
        runs with seed ``participant_seed(seed, k)``, whatever ``workers`` is.
    workers, scheduler
        As for :func:`~.bank.run_bank`: 0 runs here, one after the other; otherwise local Dask
        workers (None: one per core) or a running scheduler.

    Returns
    -------
    DataFrame
        ``participant, session, group, draw, seed, status, error, seconds``, the parameters
        (``theta.<name>``) and the simulated statistics (``x.<name>``), one row per simulation.
    """
    from ..cohort import participant_seed

    keys, items = [], []
    for key, sub in samples.groupby(ID, sort=True, observed=True):
        pick = sub.sample(n=min(n_draws, len(sub)), random_state=seed)
        for k, (_, r) in enumerate(pick.iterrows()):
            keys.append((key, int(r["draw"])))
            items.append((len(items), participant_seed(seed, k), {n: float(r[n]) for n in names}))
    rows: list[dict] = []
    if workers == 0 and scheduler is None:
        rows.extend(_simulate_batch(simulator, items))
    elif items:
        _run_dask(simulator, [[item] for item in items], workers, scheduler, rows.extend)
    out = []
    for row in sorted(rows, key=lambda r: r["sim"]):
        key, draw = keys[row.pop("sim")]
        out.append({**dict(zip(ID, key, strict=True)), "draw": draw, **row})
    return pd.DataFrame(out)


def simulated_bands(
    simulated: pd.DataFrame, stats: pd.DataFrame, prefix: str = "rt_b", level: float = LEVEL
) -> pd.DataFrame:
    """Posterior predictive band of every person's block curve from :func:`simulate_predictive`.

    The band is the ``level`` range of each block's statistic over the person's finished
    simulations (equal weights: they are posterior draws); ``ess`` is their number.

    Returns
    -------
    DataFrame
        The columns of :func:`predictive_bands`.

    Raises
    ------
    FitError
        No simulated ``<prefix><k>`` statistic shared with the data.
    """
    done = simulated[simulated["status"] == "done"]
    columns = _block_columns(stats, done, prefix)
    if not columns:
        raise FitError(f"data: no {prefix}<k> statistics among the simulated ones")
    q = (1 - level) / 2
    frames = []
    for _, person in stats.iterrows():
        mine = done
        for c in ID:
            mine = mine[mine[c].astype(str) == str(person[c])]
        sims = mine[[X + c for c in columns]].to_numpy(dtype=float)
        band = np.nanquantile(sims, [q, 0.5, 1 - q], axis=0) if len(sims) else np.full((3, len(columns)), np.nan)
        frames.append(_band_frame(person, columns, prefix, band, float(len(sims)), assessed=len(sims) > 0))
    return pd.concat(frames, ignore_index=True)


def _block_columns(stats: pd.DataFrame, simulated: pd.DataFrame, prefix: str) -> list[str]:
    """Return the ``<prefix><k>`` statistics of the data that the simulations have too, in block order."""
    shared = (c for c in stats.columns if c.startswith(prefix) and X + c in simulated.columns)
    return sorted(shared, key=lambda c: int(c[len(prefix) :]))


def _band_frame(
    person: pd.Series, columns: list[str], prefix: str, band: np.ndarray, ess: float, assessed: bool
) -> pd.DataFrame:
    """Build one person's band table: ``ID`` columns, then each block's observed value, band and verdict."""
    frame = pd.DataFrame(
        {
            "statistic": columns,
            "block": [int(c[len(prefix) :]) for c in columns],
            "observed": person[columns].to_numpy(dtype=float),
            "low": band[0],
            "median": band[1],
            "high": band[2],
        }
    )
    inside = _scored((frame["observed"] >= frame["low"]) & (frame["observed"] <= frame["high"]), assessed)
    inside[frame["observed"].isna().to_numpy()] = pd.NA  # a block without the person's data is not scored
    frame["inside"] = inside
    frame["ess"] = ess
    for c in ID:
        frame.insert(0 if c == "participant" else ID.index(c), c, person[c])
    return frame


def verdict_summary(verdicts: pd.DataFrame) -> dict[str, Any]:
    """Summarise :func:`predictive_verdicts`: how many people are inside, who is outside, who was not assessed.

    Returns
    -------
    dict
        ``assessed`` and ``inside`` (counts), ``rate`` (inside / assessed; NaN when none was
        assessed), ``median_share`` (of blocks inside, assessed people), ``outside`` (labels
        ``participant/ses-<session> (<share>)``) and ``not_assessed`` (labels).
    """
    assessed = verdicts[verdicts["assessed"]]
    good = assessed["inside"].astype(bool)
    return {
        "n": len(verdicts),
        "assessed": len(assessed),
        "inside": int(good.sum()),
        "rate": float(good.mean()) if len(assessed) else float("nan"),
        "median_share": float(assessed["share"].median()) if len(assessed) else float("nan"),
        "outside": [f"{r.participant}/ses-{r.session} ({r.share:.0%})" for r in assessed[~good].itertuples()],
        "not_assessed": [f"{r.participant}/ses-{r.session}" for r in verdicts[~verdicts["assessed"]].itertuples()],
    }


def predictive_verdicts(bands: pd.DataFrame, min_share: float = 0.8) -> pd.DataFrame:
    """Score each person's predictive check: the share of blocks inside the band.

    Parameters
    ----------
    bands : DataFrame
        :func:`predictive_bands` or :func:`simulated_bands`.
    min_share : float
        A person's curve counts as inside when at least this share of blocks is.

    Returns
    -------
    DataFrame
        One row per participant × session: ``share`` of the scored blocks inside (blocks whose
        ``inside`` is empty, because the person has no value there or the band was not
        assessed, count neither way; NaN when none is scored), ``assessed``, ``inside``
        (``share >= min_share``; False where not assessed) and ``ess`` (effective simulations
        behind the band).
    """
    keys = [c for c in ID if c in bands.columns and c != "group"]
    scored = bands.assign(hit=bands["inside"].astype("Float64"))
    out = scored.groupby(keys, sort=True, observed=True).agg(share=("hit", "mean"), ess=("ess", "first"))
    out["share"] = out["share"].astype(float)
    out["assessed"] = out["share"].notna()
    out["inside"] = out["assessed"] & (out["share"] >= min_share)
    return out.reset_index()
