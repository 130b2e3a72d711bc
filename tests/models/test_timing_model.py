"""The model performs paced blocks and synchronisation-continuation tapping in closed loop (issue 17).

Short runs of the compiled network (4 channels, the structure the other model tests compile):
a tapping protocol whose taps come from the SMA timer population, and paced SRT blocks whose
stimuli follow the metronome and whose tempo ramp steps on the accuracy of the block before.
"""

from __future__ import annotations

import numpy as np
import pytest
from motorseq.analysis import analyze
from motorseq.models import ModelParameters, simulate_participant
from motorseq.models.output import write_participant
from motorseq.protocols import generate_trials, load_protocol, parse_protocol
from motorseq.protocols.io import BEH_COLUMNS, read_events, read_run, run_paths, validate_path

PARAMS = ModelParameters().with_overrides({"rest_s": 2.0})
STEP = PARAMS.dt_ms / 1000
IOI = 0.5
SYNC, CONT = 10, 16
RAMP = {"ioi_ms": 800, "target_ioi_ms": 700, "step_ms": 50, "criterion": 0.9}


def _short(name: str, **changes):
    data = load_protocol(name).model_dump(mode="json", by_alias=True, exclude_none=True)
    data.update(name=f"{name}-short", **changes)
    return parse_protocol(data)


@pytest.fixture(scope="module")
def sct():
    return _short(
        "sct-sequence", blocks=[{"kind": "sequence", "trials": 2}],
        sct={"ioi_ms": 1000 * IOI, "sync_beats": SYNC, "continuation_beats": CONT, "rest_s": 1},
    )  # fmt: skip


@pytest.fixture(scope="module")
def paced():
    blocks = [
        {"kind": "sequence", "trials": 10, "repeat": 3, "pace": RAMP},
        {"kind": "sequence", "trials": 10, "pace": {"ioi_ms": 450}},
        {"kind": "sequence", "trials": 5},
    ]
    return _short("srt-classic", blocks=blocks, response={"rule": "first-press", "rsi_ms": 250, "timeout_ms": 2000})


def _write(root, protocol, participant: str, seed: int, workdir, params=PARAMS):
    trials = generate_trials(protocol, participant, seed=seed)
    result = simulate_participant(protocol, trials, params, seed=seed, workdir=workdir)
    write_participant(root, protocol, trials, result, participant=participant, seed=seed)
    paths = run_paths(root, participant, "1", protocol.name, 1)
    return trials, read_run(paths.beh), read_events(paths.events)


@pytest.fixture(scope="module")
def sct_runs(sct, model_workdir, tmp_path_factory):
    root = tmp_path_factory.mktemp("sct")
    return root, {p: _write(root, sct, p, 40 + k, model_workdir) for k, p in enumerate(("01", "02"))}


@pytest.fixture(scope="module")
def paced_runs(paced, model_workdir, tmp_path_factory):
    root = tmp_path_factory.mktemp("paced")
    return root, {p: _write(root, paced, p, 50 + k, model_workdir) for k, p in enumerate(("01", "02"))}


def test_sct_files_have_a_persons_format(sct, sct_runs):
    root, runs = sct_runs
    assert [status for _, _, status in validate_path(root)] == ["complete", "complete"]
    sequence = [sct.keys[x - 1] for x in sct.sequences[0]]
    end = (SYNC + CONT - 0.5) * IOI
    for trials, beh, events in runs.values():
        assert list(beh.columns) == [c.name for c in BEH_COLUMNS] and len(beh) == len(trials) == 2
        assert (beh["ioi"] == IOI).all() and (beh["sync_beats"] == SYNC).all()
        assert np.allclose(beh["click_onset"], beh["stimulus_onset"]) and beh["correct"].isna().all()
        for row in beh.itertuples():
            ev = events[events["trial_index"] == row.trial_index]
            # one tap per beat from the third beat on (the first interval sets the timer's slope)
            assert len(ev) == row.n_presses and SYNC + CONT - 4 <= len(ev) <= SYNC + CONT
            assert ev["rt"].between(-IOI / 2, end, inclusive="left").all() and (np.diff(ev["rt"]) > 0.2).all()
            assert ev["key"].tolist() == [sequence[j % len(sequence)] for j in range(len(ev))]
            assert ev["correct"].eq(1).all() and row.n_errors == 0
            assert np.allclose(ev["onset"], row.stimulus_onset + ev["rt"], atol=2e-6)
            assert row.response == ev["key"].iloc[0] and row.rt == pytest.approx(ev["rt"].iloc[0], abs=1e-6)


def test_sct_timing_measures_come_out_of_the_analysis(sct_runs):
    root, _ = sct_runs
    result = analyze(root, n_boot=20, n_boot_participant=0, statistics=False, figures=False)
    per_trial = result.tables["timing_per_trial"]
    assert len(per_trial) == 4
    values = per_trial[["mean_asynchrony_ms", "mean_iti_ms", "cv_iti", "clock_var_ms2", "motor_var_ms2"]]
    assert np.isfinite(values.to_numpy(dtype=float)).all()
    summary = result.tables["timing_summary"]
    # negative mean asynchrony (the tap's reafference is perceived later than the beat)
    assert summary["mean_asynchrony_ms"].between(-80, -10).all()
    # continuation keeps the metronome's tempo with a few percent variability
    assert summary["mean_iti_ms"].between(0.92 * 1000 * IOI, 1.08 * 1000 * IOI).all()
    assert summary["cv_iti"].between(0.015, 0.10).all()
    assert (summary["clock_var_ms2"] > 0).all()


def test_continuation_is_the_timers_own_rhythm(sct, model_workdir, tmp_path):
    # without period correction and with the slope set for a lower level than the ramp crosses at
    # (0.6 instead of ~0.77), the timer runs slow: phase correction keeps the taps with the beats
    # while they sound, and the continuation intervals show the timer's own (wrong) period
    params = PARAMS.with_overrides({"timer_period_correction": 0.0, "timer_level": 0.6})
    _, beh, events = _write(tmp_path, sct, "01", 40, model_workdir, params)
    for _, taps in events.groupby("trial_index"):
        cont = taps["rt"].to_numpy()[taps["rt"].to_numpy() >= (SYNC - 0.5) * IOI]
        assert np.median(np.diff(cont)) > 1.15 * IOI
    default = PARAMS.with_overrides({"timer_level": 0.6})  # period correction learns the tempo anyway
    _, _, events = _write(tmp_path / "corrected", sct, "01", 40, model_workdir, default)
    for _, taps in events.groupby("trial_index"):
        cont = taps["rt"].to_numpy()[taps["rt"].to_numpy() >= (SYNC - 0.5) * IOI]
        assert abs(np.median(np.diff(cont)) / IOI - 1) < 0.08


def test_same_seed_gives_byte_identical_sct_files(sct, sct_runs, model_workdir, tmp_path):
    root, _ = sct_runs
    _write(tmp_path, sct, "01", 40, model_workdir)
    for name in ("beh", "events"):
        a = getattr(run_paths(root, "01", "1", sct.name, 1), name).read_bytes()
        b = getattr(run_paths(tmp_path, "01", "1", sct.name, 1), name).read_bytes()
        assert a == b


def test_paced_blocks_follow_the_metronome_and_the_ramp(paced_runs):
    root, runs = paced_runs
    assert [status for _, _, status in validate_path(root)] == ["complete", "complete"]
    for _, beh, _ in runs.values():
        ioi = beh.groupby("block")["ioi"].agg(["min", "max"])
        assert (ioi["min"] == ioi["max"]).iloc[:4].all()  # one tempo per block
        accuracy = beh.groupby("block")["correct"].mean()
        tempo = ioi["min"]
        assert tempo[1] == pytest.approx(0.8)
        for b in (2, 3):  # the ramp steps when the block before reached its criterion
            expected = max(0.7, tempo[b - 1] - 0.05) if accuracy[b - 1] >= 0.9 else tempo[b - 1]
            assert tempo[b] == pytest.approx(expected, abs=1e-6)
        assert tempo[4] == pytest.approx(0.45) and beh.loc[beh["block"] == 5, "ioi"].isna().all()
        for b in (1, 2, 3, 4):  # stimuli on the beat, whatever the response time
            rows = beh[beh["block"] == b]
            assert np.allclose(np.diff(rows["stimulus_onset"]), tempo[b], atol=2 * STEP)
            assert np.allclose(rows["click_onset"], rows["stimulus_onset"])
            answered = rows["rt"].notna()
            assert (rows.loc[answered, "rt"] <= tempo[b] + 1e-9).all()  # the press comes by the next beat
        assert beh["correct"].mean() > 0.7


def test_paced_tempo_steps_come_out_of_the_analysis(paced_runs):
    root, _ = paced_runs
    result = analyze(root, n_boot=20, n_boot_participant=0, statistics=False, figures=False)
    steps = result.tables["phase_tempo"]
    assert set(steps["ioi_ms"].round()) >= {800.0, 450.0}
    assert np.isfinite(steps["accuracy"].to_numpy(dtype=float)).all()
