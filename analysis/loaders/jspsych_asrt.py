"""The jsPsych ASRT export (Vékony's jsPsych ASRT task; e.g. the ASRT tACS data set).

One row per key press (the released ASRT tACS data keeps only correct presses). Columns used:
``subject``, ``session``, ``isPractice``, ``block``, ``trialNumber``, ``trialType`` (``P``/``R``),
``correctPos`` (1-4), ``sequence`` (the pattern, e.g. ``1324``), ``firstResponse`` (1 = the
correct press was the first response), ``rt`` (ms); optional ``epoch``, ``group``,
``tripletType``, ``ACC``, ``trial_index``.

Triplet types are recomputed from ``correctPos`` and the data's own ``sequence`` column
(:func:`motorseq.analysis.triplets.code_triplets`); the file's ``tripletType`` is compared with
the recomputed codes and the agreement is reported in the dataset notes. When ``firstResponse``
is 0 the recorded rt runs from the previous wrong press, so ``rt_ms`` is set to NaN for it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.loaders.common import (
    Dataset,
    epoch_fallback_note,
    epoch_from_block,
    load_files,
    normalise_trial_type,
    read_table,
    require_columns,
    rt_to_ms,
)
from motorseq.analysis.schema import finalize_trials
from motorseq.analysis.triplets import code_triplets

__all__ = ["load_jspsych_asrt", "SIGNATURE"]

#: columns whose presence identifies the format.
SIGNATURE = ("subject", "trialNumber", "trialType", "correctPos", "firstResponse", "rt")
_REQUIRED = ("subject", "block", "trialNumber", "trialType", "correctPos", "sequence", "firstResponse", "rt")


def _int_key(columns: list[pd.Series]) -> np.ndarray:
    """One int64 per distinct combination of the columns, equal for equal rows."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        codes, uniques = pd.factorize(
            pd.Series(col).to_numpy() if not isinstance(col.dtype, pd.CategoricalDtype) else col.cat.codes.to_numpy()
        )
        key = key * (len(uniques) + 1) + codes
    return key


def _refuse_duplicate_rows(raw: pd.DataFrame, where: str) -> None:
    """Refuse a row that repeats an earlier one in every column (the same press recorded twice)."""
    digest = pd.util.hash_pandas_object(raw, index=False).to_numpy()
    repeated = pd.Series(digest).duplicated(keep="first").to_numpy()
    if repeated.any():
        row = int(np.flatnonzero(repeated)[0])
        first = int(np.flatnonzero(digest == digest[row])[0])
        raise AnalysisInputError(
            f"{where}: data row {row + 1} repeats data row {first + 1} in every column "
            f"({int(repeated.sum())} repeated row(s)): the same press recorded twice; remove the copies"
        )


def _refuse_unordered_trials(raw: pd.DataFrame, where: str) -> None:
    """Refuse rows whose trial numbers go backwards within a block.

    The presses of one trial are read as consecutive rows; rows out of order (a file sorted by
    another column, with no ``trial_index`` to restore the order) would join unrelated presses.
    """
    order = [c for c in ("subject", "session", "isPractice", "block") if c in raw.columns]
    trial = pd.to_numeric(raw["trialNumber"], errors="coerce")
    same_block = (raw[order] == raw[order].shift()).all(axis=1).to_numpy()
    backwards = same_block & (trial.diff() < 0).to_numpy()
    if backwards.any():
        row = int(np.flatnonzero(backwards)[0])
        raise AnalysisInputError(
            f"{where}: data row {row + 1}: trialNumber {trial.iloc[row]:g} follows {trial.iloc[row - 1]:g} in the same "
            "block: the rows are not in trial order (keep the export's order or its trial_index column)"
        )


def _sequence_strings(values: pd.Series, where: str) -> pd.Series:
    """Return the ``sequence`` column as pattern strings (``"1324"``), refusing an empty cell.

    A single empty cell makes the CSV reader parse the whole column as floats (``1324.0``),
    which would be read as the pattern 1-3-2-4-0.
    """
    missing = values.isna()
    if missing.any():
        raise AnalysisInputError(
            f"{where}: data row {int(np.flatnonzero(missing.to_numpy())[0]) + 1}: column 'sequence' is empty "
            f"({int(missing.sum())} empty cell(s)); every row needs its pattern, e.g. 1324"
        )
    if pd.api.types.is_float_dtype(values):
        whole = values == np.floor(values)
        if not whole.all():
            bad = values[~whole].iloc[0]
            raise AnalysisInputError(f"{where}: column 'sequence': {bad!r} is not a pattern of positions")
        return values.astype("int64").astype(str)
    return values.astype(str)


def _one_file(path: Path) -> tuple[pd.DataFrame, list[str]]:
    where = str(path)
    raw = read_table(path)
    require_columns(raw, _REQUIRED, where)
    _refuse_duplicate_rows(raw, where)
    raw = raw.assign(sequence=_sequence_strings(raw["sequence"], where))
    notes: list[str] = []
    if "trial_index" in raw.columns:  # jsPsych's index restarts for every participant/session
        order = [c for c in ("subject", "session", "trial_index") if c in raw.columns]
        raw = raw.sort_values(order, kind="stable")
    raw = raw.reset_index(drop=True)
    for column in ("subject", "session", "block", "trialNumber"):
        if column in raw.columns and raw[column].isna().any():
            row = int(np.flatnonzero(raw[column].isna().to_numpy())[0]) + 1
            raise AnalysisInputError(f"{where}: column '{column}': empty cell in data row {row} (after sorting)")
    _refuse_unordered_trials(raw, where)
    session = raw["session"] if "session" in raw.columns else pd.Series("1", index=raw.index)
    practice = (
        pd.to_numeric(raw["isPractice"], errors="coerce").fillna(0).astype(int) == 1
        if "isPractice" in raw.columns
        else pd.Series(False, index=raw.index)
    )
    keys = pd.DataFrame(
        {
            "participant": raw["subject"].astype("category"),
            "session": session.astype("category"),
            "is_practice": practice,
            "block": raw["block"],
            "trial": raw["trialNumber"],
        }
    )
    first_response = pd.to_numeric(raw["firstResponse"], errors="coerce")
    bad = ~first_response.isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnalysisInputError(
            f"{where}: column 'firstResponse': values must be 0 or 1 (data row {row + 1} after sorting: "
            f"{raw['firstResponse'].iloc[row]!s:.20}; {int(bad.sum())} such row(s))"
        )
    rt = rt_to_ms(raw["rt"], "ms", where, "rt")
    # the presses of one trial are consecutive rows; the first press gives rt and correctness
    block_key = _int_key([keys["participant"], keys["session"], keys["is_practice"], keys["block"]])
    trial_key = _int_key([pd.Series(block_key), keys["trial"]])
    is_first = np.ones(len(raw), dtype=bool)
    is_first[1:] = trial_key[1:] != trial_key[:-1]
    starts = np.flatnonzero(is_first)
    counts = np.diff(np.append(starts, len(raw)))
    n_presses = np.repeat(counts, counts)
    first_row = np.repeat(starts, counts)
    # A trial is correct when its first recorded press is correct (ACC, where errors are kept)
    # and was the trial's first response: in an export of correct presses only ACC is always 1.
    correct = first_response.to_numpy()[first_row]
    if "ACC" in raw.columns and (n_presses > 1).any():
        correct = correct * pd.to_numeric(raw["ACC"], errors="coerce").to_numpy()[first_row]
    trials = keys[is_first].copy()
    trials["correct"] = correct[is_first].astype(float)
    trials["rt_ms"] = np.where(trials["correct"] == 1, rt[is_first], np.nan)
    trials["n_presses"] = n_presses[is_first].astype(float)
    trials["n_errors"] = trials["n_presses"] - 1.0
    sub = raw[is_first]
    trials["paradigm"] = "asrt"
    trials["trial_type"] = normalise_trial_type(sub["trialType"], where, "trialType", "asrt").to_numpy()
    trials["target"] = sub["correctPos"].astype(str).to_numpy()
    if "group" in sub.columns:
        trials["group"] = sub["group"].astype(str).to_numpy()
    if "epoch" in sub.columns:
        trials["epoch"] = pd.to_numeric(sub["epoch"], errors="coerce").to_numpy()
    else:
        trials["epoch"] = epoch_from_block(trials["block"], 5).to_numpy()
        notes.append(epoch_fallback_note())
    trials.loc[trials["is_practice"], "epoch"] = 0
    positions = pd.to_numeric(sub["correctPos"], errors="coerce")
    if positions.isna().any():
        raise AnalysisInputError(f"{where}: column 'correctPos': values must be positions 1-9")
    codes = code_triplets(positions.to_numpy(), sub["sequence"].astype(str).to_numpy(), block_key[is_first])
    codes[trials["is_practice"].to_numpy()] = "n/a"
    trials["triplet_type"] = codes
    if "tripletType" in sub.columns:
        given = sub["tripletType"].astype(str).replace({"X": "n/a", "nan": "n/a"}).to_numpy()
        agree = float(np.mean(given == codes))
        notes.append(
            f"{path.name}: triplet types recomputed from the 'sequence' column; "
            f"{agree:.1%} agree with the file's 'tripletType'"
        )
    else:
        notes.append(f"{path.name}: triplet types computed from the 'sequence' column")
    return finalize_trials(trials, where), notes


def load_jspsych_asrt(paths: list[Path]) -> Dataset:
    """Load jsPsych ASRT exports.

    Parameters
    ----------
    paths : list of Path
        CSV files (optionally gzipped).

    Returns
    -------
    Dataset
    """
    return load_files(paths, _one_file, "jspsych-asrt")
