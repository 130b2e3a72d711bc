"""Trial procedures, one module per kind of trial.

``serial`` runs SRT (incl. second-order conditional designs) and ASRT trials (one target, one
response), ``dsp`` runs discrete sequence production trials (a sequence of keys per trial),
``ftt`` runs finger tapping trials (continuous tapping for a fixed time); ``sct`` runs
synchronisation-continuation tapping (tap with a metronome, then without it). Each module offers
``run_trial(ctx, trial)``, ``draw_between(ctx, trial, seconds_left, n_trials)`` and
``summarize(rows)``.
"""

from __future__ import annotations

from types import ModuleType

__all__ = ["procedure_for"]


def procedure_for(paradigm: str) -> ModuleType:
    """Return the trial-procedure module of a paradigm (``srt``, ``asrt``, ``dsp``, ``ftt``)."""
    from . import dsp, ftt, sct, serial

    return {"srt": serial, "asrt": serial, "dsp": dsp, "ftt": ftt, "sct": sct}[paradigm]
