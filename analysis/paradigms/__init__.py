"""The analysis of each paradigm, one module per paradigm behind one small interface.

``srt`` (incl. probabilistic SRT), ``asrt``, ``dsp``, ``ftt`` and ``sct`` (tapping) each offer:

``CURVE``                ``(x, y)`` columns of the learning curve (``("block", "rt_ms")``, FTT by trial)
``YLABEL``               y label of the curve-fit figure
``EPOCH_BY_TRIAL_TYPE``  the epoch summary is split by trial type
``RT_MEASURE``           the summary gives the share of trials kept for RT analyses
``learning_curves(cleaned, data)``          the curve table (or ``None``)
``tables(cleaned, data, seed, n_boot_participant)``  the paradigm's measure tables
``statistics(tables)``   its group statistics (new tables)
``summary(tables)``      its lines of the printed summary
``figures(tables)``      its figures (name → matplotlib Figure)

:func:`paradigm_module` is the registry, as ``motorseq.tasks.paradigms.procedure_for`` is for
the tasks; :mod:`motorseq.analysis.pipeline` runs the steps they share.
"""

from __future__ import annotations

from types import ModuleType

__all__ = ["PARADIGM_NAMES", "paradigm_module"]

PARADIGM_NAMES = ("srt", "asrt", "dsp", "ftt", "sct")


def paradigm_module(paradigm: str) -> ModuleType:
    """Return the analysis module of a paradigm (``srt``, ``asrt``, ``dsp``, ``ftt``, ``sct``)."""
    from . import asrt, dsp, ftt, sct, srt

    return {"srt": srt, "asrt": asrt, "dsp": dsp, "ftt": ftt, "sct": sct}[paradigm]
