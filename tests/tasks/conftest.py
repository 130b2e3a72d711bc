"""Fixtures for the task tests: a fast automated participant and shortened runs."""

from __future__ import annotations

import os

import pytest

#: A quick automated participant: ~170 ms RTs, 40 ms key holds, fast sequences, 10 % errors.
FAST = "mu=150,sigma=15,tau=20,min=100,error=0.1,hold=40,ipi=90,ipi_sd=8,pause=80,seed=5"


@pytest.fixture
def display() -> str:
    """The X display; GUI tests are skipped by the root conftest when it is unset."""
    value = os.environ.get("DISPLAY")
    if not value:
        pytest.skip("needs a display: run the tests under xvfb-run -a")
    return value
