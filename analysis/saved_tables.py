"""Saved analysis tables read back with checks: every table whole, every cell of its column's kind.

A saved analysis (``analyze --out``) or brain comparison (``compare-brain --out``) records, when
saved, each table's number of rows and the kind of each number and yes/no column; reading it
back (``report --analysis``/``--brain``) refuses an empty, cut, ragged or shortened table and a
cell of another kind, naming the file and line, instead of reporting from a damaged file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from motorseq.analysis.errors import AnalysisInputError

__all__ = ["KIND_WORDS", "column_kinds", "read_saved_json", "read_saved_table"]

#: what each recorded column kind means, for messages
KIND_WORDS = {"int": "a whole number", "number": "a number", "bool": "True or False"}


def column_kinds(table: pd.DataFrame) -> dict[str, str]:
    """Kind of each number and yes/no column of a table about to be saved (``int``, ``number``, ``bool``)."""
    kinds = {}
    for column in table.columns:
        dtype = table[column].dtype
        if pd.api.types.is_bool_dtype(dtype):
            kinds[str(column)] = "bool"
        elif pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_extension_array_dtype(dtype):
            kinds[str(column)] = "int"  # a numpy integer column has no gaps
        elif pd.api.types.is_numeric_dtype(dtype):
            kinds[str(column)] = "number"
    return kinds


def _check_kinds(path: Path, table: pd.DataFrame, kinds: dict[str, str], lines: list[int], recorded: bool) -> None:
    """Refuse the first cell that is not of its column's saved kind (``file:line: column``).

    A column whose kind was recorded at save time (``recorded``) and is not in the file is refused
    too; of the known columns of older folders, those present are checked.
    """
    for column, kind in kinds.items():
        if column not in table.columns:
            if recorded:
                raise AnalysisInputError(
                    f"{path}: column {column!r} missing (it was saved): the saved table is damaged"
                )
            continue
        values = table[column]
        if kind == "bool":
            bad = values.notna() & ~values.astype(str).isin(["True", "False"])
        else:
            numbers = pd.to_numeric(values, errors="coerce")
            bad = values.notna() & numbers.isna()
            if kind == "int":
                bad |= values.isna() | (numbers.notna() & (numbers % 1 != 0))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            line = lines[row] if len(lines) == len(table) else row + 2
            raw = values.iloc[row]
            shown = "a blank" if pd.isna(raw) else repr(str(raw))
            raise AnalysisInputError(
                f"{path}:{line}: column {column!r}: {shown} is not {KIND_WORDS[kind]}: the saved table is damaged"
            )


#: how a saved analysis's tables are read back
_READ_CSV = {"dtype": {"participant": str, "session": str, "group": str}}


def read_saved_table(
    path: Path,
    n_rows: int | None,
    kinds: dict[str, str] | None = None,
    recorded: bool = False,
    read: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Read one saved table, refusing an empty, cut, ragged or shortened file, or a cell of another kind.

    ``read`` holds the :func:`pandas.read_csv` arguments (default: a saved analysis's CSV; the
    brain comparison passes its TSV's); the messages name ``path`` and, for a cell, its line and column.
    """
    import csv
    import io

    read = _READ_CSV if read is None else read

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise AnalysisInputError(f"{path}: not UTF-8 text ({exc.reason})") from None
    if not text:
        raise AnalysisInputError(f"{path}: empty file (not even a header): the saved table is damaged")
    if not text.endswith("\n"):
        raise AnalysisInputError(f"{path}: cut short (its last line does not end): the saved table is damaged")
    if text.strip() in ("", '""'):  # a table without columns, as pandas writes it
        table = pd.DataFrame()
    else:
        reader = csv.reader(io.StringIO(text), delimiter=read.get("sep", ","))
        header = next(reader)
        lines = []  # the line each row ends on
        for record in reader:
            lines.append(reader.line_num)
            if len(record) != len(header):
                raise AnalysisInputError(
                    f"{path}: line {reader.line_num}: {len(record)} field(s), the header has {len(header)}: "
                    "the saved table is damaged"
                )
        try:
            table = pd.read_csv(io.StringIO(text), **read)
        except (ValueError, pd.errors.ParserError) as exc:
            raise AnalysisInputError(f"{path}: cannot be read as a table: {str(exc).splitlines()[0]}") from None
        _check_kinds(path, table, kinds or {}, lines, recorded)
    if n_rows is not None and len(table) != n_rows:
        raise AnalysisInputError(f"{path}: {len(table)} row(s), but {n_rows} were saved: the saved table is damaged")
    return table


def read_saved_json(path: Path, what: str) -> dict[str, Any]:
    """Read the JSON object a saved result records (``what`` names it in the message).

    Raises
    ------
    AnalysisInputError
        Not UTF-8, not valid JSON (with its line), unreadable, or not an object; one line naming ``path``.
    """
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise AnalysisInputError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise AnalysisInputError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
    except OSError as exc:
        raise AnalysisInputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if not isinstance(payload, dict):
        raise AnalysisInputError(f"{path}: not {what} (a JSON object expected)")
    return payload
