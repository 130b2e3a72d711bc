"""The report's "Learning phases" section: people and model side by side.

One row per measure, one column per source (``human``, ``model``, ``simulated``): the mean over
participants of the ``phase_*`` and ``timing_*`` tables of the behavioural analysis
(:mod:`motorseq.analysis.phase_tables`).
"""

from __future__ import annotations

import pandas as pd

__all__ = ["phase_overview"]

#: (table, column, label) of every measure the section shows.
MEASURES = (
    ("phase_offline_gains", "offline_gain", "offline gain (next session's start vs this one's end)"),
    ("phase_offline_gains", "offline_gain_pct", "offline gain, % of the end level"),
    ("phase_retention", "general_retained", "general skill kept (fraction of session 1's gain)"),
    ("phase_retention", "specific_retained", "sequence-specific effect kept (fraction)"),
    ("phase_savings", "savings", "relearning savings (1 - T_relearn / T_learn)"),
    ("phase_micro_gains", "micro_online", "micro-online gain per session (ms)"),
    ("phase_micro_gains", "micro_offline", "micro-offline gain per session (ms)"),
    ("phase_tempo_reached", "tempo_reached_ms", "tempo reached (IOI, ms)"),
    ("phase_tempo_reached", "final_accuracy", "accuracy in the last paced block"),
    ("timing_summary", "mean_asynchrony_ms", "mean asynchrony (ms)"),
    ("timing_summary", "cv_iti", "continuation inter-tap CV"),
    ("timing_summary", "clock_var_ms2", "Wing-Kristofferson clock variance (ms²)"),
    ("timing_summary", "motor_var_ms2", "Wing-Kristofferson motor variance (ms²)"),
)


def phase_overview(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return the mean of each phase measure per source (rows: measures; columns: sources).

    Measures whose table or column is absent are left out; an empty frame when none is there.
    """
    rows = []
    for table, column, label in MEASURES:
        frame = tables.get(table)
        if frame is None or frame.empty or column not in frame.columns:
            continue
        source = frame["source"].astype(str) if "source" in frame.columns else pd.Series("all", index=frame.index)
        means = pd.to_numeric(frame[column], errors="coerce").groupby(source).mean()
        n = frame.groupby(source)["participant"].nunique() if "participant" in frame.columns else means * 0
        rows.append({"measure": label, **{f"{s} (n={int(n[s])})": v for s, v in means.items()}})
    return pd.DataFrame(rows).set_index("measure") if rows else pd.DataFrame()
