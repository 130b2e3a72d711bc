"""Cluster workers need no GUI stack: the model and analysis never import PsychoPy."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module", ["motorseq.protocols", "motorseq.models", "motorseq.analysis", "motorseq.protocols.cli"]
)
def test_module_does_not_import_psychopy(module):
    code = (
        f"import sys, {module}\n"
        "heavy = sorted(m for m in ('psychopy', 'psychtoolbox', 'pyglet') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_cli_loads_no_heavy_stack():
    code = (
        "import sys, motorseq.protocols.cli\n"
        "print(sorted(m for m in ('brian2', 'nimare', 'nilearn', 'psychopy', 'dask') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
