"""Behavioural analysis of motor sequence learning data, and the model-vs-people comparison.

Load trial data (motorseq BIDS runs or other tools' exports), clean it by switchable rules,
compute the standard measures (block/epoch RT and accuracy, SRT sequence-specific learning,
ASRT triplet learning and general skill, DSP execution and chunking, FTT performance), fit
learning curves, run group statistics, draw figures, and compare a model with people.

The heavy parts are imported on first use, so ``import motorseq.analysis`` stays quick::

    from motorseq.analysis import analyze
    result = analyze("data/", out="results/")
    result.tables["asrt_triplet_learning"]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from motorseq.analysis.errors import AnalysisInputError

__all__ = [
    "AnalysisInputError",
    "AnalysisResult",
    "CleaningRules",
    "ComparisonResult",
    "Dataset",
    "analyze",
    "clean",
    "compare",
    "detect_format",
    "load_dataset",
]

_LAZY = {
    "AnalysisResult": "motorseq.analysis.pipeline",
    "analyze": "motorseq.analysis.pipeline",
    "CleaningRules": "motorseq.analysis.cleaning",
    "clean": "motorseq.analysis.cleaning",
    "ComparisonResult": "motorseq.analysis.comparison",
    "compare": "motorseq.analysis.comparison",
    "Dataset": "motorseq.analysis.loaders",
    "detect_format": "motorseq.analysis.loaders",
    "load_dataset": "motorseq.analysis.loaders",
}

if TYPE_CHECKING:  # pragma: no cover
    from motorseq.analysis.cleaning import CleaningRules, clean
    from motorseq.analysis.comparison import ComparisonResult, compare
    from motorseq.analysis.loaders import Dataset, detect_format, load_dataset
    from motorseq.analysis.pipeline import AnalysisResult, analyze


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'motorseq.analysis' has no attribute {name!r}")
