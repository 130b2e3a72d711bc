"""A PsychoPy ASRT logger layout: one row per key press, times in seconds.

Columns (required): ``participant``, ``block_number``, ``trial_number`` (within the block),
``trial_type`` (``pattern``/``random`` or ``P``/``R``), ``stimulus`` (position 1-4),
``response`` (position pressed), ``rt_cumulative_s`` (seconds from stimulus onset to this press;
it keeps growing over the presses of one trial). Optional: ``session``, ``epoch``,
``is_practice`` (0/1), ``group``, ``correct`` (0/1 per press; otherwise ``response == stimulus``),
``triplet_type`` (``H``/``L``/``T``/``R``, ``X`` or empty for none) and ``pattern`` (e.g.
``1324``). When ``pattern`` is present the triplet types are recomputed from it; otherwise
the file's ``triplet_type`` is used. ``epoch`` defaults to ``ceil(block / 5)``.

A trial's ``rt_ms`` is the first press's ``rt_cumulative_s`` × 1000, ``correct`` says whether that
first press was right, ``n_presses``/``n_errors`` count all presses and the wrong ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from motorseq.analysis.errors import AnalysisInputError, as_written
from motorseq.analysis.loaders.common import (
    Dataset,
    epoch_fallback_note,
    epoch_from_block,
    load_files,
    normalise_trial_type,
    read_table,
    require_columns,
    rt_to_ms,
    trial_ids,
)
from motorseq.analysis.schema import finalize_trials
from motorseq.analysis.triplets import code_triplets

__all__ = ["load_psychopy_asrt", "SIGNATURE"]

SIGNATURE = ("block_number", "trial_type", "rt_cumulative_s")
_REQUIRED = ("participant", "block_number", "trial_number", "trial_type", "stimulus", "response", "rt_cumulative_s")
_TRIPLET_WORDS = {
    "H": "H",
    "L": "L",
    "T": "T",
    "R": "R",
    "X": "n/a",
    "": "n/a",
    "NAN": "n/a",
    "N/A": "n/a",
    "<NA>": "n/a",
    "HIGH": "H",
    "LOW": "L",
    "TRILL": "T",
    "REPETITION": "R",
}


def _one_file(path: Path) -> tuple[pd.DataFrame, list[str]]:
    where = str(path)
    raw = read_table(path)
    require_columns(raw, _REQUIRED, where)
    raw = raw.reset_index(drop=True)
    rt = rt_to_ms(raw["rt_cumulative_s"], "s", where, "rt_cumulative_s")
    if rt.isna().any():
        raise AnalysisInputError(f"{where}: column 'rt_cumulative_s': {int(rt.isna().sum())} values are missing")
    stim = pd.to_numeric(raw["stimulus"], errors="coerce")
    if stim.isna().any():
        raise AnalysisInputError(f"{where}: column 'stimulus': values must be positions (1-9)")
    if "correct" in raw.columns:
        press_ok = pd.to_numeric(raw["correct"], errors="coerce")
        if press_ok.isna().any() or not press_ok.isin([0, 1]).all():
            raise AnalysisInputError(f"{where}: column 'correct': values must be 0 or 1")
    else:
        press_ok = (pd.to_numeric(raw["response"], errors="coerce") == stim).astype(float)
    keys = pd.DataFrame(
        {
            "participant": raw["participant"].astype(str),
            "session": raw["session"].astype(str) if "session" in raw.columns else "1",
            "is_practice": (pd.to_numeric(raw["is_practice"], errors="coerce").fillna(0) == 1)
            if "is_practice" in raw.columns
            else False,
            "block": raw["block_number"],
            "trial": raw["trial_number"],
        }
    )
    ids = trial_ids(keys, list(keys.columns))
    # presses of one trial must be in time order; the first press is the response
    order = np.lexsort((rt.to_numpy(), ids))
    ids_sorted = ids[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = ids_sorted[1:] != ids_sorted[:-1]
    first_rows = order[first]
    counts = np.bincount(ids)
    errors = np.bincount(ids, weights=1.0 - press_ok.to_numpy())
    trials = keys.iloc[first_rows].copy()
    tid = ids[first_rows]
    sub = raw.iloc[first_rows]
    trials["paradigm"] = "asrt"
    trials["rt_ms"] = rt.to_numpy()[first_rows]
    trials["correct"] = press_ok.to_numpy()[first_rows]
    trials["n_presses"] = counts[tid].astype(float)
    trials["n_errors"] = errors[tid]
    trials["trial_type"] = normalise_trial_type(sub["trial_type"], where, "trial_type", "asrt").to_numpy()
    trials["target"] = stim.to_numpy()[first_rows].astype(int).astype(str)
    if "group" in sub.columns:
        trials["group"] = sub["group"].astype(str).to_numpy()
    if "epoch" in sub.columns:
        trials["epoch"] = pd.to_numeric(sub["epoch"], errors="coerce").to_numpy()
    notes = []
    if "epoch" not in sub.columns:
        trials["epoch"] = epoch_from_block(trials["block"], 5).to_numpy()
        notes.append(epoch_fallback_note())
    trials.loc[trials["is_practice"], "epoch"] = 0
    trials = trials.sort_values(
        ["participant", "session", "is_practice", "block", "trial"],
        ascending=[True, True, False, True, True],
        kind="stable",
    )
    if "pattern" in raw.columns:
        block_id = trial_ids(trials, ["participant", "session", "is_practice", "block"])
        pattern = raw["pattern"].astype(str).to_numpy()[trials.index.to_numpy()]
        codes = code_triplets(trials["target"].astype(int).to_numpy(), pattern, block_id)
        codes[trials["is_practice"].to_numpy()] = "n/a"
        trials["triplet_type"] = codes
        notes.append(f"{path.name}: triplet types computed from the 'pattern' column")
    elif "triplet_type" in raw.columns:
        words = raw["triplet_type"].astype("string").fillna("").str.strip().str.upper()
        mapped = words.map(_TRIPLET_WORDS)
        if mapped.isna().any():
            raise AnalysisInputError(
                f"{where}: column 'triplet_type': value {as_written(raw['triplet_type'][mapped.isna()].iloc[0])} "
                "is not H, L, T, R or X"
            )
        trials["triplet_type"] = mapped.to_numpy()[trials.index.to_numpy()]
    else:
        raise AnalysisInputError(f"{where}: column 'triplet_type' (or 'pattern') is missing")
    return finalize_trials(trials.reset_index(drop=True), where), notes


def load_psychopy_asrt(paths: list[Path]) -> Dataset:
    """Load PsychoPy ASRT logger files (one row per key press, seconds).

    Parameters
    ----------
    paths : list of Path
        CSV/TSV files.

    Returns
    -------
    Dataset
    """
    return load_files(paths, _one_file, "psychopy-asrt")
