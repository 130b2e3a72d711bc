"""An E-Prime-style SRT export: one row per trial, RT in ms.

E-DataAid / E-Merge exports are tab-separated text (often UTF-16). Columns (names may carry the
E-Prime object prefix, e.g. ``Stimulus.RT``): ``Subject``, ``Block``, ``Trial``, ``RT`` (ms; 0 =
no response), ``ACC`` (0/1), ``CorrResp`` (the correct key or position), and a sequence/random
column: one of ``BlockType``, ``Condition``, ``TrialType``, ``Procedure`` (values containing
``seq`` or ``rand``). Optional: ``Session``, ``Group``, ``RESP``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from motorseq.analysis.errors import AnalysisInputError, as_written
from motorseq.analysis.loaders.common import Dataset, read_table, rt_to_ms
from motorseq.analysis.schema import concat_trials, finalize_trials

__all__ = ["load_eprime_srt", "find_column", "SIGNATURE"]

SIGNATURE = ("RT", "ACC", "CorrResp")
_TYPE_COLUMNS = ("BlockType", "Condition", "TrialType", "Procedure")


def find_column(columns: list[str], name: str) -> str | None:
    """Return the column called ``name`` or ``<Object>.name`` (case-insensitive), if any."""
    low = name.lower()
    for col in columns:
        c = str(col).lower()
        if c == low or c.endswith("." + low):
            return str(col)
    return None


def _column(raw: pd.DataFrame, name: str, where: str) -> str:
    col = find_column(list(raw.columns), name)
    if col is None:
        raise AnalysisInputError(f"{where}: column '{name}' (or '<Object>.{name}') is missing")
    return col


def _trial_type(raw: pd.DataFrame, where: str) -> pd.Series:
    for name in _TYPE_COLUMNS:
        col = find_column(list(raw.columns), name)
        if col is None:
            continue
        low = raw[col].astype("string").str.lower().fillna("")
        kind = pd.Series(
            np.where(low.str.contains("rand"), "random", np.where(low.str.contains("seq"), "sequence", "")),
            index=raw.index,
        )
        if (kind == "").any():
            raise AnalysisInputError(
                f"{where}: column '{col}': value {as_written(raw[col][kind == ''].iloc[0])} names neither "
                "a sequence nor a random trial"
            )
        return kind
    raise AnalysisInputError(f"{where}: column 'BlockType' (or Condition/TrialType/Procedure) is missing")


def _one_file(path: Path) -> pd.DataFrame:
    where = str(path)
    raw = read_table(path)
    rt_col, acc_col = _column(raw, "RT", where), _column(raw, "ACC", where)
    _column(raw, "CorrResp", where)
    rt = rt_to_ms(raw[rt_col], "ms", where, rt_col)
    acc = pd.to_numeric(raw[acc_col], errors="coerce")
    if acc.isna().any() or not acc.isin([0, 1]).all():
        raise AnalysisInputError(f"{where}: column '{acc_col}': values must be 0 or 1")
    trials = pd.DataFrame(
        {
            "participant": raw[_column(raw, "Subject", where)].astype(str),
            "block": raw[_column(raw, "Block", where)],
            "trial": raw[_column(raw, "Trial", where)],
        }
    )
    session = find_column(list(raw.columns), "Session")
    if session is not None:
        trials["session"] = raw[session].astype(str)
    group = find_column(list(raw.columns), "Group")
    if group is not None:
        trials["group"] = raw[group].astype(str)
    trials["paradigm"] = "srt"
    trials["trial_type"] = _trial_type(raw, where)
    trials["rt_ms"] = rt.where(rt > 0)  # E-Prime writes 0 when nobody answered
    trials["correct"] = acc.astype(float)
    trials["target"] = raw[_column(raw, "CorrResp", where)].astype(str)
    return finalize_trials(trials, where)


def load_eprime_srt(paths: list[Path]) -> Dataset:
    """Load E-Prime SRT exports.

    Parameters
    ----------
    paths : list of Path
        Tab-separated text (``.txt``) or CSV files.

    Returns
    -------
    Dataset
    """
    frames = [_one_file(Path(p)) for p in paths]
    return Dataset(trials=concat_trials(frames, list(paths)), format="eprime-srt", files=[Path(p) for p in paths])
