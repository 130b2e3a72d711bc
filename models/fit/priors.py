"""Priors of the fitted parameters: a YAML table of ranges with reasons (bundled default or the user's).

A prior is independent per parameter: uniform on ``[low, high]`` (``scale: linear``) or on
``[log low, log high]`` (``scale: log``, for rates that span an order of magnitude). Inference
works in the *unit space* of :meth:`Priors.to_unit` (every parameter mapped to ``[0, 1]``), where
the prior is a box, and the tables report the model's own units.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from motorseq.protocols.yaml_loader import load_yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import ModelError
from ..parameter_ranges import parameter_range

__all__ = ["FitError", "ParameterPrior", "Priors", "load_priors", "DEFAULT_PRIORS"]

#: The bundled priors (``motorseq.models.fit/default_priors.yaml``).
DEFAULT_PRIORS = "default_priors.yaml"


class FitError(ModelError, ValueError):
    """Bad fitting input or options (one line naming the file, option or field)."""


class ParameterPrior(BaseModel):
    """The prior of one parameter."""

    model_config = ConfigDict(extra="forbid")

    low: float
    high: float
    scale: Literal["linear", "log"] = "linear"
    reason: str = Field(min_length=1)

    @field_validator("low", "high", mode="before")
    @classmethod
    def _a_number(cls, value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, found {value!r:.40}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> ParameterPrior:
        if not (np.isfinite(self.low) and np.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError(f"a log-scaled prior needs low > 0, got {self.low}")
        return self


class Priors(BaseModel):
    """Independent priors of the fitted parameters, in file order."""

    model_config = ConfigDict(extra="forbid")

    parameters: dict[str, ParameterPrior] = Field(min_length=1)
    source: str = "priors"

    @property
    def names(self) -> list[str]:
        """Parameter names, in order."""
        return list(self.parameters)

    def to_unit(self, values: np.ndarray | pd.DataFrame) -> np.ndarray:
        """Map values in model units (columns in :attr:`names` order) to the unit cube."""
        arr = np.asarray(values[self.names] if isinstance(values, pd.DataFrame) else values, dtype=float)
        lo, hi, log = self._bounds()
        arr = np.where(log, np.log(np.where(log, np.maximum(arr, 1e-300), 1.0)), arr)
        return (arr - lo) / (hi - lo)

    def from_unit(self, unit: np.ndarray) -> np.ndarray:
        """Map unit-cube values back to model units."""
        lo, hi, log = self._bounds()
        arr = lo + np.asarray(unit, dtype=float) * (hi - lo)
        return np.where(log, np.exp(arr), arr)

    def _bounds(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        log = np.array([p.scale == "log" for p in self.parameters.values()])
        lo = np.array([p.low for p in self.parameters.values()], dtype=float)
        hi = np.array([p.high for p in self.parameters.values()], dtype=float)
        lo[log], hi[log] = np.log(lo[log]), np.log(hi[log])  # a linear prior may start at 0
        return lo, hi, log

    def sample(self, rng: np.random.Generator, n: int = 1) -> np.ndarray:
        """Draw ``n`` parameter vectors (model units), shape ``(n, len(names))``."""
        return self.from_unit(rng.uniform(size=(n, len(self.parameters))))

    def table(self) -> pd.DataFrame:
        """Return the priors as a table: ``parameter, low, high, scale, reason``."""
        return pd.DataFrame(
            [{"parameter": k, "low": p.low, "high": p.high, "scale": p.scale, "reason": p.reason}
             for k, p in self.parameters.items()]
        )  # fmt: skip


#: Parameters that set the compiled network's structure: a prior on them would recompile per draw.
STRUCTURAL = ("dt_ms",)
#: Up to this many fitted parameters, every corner of the prior box is checked against the model's
#: own constraints (2**12 = 4096 parameter sets, well under a second).
MAX_CORNER_CHECK = 12


def _check_names(priors: Priors, where: str) -> None:
    from ..parameters import ModelParameters

    fields = ModelParameters.model_fields
    for name, prior in priors.parameters.items():
        if name not in fields or fields[name].annotation is not float:
            raise FitError(f"{where}: parameters.{name}: not a scalar model parameter (see models/parameters.py)")
        if name in STRUCTURAL:
            raise FitError(
                f"{where}: parameters.{name}: sets the compiled network's structure (each draw would recompile "
                "it); fit it with one bank per value instead"
            )
        found = parameter_range(name)
        if found is not None and not (found[0] <= prior.low and prior.high <= found[1]):
            raise FitError(
                f"{where}: parameters.{name}: [{prior.low:g}, {prior.high:g}] leaves the physical range "
                f"{found[0]:g} to {found[1]:g} ({found[2]})"
            )
    _check_corners(priors, where)


def _check_corners(priors: Priors, where: str) -> None:
    """Refuse a prior box with a corner the model refuses (e.g. a reset above the default threshold).

    Every draw of the bank must be a valid parameter set; a box whose corner is not would fail
    simulation after simulation while the bank grows.
    """
    from itertools import product

    from ..parameters import ModelParameters

    names = priors.names
    if len(names) > MAX_CORNER_CHECK:
        return
    bounds = [(p.low, p.high) for p in priors.parameters.values()]
    defaults = ModelParameters()
    for corner in product(*bounds):
        values = dict(zip(names, corner, strict=True))
        try:
            defaults.with_overrides(values)
        except (ValueError, ModelError) as exc:
            first = str(exc).strip().splitlines()[0]
            shown = ", ".join(f"{k} {v:g}" for k, v in values.items())
            raise FitError(
                f"{where}: parameters: the model refuses the corner of the priors at {shown}: {first}"
            ) from None


def load_priors(path: str | Path | Mapping | None = None) -> Priors:
    """Read priors from a YAML file (or a mapping); the bundled default when ``path`` is None.

    Raises
    ------
    FitError
        Unreadable file, unknown parameter, bad range (one line naming the file and field).
    """
    if path is None:
        text = resources.files("motorseq.models.fit").joinpath(DEFAULT_PRIORS).read_text(encoding="utf-8")
        where, data = DEFAULT_PRIORS, yaml.safe_load(text)
    elif isinstance(path, Mapping):
        where, data = "priors", dict(path)
    else:
        where = str(path)
        try:
            data = load_yaml(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise FitError(f"{where}: cannot read the priors ({exc.strerror or exc})") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise FitError(f"{where}{line}: not valid YAML ({problem})") from None
    if not isinstance(data, Mapping):
        raise FitError(f"{where}: expected a mapping with 'parameters'")
    try:
        priors = Priors(**{**data, "source": where})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise FitError(f"{where}: {field}: {err['msg']}") from None
    _check_names(priors, where)
    return priors
