"""Summary statistics of one participant's run, computed by the analysis pipeline's own functions.

One definition for people and simulated participants: both are a
:class:`~motorseq.analysis.loaders.Dataset` (a person's files through
:func:`~motorseq.analysis.loaders.load_dataset`; a simulated participant's BIDS files, written by
:func:`motorseq.models.output.write_participant`, through the same loader), cleaned by
:func:`~motorseq.analysis.cleaning.clean` and measured by :mod:`motorseq.analysis.measures` and
:func:`~motorseq.analysis.fits.fit_learning_curves`. Nothing here computes a measure itself; it
only lays the measures out as one row of named numbers per participant and session:

=================== ===================================================================
column              measure
=================== ===================================================================
``rt_b<k>``         median RT of cleaned correct trials, learning block k (block_summary)
``acc_b<k>``        accuracy, learning block k (block_summary)
``lh_e<k>``         ASRT: L − H triplet RT, epoch k (triplet_learning)
``errH_e<k>``,      ASRT error types: error rate on high- and low-frequency triplets, epoch k
``errL_e<k>``       (triplet_learning)
``seq_r<k>``        SRT: random block k minus its neighbouring sequence blocks (sequence_learning)
``err<type>_e<k>``  SRT error types: error rate on sequence and on random trials, epoch k
                    (epoch_summary by trial type)
``sd_e<k>``,        RT variability: SD and CV of cleaned correct RTs, epoch k (rt_variability)
``cv_e<k>``
``curve_a``,        exponential learning-curve fit of the block RTs (fit_learning_curves):
``curve_b``,        asymptote, gain, log10 rate
``curve_logc``
``rt_slope``        least-squares slope of the block RTs ``rt_b<k>`` over k (ms per block;
                    :func:`add_derived`, from the columns above)
=================== ===================================================================

``rt_slope`` is the one statistic derived from the others rather than by a measure: the
exponential fit to five short blocks is unstable (asymptotes of thousands of ms), while the
straight-line trend of the same block medians is stable and, on the model bank, the statistic
most related to the dopamine gain that is not also driven by the response-time level
(non-decision time, threshold). Banks made before it existed get it from their ``rt_b<k>``
columns (:func:`add_derived`), so old banks and new people agree.

Blocks and epochs are numbered from 1 in the order they occur among the learning blocks
(practice left out), so a person's block labels and the model's line up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .priors import FitError

__all__ = ["ID", "SUMMARY_PARADIGMS", "add_derived", "feature_columns", "restrict", "summary_statistics"]

#: Columns that identify a row of the summary table.
ID = ["participant", "session", "group"]
#: Paradigms with summary statistics.
SUMMARY_PARADIGMS = ("srt", "asrt")
#: ``rt_slope`` needs this many learning blocks in the protocol.
MIN_SLOPE_BLOCKS = 4


def restrict(
    trials: pd.DataFrame, max_blocks: int | None = None, max_trials_per_block: int | None = None
) -> pd.DataFrame:
    """Keep the first ``max_blocks`` learning blocks and the first trials of each block.

    Used to compare a person's full session with a bank simulated on a shortened protocol.
    Practice blocks are kept (the cleaning leaves them out).
    """
    out = trials
    if max_trials_per_block is not None:
        out = out[out["trial"] <= max_trials_per_block]
    if max_blocks is not None:
        learning = out.loc[~out["is_practice"], ["participant", "session", "block"]].drop_duplicates()
        learning = learning.sort_values(["participant", "session", "block"])
        learning["_k"] = learning.groupby(["participant", "session"], observed=True).cumcount() + 1
        out = out.merge(learning, on=["participant", "session", "block"], how="left")
        out = out[out["is_practice"] | (out["_k"] <= max_blocks)].drop(columns="_k")
    return out.reset_index(drop=True)


def _ordinal(table: pd.DataFrame, unit: str) -> pd.Series:
    """1-based order of ``unit`` within each participant and session."""
    return table.groupby(["participant", "session"], observed=True)[unit].rank(method="dense").astype(int)


def _wide(table: pd.DataFrame, unit: str, values: dict[str, str], tag: str) -> pd.DataFrame:
    """Pivot ``table`` (one row per participant × session × unit) to ``<name>_<tag><k>`` columns."""
    if table.empty:
        return pd.DataFrame(columns=ID).set_index(ID)
    table = table.assign(_k=_ordinal(table, unit).to_numpy(), **{c: table[c].astype(str) for c in ID})
    frames = []
    for column, name in values.items():
        wide = table.groupby(ID + ["_k"], sort=True, observed=True)[column].first().unstack("_k")
        wide.columns = [f"{name}_{tag}{int(k)}" for k in wide.columns]
        frames.append(wide)
    return pd.concat(frames, axis=1)


def summary_statistics(
    data,
    rules=None,
    max_blocks: int | None = None,
    max_trials_per_block: int | None = None,
) -> pd.DataFrame:
    """Summary statistics of every participant and session of a data set (see the module table).

    Parameters
    ----------
    data : motorseq.analysis.loaders.Dataset
        People's or simulated participants' trials (one paradigm: srt or asrt).
    rules : motorseq.analysis.cleaning.CleaningRules, optional
        Cleaning rules (the analysis defaults).
    max_blocks, max_trials_per_block : int, optional
        Use only the first learning blocks / trials per block (:func:`restrict`).

    Returns
    -------
    DataFrame
        ``participant, session, group`` and one column per statistic, one row per participant
        and session; a statistic a participant lacks (a block without correct trials) is NaN.

    Raises
    ------
    FitError
        A paradigm without summary statistics.
    """
    from motorseq.analysis import measures as ms
    from motorseq.analysis.cleaning import clean
    from motorseq.analysis.fits import fit_learning_curves

    paradigm = data.paradigm
    if paradigm not in SUMMARY_PARADIGMS:
        where = data.files[0] if data.files else "data"
        raise FitError(f"{where}: paradigm {paradigm!r}: summary statistics exist for {', '.join(SUMMARY_PARADIGMS)}")
    trials = restrict(data.trials, max_blocks, max_trials_per_block)
    trials = trials.assign(**{c: trials[c].astype(str) for c in ID})  # plain labels: no unused categories
    cleaned = clean(trials, rules, warmup_trials=int(data.conventions.get("warmup_trials", 0)))
    blocks = ms.block_summary(cleaned, split_trial_type=False)
    parts = [_wide(blocks, "block", {"median_rt_ms": "rt", "accuracy": "acc"}, "b")]
    if paradigm == "asrt":
        trip = ms.triplet_learning(cleaned).assign(
            errH=lambda t: 1 - t["accuracy_H"], errL=lambda t: 1 - t["accuracy_L"]
        )
        parts.append(_wide(trip, "epoch", {"triplet_effect_ms": "lh", "errH": "errH", "errL": "errL"}, "e"))
        curve_type = None
    else:
        seq = ms.sequence_learning(cleaned)
        parts.append(_wide(seq, "block", {"sequence_effect_ms": "seq"}, "r"))
        epochs = ms.epoch_summary(cleaned, split_trial_type=True)
        for kind, sub in epochs.groupby("trial_type", observed=True):
            parts.append(_wide(sub.assign(err=1 - sub["accuracy"]), "epoch", {"err": f"err{kind}"}, "e"))
        curve_type = "sequence"
    variability = ms.rt_variability(cleaned, "epoch")
    parts.append(_wide(variability, "epoch", {"rt_sd_ms": "sd", "rt_cv": "cv"}, "e"))
    curves = ms.learning_curves(cleaned, "block", trial_type=curve_type)
    if not curves.empty:
        fits = fit_learning_curves(curves, "block", "rt_ms", n_boot=1, n_boot_participant=0)
        expo = fits.participants
        if not expo.empty:
            expo = expo[expo["model"] == "exponential"].set_index(ID)
            parts.append(
                pd.DataFrame(
                    {"curve_a": expo["a"], "curve_b": expo["b"], "curve_logc": np.log10(expo["c"].astype(float))}
                )
            )
    parts = [p for p in parts if len(p.columns)]
    out = pd.concat(parts, axis=1) if parts else pd.DataFrame()
    out = add_derived(out.reset_index())
    out[ID] = out[ID].astype(str)
    return out.sort_values(ID, kind="stable").reset_index(drop=True)


def add_derived(table: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    """Add ``rt_slope`` (least-squares slope of ``rt_b<k>`` over k) to a summary or bank table.

    Parameters
    ----------
    table : DataFrame
        A summary table (``prefix=""``) or a bank (``prefix="x."``).
    prefix : str
        Prefix of the statistic columns.

    Returns
    -------
    DataFrame
        ``table`` with ``<prefix>rt_slope`` (ms per block; NaN with fewer than 3 blocks with an RT);
        unchanged if it is already there or the protocol has fewer than ``MIN_SLOPE_BLOCKS``
        learning blocks (a trend over three noisy medians is mostly noise: on the toy bank of
        the tests, three blocks, it only moved the estimator's posterior mean).
    """
    head = prefix + "rt_b"
    columns = sorted((c for c in table.columns if c.startswith(head) and c[len(head) :].isdigit()),
                     key=lambda c: int(c[len(head) :]))  # fmt: skip
    if prefix + "rt_slope" in table.columns or len(columns) < MIN_SLOPE_BLOCKS:
        return table
    y = table[columns].to_numpy(dtype=float)
    k = np.broadcast_to(np.array([int(c[len(head) :]) for c in columns], dtype=float), y.shape)
    ok = np.isfinite(y)
    n = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        k_mean = np.where(ok, k, 0).sum(axis=1) / n
        y_mean = np.where(ok, y, 0).sum(axis=1) / n
        dk = np.where(ok, k - k_mean[:, None], 0)
        slope = (dk * np.where(ok, y - y_mean[:, None], 0)).sum(axis=1) / (dk**2).sum(axis=1)
    return table.assign(**{prefix + "rt_slope": np.where(n >= 3, slope, np.nan)})


def feature_columns(table: pd.DataFrame) -> list[str]:
    """Return the statistic columns of a summary table (everything but the identifiers)."""
    return [c for c in table.columns if c not in ID]
