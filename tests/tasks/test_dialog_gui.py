"""Without --participant, a PsychoPy dialog asks for the participant (typed here with xdotool).

When the protocol lists groups the dialog offers them in a drop-down; ``--group`` gives the group
on the command line. Either way it is written to ``participants.tsv``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml
from motorseq.protocols import protocol_path
from motorseq.protocols.io import read_run, run_paths

pytestmark = pytest.mark.gui

SHORT = ["--max-blocks", "1", "--max-trials-per-block", "2", "--simulate-responses", "pause=80"]


def _xdotool() -> str:
    xdotool = shutil.which("xdotool")
    if xdotool is None:
        pytest.skip("xdotool is not installed (apt-get install xdotool)")
    return xdotool


def _grouped_protocol(tmp_path):
    data = yaml.safe_load(protocol_path("classroom").read_text())
    data.update(name="grouped", groups=["young", "old"])
    path = tmp_path / "grouped.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _answer_dialog(command: list[str], *keys: str) -> None:
    """Start ``command``, type ``12`` into the dialog's first field, then press ``keys``; wait for exit 0."""
    xdotool = _xdotool()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not subprocess.run([xdotool, "search", "--name", "^motorseq$"], capture_output=True).stdout.strip():
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "no dialog appeared"
            time.sleep(0.2)
        time.sleep(0.5)  # let the dialog take the keyboard focus
        subprocess.run([xdotool, "type", "--delay", "40", "12"], check=True)
        subprocess.run([xdotool, "key", "--delay", "60", *keys, "Return"], check=True)
        assert process.wait(90) == 0, process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()


def _groups(data) -> dict[str, str]:
    table = pd.read_csv(data / "participants.tsv", sep="\t", dtype=str, keep_default_na=False)
    return dict(zip(table["participant_id"], table["group"], strict=True))


def test_dialog_asks_for_the_participant(tmp_path, display):
    _answer_dialog([sys.executable, "-m", "motorseq.protocols", "run", "classroom", "--data", str(tmp_path), *SHORT])
    beh = read_run(run_paths(tmp_path, "12", "1", "classroom", 1).beh)
    assert len(beh) == 2
    assert _groups(tmp_path) == {"sub-12": "n/a"}


def test_dialog_offers_the_protocol_groups(tmp_path, display):
    protocol = _grouped_protocol(tmp_path)
    data = tmp_path / "data"
    # participant 12, then Tab past the session to the group drop-down and take its second entry
    command = [sys.executable, "-m", "motorseq.protocols", "run", str(protocol), "--data", str(data), *SHORT]
    _answer_dialog(command, "Tab", "Tab", "Down")
    assert len(read_run(run_paths(data, "12", "1", "grouped", 1).beh)) == 2
    assert _groups(data) == {"sub-12": "old"}


def test_group_option_is_recorded_in_participants_tsv(tmp_path, display):
    protocol = _grouped_protocol(tmp_path)
    data = tmp_path / "data"
    command = ["run", str(protocol), "-p", "4", "--group", "young", "--data", str(data), *SHORT]
    result = subprocess.run([sys.executable, "-m", "motorseq.protocols", *command], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert _groups(data) == {"sub-4": "young"}
