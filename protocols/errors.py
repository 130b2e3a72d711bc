"""Exceptions raised for bad user input.

Every message is one line that names the file (or value) and the field at fault, so the
command line can print it as it is, without a traceback.
"""

from __future__ import annotations

__all__ = ["MotorseqError", "ProtocolError", "DataFileError", "LabelError", "RunExistsError", "OptionError"]


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
