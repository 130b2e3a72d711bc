"""Exceptions the task reports to the experimenter in one line (no traceback)."""

from __future__ import annotations

from motorseq.protocols.errors import MotorseqError

__all__ = ["TaskError", "KeyboardBackendError", "ResumeError", "SimulationSpecError", "DisplayError"]


class TaskError(MotorseqError):
    """The task cannot run as asked."""


class KeyboardBackendError(TaskError):
    """The psychtoolbox keyboard backend cannot be used; the message says what to install."""


class DisplayError(TaskError):
    """No display to open the window on, or the window cannot be opened."""


class ResumeError(TaskError):
    """An interrupted run cannot be resumed (missing, complete, or made from another trial list)."""


class SimulationSpecError(TaskError, ValueError):
    """A ``--simulate-responses`` specification is malformed (names the field at fault)."""
