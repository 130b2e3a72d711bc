"""The tidy trial table every loader returns and every measure reads.

One row per trial. Times are in milliseconds (analysis convention; BIDS files hold seconds and
the loaders convert). Columns:

==================== ======= =================================================================
column               type    meaning
==================== ======= =================================================================
participant          str     participant label (the str columns are categoricals)
session              str     session label (``"1"`` when the data has none)
run                  int     run number within the session (1 when the data has none)
group                str     between-participant group (``"all"`` when the data has none)
source               str     ``human`` or ``model``
paradigm             str     ``srt``, ``asrt``, ``dsp`` or ``ftt``
block                int     1-based block number within the session (learning blocks;
                             practice blocks keep their own numbers and ``is_practice``)
epoch                int     epoch (ASRT: groups of blocks; other paradigms: the block)
trial                int     1-based trial within its block
is_practice          bool    practice block
trial_type           str     ``sequence`` / ``random`` (SRT, DSP, FTT), ``pattern`` / ``random``
                             (ASRT)
triplet_type         str     ``H``, ``L``, ``T``, ``R`` or ``n/a``
target               str     stimulus position (SRT/ASRT) or whole sequence (DSP/FTT)
rt_ms                float   first-response time from stimulus onset, ms (NaN when none)
correct              float   1 if the first response was correct, 0 if not, NaN if not defined
n_presses            float   key presses in the trial (NaN if unknown)
execution_time_ms    float   DSP: last press minus stimulus onset, ms
n_correct_sequences  float   FTT: complete correct sequences in the trial
n_errors             float   wrong presses in the trial
ioi_ms               float   paced and tapping trials: metronome inter-onset interval, ms
sync_beats           float   tapping (sct): metronome beats before continuation
==================== ======= =================================================================

A second, optional table holds one row per key press (``PRESS_COLUMNS``) for the DSP measures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from motorseq.analysis.errors import AnalysisInputError, as_written

__all__ = [
    "TRIAL_COLUMNS",
    "PRESS_COLUMNS",
    "PARADIGMS",
    "TRIAL_DEFAULTS",
    "CATEGORICAL",
    "finalize_trials",
    "finalize_presses",
    "concat_trials",
]

PARADIGMS = ("srt", "asrt", "dsp", "ftt", "sct")

#: column -> dtype of the tidy trial table.
TRIAL_COLUMNS: dict[str, str] = {
    "participant": "str",
    "session": "str",
    "run": "int64",
    "group": "str",
    "source": "str",
    "paradigm": "str",
    "block": "int64",
    "epoch": "int64",
    "trial": "int64",
    "is_practice": "bool",
    "trial_type": "str",
    "triplet_type": "str",
    "target": "str",
    "rt_ms": "float64",
    "correct": "float64",
    "n_presses": "float64",
    "execution_time_ms": "float64",
    "n_correct_sequences": "float64",
    "n_errors": "float64",
    "ioi_ms": "float64",
    "sync_beats": "float64",
}

#: column -> dtype of the key-press table (DSP inter-key intervals).
PRESS_COLUMNS: dict[str, str] = {
    "participant": "str",
    "session": "str",
    "run": "int64",
    "block": "int64",
    "trial": "int64",
    "press": "int64",
    "rt_ms": "float64",
    "correct": "float64",
}

#: values used for optional columns a format does not carry.
TRIAL_DEFAULTS: dict[str, object] = {
    "session": "1",
    "run": 1,
    "group": "all",
    "source": "human",
    "is_practice": False,
    "triplet_type": "n/a",
    "target": "n/a",
    "n_presses": np.nan,
    "execution_time_ms": np.nan,
    "n_correct_sequences": np.nan,
    "n_errors": np.nan,
    "ioi_ms": np.nan,
    "sync_beats": np.nan,
}

_KEYS = ["participant", "session", "run", "block", "trial"]

#: string columns, stored as pandas categoricals (few distinct values: grouping is fast).
CATEGORICAL = ("participant", "session", "group", "source", "paradigm", "trial_type", "triplet_type", "target")


def _as_category(col: pd.Series) -> pd.Series:
    """Return a categorical of strings with ``n/a`` for missing values (works on the categories: fast)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes, uniques = col.cat.codes.to_numpy(), col.cat.categories
    else:
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
    labels = pd.Index([str(u) for u in uniques], dtype=object)
    if (codes < 0).any():
        labels = labels.append(pd.Index(["n/a"], dtype=object))
        codes = np.where(codes < 0, len(labels) - 1, codes)
    merged, inverse = np.unique(labels.to_numpy(dtype=str), return_inverse=True)
    return pd.Series(pd.Categorical.from_codes(inverse[codes], categories=merged), index=col.index)


def _coerce(df: pd.DataFrame, columns: dict[str, str], where: str) -> pd.DataFrame:
    out = {}
    for name, dtype in columns.items():
        col = df[name]
        try:
            if dtype == "str":
                out[name] = _as_category(col)
            elif dtype == "bool":
                out[name] = col.astype(bool)
            elif dtype == "int64":
                num = pd.to_numeric(col, errors="raise")
                if num.isna().any():
                    raise ValueError(f"{int(num.isna().sum())} values are missing")
                out[name] = num.astype("int64")
            else:
                out[name] = pd.to_numeric(col, errors="raise").astype("float64")
        except (ValueError, TypeError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise AnalysisInputError(f"{where}: column '{name}': {msg}") from None
    return pd.DataFrame(out, index=df.index)


def finalize_trials(df: pd.DataFrame, where: str) -> pd.DataFrame:
    """Fill defaults, coerce dtypes, check values and sort a trial table.

    Parameters
    ----------
    df : DataFrame
        Trial rows with at least ``participant``, ``paradigm``, ``block``, ``trial``,
        ``trial_type``, ``rt_ms`` and ``correct``; ``epoch`` defaults to ``block``.
    where : str
        File name (or description) used in error messages.

    Returns
    -------
    DataFrame
        The tidy trial table (columns of :data:`TRIAL_COLUMNS`, in that order).

    Raises
    ------
    AnalysisInputError
        A required column is missing or a value is out of range.
    """
    df = df.copy()
    for name in ("participant", "paradigm", "block", "trial", "trial_type", "rt_ms", "correct"):
        if name not in df.columns:
            raise AnalysisInputError(f"{where}: column '{name}' is missing")
    if "epoch" not in df.columns:
        df["epoch"] = df["block"]
    for name, value in TRIAL_DEFAULTS.items():
        if name not in df.columns:
            df[name] = value
    out = _coerce(df, TRIAL_COLUMNS, where)
    bad = ~out["paradigm"].isin(PARADIGMS)
    if bad.any():
        raise AnalysisInputError(
            f"{where}: column 'paradigm': {as_written(out['paradigm'][bad].iloc[0])} is not one of {PARADIGMS}"
        )
    rt = out["rt_ms"]
    if (rt < 0).any():
        raise AnalysisInputError(f"{where}: column 'rt': {int((rt < 0).sum())} values are negative")
    corr = out["correct"]
    if (~corr.isna() & ~corr.isin([0.0, 1.0])).any():
        raise AnalysisInputError(f"{where}: column 'correct': values must be 0 or 1")
    dup = out.duplicated(_KEYS + ["is_practice"])
    if dup.any():
        row = out.loc[dup].iloc[0]
        raise AnalysisInputError(
            f"{where}: columns 'block'/'trial': duplicate trial (participant {row['participant']}, "
            f"session {row['session']}, block {row['block']}, trial {row['trial']})"
        )
    order = ["participant", "session", "run", "is_practice", "block", "trial"]
    out = out.sort_values(order, ascending=[True, True, True, False, True, True], kind="stable")
    return out.reset_index(drop=True)


def finalize_presses(df: pd.DataFrame, where: str) -> pd.DataFrame:
    """Coerce and sort a key-press table (see :data:`PRESS_COLUMNS`)."""
    df = df.copy()
    for name, value in {"session": "1", "run": 1, "correct": np.nan}.items():
        if name not in df.columns:
            df[name] = value
    for name in PRESS_COLUMNS:
        if name not in df.columns:
            raise AnalysisInputError(f"{where}: column '{name}' is missing")
    out = _coerce(df, PRESS_COLUMNS, where)
    out = out.sort_values(_KEYS + ["press"], kind="stable")
    return out.reset_index(drop=True)


def concat_trials(frames: list[pd.DataFrame], files: list) -> pd.DataFrame:
    """Join the trial tables of several files into one checked table.

    A participant's session appearing in two files is an error (duplicate trials), reported
    with the files named.
    """
    if len(frames) == 1:
        return frames[0]
    _refuse_shared_trials(frames, files)
    where = f"{files[0]} (+{len(files) - 1} more files)"
    return finalize_trials(pd.concat(frames, ignore_index=True), where)


def _refuse_shared_trials(frames: list[pd.DataFrame], files: list) -> None:
    """Name both files when the same trial (participant, session, run, block, trial) is in two."""
    keys = _KEYS + ["is_practice"]
    tagged = pd.concat(
        [frame[keys].astype({k: str for k in ("participant", "session")}).assign(_file=i)
         for i, frame in enumerate(frames)], ignore_index=True,
    )  # fmt: skip
    again = tagged.duplicated(keys)
    if not again.any():
        return
    later = tagged.loc[again].iloc[0]
    same = (tagged[keys] == later[keys]).all(axis=1)
    first = tagged.loc[same, "_file"].iloc[0]
    raise AnalysisInputError(
        f"{files[first]} and {files[later['_file']]}: the same trial is in both files (participant "
        f"{later['participant']}, session {later['session']}, run {as_written(later['run'])}, block "
        f"{as_written(later['block'])}, trial {as_written(later['trial'])}); give each trial once"
    )
