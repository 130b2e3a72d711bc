"""Errors of the model package (one-line messages, printed by the CLI without a traceback)."""

from __future__ import annotations

from motorseq.protocols.errors import MotorseqError

__all__ = ["ModelError", "ModelNotImplementedError"]


class ModelError(MotorseqError):
    """A model parameter, lesion or protocol the model cannot use (``field: problem``)."""


class ModelNotImplementedError(ModelError, NotImplementedError):
    """The model does not perform this paradigm (``dsp``, ``ftt``)."""
