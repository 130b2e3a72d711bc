"""Fixtures of the report tests (the constructed model dataset of tests/brain)."""

import importlib.util
from pathlib import Path

import pytest

_FIXTURE = Path(__file__).parents[1] / "brain" / "model_fixture.py"
_spec = importlib.util.spec_from_file_location("model_fixture", _FIXTURE)
model_fixture = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(model_fixture)


@pytest.fixture(scope="session")
def model_dataset(tmp_path_factory) -> Path:
    """Four constructed srt-classic model runs with BOLD-like derivatives."""
    return model_fixture.write_model_dataset(tmp_path_factory.mktemp("modeldata") / "data")
