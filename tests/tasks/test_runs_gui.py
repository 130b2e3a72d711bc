"""Every bundled protocol, shortened, played by the XTEST participant in a real window.

The files are checked against the trial list and against the key presses that were injected:
row counts, trial types, RTs (measured = injected within 3 ms), ASRT triplets, DSP presses and
finger-tapping taps and scores.
"""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np
import pytest
from motorseq.protocols import generate_trials, list_protocols
from motorseq.protocols.io import read_events, read_run

from .conftest import FAST, check_timing

pytestmark = pytest.mark.gui

#: shortening per protocol: (max trials per block, max blocks)
SHORT = {"asrt": (13, 3), "dsp": (3, 3), "ftt": (2, 1), "sct": (2, 1), "sct-sequence": (2, 1)}


def _run(protocol: str, data, participant="7", shape=None, **extra):
    from motorseq.tasks.session import RunOptions, run_session
    from motorseq.tasks.simulate_input import parse_simulation_spec

    trials, blocks = shape or SHORT.get(protocol, (4, 3))
    options = RunOptions(
        protocol=protocol,
        participant=participant,
        data=data,
        window_size=(640, 480),
        simulate=parse_simulation_spec(FAST),
        max_trials_per_block=trials,
        max_blocks=blocks,
        max_trial_seconds=2.0,
        **extra,
    )
    return run_session(options)


def _injected_by_stimulus(result):
    by = defaultdict(list)
    for press in result.injected:
        if press.kind in ("serial", "sequence", "tapping", "sct"):  # not the space bar on instruction screens
            by[press.stimulus].append(press)
    return {k: sorted(v, key=lambda p: p.down) for k, v in by.items()}


@pytest.mark.parametrize("name", list_protocols())
def test_bundled_protocol_runs_and_files_match_the_injected_presses(name, tmp_path, display):
    result = _run(name, tmp_path)
    assert result.status == "complete"
    beh = read_run(result.paths.beh)
    events = read_events(result.paths.events)
    sidecar = json.loads(result.paths.sidecar.read_text())
    protocol_used = sidecar["Protocol"]
    from motorseq.protocols import parse_protocol

    expected = generate_trials(parse_protocol(protocol_used), "7", sidecar["Seed"])
    # row counts and the trial list itself
    assert len(beh) == len(expected) == result.trials_written
    for column in ("block", "trial", "trial_index", "trial_type", "triplet_type", "target", "correct_key"):
        saved = beh[column].astype(object).where(beh[column].notna(), "n/a").astype(str)
        assert saved.tolist() == expected[column].astype(str).tolist(), column
    assert sidecar["RunStatus"] == "complete"
    assert sidecar["Source"]["Type"] == "simulated"
    assert len(sidecar["Extra"]["FrameStats"]) == beh["block"].nunique()
    assert all(s["n_frames"] > 10 for s in sidecar["Extra"]["FrameStats"])
    assert np.all(np.diff(beh["stimulus_onset"].to_numpy(float)) > 0)

    injected = _injected_by_stimulus(result)
    assert sorted(injected) == list(range(1, len(beh) + 1))  # one stimulus message per trial, no restarts
    paradigm = protocol_used["paradigm"]
    rule = protocol_used["response"]["rule"]
    errors, duration_errors = [], []
    for row in beh.itertuples():
        presses = injected[row.trial_index]
        trial_events = events[(events["trial_index"] == row.trial_index) & (events["rt"] >= 0)]
        assert len(trial_events) == len(presses), f"trial {row.trial_index}: every injected press is logged"
        assert trial_events["key"].tolist() == [p.key for p in presses]
        measured_rt = trial_events["rt"].to_numpy(float)
        injected_rt = np.array([p.down - p.onset for p in presses])
        errors.extend(measured_rt - injected_rt)
        held = trial_events["duration"].to_numpy(float)
        duration_errors.extend((held - np.array([p.up - p.down for p in presses]))[~np.isnan(held)])
        assert row.rt == pytest.approx(measured_rt[0], abs=1e-6)
        assert row.response == presses[0].key
        if paradigm in ("srt", "asrt"):
            assert row.correct == int(presses[0].key == row.correct_key)
            if rule == "until-correct":
                assert presses[-1].key == row.correct_key
                assert row.n_errors == len(presses) - 1
        if paradigm == "dsp":
            keys = row.correct_key.split("-")
            assert row.n_presses == len(keys)  # first-press rule: one press per element
            assert row.correct == int([p.key for p in presses] == keys)
            assert row.execution_time == pytest.approx(measured_rt[-1], abs=1e-6)
        if paradigm == "ftt":
            from motorseq.tasks.paradigms.ftt import score_taps

            flags, n_correct = score_taps([p.key for p in presses], row.correct_key.split("-"))
            assert row.n_presses == len(presses) >= 10
            assert row.n_correct_sequences == n_correct >= 1
            assert row.n_errors == len(flags) - sum(flags)
            assert trial_events["correct"].tolist() == flags
    errors = np.abs(np.array(errors))
    print(
        f"{name}: measured - injected RT over {errors.size} presses: mean |e| {errors.mean() * 1000:.3f} ms, "
        f"max {errors.max() * 1000:.3f} ms"
    )
    check_timing(errors, f"{name} RT")
    # how long each key was held is measured too (most are released before the trial is written)
    assert len(duration_errors) >= 0.8 * len(events)
    check_timing(duration_errors, f"{name} key-hold duration")
    if paradigm == "asrt":
        learning = beh[beh["block_kind"] == "pattern-alternating"]
        assert set(learning["triplet_type"].dropna()) <= {"H", "L", "T", "R"}
        assert (learning["triplet_type"] == "H").sum() >= 5
        pattern_rows = learning[learning["trial"] > 5]
        assert pattern_rows["trial_type"].tolist()[:4] == ["pattern", "random", "pattern", "random"]
        # every pattern trial closes a high-frequency triplet (P r P)
        later_pattern = pattern_rows[(pattern_rows["trial_type"] == "pattern") & (pattern_rows["trial"] > 7)]
        assert (later_pattern["triplet_type"] == "H").all()


def test_escape_then_confirm_aborts_with_every_finished_trial_saved(tmp_path, display):
    from motorseq.tasks.session import RunOptions, run_session
    from motorseq.tasks.simulate_input import parse_simulation_spec

    options = RunOptions(
        protocol="srt-classic",
        participant="2",
        data=tmp_path,
        window_size=(640, 480),
        simulate=parse_simulation_spec(FAST + ",escape_at=6"),
        max_trials_per_block=4,
        max_blocks=3,
    )
    result = run_session(options)
    assert result.status == "aborted"
    beh = read_run(result.paths.beh)
    assert len(beh) == 5  # trials 1-5 finished; the 6th was interrupted by Escape
    sidecar = json.loads(result.paths.sidecar.read_text())
    assert sidecar["RunStatus"] == "aborted" and sidecar["TrialsWritten"] == 5
    assert sidecar["EndTime"] is not None


def test_dsp_all_at_once_until_correct_logs_every_press(tmp_path, display):
    import yaml
    from motorseq.protocols import load_protocol

    data = load_protocol("dsp").model_dump(mode="json", by_alias=True)
    data["dsp"]["stimulus"] = "all-at-once"
    data["response"]["rule"] = "until-correct"
    data["dsp"]["inter_sequence_ms"] = 300
    path = tmp_path / "dsp-typed.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    result = _run(str(path), tmp_path / "data", shape=(4, 2))
    assert result.status == "complete"
    beh = read_run(result.paths.beh)
    events = read_events(result.paths.events)
    injected = _injected_by_stimulus(result)
    assert len(beh) == result.trials_written == 8 and sorted(injected) == list(range(1, 9))
    assert beh["n_errors"].sum() >= 1  # 10 % errors over 54 presses: some wrong keys, each then corrected
    for row in beh.itertuples():
        keys = row.correct_key.split("-")
        trial_events = events[(events["trial_index"] == row.trial_index) & (events["rt"] >= 0)]
        assert trial_events["key"].tolist() == [p.key for p in injected[row.trial_index]]
        assert trial_events[trial_events["correct"] == 1]["key"].tolist() == keys  # each element typed once right
        assert row.n_presses == len(keys) + row.n_errors
        assert row.correct == int(row.n_errors == 0)
        assert row.execution_time == pytest.approx(trial_events["rt"].iloc[-1], abs=1e-6)
