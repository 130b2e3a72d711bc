"""DSP: execution time of the sequences, inter-key intervals and chunk boundaries."""

from __future__ import annotations

from typing import Any

import pandas as pd
from motorseq.analysis import measures as ms

CURVE = ("block", "rt_ms")
YLABEL = "Median execution time (ms)"
EPOCH_BY_TRIAL_TYPE = False  # epoch_summary split by trial type
RT_MEASURE = True  # trials kept for RT analyses are reported


def learning_curves(cleaned: pd.DataFrame, data: Any) -> pd.DataFrame:
    """Median execution time of correct sequence trials per block (as ``rt_ms``)."""
    rows = cleaned[cleaned["use_accuracy"] & (cleaned["correct"] == 1) & (cleaned["trial_type"] == "sequence")]
    g = rows.groupby(ms.ID_COLUMNS + ["block"], sort=True, observed=True)["execution_time_ms"].median()
    return g.rename("rt_ms").reset_index()


def tables(cleaned: pd.DataFrame, data: Any, seed: int, n_boot_participant: int) -> dict[str, pd.DataFrame]:
    """Measure execution per block and sequence; IKIs and chunk boundaries when there are key presses."""
    from motorseq.analysis.skill_measures import chunk_boundaries, dsp_execution, inter_key_intervals

    out = {"dsp_execution": dsp_execution(cleaned)}
    if data.presses is not None:
        ikis = inter_key_intervals(data.presses, cleaned)
        out["dsp_inter_key_intervals"] = ikis
        out["dsp_chunk_boundaries"] = chunk_boundaries(ikis[ikis["trial_type"] == "sequence"])
    return out


def statistics(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """No group test of its own (the curve fits carry the learning)."""
    return {}


def summary(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Report execution time first to last block and the share of chunk boundaries per IKI."""
    lines = []
    curves = tables["learning_curves"]
    by_block = curves.groupby("block", observed=True)["rt_ms"].mean()
    if len(by_block) > 1:
        lines.append(
            f"sequence execution time: block {by_block.index[0]} {by_block.iloc[0]:.0f} ms -> "
            f"block {by_block.index[-1]} {by_block.iloc[-1]:.0f} ms (group mean of medians)"
        )
    chunks = tables.get("dsp_chunk_boundaries")
    if chunks is not None and not chunks.empty:
        share = chunks.groupby("position", observed=True)["boundary"].mean()
        lines.append(
            "chunk boundaries (share of participant x sequence): "
            + ", ".join(f"IKI {int(k)}: {v:.0%}" for k, v in share.items())
        )
    return lines


def figures(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Draw execution time per block with the IKI profile and chunk boundaries."""
    from motorseq.analysis import figures as fg

    return {"dsp_execution_chunks": fg.dsp_figure(tables["dsp_execution"], tables.get("dsp_chunk_boundaries"))}
