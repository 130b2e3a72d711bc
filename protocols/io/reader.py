"""Reading and validating trial files; a bad row is reported as ``file:line: problem``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFileError
from .columns import BEH_COLUMNS, EVENT_COLUMNS, Column
from .tsv import NA

__all__ = ["read_run", "read_events", "read_sidecar", "read_dataset", "find_runs", "read_table_lines", "validate_path"]


def read_table_lines(path: Path, drop_partial_last: bool = False) -> tuple[str, list[str]]:
    """Return the header line and the row lines of a TSV file.

    A last line without its newline is a row whose writing was cut off; it is dropped when
    ``drop_partial_last`` is true and reported as an error otherwise.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise DataFileError(f"{path}:{line}: not UTF-8 text") from None
    except OSError as error:
        raise DataFileError(f"{path}: cannot be read: {error.strerror}") from None
    if not text:
        raise DataFileError(f"{path}:1: the file is empty (no header)")
    lines = text.splitlines(keepends=True)
    if not lines[-1].endswith("\n"):
        if drop_partial_last or len(lines) == 1:
            lines = lines[:-1] if len(lines) > 1 else [lines[0] + "\n"]
        else:
            raise DataFileError(f"{path}:{len(lines)}: the last row is cut off (no end of line)")
    return lines[0], lines[1:]


def _parse(path: Path, columns: tuple[Column, ...], drop_partial_last: bool) -> pd.DataFrame:
    header, rows = read_table_lines(path, drop_partial_last)
    names = header.rstrip("\n").split("\t")
    known = {c.name: c for c in columns}
    missing = [c.name for c in columns if c.required and c.name not in names]
    if missing:
        raise DataFileError(f"{path}:1: missing column(s) {', '.join(missing)}")
    if len(set(names)) != len(names):
        raise DataFileError(f"{path}:1: a column name is repeated")
    cells = [line.rstrip("\n").split("\t") for line in rows]
    widths = np.fromiter((len(c) for c in cells), dtype=np.int64, count=len(cells))
    bad = np.flatnonzero(widths != len(names))
    if bad.size:
        i = int(bad[0])
        raise DataFileError(f"{path}:{i + 2}: expected {len(names)} fields, found {widths[i]}")
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
                wrong |= numbers.notna() & (numbers != numbers.round())
            if wrong.any():
                i = int(np.flatnonzero(wrong.to_numpy())[0])
                raise DataFileError(f"{path}:{i + 2}: {name}: {values.iloc[i]!r} is not {'a whole number' if dtype == 'int' else 'a number'}")
            out[name] = numbers.astype("Int64") if dtype == "int" else numbers.astype("float64")
        else:
            out[name] = values.where(~missing_mask, None).astype("string")
        if column is not None and column.levels and dtype == "str":
            allowed = set(column.levels)
            unknown = out[name].notna() & ~out[name].isin(allowed)
            if unknown.any():
                i = int(np.flatnonzero(unknown.to_numpy())[0])
                raise DataFileError(
                    f"{path}:{i + 2}: {name}: {values.iloc[i]!r} is not one of {', '.join(sorted(allowed))}"
                )
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)))


def _check_beh(path: Path, table: pd.DataFrame) -> None:
    checks = [
        ("rt", table["rt"] < 0, "is negative"),
        ("stimulus_onset", table["stimulus_onset"] < 0, "is negative"),
        ("correct", ~table["correct"].isin([0, 1]) & table["correct"].notna(), "must be 0 or 1"),
        ("block", table["block"] < 1, "must be 1 or more"),
        ("trial", table["trial"] < 1, "must be 1 or more"),
    ]
    order = table["trial_index"].to_numpy(dtype="float64", na_value=np.nan)
    expected = np.arange(1, len(table) + 1)
    wrong_order = pd.Series(order != expected)
    checks.append(("trial_index", wrong_order, "is out of order (rows must be trials 1, 2, 3 ...)"))
    for name, mask, problem in checks:
        mask = mask.fillna(False).to_numpy(dtype=bool)
        if mask.any():
            i = int(np.flatnonzero(mask)[0])
            raise DataFileError(f"{path}:{i + 2}: {name}: {table[name].iloc[i]} {problem}")


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
    table = _parse(path, BEH_COLUMNS, allow_partial)
    _check_beh(path, table)
    sidecar_path = path.with_name(path.name.replace("_beh.tsv", "_beh.json"))
    if sidecar_path.exists():
        table.attrs["sidecar"] = read_sidecar(sidecar_path)
    return table


def read_events(path: str | Path, *, allow_partial: bool = False) -> pd.DataFrame:
    """Read and validate one ``_events.tsv`` per-press table."""
    path = Path(path)
    table = _parse(path, EVENT_COLUMNS, allow_partial)
    if (table["onset"] < 0).any():
        i = int(np.flatnonzero((table["onset"] < 0).to_numpy(dtype=bool, na_value=False))[0])
        raise DataFileError(f"{path}:{i + 2}: onset: {table['onset'].iloc[i]} is negative")
    return table


def read_sidecar(path: str | Path) -> dict:
    """Read a JSON sidecar; a damaged one is reported with its line."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(f"{path}: missing sidecar") from None
    except json.JSONDecodeError as error:
        raise DataFileError(f"{path}:{error.lineno}: not valid JSON: {error.msg}") from None


def find_runs(root: str | Path) -> list[Path]:
    """All ``_beh.tsv`` files under ``root`` (derivatives excluded), sorted."""
    root = Path(root)
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("sub-*_beh.tsv") if "derivatives" not in p.relative_to(root).parts)


def read_dataset(root: str | Path, *, allow_partial: bool = True) -> pd.DataFrame:
    """Read every run under ``root`` into one table with ``participant``, ``session``, ``run``, ``task``, ``source``.

    Parameters
    ----------
    root : str or Path
        A BIDS dataset folder, or one ``_beh.tsv`` file.
    allow_partial : bool
        Keep interrupted runs, dropping a row cut off by a crash.
    """
    frames = []
    for path in find_runs(root):
        table = read_run(path, allow_partial=allow_partial)
        entities = dict(part.split("-", 1) for part in path.name.removesuffix("_beh.tsv").split("_"))
        sidecar = table.attrs.get("sidecar", {})
        table = table.assign(
            participant=entities.get("sub"),
            session=entities.get("ses"),
            run=int(entities.get("run", 1)),
            task=entities.get("task"),
            source=sidecar.get("Source", {}).get("Type", "human"),
            run_status=sidecar.get("RunStatus", "n/a"),
        )
        table.attrs = {}
        frames.append(table)
    if not frames:
        raise DataFileError(f"{root}: no trial files (sub-*_beh.tsv) found")
    return pd.concat(frames, ignore_index=True)


def validate_path(path: str | Path) -> list[tuple[Path, int, str]]:
    """Validate every run under ``path``; return ``(file, trials, status)`` per run.

    Raises
    ------
    DataFileError
        At the first bad file, naming file and line.
    """
    runs = find_runs(path)
    if not runs:
        raise DataFileError(f"{path}: no trial files (sub-*_beh.tsv) found")
    report = []
    for run in runs:
        table = read_run(run)
        events = run.with_name(run.name.replace("_beh.tsv", "_events.tsv"))
        if events.exists():
            read_events(events)
        report.append((run, len(table), table.attrs.get("sidecar", {}).get("RunStatus", "no sidecar")))
    return report
