"""Studies in the model: the offline process on the network's synapses, and every session simulated."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from motorseq.models.errors import ModelNotImplementedError
from motorseq.models.layout import build_layout
from motorseq.models.offline import OfflineParameters, OfflineState, offline_period

SEQUENCE = [0, 1, 2, 3]


def _state(layout, learned=0.6, other=0.2):
    pre, post = layout.plastic["transition"]
    a, b, c = layout.ctx_a[pre], layout.ctx_b[pre], layout.channel[post]
    on_sequence = np.zeros(pre.size, bool)
    for i in range(4):  # context (x_{i-2}, x_{i-1}) -> x_i of the repeating sequence
        on_sequence |= (a == SEQUENCE[i - 2]) & (b == SEQUENCE[i - 1]) & (c == SEQUENCE[i])
    transition = np.where(on_sequence, learned, other)
    naive = {
        "transition": np.full(pre.size, other),
        "corticostriatal": np.full(layout.plastic["corticostriatal"][0].size, 0.3),
        "parallel_fibre": np.full(layout.plastic["parallel_fibre"][0].size, 0.5),
    }
    weights = {
        "transition": transition,
        "corticostriatal": naive["corticostriatal"] + 0.2,
        "parallel_fibre": naive["parallel_fibre"] - 0.1,
    }
    return OfflineState(weights=weights, naive={k: v.copy() for k, v in naive.items()}), on_sequence


def test_replay_consolidates_the_learned_transitions_and_the_rest_decays():
    layout = build_layout(4)
    state, on_sequence = _state(layout)
    offline_period(state, layout, 12 * 3600, OfflineParameters(), np.random.default_rng(1))
    w, stable = state.weights["transition"], state.stable["transition"]
    # replay follows the learned chain: its synapses are tagged (stable) far more than the others
    assert stable[on_sequence].mean() > 0.9 and stable[~on_sequence].mean() < 0.3
    # after 12 h the learned transitions keep most of their advantage; unreplayed changes lose 1 - e^-0.5
    assert w[on_sequence].mean() - w[~on_sequence].mean() > 0.3
    kept = (state.weights["corticostriatal"] - state.naive["corticostriatal"]).mean() / 0.2
    assert kept == pytest.approx(np.exp(-0.5), rel=1e-6)
    log = state.log[-1]
    assert log["replay_events"] == pytest.approx(0.1 * 6 * 3600, rel=0.1)
    assert log["replay_time_s"] == pytest.approx(log["replay_events"] * 8 * 0.6 / 20)


def test_without_replay_everything_decays_to_naive_and_the_process_is_seeded():
    layout = build_layout(4)
    state, on_sequence = _state(layout)
    offline_period(state, layout, 7 * 86400, OfflineParameters(replay_rate_hz=0.0), np.random.default_rng(1))
    for name in state.weights:
        assert np.abs(state.weights[name] - state.naive[name]).max() < 0.001  # e^-7 of the change is left
    a, _ = _state(layout)
    b, _ = _state(layout)
    offline_period(a, layout, 86400, OfflineParameters(), np.random.default_rng(5))
    offline_period(b, layout, 86400, OfflineParameters(), np.random.default_rng(5))
    assert np.array_equal(a.weights["transition"], b.weights["transition"])


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
    assert study["Offline"]["replay_events"] > 1000 and study["Offline"]["labile_kept"] == pytest.approx(np.exp(-7))
    assert side["Protocol"]["blocks"][0]["sequence"] == "other"  # the new-sequence control
