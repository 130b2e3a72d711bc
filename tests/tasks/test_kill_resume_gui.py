"""``kill -9`` in the middle of a block loses at most the trial in progress; ``--resume`` finishes
the run with the same trial list; a run on disk is never overwritten."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from motorseq.protocols import generate_trials, parse_protocol
from motorseq.protocols.io import read_events, read_run, run_paths

from .conftest import FAST

pytestmark = pytest.mark.gui


def _rows(path) -> int:
    try:
        return path.read_text().count("\n") - 1
    except FileNotFoundError:
        return 0


def test_sigkill_mid_block_then_resume_completes_the_same_trial_list(tmp_path, display):
    command = [
        sys.executable,
        "-m",
        "motorseq.protocols",
        "run",
        "srt-soc",
        "--participant",
        "5",
        "--data",
        str(tmp_path),
        "--simulate-responses",
        FAST,
        "--max-trials-per-block",
        "6",
        "--max-blocks",
        "3",
    ]
    paths = run_paths(tmp_path, "5", "1", "srt-soc", 1)
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _rows(paths.beh) < 9:  # block 1 has 6 trials: wait until block 2 is half done
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the run did not reach block 2"
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    process.stderr.close()

    saved_text = paths.beh.read_text()
    saved = read_run(paths.beh, allow_partial=True)
    assert 9 <= len(saved) < 12  # every trial seen finished is there, and the kill came mid-block 2
    assert saved["trial_index"].tolist() == list(range(1, len(saved) + 1))
    assert saved["rt"].notna().all() and saved["response"].notna().all()
    assert (saved["block"] == 2).sum() >= 3
    assert json.loads(paths.sidecar.read_text())["RunStatus"] == "interrupted"
    events = read_events(paths.events, allow_partial=True)
    assert set(events["trial_index"]) == set(range(1, len(saved) + 1))

    again = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2
    message = again.stderr.strip()
    assert "exists already" in message and "never overwritten" in message and len(message.splitlines()) == 1
    assert paths.beh.read_text() == saved_text  # untouched

    resumed = subprocess.run(command + ["--resume"], capture_output=True, text=True, timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    final = read_run(paths.beh)
    sidecar = json.loads(paths.sidecar.read_text())
    expected = generate_trials(parse_protocol(sidecar["Protocol"]), "5", sidecar["Seed"])
    assert len(final) == len(expected) == 18
    for column in ("block", "trial", "trial_index", "trial_type", "target", "correct_key", "sequence_id"):
        assert final[column].astype(str).tolist() == expected[column].astype(str).tolist(), column
    finished_text = saved_text[: saved_text.rfind("\n") + 1]  # without a row cut off by the kill, if any
    assert paths.beh.read_text().startswith(finished_text)  # the rows saved before the kill are kept as they were
    assert sidecar["RunStatus"] == "complete"
    assert sidecar["Extra"]["Resumed"][0]["FromTrial"] == len(saved) + 1
    assert [s["FromTrial"] for s in sidecar["Extra"]["Segments"]] == [1, len(saved) + 1]
    events = read_events(paths.events)
    assert set(events["trial_index"]) == set(range(1, 19))

    from motorseq.protocols import RunExistsError
    from motorseq.tasks.session import RunOptions, run_session

    options = RunOptions(
        protocol="srt-soc", participant="5", data=tmp_path, resume=True, max_trials_per_block=6, max_blocks=3
    )
    with pytest.raises(RunExistsError, match="complete"):  # refused before any window opens
        run_session(options)


def test_resumed_dataset_passes_bids_validator(tmp_path, display, bids_validator):
    from motorseq.tasks.session import RunOptions, run_session
    from motorseq.tasks.simulate_input import parse_simulation_spec

    common = dict(
        protocol="ftt",
        participant="9",
        data=tmp_path,
        window_size=(640, 480),
        max_trials_per_block=3,
        max_trial_seconds=0.8,
    )
    # Escape (confirmed) during the second tapping trial, then --resume finishes the run
    aborted = run_session(RunOptions(**common, simulate=parse_simulation_spec(FAST + ",escape_at=2")))
    assert aborted.status == "aborted" and aborted.trials_written == 1
    finished = run_session(RunOptions(**common, resume=True, simulate=parse_simulation_spec(FAST)))
    assert finished.status == "complete" and finished.trials_written == 3
    result = subprocess.run([bids_validator, str(tmp_path), "--json"], capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    assert report["issues"]["errors"] == [], report["issues"]["errors"]
    warnings = {w["key"] for w in report["issues"]["warnings"]}
    assert "CUSTOM_COLUMN_WITHOUT_DESCRIPTION" not in warnings
