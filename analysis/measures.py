"""The standard measures of the field, computed on a cleaned trial table (pure functions).

All RTs are in ms. Every function takes the output of :func:`motorseq.analysis.cleaning.clean`
and returns a tidy DataFrame (one row per participant × session × ...), except
:func:`group_summary`, which summarises any such table across participants.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "ID_COLUMNS",
    "block_summary",
    "epoch_summary",
    "group_summary",
    "learning_curves",
    "sequence_learning",
    "probabilistic_learning",
    "PROBABILISTIC_TYPES",
    "triplet_learning",
    "general_skill",
    "rt_variability",
]

#: columns that identify a participant's session in every measure table.
ID_COLUMNS = ["participant", "session", "group", "source", "paradigm"]


def _rt_stats(cleaned: pd.DataFrame, unit: str, split_type: bool) -> pd.DataFrame:
    keys = ID_COLUMNS + [unit] + (["trial_type"] if split_type else [])
    rt = cleaned["rt_ms"].where(cleaned["use_rt"])
    acc = cleaned["correct"].where(cleaned["use_accuracy"])
    frame = cleaned[keys].assign(_rt=rt, _acc=acc)
    frame = frame[cleaned["use_accuracy"] | cleaned["use_rt"]]
    g = frame.groupby(keys, sort=True, observed=True)
    table = pd.DataFrame(
        {
            "mean_rt_ms": g["_rt"].mean(),
            "median_rt_ms": g["_rt"].median(),
            "accuracy": g["_acc"].mean(),
            "n_rt": g["_rt"].count(),
            "n_trials": g["_acc"].count(),
        }
    )
    return table.reset_index()


def block_summary(cleaned: pd.DataFrame, split_trial_type: bool = True) -> pd.DataFrame:
    """Mean and median RT of correct (cleaned) trials and accuracy per block.

    Parameters
    ----------
    cleaned : DataFrame
        Output of :func:`~motorseq.analysis.cleaning.clean`.
    split_trial_type : bool
        One row per trial type within each block (sequence/random, pattern/random).

    Returns
    -------
    DataFrame
        ``participant, session, group, source, paradigm, block[, trial_type], mean_rt_ms,
        median_rt_ms, accuracy, n_rt, n_trials``.
    """
    return _rt_stats(cleaned, "block", split_trial_type)


def epoch_summary(cleaned: pd.DataFrame, split_trial_type: bool = False) -> pd.DataFrame:
    """As :func:`block_summary`, per epoch."""
    return _rt_stats(cleaned, "epoch", split_trial_type)


def group_summary(table: pd.DataFrame, value: str, by: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """Mean across participants with a t-based confidence interval.

    Parameters
    ----------
    table : DataFrame
        One row per participant (per ``by`` cell).
    value : str
        Column to summarise.
    by : list of str
        Grouping columns (e.g. ``["session", "epoch"]``).
    confidence : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        ``by..., mean, sd, n, sem, ci_low, ci_high``.
    """
    g = table.dropna(subset=[value]).groupby(by, sort=True, observed=True)[value]
    out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()})
    out["sem"] = out["sd"] / np.sqrt(out["n"])
    half = stats.t.ppf(0.5 + confidence / 2, np.maximum(out["n"] - 1, 1)) * out["sem"]
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    return out.reset_index()


def learning_curves(
    cleaned: pd.DataFrame, unit: str = "block", statistic: str = "median", trial_type: str | None = None
) -> pd.DataFrame:
    """RT per participant and block (or epoch): the input of the curve fits.

    Parameters
    ----------
    cleaned : DataFrame
        Output of :func:`~motorseq.analysis.cleaning.clean`.
    unit : {"block", "epoch"}
        x axis.
    statistic : {"median", "mean"}
        RT statistic of the cleaned correct trials.
    trial_type : str, optional
        Use only this trial type (e.g. ``"sequence"``).

    Returns
    -------
    DataFrame
        ``participant, session, group, source, paradigm, <unit>, rt_ms``.
    """
    mask = cleaned["use_rt"]
    if trial_type is not None:
        mask = mask & (cleaned["trial_type"] == trial_type)
    sub = cleaned.loc[mask, ID_COLUMNS + [unit, "rt_ms"]]
    g = sub.groupby(ID_COLUMNS + [unit], sort=True, observed=True)["rt_ms"]
    return (g.median() if statistic == "median" else g.mean()).reset_index()


def sequence_learning(
    cleaned: pd.DataFrame, statistic: str = "median", n_boot: int = 0, seed: int = 0, level: float = 0.95
) -> pd.DataFrame:
    """SRT sequence-specific learning: each random block minus its neighbouring sequence blocks.

    For every random block of a participant's session, the RT of the nearest sequence block
    before it and the nearest after it are averaged (one of them if the other does not exist)
    and subtracted from the random block's RT (Nissen & Bullemer 1987; Robertson 2007).

    Parameters
    ----------
    cleaned : DataFrame
        Output of :func:`~motorseq.analysis.cleaning.clean` for an SRT data set.
    statistic : {"median", "mean"}
        Block RT statistic of the cleaned correct trials.
    n_boot : int
        Bootstrap resamples of each block's trials for a per-participant CI (0 = none).
    seed : int
        Seed of the bootstrap.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        ``participant, session, group, source, paradigm, block, rt_random_ms,
        rt_sequence_before_ms, rt_sequence_after_ms, sequence_effect_ms`` (positive =
        faster on the sequence), and with ``n_boot`` the participant's ``ci_low, ci_high``.
    """
    col = "median_rt_ms" if statistic == "median" else "mean_rt_ms"
    blocks = block_summary(cleaned, split_trial_type=False)
    used = cleaned[cleaned["use_accuracy"] | cleaned["use_rt"]]
    share = (
        (used["trial_type"] == "random")
        .groupby([used[c] for c in ID_COLUMNS + ["block"]], sort=True, observed=True)
        .mean()
    )
    kind = pd.Series(np.where(share > 0.5, "random", "sequence"), index=share.index, name="block_type")
    blocks = blocks.merge(kind.reset_index(), on=ID_COLUMNS + ["block"])
    blocks = blocks.sort_values(ID_COLUMNS + ["block"]).reset_index(drop=True)
    is_seq = (blocks["block_type"] == "sequence") & blocks[col].notna()
    seq_rt = blocks[col].where(is_seq)
    seq_row = pd.Series(np.where(is_seq, np.arange(len(blocks)), np.nan))
    grp = blocks.groupby(ID_COLUMNS, sort=False, observed=True).ngroup()
    before = seq_rt.groupby(grp).ffill()
    after = seq_rt.groupby(grp).bfill()
    rnd = (blocks["block_type"] == "random").to_numpy()
    out = blocks.loc[rnd, ID_COLUMNS + ["block"]].copy()
    out["rt_random_ms"] = blocks.loc[rnd, col]
    out["rt_sequence_before_ms"] = before[rnd]
    out["rt_sequence_after_ms"] = after[rnd]
    neighbours = out[["rt_sequence_before_ms", "rt_sequence_after_ms"]].mean(axis=1, skipna=True)
    out["sequence_effect_ms"] = out["rt_random_ms"] - neighbours
    if n_boot > 0 and rnd.any():
        rows = np.stack(
            [
                np.flatnonzero(rnd),
                seq_row.groupby(grp).ffill().to_numpy()[rnd],
                seq_row.groupby(grp).bfill().to_numpy()[rnd],
            ]
        )
        out["ci_low"], out["ci_high"] = _effect_cis(cleaned, blocks, rows, statistic, n_boot, seed, level)
    return out.reset_index(drop=True)


def _effect_cis(
    cleaned: pd.DataFrame, blocks: pd.DataFrame, rows: np.ndarray, statistic: str, n_boot: int, seed: int, level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap CI (:func:`scipy.stats.bootstrap`) of each random block's sequence effect.

    The trials of the random block and of its neighbouring sequence blocks are resampled
    independently (two or three samples, not paired) and the statistic is the random block's RT
    statistic minus the mean of its neighbours'. Each random block has its own random stream,
    spawned from ``seed`` in table order, so the same seed gives the same CIs. A block with fewer
    than two usable trials gives no CI (NaN).

    Parameters
    ----------
    rows : ndarray, shape (3, n_random)
        Row in ``blocks`` of each random block and of its sequence block before and after (NaN: none).

    Returns
    -------
    ci_low, ci_high : ndarray, shape (n_random,)
    """
    from scipy.stats import bootstrap

    keys = ID_COLUMNS + ["block"]
    index = blocks[keys].reset_index(drop=True).reset_index().rename(columns={"index": "_row"})
    used = cleaned.loc[cleaned["use_rt"], keys + ["rt_ms"]].merge(index, on=keys, how="inner")
    rts = {row: group.to_numpy(dtype=float) for row, group in used.groupby("_row", sort=False)["rt_ms"]}
    block_stat = np.median if statistic == "median" else np.mean

    def effect(random: np.ndarray, *neighbours: np.ndarray, axis: int = -1) -> np.ndarray:
        return block_stat(random, axis=axis) - sum(block_stat(n, axis=axis) for n in neighbours) / len(neighbours)

    streams = np.random.SeedSequence(seed).spawn(rows.shape[1])
    ci = np.full((2, rows.shape[1]), np.nan)
    for j, (stream, column) in enumerate(zip(streams, rows.T, strict=True)):
        samples = [rts.get(int(r), np.empty(0)) for r in column if not np.isnan(r)]
        if len(samples) < 2 or min(len(sample) for sample in samples) < 2:
            continue
        result = bootstrap(
            samples,
            effect,
            n_resamples=n_boot,
            vectorized=True,
            method="percentile",
            confidence_level=level,
            rng=np.random.default_rng(stream),
        )
        ci[:, j] = result.confidence_interval.low, result.confidence_interval.high
    return ci[0], ci[1]


#: trial types of a probabilistic SRT (probable and improbable trials mixed within each block)
PROBABILISTIC_TYPES = ("probable", "improbable")


def probabilistic_learning(cleaned: pd.DataFrame, unit: str = "epoch") -> pd.DataFrame:
    """Probabilistic SRT learning: improbable minus probable trial RT per participant and epoch.

    In a probabilistic SRT (e.g. 85 % of the trials follow the sequence, 15 % do not, mixed within
    every block; Schvaneveldt & Gomez 1998) there is no random block to compare with; learning
    shows as slower responses on the improbable trials than on the probable ones in the same
    epoch. RT is the median of the cleaned correct responses of each kind.

    Parameters
    ----------
    cleaned : DataFrame
        Output of :func:`~motorseq.analysis.cleaning.clean` with ``trial_type`` ``probable`` /
        ``improbable``.
    unit : {"epoch", "block"}
        Time unit of the rows.

    Returns
    -------
    DataFrame
        ``participant, session, group, source, paradigm, <unit>, rt_probable_ms,
        rt_improbable_ms, probabilistic_effect_ms`` (improbable − probable; positive = learning),
        ``accuracy_probable, accuracy_improbable, n_probable, n_improbable``.
    """
    keys = ID_COLUMNS + [unit]
    kinds = cleaned["trial_type"].isin(PROBABILISTIC_TYPES)
    rt_rows = cleaned.loc[cleaned["use_rt"] & kinds, keys + ["trial_type", "rt_ms"]]
    rt = rt_rows.groupby(keys + ["trial_type"], sort=True, observed=True)["rt_ms"].agg(["median", "count"])
    rt = rt.unstack("trial_type")
    acc_rows = cleaned.loc[cleaned["use_accuracy"] & kinds, keys + ["trial_type", "correct"]]
    acc = acc_rows.groupby(keys + ["trial_type"], sort=True, observed=True)["correct"].mean().unstack("trial_type")
    out = pd.DataFrame(index=acc.index.union(rt.index))
    for t in PROBABILISTIC_TYPES:
        out[f"rt_{t}_ms"] = rt[("median", t)] if ("median", t) in rt.columns else np.nan
        out[f"n_{t}"] = rt[("count", t)] if ("count", t) in rt.columns else 0
        out[f"accuracy_{t}"] = acc[t] if t in acc.columns else np.nan
    out["probabilistic_effect_ms"] = out["rt_improbable_ms"] - out["rt_probable_ms"]
    cols = ["rt_probable_ms", "rt_improbable_ms", "probabilistic_effect_ms", "accuracy_probable",
            "accuracy_improbable", "n_probable", "n_improbable"]  # fmt: skip
    out = out[cols].reset_index()
    out[["n_probable", "n_improbable"]] = out[["n_probable", "n_improbable"]].fillna(0).astype("int64")
    return out


def triplet_learning(cleaned: pd.DataFrame, unit: str = "epoch") -> pd.DataFrame:
    """ASRT triplet learning: low- minus high-frequency triplet RT per participant and epoch.

    RT is the median of the cleaned correct first responses on H and on L triplets (trills and
    repetitions out; medians because means are pulled by slow outliers: Howard & Howard 1997,
    Nemeth et al. 2010). Accuracy uses every first response on H and L triplets.

    Parameters
    ----------
    cleaned : DataFrame
        Output of :func:`~motorseq.analysis.cleaning.clean` for an ASRT data set.
    unit : {"epoch", "block"}
        Time unit of the rows.

    Returns
    -------
    DataFrame
        ``participant, session, group, source, paradigm, <unit>, rt_H_ms, rt_L_ms,
        triplet_effect_ms (L - H), accuracy_H, accuracy_L, accuracy_effect (H - L), n_H, n_L``.
    """
    keys = ID_COLUMNS + [unit]
    hl = cleaned["triplet_type"].isin(["H", "L"])
    rt_rows = cleaned.loc[cleaned["use_triplet"] & hl, keys + ["triplet_type", "rt_ms"]]
    rt = rt_rows.groupby(keys + ["triplet_type"], sort=True, observed=True)["rt_ms"].agg(["median", "count"])
    rt = rt.unstack("triplet_type")
    acc_rows = cleaned.loc[cleaned["use_accuracy"] & hl, keys + ["triplet_type", "correct"]]
    acc = acc_rows.groupby(keys + ["triplet_type"], sort=True, observed=True)["correct"].mean().unstack("triplet_type")
    out = pd.DataFrame(index=acc.index.union(rt.index))
    for t in ("H", "L"):
        out[f"rt_{t}_ms"] = rt[("median", t)] if ("median", t) in rt.columns else np.nan
        out[f"n_{t}"] = rt[("count", t)] if ("count", t) in rt.columns else 0
        out[f"accuracy_{t}"] = acc[t] if t in acc.columns else np.nan
    out["triplet_effect_ms"] = out["rt_L_ms"] - out["rt_H_ms"]
    out["accuracy_effect"] = out["accuracy_H"] - out["accuracy_L"]
    cols = ["rt_H_ms", "rt_L_ms", "triplet_effect_ms", "accuracy_H", "accuracy_L", "accuracy_effect", "n_H", "n_L"]
    out = out[cols].reset_index()
    out[["n_H", "n_L"]] = out[["n_H", "n_L"]].fillna(0).astype("int64")
    return out


def general_skill(cleaned: pd.DataFrame, unit: str = "epoch") -> pd.DataFrame:
    """ASRT general skill: RT change over epochs regardless of triplet type.

    RT per epoch is the median of the cleaned correct responses on H and L triplets together;
    ``speedup_ms`` is the first epoch's RT minus this epoch's RT (positive = faster). The first
    epoch is the session's first in the whole data set: a participant without it has no speed-up
    (NaN), rather than one measured from a later epoch under the same label.

    Returns
    -------
    DataFrame
        ``participant, session, group, source, paradigm, <unit>, rt_ms, speedup_ms``.
    """
    keys = ID_COLUMNS + [unit]
    rows = cleaned.loc[cleaned["use_triplet"] & cleaned["triplet_type"].isin(["H", "L"]), keys + ["rt_ms"]]
    out = rows.groupby(keys, sort=True, observed=True)["rt_ms"].median().reset_index()
    start = out.groupby("session", observed=True)[unit].transform("min")
    at_start = out["rt_ms"].where(out[unit] == start)
    first = at_start.groupby([out[c] for c in ID_COLUMNS], sort=False, observed=True).transform("max")
    out["speedup_ms"] = first - out["rt_ms"]
    return out


def rt_variability(cleaned: pd.DataFrame, unit: str = "epoch") -> pd.DataFrame:
    """Within-participant RT variability: SD and coefficient of variation of the cleaned correct RTs.

    Parameters
    ----------
    cleaned : DataFrame
        Output of :func:`~motorseq.analysis.cleaning.clean`.
    unit : {"epoch", "block"}
        Time unit of the rows.

    Returns
    -------
    DataFrame
        ``participant, session, group, source, paradigm, <unit>, rt_sd_ms, rt_cv`` (SD over the
        mean), ``n_rt``.
    """
    keys = ID_COLUMNS + [unit]
    rows = cleaned.loc[cleaned["use_rt"], keys + ["rt_ms"]]
    g = rows.groupby(keys, sort=True, observed=True)["rt_ms"]
    out = pd.DataFrame({"rt_sd_ms": g.std(ddof=1), "rt_cv": g.std(ddof=1) / g.mean(), "n_rt": g.count()})
    return out.reset_index()
