"""Exceptions raised for bad user input.

Every message is one line that names the file (or value) and the field at fault, so the
command line can print it as it is, without a traceback.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "MotorseqError", "ProtocolError", "DataFileError", "LabelError", "RunExistsError", "OptionError", "as_written",
]  # fmt: skip


def as_written(value: Any) -> str:
    """Show a value from a user's file as it was written there, for an error message.

    NumPy scalars become plain numbers (``2``, not ``np.int64(2)``), whole floats read from a
    column with gaps lose their ``.0``, and text keeps its quotes (``'X'``).

    Examples
    --------
    >>> import numpy as np
    >>> as_written(np.int64(2)), as_written(np.float64(2.0)), as_written(2.5), as_written("S")
    ('2', '2', '2.5', "'S'")
    """
    if isinstance(value, str):
        return repr(str(value))
    if hasattr(value, "item"):
        try:
            value = value.item()
        except (TypeError, ValueError):
            pass
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


class MotorseqError(Exception):
    """Base class of the errors motorseq reports to the user in one line."""


class ProtocolError(MotorseqError):
    """A protocol file or name is unusable (``file: field: problem``)."""


class DataFileError(MotorseqError):
    """A trial data file is damaged or does not follow the format (``file:line: problem``)."""


class LabelError(MotorseqError, ValueError):
    """A participant, session or run label is not a valid BIDS label."""


class RunExistsError(MotorseqError, FileExistsError):
    """The run already exists on disk and would be overwritten."""


class OptionError(MotorseqError, ValueError):
    """A command-line value (a seed, a count) is outside what is allowed."""
