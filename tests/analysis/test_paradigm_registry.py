"""One analysis module per paradigm behind one interface, found through a registry (issue 16)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from motorseq.analysis import pipeline
from motorseq.analysis.paradigms import PARADIGM_NAMES, paradigm_module
from motorseq.analysis.schema import PARADIGMS

FUNCTIONS = {
    "learning_curves": ["cleaned", "data"],
    "tables": ["cleaned", "data", "seed", "n_boot_participant"],
    "statistics": ["tables"],
    "summary": ["tables"],
    "figures": ["tables"],
}


@pytest.mark.parametrize("name", PARADIGM_NAMES)
def test_every_paradigm_module_has_the_same_interface(name):
    module = paradigm_module(name)
    assert len(module.CURVE) == 2 and isinstance(module.YLABEL, str)
    assert isinstance(module.EPOCH_BY_TRIAL_TYPE, bool) and isinstance(module.RT_MEASURE, bool)
    for function, params in FUNCTIONS.items():
        assert list(inspect.signature(getattr(module, function)).parameters) == params, (name, function)


def test_the_registry_covers_every_paradigm_of_the_schema():
    assert set(PARADIGM_NAMES) == set(PARADIGMS)


def test_the_pipeline_has_no_paradigm_switch():
    source = Path(inspect.getfile(pipeline)).read_text(encoding="utf-8")
    assert re.findall(r"paradigm\s*(==|in \()", source) == []
