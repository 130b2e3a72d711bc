"""What all loaders share: the Dataset container, table reading and unit checks."""

from __future__ import annotations

import codecs
import gzip
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from motorseq.analysis.errors import AnalysisInputError, as_written
from motorseq.protocols.io.run_checks import RT_CEILING_S

__all__ = [
    "Dataset",
    "UNREADABLE",
    "describe_read_error",
    "read_table",
    "require_columns",
    "rt_to_ms",
    "check_rt_unit_per_participant",
    "normalise_trial_type",
]


@dataclass
class Dataset:
    """Trials (and optionally key presses) loaded from one or more files.

    Attributes
    ----------
    trials : DataFrame
        The tidy trial table (see :mod:`motorseq.analysis.schema`).
    presses : DataFrame or None
        One row per key press (DSP inter-key intervals), when the format carries them.
    format : str
        The format the files were read as.
    files : list of Path
        The files read.
    notes : list of str
        What the loader did that a reader should know (e.g. triplet types recomputed).
    conventions : dict
        Paradigm conventions the files carry, e.g. ``{"warmup_trials": 5}`` (ASRT random
        warm-up trials at the start of each block, left out of RT analyses).
    """

    trials: pd.DataFrame
    presses: pd.DataFrame | None = None
    format: str = "unknown"
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    conventions: dict = field(default_factory=dict)

    @property
    def paradigm(self) -> str:
        """The paradigm of the trials.

        Raises
        ------
        AnalysisInputError
            The trials mix paradigms: each is analysed on its own (:meth:`only`).
        """
        if not len(self.trials):
            return "unknown"
        counts = self.trials.groupby("paradigm", observed=True)["participant"].nunique().sort_index()
        if len(counts) > 1:
            where = os.path.commonpath([str(f) for f in self.files]) if self.files else "input"
            mix = ", ".join(f"{name} ({n} participant{'s' if n != 1 else ''})" for name, n in counts.items())
            options = " or ".join(f"--paradigm {name}" for name in counts.index)
            raise AnalysisInputError(
                f"{where}: the data mix paradigms: {mix}; each is measured differently, so analyse one "
                f"at a time into its own --out: {options}"
            )
        return str(counts.index[0])

    def only(self, paradigm: str) -> Dataset:
        """Return the trials (and key presses) of one paradigm.

        Raises
        ------
        AnalysisInputError
            No trials of that paradigm.
        """
        keep = self.trials["paradigm"] == paradigm
        if not keep.any():
            found = ", ".join(sorted(self.trials["paradigm"].astype(str).unique()))
            raise AnalysisInputError(f"--paradigm: no trials of paradigm {paradigm!r} in the data (found: {found})")
        presses = self.presses if paradigm == "dsp" else None
        trials = self.trials[keep].reset_index(drop=True)
        note = f"only paradigm {paradigm}: {int(keep.sum())} of {len(keep)} trials"
        return Dataset(trials, presses, self.format, self.files, [*self.notes, note], dict(self.conventions))


def _sniff_encoding(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return "utf-8"


def read_table(path: Path, sep: str | None = None, dtype: dict[str, type] | None = None) -> pd.DataFrame:
    """Read a CSV/TSV (optionally gzipped, UTF-8 or UTF-16) into a DataFrame.

    The separator follows the extension (``.tsv``/``.txt`` tab, otherwise comma) unless given;
    ``dtype`` fixes the type of some columns (e.g. ``{"participant": str}`` keeps ``07``).
    """
    path = Path(path)
    if not path.is_file():
        raise AnalysisInputError(f"{path}: no such file")
    name = path.name.lower().removesuffix(".gz")
    if sep is None:
        sep = "\t" if name.endswith((".tsv", ".txt")) else ","
    encoding = "utf-8" if path.name.lower().endswith(".gz") else _sniff_encoding(path)
    try:
        table = None
        if encoding == "utf-8" and path.stat().st_size > 5_000_000:  # large: the multithreaded parser
            try:
                table = pd.read_csv(path, sep=sep, engine="pyarrow", na_values=["n/a", "NA", ""], dtype=dtype)
            except Exception:  # noqa: BLE001 - anything the pyarrow parser refuses goes to the C parser
                table = None
        if table is None:
            table = pd.read_csv(
                path,
                sep=sep,
                encoding=encoding,
                na_values=["n/a", "NA", ""],
                keep_default_na=True,
                low_memory=False,
                dtype=dtype,
            )
    except UNREADABLE as exc:
        raise AnalysisInputError(f"{path}: cannot be read as a table: {describe_read_error(exc)}") from None
    table.columns = [str(c).strip() for c in table.columns]
    return table


#: What reading a damaged table raises: a parser error, a wrong encoding, a 0-byte file, a
#: truncated or corrupt gzip stream (EOFError, zlib.error, BadGzipFile), an unreadable file.
UNREADABLE = (
    pd.errors.ParserError,
    pd.errors.EmptyDataError,
    UnicodeError,
    EOFError,
    zlib.error,
    OSError,
    ValueError,
)


def describe_read_error(exc: BaseException) -> str:
    """One line saying why a table could not be read."""
    if isinstance(exc, pd.errors.EmptyDataError):
        return "the file is empty"
    if isinstance(exc, EOFError):
        return "the compressed stream ends early (truncated .gz)"
    if isinstance(exc, (zlib.error, gzip.BadGzipFile)):
        return "not a valid gzip file"
    if isinstance(exc, UnicodeError):
        return "not text in UTF-8 or UTF-16 (a binary file?)"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def require_columns(table: pd.DataFrame, columns: list[str] | tuple[str, ...], where: str) -> None:
    """Raise a one-line error naming the first missing column."""
    for name in columns:
        if name not in table.columns:
            raise AnalysisInputError(
                f"{where}: column '{name}' is missing (found: {', '.join(map(str, table.columns[:12]))}"
                f"{', ...' if len(table.columns) > 12 else ''})"
            )


def rt_to_ms(values: pd.Series, unit: str, where: str, column: str) -> pd.Series:
    """Convert a response-time column to ms and check that the unit is plausible.

    Parameters
    ----------
    values : Series
        Response times as read.
    unit : {"ms", "s"}
        The unit the format documents.
    where, column : str
        File and column named in errors.

    Raises
    ------
    AnalysisInputError
        Non-numeric values, negative values, or a median that betrays the other unit
        (below 20 for ms, above 20 for s).
    """
    if unit not in ("ms", "s"):
        raise AnalysisInputError(f"{where}: rt unit {unit!r} is not one of 'ms', 's'")
    num = pd.to_numeric(values, errors="coerce")
    bad = num.isna() & values.notna()
    if bad.any():
        raise AnalysisInputError(
            f"{where}: column '{column}': {int(bad.sum())} values are not numbers "
            f"(first: {as_written(values[bad].iloc[0])})"
        )
    num = num.astype("float64")
    infinite = np.isinf(num)
    if infinite.any():
        raise AnalysisInputError(
            f"{where}: column '{column}': {int(infinite.sum())} values are not finite (first: {num[infinite].iloc[0]})"
        )
    if (num < 0).any():
        raise AnalysisInputError(f"{where}: column '{column}': {int((num < 0).sum())} values are negative")
    positive = num[num > 0]
    if len(positive):
        med = float(positive.median())
        if unit == "ms" and med < 20:
            raise AnalysisInputError(
                f"{where}: column '{column}': median {med:.3g} looks like seconds, but the format gives ms"
            )
        if unit == "s" and med > 20:
            raise AnalysisInputError(
                f"{where}: column '{column}': median {med:.3g} looks like ms, but the format gives seconds"
            )
    ceiling = RT_CEILING_S * (1000.0 if unit == "ms" else 1.0)
    if (num > ceiling).any():
        raise AnalysisInputError(
            f"{where}: column '{column}': {int((num > ceiling).sum())} values are longer than {ceiling:g} {unit} "
            f"(first: {num[num > ceiling].iloc[0]:.6g}), not response times"
        )
    return (num * (1000.0 if unit == "s" else 1.0)).astype("float64")


_TYPE_WORDS = {
    "p": "pattern",
    "pattern": "pattern",
    "s": "sequence",
    "seq": "sequence",
    "sequence": "sequence",
    "sequential": "sequence",
    "fixed": "sequence",
    "r": "random",
    "rand": "random",
    "random": "random",
    "rnd": "random",
    "probable": "probable",
    "prob": "probable",
    "high-probability": "probable",
    "improbable": "improbable",
    "improb": "improbable",
    "low-probability": "improbable",
}


def normalise_trial_type(values: pd.Series, where: str, column: str, paradigm: str) -> pd.Series:
    """Map trial-type spellings (``P``/``R``, ``Sequence``/``Random``...) to the schema's words."""
    low = values.astype("string").str.strip().str.lower()
    mapped = low.map(_TYPE_WORDS)
    bad = mapped.isna()
    if bad.any():
        raise AnalysisInputError(
            f"{where}: column '{column}': value {as_written(values[bad].iloc[0])} is not a trial type "
            f"(expected pattern/sequence/random, P/S/R or probable/improbable)"
        )
    if paradigm == "asrt":
        mapped = mapped.replace("sequence", "pattern")
    else:
        mapped = mapped.replace("pattern", "sequence")
    return mapped.astype(str)


def epoch_from_block(block: pd.Series, blocks_per_epoch: int) -> pd.Series:
    """``ceil(block / blocks_per_epoch)``."""
    return ((block.astype("int64") - 1) // blocks_per_epoch + 1).astype("int64")


def epoch_fallback_note(blocks_per_epoch: int = 5) -> str:
    """Say that epochs were made from blocks because the data gave none."""
    return (
        f"warning: epoch: the data have no epoch column, so epochs are groups of {blocks_per_epoch} "
        f"blocks (epoch = ceil(block / {blocks_per_epoch})); give (or map) an epoch column to set them"
    )


def trial_ids(table: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """One integer per distinct combination of ``keys`` (in order of appearance)."""
    return table.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()


def check_rt_unit_per_participant(trials: pd.DataFrame, where: str) -> None:
    """Refuse a file in which one participant's response times are in seconds and the rest in ms.

    :func:`rt_to_ms` judges a column by its median over the whole file, so one participant of
    many written in the other unit passes it; every one of their RTs would then look like an
    anticipation and the participant would vanish from the analysis without a word.

    Raises
    ------
    AnalysisInputError
        A participant whose median positive RT is below 20 ms.
    """
    if trials.empty or "rt_ms" not in trials.columns or "participant" not in trials.columns:
        return
    positive = trials.loc[trials["rt_ms"] > 0, ["participant", "rt_ms"]]
    medians = positive.groupby("participant", observed=True)["rt_ms"].median()
    fast = medians[medians < 20]
    if len(fast):
        who, med = fast.index[0], float(fast.iloc[0])
        raise AnalysisInputError(
            f"{where}: participant {who}: median rt {med:.3g} ms looks like seconds while the file's "
            f"other participants are in ms ({len(fast)} such participant(s))"
        )


def load_files(paths: list[Path], one_file, fmt: str) -> Dataset:
    """Load several files of one format with ``one_file(path) -> (trials, notes)`` and join them."""
    from motorseq.analysis.schema import concat_trials

    frames, notes = [], []
    for path in paths:
        frame, note = one_file(Path(path))
        check_rt_unit_per_participant(frame, str(path))
        frames.append(frame)
        notes.extend(note)
    notes = list(dict.fromkeys(notes))  # one line per note, not one per file
    return Dataset(trials=concat_trials(frames, list(paths)), format=fmt, files=[Path(p) for p in paths], notes=notes)
