"""Reading and validating trial files; a bad row is reported as ``file:line: problem``."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFileError
from .columns import BEH_COLUMNS, EVENT_COLUMNS, Column
from .design_checks import (
    check_answered,
    check_layout,
    check_run_locations,
    check_task_protocols,
    check_trial_list,
)
from .run_checks import check_participants, check_run, check_sidecar_shape
from .tsv import NA

__all__ = [
    "Runs",
    "read_runs",
    "read_run",
    "read_events",
    "read_sidecar",
    "read_dataset",
    "find_runs",
    "is_ignored",
    "read_table_lines",
    "validate_path",
    "validate_runs",
    "Validation",
]


def read_table_lines(path: Path, drop_partial_last: bool = False) -> tuple[str, list[str]]:
    """Return the header line and the row lines of a TSV file.

    A last line without its newline is a row whose writing was cut off; it is dropped when
    ``drop_partial_last`` is true and reported as an error otherwise.
    """
    header, rows, _ = _split_lines(Path(path), drop_partial_last)
    return header, rows


def _split_lines(path: Path, drop_partial_last: bool) -> tuple[str, list[str], bool]:
    """:func:`read_table_lines`, also saying whether a cut-off last row was dropped."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise DataFileError(f"{path}:{line}: not UTF-8 text") from None
    except OSError as error:
        raise DataFileError(f"{path}: cannot be read: {error.strerror}") from None
    if not text:
        raise DataFileError(f"{path}:1: the file is empty (no header)")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise DataFileError(f"{path}:{line}: a NUL byte: not a text table")
    lines = text.split("\n")
    last = lines.pop()
    lines = [line + "\n" for line in lines]
    cut_off = False
    if last:
        if drop_partial_last or not lines:
            cut_off = bool(lines)
            lines = lines or [last + "\n"]
        else:
            raise DataFileError(f"{path}:{len(lines) + 1}: the last row is cut off (no end of line)")
    return lines[0], lines[1:], cut_off


_ARROW_TYPES = {"int": "int64", "float": "float64", "str": "string"}


def _fast_parse(path: Path, header: str, body: str, columns: tuple[Column, ...]) -> pd.DataFrame | None:
    """Parse a well-formed table in one pyarrow call; ``None`` if any cell does not fit its type."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    names = header.rstrip("\n").split("\t")
    known = {c.name: c for c in columns}
    types = {name: pa.type_for_alias(_ARROW_TYPES[known[name].dtype if name in known else "str"]) for name in names}
    try:
        table = pacsv.read_csv(
            io.BytesIO((header + body).encode("utf-8")),
            parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types, null_values=[NA, ""], strings_can_be_null=True, quoted_strings_can_be_null=True
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    mapping = {pa.int64(): pd.Int64Dtype(), pa.string(): pd.StringDtype()}
    return table.to_pandas(types_mapper=mapping.get)


def _check_header(path: Path, header: str, columns: tuple[Column, ...]) -> list[str]:
    names = header.rstrip("\n").split("\t")
    missing = [c.name for c in columns if c.required and c.name not in names]
    if missing:
        raise DataFileError(f"{path}:1: missing column(s) {', '.join(missing)}")
    if len(set(names)) != len(names):
        raise DataFileError(f"{path}:1: a column name is repeated")
    return names


def _check_widths(path: Path, names: list[str], rows: list[str]) -> None:
    widths = np.fromiter((line.count("\t") + 1 for line in rows), dtype=np.int64, count=len(rows))
    bad = np.flatnonzero(widths != len(names))
    if bad.size:
        i = int(bad[0])
        raise DataFileError(f"{path}:{i + 2}: expected {len(names)} fields, found {widths[i]}")


def _parse_one(path: Path, header: str, rows: list[str], columns: tuple[Column, ...]) -> pd.DataFrame:
    table = _fast_parse(path, header, "".join(rows), columns) if rows else None
    if table is None:
        names = header.rstrip("\n").split("\t")
        table = _slow_parse(path, names, rows, {c.name: c for c in columns})
    return table


def _read_tables(
    paths: list[Path], columns: tuple[Column, ...], drop_partial_last: bool
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list[bool]]:
    """Read many tables of one kind: stacked rows, each row's file index and line, cut-off flags.

    The flags say for each file whether a cut-off last row was dropped.

    Files with the same header are parsed in one pyarrow call; a file that does not parse is
    parsed again on its own to name its first bad cell as ``file:line``.
    """
    pieces, cut = [], []
    for path in paths:
        header, rows, cut_off = _split_lines(path, drop_partial_last)
        names = _check_header(path, header, columns)
        _check_widths(path, names, rows)
        pieces.append((path, header, rows))
        cut.append(cut_off)
    counts = np.array([len(rows) for _, _, rows in pieces], dtype=np.int64)
    files = np.repeat(np.arange(len(pieces)), counts)
    lines = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + 2
    table = None
    if len({header for _, header, _ in pieces}) == 1 and counts.sum():
        header = pieces[0][1]
        table = _fast_parse(pieces[0][0], header, "".join("".join(rows) for _, _, rows in pieces), columns)
    if table is None:
        frames = [_parse_one(path, header, rows, columns) for path, header, rows in pieces]
        table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for column in columns:
        if column.levels and column.dtype == "str" and column.name in table.columns:
            unknown = (table[column.name].notna() & ~table[column.name].isin(set(column.levels))).to_numpy()
            if unknown.any():
                i = int(np.flatnonzero(unknown)[0])
                raise DataFileError(
                    f"{paths[files[i]]}:{lines[i]}: {column.name}: {table[column.name].iloc[i]!r} "
                    f"is not one of {', '.join(sorted(column.levels))}"
                )
    return table, files, lines, cut


def _slow_parse(path: Path, names: list[str], rows: list[str], known: dict[str, Column]) -> pd.DataFrame:
    """Cell-by-column parsing that names the first bad cell as ``file:line: column: problem``."""
    cells = [line.rstrip("\n").split("\t") for line in rows]
    raw = pd.DataFrame(cells, columns=names, dtype=str) if cells else pd.DataFrame(columns=names, dtype=str)
    out = {}
    for name in names:
        values = raw[name]
        missing_mask = values.eq(NA) | values.eq("")
        column = known.get(name)
        dtype = column.dtype if column else "str"
        if dtype in ("int", "float"):
            numbers = pd.to_numeric(values.where(~missing_mask), errors="coerce")
            wrong = numbers.isna() & ~missing_mask
            if dtype == "int":
                whole = np.isfinite(numbers) & (numbers == numbers.round()) & (numbers.abs() <= 2**53)
                wrong |= numbers.notna() & ~whole
            if wrong.any():
                i = int(np.flatnonzero(wrong.to_numpy())[0])
                expected = "a whole number" if dtype == "int" else "a number"
                raise DataFileError(f"{path}:{i + 2}: {name}: {values.iloc[i]!r} is not {expected}")
            out[name] = numbers.astype("Int64") if dtype == "int" else numbers.astype("float64")
        else:
            out[name] = values.where(~missing_mask, None).astype("string")
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)))


#: Columns every trial row must fill (the rest may be ``n/a``).
_NEVER_MISSING = ("block", "block_kind", "trial", "trial_type", "target")


def _check_beh(paths: list[Path], table: pd.DataFrame, files: np.ndarray, lines: np.ndarray) -> None:
    def values(name: str) -> np.ndarray:
        return table[name].to_numpy(dtype="float64", na_value=np.nan)

    expected_index = lines - 1  # rows are trials 1, 2, 3 ... in every file
    checks = [
        *((c.name, np.isinf(values(c.name)), "is not a finite number") for c in BEH_COLUMNS if c.dtype == "float"),
        ("rt", values("rt") < 0, "is negative"),
        ("stimulus_onset", values("stimulus_onset") < 0, "is negative"),
        ("correct", ~np.isin(values("correct"), (0.0, 1.0)) & ~np.isnan(values("correct")), "must be 0 or 1"),
        ("block", values("block") < 1, "must be 1 or more"),
        ("trial", values("trial") < 1, "must be 1 or more"),
        ("trial_index", values("trial_index") != expected_index, "is out of order (rows must be trials 1, 2, 3 ...)"),
        *((name, table[name].isna().to_numpy(), "is missing") for name in _NEVER_MISSING),
    ]
    for name, mask, problem in checks:
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            raise DataFileError(f"{paths[files[i]]}:{lines[i]}: {name}: {table[name].iloc[i]} {problem}")


@dataclass
class Runs:
    """Many runs read at once: their trials stacked, with the file and sidecar of each."""

    trials: pd.DataFrame
    """All rows; ``file_index`` says which of :attr:`files` a row comes from."""
    files: list[Path]
    sidecars: list[dict]
    """The ``_beh.json`` of each file (``{}`` when it has none)."""
    warnings: list[str] = field(default_factory=list)
    """One line per run a reader should hear about (interrupted, a dropped row, no trials)."""


def _sidecar_of(path: Path) -> dict:
    sidecar_path = path.with_name(path.name.replace("_beh.tsv", "_beh.json"))
    return read_sidecar(sidecar_path) if sidecar_path.exists() else {}


def _check_runs(
    files: list[Path], sidecars: list[dict], table: pd.DataFrame, index: np.ndarray, lines: np.ndarray, cut: list[bool]
) -> list[str]:
    """:func:`~motorseq.protocols.io.run_checks.check_run` for every file; the warnings of all."""
    rt = table["rt"].to_numpy(dtype="float64", na_value=np.nan)
    block = table["block"].to_numpy(dtype="int64", na_value=0)
    trial = table["trial"].to_numpy(dtype="int64", na_value=0)
    kind = table["block_kind"].to_numpy(dtype=object)
    response = table["response"].to_numpy(dtype=object, na_value=None)
    missing_correct = table["correct"].isna().to_numpy()
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(len(files) + 1))
    warnings = []
    for k, (path, sidecar) in enumerate(zip(files, sidecars, strict=True)):
        rows = order[bounds[k] : bounds[k + 1]]
        warnings += check_run(path, sidecar, rt[rows], lines[rows], len(rows), cut[k])
        warnings += check_layout(path, sidecar, block[rows], trial[rows], kind[rows], lines[rows])
        paradigm = (sidecar.get("Protocol") or {}).get("paradigm")
        check_answered(path, paradigm, response[rows], missing_correct[rows], np.isnan(rt[rows]), lines[rows])
    return warnings


def read_runs(paths: list[str | Path], *, allow_partial: bool = False) -> Runs:
    """Read and validate many ``_beh.tsv`` files at once (one parse for all: fast for large cohorts).

    Parameters
    ----------
    paths : list of str or Path
        The ``_beh.tsv`` files.
    allow_partial : bool
        Drop a last row cut off by a crash instead of reporting it.

    Returns
    -------
    Runs
        Stacked trials with a ``file_index`` column, the files and their sidecars.

    Raises
    ------
    DataFileError
        ``file:line: problem`` for the first bad row of any file.
    """
    files = [Path(p) for p in paths]
    if not files:
        raise DataFileError("no trial files given")
    table, index, lines, cut = _read_tables(files, BEH_COLUMNS, allow_partial)
    _check_beh(files, table, index, lines)
    sidecars = [_sidecar_of(path) for path in files]
    warnings = _check_runs(files, sidecars, table, index, lines, cut)
    table["file_index"] = index
    return Runs(table, files, sidecars, warnings)


def read_run(path: str | Path, *, allow_partial: bool = False) -> pd.DataFrame:
    """Read and validate one ``_beh.tsv`` trial table.

    Parameters
    ----------
    path : str or Path
        The ``_beh.tsv`` file.
    allow_partial : bool
        Drop a last row cut off by a crash instead of reporting it.

    Returns
    -------
    pandas.DataFrame
        One row per trial; ``n/a`` becomes a missing value; ints are nullable ``Int64``.
        ``attrs["sidecar"]`` holds the sidecar when there is one.

    Raises
    ------
    DataFileError
        ``file:line: problem`` for the first bad row.
    """
    path = Path(path)
    table, files, lines, cut = _read_tables([path], BEH_COLUMNS, allow_partial)
    _check_beh([path], table, files, lines)
    sidecar = _sidecar_of(path)
    table.attrs["warnings"] = _check_runs([path], [sidecar], table, files, lines, cut)
    if sidecar:
        table.attrs["sidecar"] = sidecar
    return table


def read_events(path: str | Path, *, allow_partial: bool = False) -> pd.DataFrame:
    """Read and validate one ``_events.tsv`` per-press table."""
    path = Path(path)
    table, _, _, _ = _read_tables([path], EVENT_COLUMNS, allow_partial)
    if (table["onset"] < 0).any():
        i = int(np.flatnonzero((table["onset"] < 0).to_numpy(dtype=bool, na_value=False))[0])
        raise DataFileError(f"{path}:{i + 2}: onset: {table['onset'].iloc[i]} is negative")
    return table


def read_sidecar(path: str | Path) -> dict:
    """Read a JSON sidecar; a damaged one is reported with its line."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(f"{path}: missing sidecar") from None
    except json.JSONDecodeError as error:
        raise DataFileError(f"{path}:{error.lineno}: not valid JSON: {error.msg}") from None
    except UnicodeDecodeError:
        raise DataFileError(f"{path}: not UTF-8 text") from None
    except (OSError, RecursionError) as error:
        raise DataFileError(f"{path}: cannot be read: {getattr(error, 'strerror', None) or error}") from None
    return check_sidecar_shape(path, data)


def find_runs(root: str | Path) -> list[Path]:
    """All ``_beh.tsv`` files under ``root`` (derivatives excluded), sorted."""
    root = Path(root)
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("sub-*_beh.tsv") if not is_ignored(p.relative_to(root)))


def is_ignored(relative: Path) -> bool:
    """Whether a path inside a dataset is not data: ``derivatives/``, or hidden (a writer's ``.…tmp-*`` folder)."""
    return "derivatives" in relative.parts or any(part.startswith(".") for part in relative.parts)


def read_dataset(root: str | Path, *, allow_partial: bool = True) -> pd.DataFrame:
    """Read every run under ``root`` into one table with ``participant``, ``session``, ``run``, ``task``, ``source``.

    Parameters
    ----------
    root : str or Path
        A BIDS dataset folder, or one ``_beh.tsv`` file.
    allow_partial : bool
        Keep interrupted runs, dropping a row cut off by a crash.
    """
    paths = find_runs(root)
    if not paths:
        raise DataFileError(f"{root}: no trial files (sub-*_beh.tsv) found")
    runs = read_runs(paths, allow_partial=allow_partial)
    per_file = []
    for path, sidecar in zip(runs.files, runs.sidecars, strict=True):
        entities = dict(part.split("-", 1) for part in path.name.removesuffix("_beh.tsv").split("_"))
        per_file.append(
            {
                "participant": entities.get("sub"),
                "session": entities.get("ses"),
                "run": int(entities.get("run", 1)),
                "task": entities.get("task"),
                "source": sidecar.get("Source", {}).get("Type", "human"),
                "run_status": sidecar.get("RunStatus", "n/a"),
            }
        )
    info = pd.DataFrame(per_file)
    index = runs.trials.pop("file_index").to_numpy()
    for name in info.columns:
        runs.trials[name] = info[name].to_numpy()[index]
    return runs.trials


@dataclass
class Validation:
    """What ``validate-data`` found: one ``(file, trials, status)`` per run, and the warnings."""

    runs: list[tuple[Path, int, str]]
    warnings: list[str] = field(default_factory=list)


def validate_runs(path: str | Path) -> Validation:
    """Validate every run under ``path`` against its sidecar and the trial list its protocol generates.

    Beyond reading each run (:func:`read_run`), every run needs its sidecar, lies in its own
    participant's and session's folder, matches, row by row, the trial list that the
    sidecar's protocol, participant and seed generate, and shares its task label with runs of
    its own protocol only (:func:`~motorseq.protocols.io.design_checks.check_task_protocols`).

    Raises
    ------
    DataFileError
        At the first bad file, naming file and line.
    """
    runs = find_runs(path)
    if not runs:
        raise DataFileError(f"{path}: no trial files (sub-*_beh.tsv) found")
    if Path(path).is_dir() and (Path(path) / "participants.tsv").is_file():
        check_participants(Path(path) / "participants.tsv")
    check_run_locations(runs)
    found = Validation([])
    sidecars = []
    for run in runs:
        table = read_run(run)
        sidecar = table.attrs.get("sidecar")
        if sidecar is None:
            raise DataFileError(f"{run}: sidecar (_beh.json) missing: the run's protocol and seed are unknown")
        sidecars.append(sidecar)
        found.warnings += table.attrs.get("warnings", [])
        found.warnings += check_trial_list(run, sidecar, table, np.arange(2, len(table) + 2))
        events = run.with_name(run.name.replace("_beh.tsv", "_events.tsv"))
        if events.exists():
            read_events(events)
        status = str(sidecar.get("RunStatus", "no RunStatus"))
        if len(table) == 0:
            status += "; no trial rows (header only)"
        found.runs.append((run, len(table), status))
    check_task_protocols(runs, sidecars)
    return found


def validate_path(path: str | Path) -> list[tuple[Path, int, str]]:
    """Validate every run under ``path`` (:func:`validate_runs`); return ``(file, trials, status)`` per run.

    Raises
    ------
    DataFileError
        At the first bad file, naming file and line.
    """
    return validate_runs(path).runs
