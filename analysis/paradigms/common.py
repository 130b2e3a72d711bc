"""Helpers the paradigm modules share."""

from __future__ import annotations

import pandas as pd
from motorseq.analysis import measures as ms

__all__ = ["by_group"]


def by_group(table: pd.DataFrame, value: str, by: list[str]) -> pd.DataFrame:
    """Group summary over all participants (``group == "all"``) and, if there are groups, per group."""
    overall = ms.group_summary(table, value, by).assign(group="all")
    if table["group"].nunique() > 1:
        per = ms.group_summary(table, value, ["group"] + by)
        overall = pd.concat([overall, per], ignore_index=True)
    cols = ["group"] + by
    return overall[cols + [c for c in overall.columns if c not in cols]]
