"""Formatting of single TSV values, shared by the writer and the reader."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["format_value", "NA"]

NA = "n/a"


def format_value(value: Any, dtype: str) -> str:
    """Format one value for a TSV cell: ``n/a`` for missing, 6 decimals for floats (µs for seconds)."""
    if value is None:
        return NA
    try:
        if value != value:  # NaN, pandas.NA raises TypeError
            return NA
    except TypeError:
        return NA
    if isinstance(value, str):
        if value in ("", NA):
            return NA
        if "\t" in value or "\n" in value or "\r" in value:
            raise ValueError(f"value {value!r} contains a tab or newline")
        return value
    if dtype == "float":
        number = float(value)
        return NA if math.isnan(number) else f"{number:.6f}"
    if dtype == "int":
        if isinstance(value, bool):
            return str(int(value))
        number = float(value)
        if number != int(number):
            raise ValueError(f"value {value!r} is not a whole number")
        return str(int(number))
    return str(value)
