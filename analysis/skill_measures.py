"""DSP (discrete sequence production) and FTT (finger tapping task) measures.

DSP: sequence execution time, inter-key intervals (IKIs) and chunk boundaries (Verwey 1996;
Abrahamse et al. 2013). FTT: correct sequences and errors per trial and the performance gain
from the first to the last trials (Karni et al. 1995; Walker et al. 2002).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from motorseq.analysis.measures import ID_COLUMNS

__all__ = ["dsp_execution", "inter_key_intervals", "chunk_boundaries", "ftt_performance"]


def dsp_execution(cleaned: pd.DataFrame) -> pd.DataFrame:
    """Compute execution time (ms) of correctly produced sequences and accuracy, per block and sequence.

    Returns
    -------
    DataFrame
        ``participant, session, group, source, paradigm, block, trial_type, target, mean_execution_ms,
        median_execution_ms, accuracy, n_correct, n_trials``.
    """
    keys = ID_COLUMNS + ["block", "trial_type", "target"]
    rows = cleaned[cleaned["use_accuracy"]]
    ok = rows["correct"] == 1
    frame = rows[keys].assign(_et=rows["execution_time_ms"].where(ok), _acc=rows["correct"])
    g = frame.groupby(keys, sort=True, observed=True)
    out = pd.DataFrame(
        {
            "mean_execution_ms": g["_et"].mean(),
            "median_execution_ms": g["_et"].median(),
            "accuracy": g["_acc"].mean(),
            "n_correct": g["_et"].count(),
            "n_trials": g["_acc"].count(),
        }
    )
    return out.reset_index()


def inter_key_intervals(presses: pd.DataFrame, cleaned: pd.DataFrame) -> pd.DataFrame:
    """Intervals between successive key presses of correctly produced DSP sequences.

    Parameters
    ----------
    presses : DataFrame
        One row per press (``participant, session, run, block, trial, press, rt_ms``), ``rt_ms``
        from stimulus onset.
    cleaned : DataFrame
        The cleaned trial table (gives each trial's sequence, group and correctness).

    Returns
    -------
    DataFrame
        ``participant, session, group, source, paradigm, block, trial, trial_type, target,
        position, iki_ms``: ``position`` *k* is the interval from press *k* to press *k+1*.
    """
    tkeys = ["participant", "session", "run", "block", "trial"]
    trials = cleaned.loc[
        cleaned["use_accuracy"] & (cleaned["correct"] == 1),
        tkeys + ["group", "source", "paradigm", "trial_type", "target"],
    ]
    p = presses.sort_values(tkeys + ["press"], kind="stable")
    trial_id = p.groupby(tkeys, sort=False).ngroup().to_numpy()
    rt = p["rt_ms"].to_numpy()
    same = np.zeros(len(p), dtype=bool)
    same[1:] = trial_id[1:] == trial_id[:-1]
    iki = np.full(len(p), np.nan)
    iki[1:] = rt[1:] - rt[:-1]
    out = p.loc[same, tkeys].copy()
    out["position"] = p.loc[same, "press"].to_numpy() - 1
    out["iki_ms"] = iki[same]
    out = out.merge(trials, on=tkeys, how="inner")
    return out[ID_COLUMNS + ["block", "trial", "trial_type", "target", "position", "iki_ms"]]


def chunk_boundaries(ikis: pd.DataFrame, ratio: float = 1.3, last_blocks: int | None = None) -> pd.DataFrame:
    """Chunk boundaries: IKI positions much slower than the sequence's typical IKI.

    For each participant, session and sequence, the median IKI at each position is compared
    with the median of those position medians; a position whose median exceeds it by the
    factor ``ratio`` is a chunk boundary (a documented, simple version of the criterion of
    Verwey 1996; set ``ratio`` to taste).

    Parameters
    ----------
    ikis : DataFrame
        Output of :func:`inter_key_intervals`.
    ratio : float
        Boundary criterion (IKI / typical IKI).
    last_blocks : int, optional
        Use only each participant's last ``last_blocks`` blocks (chunking after practice).

    Returns
    -------
    DataFrame
        ``participant, session, group, source, paradigm, target, position, median_iki_ms,
        typical_iki_ms, iki_ratio, boundary``.
    """
    data = ikis
    if last_blocks is not None:
        last = data.groupby(ID_COLUMNS, sort=False)["block"].transform("max")
        data = data[data["block"] > last - last_blocks]
    keys = ID_COLUMNS + ["target"]
    med = data.groupby(keys + ["position"], sort=True, observed=True)["iki_ms"].median().rename("median_iki_ms")
    out = med.reset_index()
    out["typical_iki_ms"] = out.groupby(keys, sort=False)["median_iki_ms"].transform("median")
    out["iki_ratio"] = out["median_iki_ms"] / out["typical_iki_ms"]
    out["boundary"] = out["iki_ratio"] > ratio
    return out


def ftt_performance(cleaned: pd.DataFrame, n_trials: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """FTT correct sequences and errors per trial, and the performance gain.

    Parameters
    ----------
    cleaned : DataFrame
        The cleaned trial table of an FTT data set (one row per tapping period).
    n_trials : int
        Trials averaged at the start and at the end for the gain.

    Returns
    -------
    per_trial : DataFrame
        ``participant, session, group, source, paradigm, block, trial, n_correct_sequences,
        n_errors``.
    gain : DataFrame
        Per participant × session: ``first_mean, last_mean, gain (last - first), gain_pct``,
        and the same for errors (``errors_first_mean``, ``errors_last_mean``).
    """
    rows = cleaned[~cleaned["flag_practice"]]
    per_trial = rows[ID_COLUMNS + ["block", "trial", "n_correct_sequences", "n_errors"]].reset_index(drop=True)
    order = per_trial.groupby(ID_COLUMNS, sort=False).cumcount()
    size = per_trial.groupby(ID_COLUMNS, sort=False)["trial"].transform("size")
    first = per_trial[order < n_trials].groupby(ID_COLUMNS, sort=True)
    last = per_trial[order >= size - n_trials].groupby(ID_COLUMNS, sort=True)
    gain = pd.DataFrame(
        {
            "first_mean": first["n_correct_sequences"].mean(),
            "last_mean": last["n_correct_sequences"].mean(),
            "errors_first_mean": first["n_errors"].mean(),
            "errors_last_mean": last["n_errors"].mean(),
        }
    )
    gain["gain"] = gain["last_mean"] - gain["first_mean"]
    gain["gain_pct"] = 100.0 * gain["gain"] / gain["first_mean"]
    return per_trial, gain.reset_index()
