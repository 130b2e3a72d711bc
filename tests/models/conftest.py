"""Fixtures shared by the model tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def model_workdir(tmp_path_factory):
    """One build folder for the session: the network compiles once, later modules reuse it."""
    return tmp_path_factory.mktemp("brian-build")
