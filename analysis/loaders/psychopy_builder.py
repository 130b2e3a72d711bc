"""A PsychoPy Builder CSV export of an SRT (the ``*.csv`` Builder writes for every session).

Builder writes one row per loop iteration (plus rows for routines outside loops, which are
skipped). The columns this loader reads, by PsychoPy's naming:

=============================== =================================================================
``<loop>.thisN``, ``.thisRepN``, each loop's counters (0-based). The innermost loop is the trial
``.thisTrialN``, ``.thisIndex``  loop; an outer loop counts the blocks (``block = outer.thisN + 1``),
                                otherwise each repetition of the trial loop is a block
                                (``block = thisRepN + 1``, ``trial = thisTrialN + 1``). A loop
                                whose name starts with ``practice`` marks practice trials.
``<key>.keys``, ``<key>.rt``,   the keyboard component: the first key, its RT in seconds, and
``<key>.corr``                  correctness (from ``corrAns``: Builder's "store correct"); without
                                ``.corr``, ``keys == corrAns`` is used. With several keyboard
                                components, the one with ``.corr`` (else the most responses) is used.
``participant``, ``session``    from the experiment info dialog; ``group`` if there is one
a trial-type column             from the conditions file: ``trial_type``, ``trialType``,
                                ``block_type``, ``blockType``, ``condition`` or ``type``
                                (sequence/random, S/R, probable/improbable)
``target`` / ``position``       the stimulus position (optional; else ``corrAns``)
``block``, ``epoch``            taken as they are when the conditions file has them
=============================== =================================================================

"all keys" storage (``['d', 'f']`` / ``[0.41, 0.63]``) keeps the first press. Anything else
(no keyboard component, no trial-type column) is refused in one line that says to use a
column-mapping YAML instead.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.loaders.common import Dataset, load_files, normalise_trial_type, read_table, rt_to_ms
from motorseq.analysis.schema import finalize_trials

__all__ = ["is_builder_export", "load_psychopy_builder"]

_TYPE_COLUMNS = ("trial_type", "trialType", "block_type", "blockType", "condition", "Condition", "type")
_LOOP = re.compile(r"^(?P<loop>.+)\.thisN$")
_KEYS = re.compile(r"^(?P<comp>.+)\.keys$")
# columns Builder itself writes beside the data (the experiment info and timing)
_BUILDER_MARKS = ("psychopyVersion", "frameRate", "expName", "thisRow.t")


def _loops(columns: list[str]) -> list[str]:
    """Names of the loops, outermost first (Builder writes outer loops' columns first)."""
    return [m["loop"] for c in columns if (m := _LOOP.match(c)) and f"{m['loop']}.thisTrialN" in columns]


def _keyboards(columns: list[str]) -> list[str]:
    return [m["comp"] for c in columns if (m := _KEYS.match(c)) and f"{m['comp']}.rt" in columns]


def is_builder_export(columns: list[str]) -> bool:
    """Tell a PsychoPy Builder CSV by its loop counters, a keyboard component and Builder's own columns."""
    return bool(_loops(columns)) and bool(_keyboards(columns)) and any(c in columns for c in _BUILDER_MARKS)


def _leaf_loops(nonnull: dict[str, pd.Series]) -> list[tuple[str, str | None]]:
    """Find the innermost loops (their rows are trials), each with the loop just outside it (or None)."""
    order = list(nonnull)  # Builder writes an outer loop's columns before an inner one's

    def inside(inner: str, outer: str) -> bool:
        a, b = nonnull[inner], nonnull[outer]
        if inner == outer or not a.any() or (a & ~b).any():
            return False
        return bool((b & ~a).any()) or order.index(inner) > order.index(outer)

    out = []
    for loop in nonnull:
        if not nonnull[loop].any() or any(inside(other, loop) for other in nonnull):
            continue  # another loop runs inside this one
        parents = [p for p in nonnull if inside(loop, p)]
        parent = min(parents, key=lambda p: int(nonnull[p].sum())) if parents else None
        out.append((loop, parent))
    return out


def _first(value: object) -> object:
    """Take the first press of a keyboard column stored as "all keys" (``['d', 'f']``)."""
    if isinstance(value, str) and value.startswith("["):
        try:
            items = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        return items[0] if isinstance(items, list) and items else np.nan
    return value


def _keyboard(raw: pd.DataFrame, where: str) -> str:
    comps = _keyboards(list(raw.columns))
    with_corr = [c for c in comps if f"{c}.corr" in raw.columns]
    if len(with_corr) == 1:
        return with_corr[0]
    pool = with_corr or comps
    answered = {c: int(pd.to_numeric(raw[f"{c}.rt"].map(_first), errors="coerce").notna().sum()) for c in pool}
    return max(pool, key=lambda c: answered[c])


def _one_file(path: Path) -> tuple[pd.DataFrame, list[str]]:
    where = str(path)
    raw = read_table(path, dtype={"participant": str, "session": str, "group": str})
    raw.columns = [str(c).strip() for c in raw.columns]
    raw = raw.loc[:, [not c.startswith("Unnamed:") for c in raw.columns]]  # Builder's trailing comma
    loops = _loops(list(raw.columns))
    nonnull = {loop: raw[f"{loop}.thisN"].notna() for loop in loops}
    parts = []
    for leaf, parent in _leaf_loops(nonnull):
        sub = raw[nonnull[leaf]].apply(pd.to_numeric, errors="coerce")
        if parent is not None:  # an outer loop counts the blocks
            block, trial = sub[f"{parent}.thisN"] + 1, sub[f"{leaf}.thisN"] + 1
        else:  # each repetition of the trial loop is a block
            block, trial = sub[f"{leaf}.thisRepN"] + 1, sub[f"{leaf}.thisTrialN"] + 1
        practice = any(name.lower().startswith("practice") for name in (leaf, parent) if name)
        parts.append(pd.DataFrame({"block": block, "trial": trial, "is_practice": practice}, index=sub.index))
    layout = pd.concat(parts).sort_index()
    rows = raw.loc[layout.index]
    if rows.empty:
        raise AnalysisInputError(f"{where}: column '{loops[-1]}.thisN': no trials (the trial loop has no rows)")
    comp = _keyboard(rows, where)
    type_col = next((c for c in _TYPE_COLUMNS if c in rows.columns), None)
    if type_col is None:
        raise AnalysisInputError(
            f"{where}: no trial-type column ({', '.join(_TYPE_COLUMNS)}) in this PsychoPy Builder file; "
            "name yours with a mapping YAML (--format MAPPING.yaml)"
        )
    if "participant" not in rows.columns:
        raise AnalysisInputError(f"{where}: column 'participant' (the experiment info) is missing")
    block, trial, practice = layout["block"], layout["trial"], layout["is_practice"]
    if "block" in rows.columns:  # the conditions file numbers the blocks itself
        block = pd.to_numeric(rows["block"], errors="coerce")
        trial = rows.groupby([practice, block], sort=False).cumcount() + 1
    keys = rows[f"{comp}.keys"].map(_first)
    rt = pd.to_numeric(rows[f"{comp}.rt"].map(_first), errors="coerce")
    if f"{comp}.corr" in rows.columns:
        correct = pd.to_numeric(rows[f"{comp}.corr"], errors="coerce")
    elif "corrAns" in rows.columns:
        correct = (keys.astype(str) == rows["corrAns"].astype(str)).astype(float)
    else:
        raise AnalysisInputError(f"{where}: column '{comp}.corr' (or 'corrAns') is missing")
    trials = pd.DataFrame(index=rows.index)
    trials["participant"] = rows["participant"].astype(str)
    trials["session"] = rows["session"].astype(str) if "session" in rows.columns else "1"
    if "group" in rows.columns:
        trials["group"] = rows["group"].astype(str)
    trials["paradigm"] = "srt"
    trials["block"] = block
    if "epoch" in rows.columns:
        trials["epoch"] = pd.to_numeric(rows["epoch"], errors="coerce")
    trials["trial"] = trial
    trials["is_practice"] = practice
    trials["trial_type"] = normalise_trial_type(rows[type_col], where, type_col, "srt")
    target = next((c for c in ("target", "position", "corrAns") if c in rows.columns), None)
    if target is not None:
        trials["target"] = rows[target].astype(str)
    trials["rt_ms"] = rt_to_ms(rt, "s", where, f"{comp}.rt")
    trials["correct"] = correct
    notes = [f"PsychoPy Builder export: keyboard '{comp}', trial type from '{type_col}'"]
    return finalize_trials(trials.reset_index(drop=True), where), notes


def load_psychopy_builder(paths: list[Path]) -> Dataset:
    """Load PsychoPy Builder CSV exports of an SRT (one file per session).

    Parameters
    ----------
    paths : list of Path
        The ``.csv`` files Builder wrote.

    Returns
    -------
    Dataset
    """
    return load_files(paths, _one_file, "psychopy-builder")
