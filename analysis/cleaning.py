"""Cleaning rules: which trials enter the RT, accuracy and triplet analyses.

Every rule is a field of :class:`CleaningRules` and can be switched off. :func:`clean` never
drops rows: it adds flag columns and three "use" columns that the measures read.

=================== ============================================================= ============
flag column         rule                                                          default
=================== ============================================================= ============
``flag_practice``   practice blocks                                               out
``flag_first``      first trials of each block by the paradigm's convention:      ASRT: warm-up
                    ASRT drops the random warm-up trials plus the two trials      + 2; others 0
                    that close no triplet (Howard & Howard 1997)
``flag_error``      first response wrong (or missing)                             out of RT
``flag_post_error`` trial after an error in the same block                        out of RT
``flag_anticipation`` RT below ``anticipation_ms``                                100 ms
``flag_outlier``    correct RT beyond mean ± ``outlier_sd`` SD of the             3 SD
                    participant's correct RTs in that block
=================== ============================================================= ============

Use columns: ``use_rt`` (RT analyses), ``use_accuracy`` (accuracy analyses: not practice, not a
first trial, response defined), ``use_triplet`` (``use_rt`` and a triplet type not in
``triplet_exclude``, i.e. trills and repetitions out).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from motorseq.analysis.errors import AnalysisInputError

__all__ = ["CleaningRules", "clean", "cleaning_summary", "FLAGS"]

FLAGS = ("flag_practice", "flag_first", "flag_error", "flag_post_error", "flag_anticipation", "flag_outlier")
_BLOCK = ["participant", "session", "run", "is_practice", "block"]


@dataclass(frozen=True)
class CleaningRules:
    """Switchable cleaning rules (see the module docstring for the defaults' sources).

    Parameters
    ----------
    practice : bool
        Leave practice blocks out.
    first_trials : int or None
        Trials to drop at the start of each block; None = the paradigm's convention
        (ASRT: warm-up trials + 2; other paradigms: 0).
    errors : bool
        Leave error trials out of RT analyses.
    post_error : bool
        Leave the trial after an error out of RT analyses.
    anticipation_ms : float or None
        Flag RTs below this as anticipations (None: off).
    outlier_sd : float or None
        Flag correct RTs beyond mean ± this many SD per participant and block (None: off).
    triplet_exclude : tuple of str
        Triplet types left out of triplet analyses (trills and repetitions).
    """

    practice: bool = True
    first_trials: int | None = None
    errors: bool = True
    post_error: bool = True
    anticipation_ms: float | None = 100.0
    outlier_sd: float | None = 3.0
    triplet_exclude: tuple[str, ...] = ("T", "R")

    def __post_init__(self) -> None:
        if self.first_trials is not None and self.first_trials < 0:
            raise AnalysisInputError(
                f"--first-trials (cleaning rule 'first_trials'): must be >= 0, got {self.first_trials}"
            )
        if self.anticipation_ms is not None and not 0 <= self.anticipation_ms < math.inf:
            raise AnalysisInputError(
                f"--anticipation-ms (cleaning rule 'anticipation_ms'): must be a finite number >= 0, "
                f"got {self.anticipation_ms}"
            )
        if self.outlier_sd is not None and not 0 < self.outlier_sd < math.inf:
            raise AnalysisInputError(
                f"--outlier-sd (cleaning rule 'outlier_sd'): must be a finite number > 0, got {self.outlier_sd}"
            )

    def describe(self) -> dict:
        """Return the rules as a plain dict (for provenance)."""
        return asdict(self)


def _first_trials(paradigm: pd.Series, rules: CleaningRules, warmup: int) -> pd.Series:
    if rules.first_trials is not None:
        return pd.Series(rules.first_trials, index=paradigm.index)
    return pd.Series(np.where(paradigm == "asrt", warmup + 2, 0), index=paradigm.index)


def clean(trials: pd.DataFrame, rules: CleaningRules | None = None, warmup_trials: int = 0) -> pd.DataFrame:
    """Flag trials by the cleaning rules (no row is dropped).

    Parameters
    ----------
    trials : DataFrame
        The tidy trial table (sorted by participant, session, run, block, trial as the
        loaders return it).
    rules : CleaningRules, optional
        Defaults to ``CleaningRules()``.
    warmup_trials : int
        ASRT random warm-up trials at the start of each block (from the protocol).

    Returns
    -------
    DataFrame
        ``trials`` plus the flag columns :data:`FLAGS` and ``use_rt``, ``use_accuracy``,
        ``use_triplet``.
    """
    rules = rules or CleaningRules()
    out = trials.copy()
    rt = out["rt_ms"].to_numpy()
    correct = out["correct"].to_numpy()
    out["flag_practice"] = out["is_practice"].to_numpy() & rules.practice
    out["flag_first"] = out["trial"].to_numpy() <= _first_trials(out["paradigm"], rules, warmup_trials).to_numpy()
    error = ~(correct == 1)
    out["flag_error"] = error & rules.errors
    block_id = out.groupby(_BLOCK, sort=False).ngroup().to_numpy()
    prev_error = np.zeros(len(out), dtype=bool)
    prev_error[1:] = error[:-1] & (block_id[1:] == block_id[:-1]) & ~np.isnan(correct[:-1])
    out["flag_post_error"] = prev_error & rules.post_error
    if rules.anticipation_ms is not None:
        out["flag_anticipation"] = rt < rules.anticipation_ms
    else:
        out["flag_anticipation"] = False
    if rules.outlier_sd is not None:
        base = np.where((correct == 1) & ~out["flag_anticipation"].to_numpy(), rt, np.nan)
        grp = pd.Series(base).groupby(block_id)
        mean = grp.transform("mean").to_numpy()
        sd = grp.transform("std").to_numpy()
        with np.errstate(invalid="ignore"):
            out["flag_outlier"] = np.abs(base - mean) > rules.outlier_sd * sd
    else:
        out["flag_outlier"] = False
    base_ok = ~out["flag_practice"].to_numpy() & ~out["flag_first"].to_numpy()
    out["use_accuracy"] = base_ok & ~np.isnan(correct)
    out["use_rt"] = (
        base_ok
        & (correct == 1)
        & ~np.isnan(rt)
        & ~out["flag_error"].to_numpy()
        & ~out["flag_post_error"].to_numpy()
        & ~out["flag_anticipation"].to_numpy()
        & ~out["flag_outlier"].to_numpy()
    )
    triplet_ok = ~out["triplet_type"].isin(list(rules.triplet_exclude) + ["n/a"]).to_numpy()
    out["use_triplet"] = out["use_rt"].to_numpy() & triplet_ok & (out["paradigm"].to_numpy() == "asrt")
    return out


def cleaning_summary(cleaned: pd.DataFrame) -> pd.DataFrame:
    """Trials flagged by each rule, per participant and session.

    Returns
    -------
    DataFrame
        One row per participant × session: ``n_trials``, one count per flag, ``n_use_rt``
        and ``pct_use_rt``.
    """
    cols = [c for c in FLAGS if c in cleaned.columns] + ["use_rt"]
    table = cleaned.groupby(["participant", "session"], sort=True)[cols].sum()
    table.columns = ["n_" + c.removeprefix("flag_") for c in cols]
    table.insert(0, "n_trials", cleaned.groupby(["participant", "session"], sort=True).size())
    table["pct_use_rt"] = 100.0 * table["n_use_rt"] / table["n_trials"]
    return table.reset_index()
