"""The network performs DSP and finger tapping and writes a person's files (real Brian2).

Shortened protocols keep the default run fast; the full protocols (learning figures) are slow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis import analyze
from motorseq.models import ModelParameters, simulate_participant
from motorseq.models.output import derivative_paths, write_participant
from motorseq.protocols import generate_trials, load_protocol, parse_protocol
from motorseq.protocols.io import BEH_COLUMNS, read_events, read_run, run_paths, validate_path
from motorseq.protocols.scoring import score_taps

PARAMS = ModelParameters().with_overrides({"rest_s": 2.0})
STEP = PARAMS.dt_ms / 1000


def _short(name: str, **changes):
    data = load_protocol(name).model_dump(mode="json", by_alias=True, exclude_none=True)
    data.update(name=f"{name}-short", **changes)
    return parse_protocol(data)


@pytest.fixture(scope="module")
def dsp():
    blocks = [{"kind": "practice", "trials": 2}, {"kind": "sequence", "trials": 8}, {"kind": "random", "trials": 2}]
    return _short("dsp", blocks=blocks)


@pytest.fixture(scope="module")
def ftt():
    return _short("ftt", blocks=[{"kind": "sequence", "trials": 3}], ftt={"tap_s": 6, "rest_s": 3})


def _write(root, protocol, participant: str, seed: int, workdir):
    trials = generate_trials(protocol, participant, seed=seed)
    result = simulate_participant(protocol, trials, PARAMS, seed=seed, workdir=workdir)
    write_participant(root, protocol, trials, result, participant=participant, seed=seed)
    paths = run_paths(root, participant, "1", protocol.name, 1)
    return trials, read_run(paths.beh), read_events(paths.events)


@pytest.fixture(scope="module")
def dsp_runs(dsp, model_workdir, tmp_path_factory):
    root = tmp_path_factory.mktemp("dsp")
    return root, {p: _write(root, dsp, p, 20 + k, model_workdir) for k, p in enumerate(("01", "02"))}


@pytest.fixture(scope="module")
def ftt_runs(ftt, model_workdir, tmp_path_factory):
    root = tmp_path_factory.mktemp("ftt")
    return root, {p: _write(root, ftt, p, 30 + k, model_workdir) for k, p in enumerate(("01", "02"))}


def _same_files(a, b, participant: str) -> None:
    def files(root):
        found = {}
        for folder in (root / f"sub-{participant}", root / "derivatives" / "motorseq-model" / f"sub-{participant}"):
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    found[str(path.relative_to(root))] = path.read_bytes()
        return found

    first, second = files(a), files(b)
    assert len(first) == 8 and first.keys() == second.keys()  # beh, events, 2 sidecars, 2 derivatives + json
    assert [k for k in first if first[k] != second[k]] == []


def test_dsp_files_have_a_persons_format(dsp, dsp_runs):
    root, runs = dsp_runs
    assert [status for _, _, status in validate_path(root)] == ["complete", "complete"]
    for trials, beh, events in runs.values():
        assert list(beh.columns) == [c.name for c in BEH_COLUMNS] and len(beh) == len(trials)
        assert beh["trial_index"].tolist() == trials["trial_index"].tolist()
        assert beh["target"].tolist() == trials["target"].tolist()
        assert beh["n_correct_sequences"].isna().all()
        assert beh.attrs["sidecar"]["Source"]["Type"] == "model"
        assert (events.groupby("trial_index").size().reindex(beh["trial_index"], fill_value=0).to_numpy()
                == beh["n_presses"].to_numpy()).all()  # fmt: skip
        complete = beh["n_presses"] == 6  # first-press rule: 6 presses unless an element timed out
        assert complete.mean() > 0.9
        for row in beh.itertuples():
            ev = events[events["trial_index"] == row.trial_index]
            want = [int(x) for x in row.target.split("-")][: len(ev)]
            assert ev["correct"].tolist() == [int(p == w) for p, w in zip(ev["position"], want, strict=True)]
            assert row.n_errors == (1 - ev["correct"]).sum()
            assert np.allclose(ev["onset"], row.stimulus_onset + ev["rt"], atol=2e-6)
            assert ev["key"].tolist() == [dsp.keys[p - 1] for p in ev["position"]]
            if len(ev):
                assert ev["key"].iloc[0] == row.response and ev["rt"].iloc[0] == pytest.approx(row.rt, abs=1e-6)
            # each element appears at the previous press (RSI 0) and arms the response readout, so the
            # next press comes at least that element's motor time later (log-normal, drawn per element)
            assert (np.diff(ev["rt"]) > 0).all()
            if row.n_presses == 6:
                assert row.execution_time == pytest.approx(ev["rt"].iloc[-1], abs=1e-6)
                assert row.correct == int(row.n_errors == 0)
            else:
                assert pd.isna(row.execution_time) and row.correct == 0
        # the next sequence starts inter_sequence_ms after the last press (breaks: the model's rest)
        last_press = beh["stimulus_onset"] + beh["execution_time"]
        gap = (beh["stimulus_onset"].shift(-1) - last_press).iloc[:-1]
        new_block = (beh["block"].shift(-1) != beh["block"]).iloc[:-1]
        expected = np.where(new_block, PARAMS.rest_s, dsp.dsp.inter_sequence_ms / 1000)
        ok = gap.notna()
        assert np.allclose(gap[ok], expected[ok], atol=3 * STEP)


def test_dsp_measures_come_out_of_the_analysis(dsp_runs, dsp):
    root, runs = dsp_runs
    result = analyze(root, n_boot=20, n_boot_participant=0, statistics=False, figures=False)
    execution = result.tables["dsp_execution"]
    seq = execution[execution["trial_type"] == "sequence"]
    assert len(seq) >= 2 and np.isfinite(seq["mean_execution_ms"]).all()
    assert seq["mean_execution_ms"].between(1000, 5000).all()  # six keys at 200-800 ms each
    ikis = result.tables["dsp_inter_key_intervals"]
    assert sorted(ikis["position"].unique()) == [1, 2, 3, 4, 5] and np.isfinite(ikis["iki_ms"]).all()
    chunks = result.tables["dsp_chunk_boundaries"]
    assert np.isfinite(chunks["iki_ratio"]).all() and chunks["participant"].nunique() == 2
    # regional activity per sequence, as for SRT
    trials = runs["01"][0]
    activity = pd.read_csv(derivative_paths(root, dsp, "01")["activity"], sep="\t")
    assert sorted(activity["trial_index"].unique()) == trials["trial_index"].tolist()
    assert (activity["mean_rate_hz"] > 0).any()


def test_ftt_files_have_a_persons_format(ftt, ftt_runs):
    root, runs = ftt_runs
    assert [status for _, _, status in validate_path(root)] == ["complete", "complete"]
    sequence = [ftt.keys[x - 1] for x in ftt.sequences[0]]
    for trials, beh, events in runs.values():
        assert list(beh.columns) == [c.name for c in BEH_COLUMNS] and len(beh) == len(trials) == 3
        assert beh["correct"].isna().all() and beh["execution_time"].isna().all()
        # tapping periods of tap_s, rest_s apart; the first after the model's warm-up and rest
        assert beh["stimulus_onset"].iloc[0] == pytest.approx(PARAMS.warmup_s + PARAMS.rest_s, abs=2 * STEP)
        assert np.allclose(np.diff(beh["stimulus_onset"]), ftt.ftt.tap_s + ftt.ftt.rest_s, atol=3 * STEP)
        for row in beh.itertuples():
            ev = events[events["trial_index"] == row.trial_index]
            assert len(ev) == row.n_presses >= 10  # self-paced: 6 s at 200-600 ms per tap
            assert ev["rt"].between(0, ftt.ftt.tap_s, inclusive="left").all()
            assert (np.diff(ev["rt"]) > 0).all()
            flags, n_correct = score_taps(ev["key"].tolist(), sequence)
            assert ev["correct"].tolist() == flags
            assert row.n_correct_sequences == n_correct and row.n_errors == len(flags) - sum(flags)
            assert row.response == ev["key"].iloc[0] and row.rt == pytest.approx(ev["rt"].iloc[0], abs=1e-6)
        assert beh["n_correct_sequences"].sum() >= 3


def test_ftt_measures_come_out_of_the_analysis(ftt_runs):
    root, _ = ftt_runs
    result = analyze(root, n_boot=20, n_boot_participant=0, statistics=False, figures=False)
    per_trial = result.tables["ftt_per_trial"]
    assert len(per_trial) == 6 and np.isfinite(per_trial["n_correct_sequences"].astype(float)).all()
    gain = result.tables["ftt_gain"]
    assert len(gain) == 2 and np.isfinite(gain[["first_mean", "last_mean", "gain"]].to_numpy(dtype=float)).all()


def test_same_seed_gives_byte_identical_dsp_and_ftt_files(dsp, ftt, dsp_runs, ftt_runs, model_workdir, tmp_path):
    for protocol, (root, _), seed in ((dsp, dsp_runs, 20), (ftt, ftt_runs, 30)):
        again = tmp_path / protocol.name
        _write(again, protocol, "01", seed, model_workdir)
        _same_files(root, again, "01")


def _full_run(name: str, workdir, participants=(("01", 101), ("02", 102))) -> pd.DataFrame:
    from motorseq.models.output import merge_responses

    protocol = load_protocol(name)
    frames = []
    for participant, seed in participants:
        trials = generate_trials(protocol, participant, seed=seed)
        result = simulate_participant(protocol, trials, ModelParameters(), seed=seed, workdir=workdir)
        frames.append(merge_responses(protocol, trials, result.responses).assign(participant=participant))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def ftt_full(model_workdir):
    return _full_run("ftt", model_workdir)


@pytest.fixture(scope="module")
def dsp_by_block(model_workdir):
    rows = _full_run("dsp", model_workdir)
    ok = rows[rows["correct"] == 1].astype({"execution_time": float})
    return ok.groupby(["block", "trial_type"])["execution_time"].mean()


@pytest.mark.slow
def test_dsp_random_sequences_are_slower_than_practised_ones(dsp_by_block):
    sequence = dsp_by_block.xs("sequence", level="trial_type")
    assert dsp_by_block.xs("random", level="trial_type").iloc[-1] > sequence.iloc[-1]  # sequence-specific


@pytest.mark.slow
def test_dsp_execution_time_falls_with_practice(dsp_by_block):
    sequence = dsp_by_block.xs("sequence", level="trial_type")
    assert sequence.iloc[-1] < 0.97 * sequence.iloc[0], sequence.round(3).tolist()


@pytest.mark.slow
def test_ftt_tapping_speeds_up_over_trials(ftt_full):
    taps = ftt_full.groupby("trial")["n_presses"].mean()
    assert taps.iloc[-3:].mean() > 1.05 * taps.iloc[:3].mean(), taps.tolist()


@pytest.mark.slow
@pytest.mark.xfail(
    reason="per-tap errors (~8%, mostly the previous key pressed again at RSI 0) do not fall with practice, "
    "so correct sequences per 30 s stay flat although tapping speeds up (models/README.md, shortfalls)",
    strict=False,
)
def test_ftt_correct_sequences_rise_fastest_in_the_first_trials(ftt_full):
    correct = ftt_full.groupby("trial")["n_correct_sequences"].mean().astype(float)
    assert correct.iloc[-3:].mean() > correct.iloc[:3].mean() + 1, correct.tolist()
    assert correct.iloc[3] - correct.iloc[0] > (correct.iloc[-1] - correct.iloc[3]) / 2


def test_a_wrong_tap_starts_the_sequence_again(ftt, model_workdir):
    """After a wrong tap the model taps the sequence from its start, as the score expects.

    ``score_taps`` starts the sequence again after a wrong tap; a model that went on through
    its pass instead would be scored wrong on most of the taps after it (estimated: right ~2 in 5).
    """
    params = PARAMS.with_overrides({"readout_noise_hz": 26.0})  # more slips than the default
    after_wrong = []
    for seed in (41, 42):
        trials = generate_trials(ftt, "01", seed=seed)
        result = simulate_participant(ftt, trials, params, seed=seed, workdir=model_workdir)
        for _, taps in result.presses.sort_values("onset").groupby("trial_index"):
            flags = taps["correct"].to_numpy()
            after_wrong += [int(flags[k + 1]) for k in np.flatnonzero(flags[:-1] == 0)]
    assert len(after_wrong) >= 8
    assert np.mean(after_wrong) >= 0.75, after_wrong  # measured: 13 of 14
