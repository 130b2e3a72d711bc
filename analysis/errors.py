"""The exception raised for analysis input that does not fit."""

from __future__ import annotations

from motorseq.protocols.errors import MotorseqError, as_written

__all__ = ["AnalysisInputError", "as_written"]


class AnalysisInputError(MotorseqError, ValueError):
    """Input data or options that the analysis cannot use.

    The message is one line and names the file (or table) and the column or option at fault,
    e.g. ``"data.csv: column 'rt': 12 values are negative"``. The CLI prints it without a
    traceback and exits with status 2 (it is a ``MotorseqError``).
    """
