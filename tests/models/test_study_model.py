"""Studies in the model: the offline process on the network's synapses, and every session simulated."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from motorseq.models.errors import ModelNotImplementedError
from motorseq.models.offline import (
    OfflineParameters,
    OfflineState,
    offline_period,
    relax_consolidation,
    replay_events,
)

SEQUENCE = [0, 2, 1, 3]  # a repeating 4-item sequence: context (x_{i-1}, x_{i-2}) -> x_i


def _relax_by_steps(w, ws, n, k_fast, k_slow):
    """The network's update (CORTICOSTRIATAL_DOPAMINE_UPDATE without eligibility), ``n`` times."""
    w, ws = w.copy(), ws.copy()
    for _ in range(n):
        w += (ws - w) * k_fast
        ws += (w - ws) * k_slow
    return w, ws


def test_the_quiet_rest_is_the_networks_own_update_in_closed_form():
    from motorseq.models.network import DOPAMINE_UPDATE_MS

    k_fast, k_slow = DOPAMINE_UPDATE_MS / 60_000.0, DOPAMINE_UPDATE_MS / 600_000.0  # time constants 60 s and 600 s
    w, ws = np.array([0.9, 0.2, 0.5]), np.array([0.3, 0.4, 0.5])
    stepped = _relax_by_steps(w, ws, 30_000, k_fast, k_slow)  # 600 s of 20-ms updates
    closed = relax_consolidation(w, ws, 600.0, k_fast, k_slow)
    np.testing.assert_allclose(closed[0], stepped[0], rtol=1e-10)
    np.testing.assert_allclose(closed[1], stepped[1], rtol=1e-10)
    # after a week what was not consolidated is gone: w = ws, near the slow weight (tau-weighted mean)
    w7, ws7 = relax_consolidation(w, ws, 7 * 86400.0, k_fast, k_slow)
    np.testing.assert_allclose(w7, ws7, atol=1e-12)
    np.testing.assert_allclose(w7, (60 * w + 600 * ws) / 660, atol=0.01)
    assert replay_events(12 * 3600, OfflineParameters()) == 30
    assert replay_events(7 * 86400, OfflineParameters()) == 30  # the replay window caps the rest
    assert replay_events(600, OfflineParameters()) == 1
    assert replay_events(0, OfflineParameters()) == 0


def _learned_state(engine, params):
    """Session-end weights of a network that learned SEQUENCE (SMA transitions and D1 corticostriatal; constructed)."""
    from motorseq.models.runtime_values import runtime_values

    layout = engine.layout
    values = runtime_values(layout, params, np.zeros(4, dtype=np.int32), _timing(), 1, engine.max_trials, np.zeros(5))
    pre, post = layout.plastic["transition"]
    a, b, c = layout.ctx_a[pre], layout.ctx_b[pre], layout.channel[post]
    on = np.zeros(pre.size, bool)
    for i in range(4):  # ctx_a = previous item, ctx_b = the one before it
        on |= (a == SEQUENCE[i - 1]) & (b == SEQUENCE[i - 2]) & (c == SEQUENCE[i])
    cs_pre, cs_post = layout.plastic["corticostriatal"]
    d1_on = layout.pop[cs_post] == "d1"  # and the D1 corticostriatal synapses of the same transitions
    ca, cb, cc = layout.ctx_a[cs_pre], layout.ctx_b[cs_pre], layout.channel[cs_post]
    seq_cs = np.zeros(cs_pre.size, bool)
    for i in range(4):
        seq_cs |= (ca == SEQUENCE[i - 1]) & (cb == SEQUENCE[i - 2]) & (cc == SEQUENCE[i])
    striatum = np.where(d1_on & seq_cs, 0.9, np.asarray(values["corticostriatal.w"], dtype=float))
    weights = {
        "transition": np.where(on, 0.9, np.asarray(values["transition.w"])),
        "corticostriatal": striatum,
        "corticostriatal_ws": striatum.copy(),
        "parallel_fibre": np.asarray(values["parallel_fibre.w"], dtype=float),
    }
    return OfflineState(weights), on


def _timing():
    from motorseq.models.runtime_values import TaskTiming

    return TaskTiming(rsi_s=0.5, timeout_s=2.0, until_correct=False)


def test_rest_run_replays_the_learned_transitions_in_the_network(model_workdir):
    """The compiled network at rest (no cue, spontaneous bursts) chooses the learned successors."""
    from motorseq.models import ModelParameters
    from motorseq.models.engine import get_engine

    params = ModelParameters()
    engine = get_engine(4, params.dt_ms, model_workdir)
    state, on = _learned_state(engine, params)
    before = state.weights["transition"].copy()
    offline = OfflineParameters(replay_events_per_hour=2.0)  # 12 events of 8 items
    offline_period(state, engine, params, 12 * 3600, offline, seed=4)
    log = state.log[-1]
    assert log["replay_events"] == 12 and log["replayed_items"] == 96
    assert log["chosen_share"] > 0.8  # the network chooses an item in most bursts
    sequence = {f"{SEQUENCE[i - 2] + 1}-{SEQUENCE[i - 1] + 1}-{SEQUENCE[i] + 1}" for i in range(4)}
    replayed = log["triplets"]
    on_sequence = sum(n for key, n in replayed.items() if key in sequence)
    # chance: a sequence pair (4 of 12 ordered pairs) then its successor (1 of 3): 1/9
    assert on_sequence > 2 / 9 * sum(replayed.values())
    # the transition synapses learn during replay by the network's own rule (pre-spike depression,
    # soft-bounded potentiation: near 0.9 the two nearly balance) and keep what was learned
    assert log["transition_change_by_replay"] > 1e-4
    assert state.weights["transition"][on].mean() > 0.85 > 0.7 > before[~on].mean()
    assert log["quiet_s"] == pytest.approx(12 * 3600 - log["simulated_rest_s"])
    # same seed, same rest
    again, _ = _learned_state(engine, params)
    offline_period(again, engine, params, 12 * 3600, offline, seed=4)
    assert np.array_equal(again.weights["transition"], state.weights["transition"])


def test_paced_and_tapping_studies_are_accepted_and_two_ramps_refused_naming_the_session(tmp_path):
    from motorseq.models.study import check_study_supported, simulate_study
    from motorseq.protocols.study import load_study

    check_study_supported(load_study("paced-practice"))  # issue 17: paced blocks are performed
    study = tmp_path / "tap.yaml"
    study.write_text(
        "name: tap\ntitle: t\nsessions:\n  - {protocol: sct}\n  - {protocol: ftt, delay: 10min}\n"
        "source: {citation: test study}\n"
    )
    check_study_supported(load_study(study))  # and tapping
    protocol = tmp_path / "two-ramps.yaml"
    text = (Path(load_study("paced-practice").path).parent / "protocols" / "srt-paced-ramp.yaml").read_text()
    ramp = "pace: {ioi_ms: 800, target_ioi_ms: 450, step_ms: 50, criterion: 0.9}}"
    two = text.replace(
        f"  - {{kind: sequence, trials: 48, repeat: 10, {ramp}",
        "  - {kind: sequence, trials: 48, pace: {ioi_ms: 800, target_ioi_ms: 450}}\n"
        "  - {kind: sequence, trials: 48, pace: {ioi_ms: 700, target_ioi_ms: 450}}",
    )
    assert two != text
    protocol.write_text(two.replace("name: srt-paced-ramp", "name: two-ramps"))
    study = tmp_path / "ramps.yaml"
    study.write_text(
        "name: ramps\ntitle: t\nsessions:\n  - {protocol: two-ramps.yaml}\nsource: {citation: test study}\n"
    )
    refused = r"ramps\.yaml: sessions\.0: two-ramps: blocks\.pace: .*one tempo"
    with pytest.raises(ModelNotImplementedError, match=refused):
        simulate_study(study, tmp_path / "out", 1)
    assert not (tmp_path / "out" / "sub-01").exists()


@pytest.mark.slow  # compiles the network and runs 4 sessions: ~3 min on 2 busy cores
def test_every_session_is_simulated_with_the_weights_carried(tmp_path, model_workdir):
    from motorseq.models.study import simulate_study
    from motorseq.protocols.io import validate_path

    out = tmp_path / "bids"
    done = simulate_study(
        "retention-relearning", out, 2, seed=3, max_blocks=2, max_trials_per_block=12, build_root=model_workdir
    )
    assert done.groups == {"01": "same-sequence", "02": "new-sequence"}
    assert sorted(p.name for p in (out / "sub-02").iterdir()) == ["ses-1", "ses-2"]
    assert [n for _, n, _ in validate_path(out)] == [24, 24, 24, 24]
    side = json.loads(next((out / "sub-02/ses-2/beh").glob("*_beh.json")).read_text())
    study = side["Extra"]["Simulation"]["Study"]
    assert study["CarriedWeights"] is True and study["Delay"] == "7d"
    assert study["Offline"]["replay_events"] == 30 and study["Offline"]["replayed_items"] == 240
    assert study["Offline"]["quiet_s"] == pytest.approx(7 * 86400 - study["Offline"]["simulated_rest_s"])
    assert side["Protocol"]["blocks"][0]["sequence"] == "other"  # the new-sequence control
