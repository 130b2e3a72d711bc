"""Self-contained HTML report of a motorseq study and the ``motorseq demo`` main job.

``build``      :func:`build_report`: behaviour, model-vs-brain comparison, map, provenance
``behaviour``  the behavioural results shown: one AnalysisResult (saved or analysed once), headline effect
``figures``    report figures (matplotlib / nilearn)
``raster``     a simulated participant's spike raster (runs saved with simulate --record-spikes)
``html``       page assembly: sections of typed items rendered by templates/report.html.j2 (Jinja2)
``demo``       :func:`run_demo`: simulate srt-classic, analyse, compare, report
``cli``        ``motorseq report`` and ``motorseq demo``

Heavy modules load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["build_report", "run_demo"]

_LAZY = {"build_report": "motorseq.analysis.report.build", "run_demo": "motorseq.analysis.report.demo"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'motorseq.analysis.report' has no attribute {name!r}")
