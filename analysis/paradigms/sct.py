"""Synchronisation-continuation tapping: its measures are the timing tables of the phase analysis.

Asynchrony, inter-tap interval, its CV and the Wing-Kristofferson split are computed by
:mod:`motorseq.analysis.phase_tables` (``timing_per_trial``) for every paradigm that has taps,
so this module adds no tables of its own.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

CURVE = ("block", "rt_ms")
YLABEL = "Inter-tap interval (ms)"
EPOCH_BY_TRIAL_TYPE = False  # epoch_summary split by trial type
RT_MEASURE = False  # timing is measured by asynchrony and intervals, not RT


def learning_curves(cleaned: pd.DataFrame, data: Any) -> pd.DataFrame | None:
    """No learning curve: a timing task is summarised per trial (``timing_per_trial``)."""
    return None


def tables(cleaned: pd.DataFrame, data: Any, seed: int, n_boot_participant: int) -> dict[str, pd.DataFrame]:
    """No tables beyond the phase analysis's timing tables."""
    return {}


def statistics(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """No group statistics of its own."""
    return {}


def summary(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Return no lines: the timing lines come from the phase summary."""
    return []


def figures(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """No figures of its own."""
    return {}
