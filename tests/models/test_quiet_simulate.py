"""`motorseq simulate` shows no Brian2 warnings in normal use (issue 16).

One tiny participant through the CLI, in the per-user test build folder of the other
simulate tests, so the network compiles once.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from motorseq.models.brian_log import install_brian_filter

BUILD_ROOT = Path(
    os.environ.get("MOTORSEQ_TEST_BUILD_ROOT", Path(tempfile.gettempdir()) / f"motorseq-test-build-{os.getuid()}")
)
MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))


def test_simulate_prints_no_brian2_warning(tmp_path):
    result = subprocess.run(
        [MOTORSEQ, "simulate", "srt-classic", "--out", str(tmp_path / "data"), "--max-blocks", "2",
         "--max-trials-per-block", "6", "--participants", "1", "--seed", "5", "--workers", "1",
         "--build-dir", str(BUILD_ROOT)],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "abstract code block" not in output
    assert "WARNING" not in output
    assert "1 simulated" in output


def test_only_the_response_order_warning_is_filtered():
    install_brian_filter()
    logger = logging.getLogger("brian2.codegen.generators.base")
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    handler = Keep()
    logger.addHandler(handler)
    try:
        head = (
            "Came across an abstract code block that may not be well-defined: the outcome may "
            "depend on the order of execution. 9 lines of abstract code, first line is: "
        )
        logger.warning(head + "'ok := int(phase_post == 1) (constant)'")
        logger.warning(head + "'x := v_post + 1 (constant)'")
        logger.warning("another warning")
    finally:
        logger.removeHandler(handler)
    assert seen == [head + "'x := v_post + 1 (constant)'", "another warning"]
