"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_ASRT = REPO.parent / "shared" / "data" / "asrt_tacs" / "asrt_tacs_trials.csv.gz"


@pytest.fixture(scope="session")
def shared_asrt_path() -> Path:
    """The real ASRT data beside the project; skip when it is absent."""
    if not SHARED_ASRT.exists():
        pytest.skip(f"real ASRT data not found at {SHARED_ASRT} (../shared is not beside the project)")
    return SHARED_ASRT


def _find_bids_validator() -> str | None:
    candidates = [
        os.environ.get("MOTORSEQ_BIDS_VALIDATOR"),
        str(REPO / ".ci" / "tools" / "node_modules" / ".bin" / "bids-validator"),
        shutil.which("bids-validator"),
    ]
    return next((c for c in candidates if c and Path(c).exists()), None)


@pytest.fixture(scope="session")
def bids_validator() -> str:
    """Path of the official bids-validator 1.15.0 (npm); CI must have it, elsewhere skip."""
    found = _find_bids_validator()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("bids-validator not found: .ci/run must install it (npm install bids-validator@1.15.0)")
        pytest.skip("bids-validator not installed (npm install bids-validator@1.15.0)")
    return found


def pytest_collection_modifyitems(config, items):
    """Skip GUI tests, with a reason, when there is no display."""
    if os.environ.get("DISPLAY"):
        return
    skip = pytest.mark.skip(reason="needs a display: run the tests under xvfb-run -a")
    for item in items:
        if "gui" in item.keywords:
            item.add_marker(skip)
