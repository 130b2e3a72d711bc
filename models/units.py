"""Physical units at the edge of the Brian2 model.

Parameters are plain floats named after their unit (``tau_m_ms``, ``bias_mv``, ``warmup_s``,
``readout_threshold_hz``; :mod:`.parameters`), and the task plan holds seconds (data files are
in seconds). Both become Brian2 quantities (``value * ms``) where they are made into run-time
values (:mod:`.runtime_values`), and from there on Brian2's unit checks guard them: the
run arguments and assignments of :mod:`.engine` refuse a value whose dimension is not that of
its variable, naming it (:func:`require_dimension`).

Plain numbers come out of a quantity only through :func:`in_unit`, which checks the
dimension first (``float(3*mV)`` would silently give 0.003 for a time). Brian2 is imported
only when these are called.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .brian_import import import_brian2

__all__ = ["in_unit", "require_dimension"]


def require_dimension(name: str, value: Any, dim: Any) -> Any:
    """Return ``value`` unchanged if its physical dimension is ``dim``.

    Parameters
    ----------
    name : str
        What the value is (``"neurons.tau_m"``), for the error message.
    value : float, ndarray or brian2.Quantity
        The value; a plain number or array is dimensionless.
    dim : brian2.Dimension or brian2.Unit
        The dimension it must have (a variable's ``dim``, or a unit such as ``ms``).

    Returns
    -------
    The value, as given.

    Raises
    ------
    brian2.DimensionMismatchError
        The value's dimension is another one (a bare float for a time, mV for a time...).
    """
    import_brian2()  # from a worker thread too
    from brian2 import DimensionMismatchError
    from brian2.units.fundamentalunits import get_dimensions, get_unit_for_display

    have, need = get_dimensions(value), get_dimensions(dim)
    if have != need:
        shown = np.asarray(value).ravel()[:1]
        sample = f" (first value {float(shown[0])!r} in SI units)" if shown.size else ""
        raise DimensionMismatchError(
            f"{name}: needs a value in {get_unit_for_display(need)}, got one in {get_unit_for_display(have)}{sample}"
        )
    return value


def in_unit(value: Any, unit: Any, name: str = "value") -> Any:
    """Return the plain number(s) of a quantity in ``unit``, after checking its dimension.

    Parameters
    ----------
    value : brian2.Quantity
        A quantity (e.g. a monitor's recorded times).
    unit : brian2.Unit
        The unit wanted (``second``, ``ms``, ``Hz``...).
    name : str
        What the value is, for the error message.

    Returns
    -------
    float or ndarray
        ``value / unit`` as plain numbers (a float for a scalar).

    Raises
    ------
    brian2.DimensionMismatchError
        ``value`` is not a quantity of ``unit``'s dimension (a bare float counts as dimensionless).
    """
    require_dimension(name, value, unit)
    plain = np.asarray(value / unit)
    return float(plain) if plain.ndim == 0 else plain
