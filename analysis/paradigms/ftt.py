"""FTT: correct sequences per trial and the gain from the first to the last trials."""

from __future__ import annotations

from typing import Any

import pandas as pd
from motorseq.analysis import measures as ms

CURVE = ("trial", "n_correct_sequences")
YLABEL = "Correct sequences per trial"
EPOCH_BY_TRIAL_TYPE = False  # epoch_summary split by trial type
RT_MEASURE = False  # FTT counts sequences, not RTs


def learning_curves(cleaned: pd.DataFrame, data: Any) -> pd.DataFrame | None:
    """Made by :func:`tables` (correct sequences per trial, numbered within the session)."""
    return None


def tables(cleaned: pd.DataFrame, data: Any, seed: int, n_boot_participant: int) -> dict[str, pd.DataFrame]:
    """Per-trial performance, the gain and the learning curve over trials."""
    from motorseq.analysis.skill_measures import ftt_performance

    per_trial, gain = ftt_performance(cleaned)
    order = per_trial.groupby(ms.ID_COLUMNS, sort=False, observed=True).cumcount() + 1
    return {
        "ftt_per_trial": per_trial,
        "ftt_gain": gain,
        "learning_curves": per_trial[ms.ID_COLUMNS + ["n_correct_sequences"]].assign(trial=order.to_numpy()),
    }


def statistics(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """One-sample test of the gain per session."""
    from motorseq.analysis import stats

    return {"ftt_gain_tests": stats.effect_tests(tables["ftt_gain"], "gain", ["session"])}


def summary(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Report the mean gain."""
    gain = tables["ftt_gain"]
    return [f"FTT gain (last − first trials): {gain['gain'].mean():.2f} correct sequences"]


def figures(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Only the shared curve-fit figure."""
    return {}
