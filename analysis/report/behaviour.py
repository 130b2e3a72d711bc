"""Behavioural tables for the report.

The behavioural analysis proper is :func:`motorseq.analysis.analyze` (issue 5); the report uses
its tables and figures when it is available. When it is not (or fails), these small functions
give the two things every report shows: block RT curves and the SRT sequence-specific effect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from motorseq.analysis.errors import AnalysisInputError

__all__ = ["block_rt", "read_bids_trials", "run_behaviour_analysis", "sequence_effect"]


def read_bids_trials(root: str | Path) -> pd.DataFrame:
    """All ``_beh.tsv`` trial files of a BIDS folder in one table.

    Parameters
    ----------
    root : str or pathlib.Path

    Returns
    -------
    pandas.DataFrame
        The trial columns plus ``participant``, ``session``, ``task``, ``file`` and ``source``
        (``human``/``model`` from ``participants.tsv`` when present).
    """
    root = Path(root)
    files = sorted(root.glob("sub-*/ses-*/beh/*_beh.tsv"))
    if not files:
        raise AnalysisInputError(f"{root}: no sub-*/ses-*/beh/*_beh.tsv trial files")
    parts = []
    for f in files:
        table = pd.read_csv(f, sep="\t", na_values=["n/a"])
        fields = dict(part.split("-", 1) for part in f.name.split("_")[:-1] if "-" in part)
        parts.append(table.assign(participant=fields.get("sub"), session=fields.get("ses"),
                                  task=fields.get("task"), file=f.name))
    trials = pd.concat(parts, ignore_index=True)
    source = "unknown"
    ptsv = root / "participants.tsv"
    if ptsv.is_file():
        ptab = pd.read_csv(ptsv, sep="\t", dtype=str)
        if "source" in ptab.columns:
            mapping = dict(zip(ptab["participant_id"].str.removeprefix("sub-"), ptab["source"], strict=True))
            return trials.assign(source=trials["participant"].map(mapping).fillna(source))
    return trials.assign(source=source)


def block_rt(trials: pd.DataFrame) -> pd.DataFrame:
    """Mean RT (ms) of correct responses and accuracy per participant and block.

    Parameters
    ----------
    trials : pandas.DataFrame
        ``participant``, ``block``, ``block_kind``, ``rt`` (s), ``correct``.

    Returns
    -------
    pandas.DataFrame
        ``participant``, ``block``, ``block_kind``, ``rt_ms``, ``accuracy``, ``n``.
    """
    need = ["participant", "block", "block_kind", "rt", "correct"]
    missing = [c for c in need if c not in trials.columns]
    if missing:
        raise AnalysisInputError(f"trials: missing column(s) {missing}")
    ok = trials[trials["correct"] == 1]
    rt = (ok.groupby(["participant", "block", "block_kind"])["rt"].mean() * 1000).rename("rt_ms")
    acc = trials.groupby(["participant", "block", "block_kind"])["correct"].mean().rename("accuracy")
    n = trials.groupby(["participant", "block", "block_kind"]).size().rename("n")
    return pd.concat([rt, acc, n], axis=1).reset_index()


def sequence_effect(blocks: pd.DataFrame) -> pd.DataFrame:
    """SRT sequence-specific learning per participant.

    Random-block RT minus the mean of its neighbouring sequence blocks (ms; positive = learning).

    Parameters
    ----------
    blocks : pandas.DataFrame
        From :func:`block_rt`.

    Returns
    -------
    pandas.DataFrame
        ``participant``, ``random_block``, ``effect_ms``; empty without a flanked random block.
    """
    rows = []
    for participant, grp in blocks.groupby("participant"):
        grp = grp[grp["block_kind"].isin(["sequence", "random"])].sort_values("block")
        kinds, rts, nums = list(grp["block_kind"]), list(grp["rt_ms"]), list(grp["block"])
        for i, kind in enumerate(kinds):
            if kind != "random":
                continue
            neigh = [rts[j] for j in (i - 1, i + 1) if 0 <= j < len(kinds) and kinds[j] == "sequence"]
            if neigh:
                rows.append({"participant": participant, "random_block": int(nums[i]),
                             "effect_ms": float(rts[i] - np.mean(neigh))})
    return pd.DataFrame(rows, columns=["participant", "random_block", "effect_ms"])


def run_behaviour_analysis(root: str | Path, out: str | Path | None = None,
                           full: bool = True) -> dict[str, Any]:
    """Behavioural results for the report: issue 5's analysis if it runs, else the fallback.

    Parameters
    ----------
    root : str or pathlib.Path
        BIDS folder.
    out : str or pathlib.Path, optional
        Where issue 5's analysis may write its own outputs.
    full : bool
        Try the full analysis; ``False`` gives only the fallback tables.

    Returns
    -------
    dict
        ``trials`` (DataFrame), ``blocks`` (block RT table), ``effects`` (sequence effect),
        ``tables`` (dict of extra DataFrames from the full analysis), ``figures`` (dict of
        matplotlib figures from it), ``engine`` (which code produced them) and ``note``.
    """
    trials = read_bids_trials(root)
    blocks = block_rt(trials)
    result: dict[str, Any] = {"trials": trials, "blocks": blocks,
                              "effects": sequence_effect(blocks), "tables": {}, "figures": {},
                              "engine": "report fallback (block means of correct RTs)",
                              "note": ""}
    if not full:
        result["note"] = "full behavioural analysis not requested"
        return result
    try:
        from motorseq.analysis import analyze
    except Exception as exc:  # issue 5's pipeline not installed yet
        result["note"] = f"full behavioural analysis not available ({type(exc).__name__}: {exc})"
        return result
    try:
        full = analyze(str(root), out=None if out is None else str(out))
    except Exception as exc:  # keep the report going; say why
        result["note"] = f"full behavioural analysis failed: {type(exc).__name__}: {exc}"
        return result
    tables = getattr(full, "tables", {}) or {}
    figures = getattr(full, "figures", {}) or {}
    result.update({"tables": {k: v for k, v in tables.items() if isinstance(v, pd.DataFrame)},
                   "figures": {k: v for k, v in figures.items() if hasattr(v, "savefig")},
                   "engine": "motorseq.analysis.analyze"})
    return result
