"""Without --participant, a PsychoPy dialog asks for the participant (typed here with xdotool)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest
from motorseq.protocols.io import read_run, run_paths

pytestmark = pytest.mark.gui


def test_dialog_asks_for_the_participant(tmp_path, display):
    xdotool = shutil.which("xdotool")
    if xdotool is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool)")
    command = [
        sys.executable,
        "-m",
        "motorseq.protocols",
        "run",
        "classroom",
        "--data",
        str(tmp_path),
        "--max-blocks",
        "1",
        "--max-trials-per-block",
        "2",
        "--simulate-responses",
        "pause=80",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not subprocess.run([xdotool, "search", "--name", "^motorseq$"], capture_output=True).stdout.strip():
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "no dialog appeared"
            time.sleep(0.2)
        time.sleep(0.5)  # let the dialog take the keyboard focus
        subprocess.run([xdotool, "type", "--delay", "40", "12"], check=True)
        subprocess.run([xdotool, "key", "Return"], check=True)
        assert process.wait(90) == 0, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
    beh = read_run(run_paths(tmp_path, "12", "1", "classroom", 1).beh)
    assert len(beh) == 2
