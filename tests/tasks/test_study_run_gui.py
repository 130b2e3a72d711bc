"""A study run by the XTEST participant: ses-1 paced practice with a tempo ramp, ses-2 tapping (sync-continuation)."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
import yaml
from motorseq.protocols import load_protocol
from motorseq.protocols.io import read_events, read_run, validate_path

from ..protocols._cli import one_line, run_main
from .conftest import FAST

pytestmark = pytest.mark.gui


def _study(tmp_path, delay="1min", tolerance="1min"):
    ramp = load_protocol("srt-classic").model_dump(mode="json")
    ramp.update(
        name="pacedramp",
        sequences=[[1, 3, 2, 4, 3, 1, 4, 2]],
        blocks=[
            {
                "kind": "sequence",
                "trials": 8,
                "repeat": 3,
                "pace": {"ioi_ms": 600, "target_ioi_ms": 500, "step_ms": 50, "criterion": 0.8},
            }
        ],
    )
    (tmp_path / "ramp.yaml").write_text(yaml.safe_dump(ramp, sort_keys=False))
    sct = load_protocol("sct-sequence").model_dump(mode="json")
    sct.update(
        blocks=[{"kind": "sequence", "trials": 2}],
        sct={"ioi_ms": 400, "sync_beats": 6, "continuation_beats": 8, "rest_s": 0.5},
    )
    (tmp_path / "tap.yaml").write_text(yaml.safe_dump(sct, sort_keys=False))
    study = {
        "name": "two-days",
        "title": "paced practice, then tapping",
        "sessions": [{"protocol": "ramp.yaml"}, {"protocol": "tap.yaml", "delay": delay, "tolerance": tolerance}],
        "source": {"citation": "test study"},
    }
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False))
    return path


def _run(study, data, session, capsys, monkeypatch, *extra):
    args = ["run", study, "-p", "3", "-s", session, "--data", data, "--simulate-responses", FAST, *extra]
    return run_main(args, capsys, monkeypatch)


def test_study_sessions_write_valid_bids_with_paced_and_tapping_trials(tmp_path, display, capsys, monkeypatch):
    study, data = _study(tmp_path), tmp_path / "data"
    code, _, err = _run(study, data, "1", capsys, monkeypatch)
    assert code == 0, err
    beh = read_run(data / "sub-3/ses-1/beh/sub-3_ses-1_task-pacedramp_run-1_beh.tsv")
    sidecar = json.loads((data / "sub-3/ses-1/beh/sub-3_ses-1_task-pacedramp_run-1_beh.json").read_text())
    assert sidecar["Extra"]["Study"]["Name"] == "two-days" and "visual" in sidecar["Extra"]["Metronome"]
    # the ramp: 600 ms, then 50 ms faster after each block at 80 % accuracy (the fast participant makes 10 % errors)
    per_block = beh.groupby("block").agg(ioi=("ioi", "first"), acc=("correct", "mean"))
    expected = [0.6]
    for acc in per_block["acc"].iloc[:-1]:
        expected.append(max(0.5, expected[-1] - 0.05) if acc >= 0.8 else expected[-1])
    assert per_block["ioi"].tolist() == pytest.approx(expected)
    assert per_block["ioi"].nunique() > 1  # this seed steps at least once
    assert (beh.groupby("block")["ioi"].nunique() == 1).all()
    # stimuli come on the beat: onsets one IOI apart within a block (to a frame), click = onset (scheduled)
    for _, block in beh.groupby("block"):
        onsets = block["stimulus_onset"].to_numpy(float)
        phase = onsets - block["ioi"].iloc[0] * np.arange(onsets.size)
        off_beat = np.abs(phase - np.median(phase))
        # a frame the machine delivers late (a stall of a loaded CI runner) is not carried forward:
        # most onsets sit on the beat, and the onset after a late one is back on it
        late = off_beat > 0.02
        assert np.median(off_beat) < 0.008 and late.mean() <= 0.2, off_beat
        assert not (late[1:] & late[:-1]).any(), off_beat
    assert np.all(np.abs(beh["click_onset"] - beh["stimulus_onset"]) < 0.025)

    code, _, err = _run(study, data, "2", capsys, monkeypatch, "--max-trial-seconds", "30")
    assert code == 0, err
    tap = data / "sub-3/ses-2/beh/sub-3_ses-2_task-sctsequence_run-1"
    beh2 = read_run(f"{tap}_beh.tsv")
    events = read_events(f"{tap}_events.tsv")
    assert len(beh2) == 2 and (beh2["n_presses"] == 14).all() and (beh2["sync_beats"] == 6).all()
    assert (beh2["ioi"] == 0.4).all()
    taps = events[events["trial_index"] == 1]["rt"].to_numpy(float)
    asynchrony = taps[1:6] - 0.4 * np.arange(1, 6)  # the scripted participant taps 30 ms ahead of the beat
    assert np.mean(asynchrony) == pytest.approx(-0.03, abs=0.02)
    assert np.mean(np.diff(taps[6:])) == pytest.approx(0.4, abs=0.03)
    assert sidecar["Extra"]["Study"]["Session"] == 1
    side2 = json.loads((tap.parent / f"{tap.name}_beh.json").read_text())
    assert side2["Extra"]["Study"]["DelayKept"] is True and side2["Extra"]["Study"]["Delay"] == "1min"
    assert [n for _, n, _ in validate_path(data)] == [24, 2]


def test_a_session_before_its_delay_is_refused_then_run_with_ignore_delay(tmp_path, display, capsys, monkeypatch):
    study, data = _study(tmp_path, delay="24h", tolerance="2h"), tmp_path / "data"
    assert _run(study, data, "1", capsys, monkeypatch, "--max-blocks", "1")[0] == 0
    code, _, err = _run(study, data, "2", capsys, monkeypatch)
    assert code == 2
    line = one_line(err)
    assert "--session 2: too early:" in line and "asks 24h ± 2h" in line and "--ignore-delay" in line
    assert not (data / "sub-3/ses-2").exists()
    code, _, err = _run(study, data, "2", capsys, monkeypatch, "--ignore-delay")
    assert code == 0, err
    side = json.loads(next((data / "sub-3/ses-2/beh").glob("*_beh.json")).read_text())
    assert side["Extra"]["Study"]["DelayKept"] is False


@pytest.mark.slow  # ~25 s; the default run checks the same files with motorseq's validate_path
def test_study_dataset_passes_bids_validator(tmp_path, display, capsys, monkeypatch, bids_validator):
    study, data = _study(tmp_path), tmp_path / "data"
    assert _run(study, data, "1", capsys, monkeypatch, "--max-blocks", "1")[0] == 0
    assert _run(study, data, "2", capsys, monkeypatch)[0] == 0
    result = subprocess.run([bids_validator, str(data), "--json"], capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    assert report["issues"]["errors"] == [], report["issues"]["errors"]
