"""Every model parameter as one table: name, default, unit, range and source.

``motorseq params`` prints it (the README's tables come from the same fields and ranges,
:mod:`.parameter_table`).
"""

from __future__ import annotations

import pandas as pd

from .parameter_ranges import RANGES, parameter_range
from .parameters import ModelParameters

__all__ = ["parameter_rows", "unit_of"]

_UNITS = (("_ms", "ms"), ("_mv", "mV"), ("_hz", "Hz"), ("_s", "s"))
_DICT_UNITS = {"tau_m_ms": "ms", "bias_mv": "mV", "noise_mv": "mV", "weights": "mV"}


def unit_of(name: str) -> str:
    """Give the unit of a parameter from its name (``tau_m_ms.m1`` → ``ms``; ``1`` for no unit)."""
    head = name.split(".", 1)[0]
    if head in _DICT_UNITS:
        return _DICT_UNITS[head]
    if head.startswith("w_init_"):
        return "fraction of maximum"
    if head.startswith(("w_max_", "w_salience")):
        return "mV"
    return next((unit for suffix, unit in _UNITS if head.endswith(suffix)), "1")


def parameter_rows() -> pd.DataFrame:
    """One row per model parameter (entries of per-population tables one by one).

    Returns
    -------
    pandas.DataFrame
        ``parameter`` (as ``--param`` takes it), ``default``, ``unit``, ``low``, ``high``
        (the physical range ``--param`` must lie in) and ``source`` (the source or rationale
        of the value, then why the range is what it is).
    """
    p = ModelParameters()
    rows = []
    for name, field in ModelParameters.model_fields.items():
        value = getattr(p, name)
        items = [(f"{name}.{key}", v) for key, v in value.items()] if isinstance(value, dict) else [(name, value)]
        for full, default in items:
            low, high, why = parameter_range(full) or RANGES.get(f"{name}.*", (float("nan"), float("nan"), ""))
            source = field.description or ""
            rows.append(
                {
                    "parameter": full,
                    "default": default,
                    "unit": unit_of(full),
                    "low": low,
                    "high": high,
                    "source": f"{source} Range: {why}." if why else source,
                }
            )
    return pd.DataFrame(rows)
