"""How reliably each model context predicts each target (the basis of the learned-weight diagnostics)."""

from __future__ import annotations

import numpy as np
from motorseq.models.reproduction import context_reliability
from motorseq.protocols import generate_trials, load_protocol


def test_a_deterministic_sequence_has_one_certain_target_per_context():
    trials = generate_trials(load_protocol("srt-classic"), "01", seed=1)
    trials = trials[trials["block_kind"] != "random"]
    p = context_reliability(trials)
    seen = ~np.isnan(p[:, :, 0])
    # the 12-item second-order sequence: 12 of the 16 (previous, before) contexts occur
    assert seen.sum() == 12
    assert np.allclose(p[seen].max(axis=1), 1.0)
    assert np.allclose(p[seen].sum(axis=1), 1.0)


def test_asrt_contexts_predict_their_high_frequency_target_about_62_percent():
    trials = generate_trials(load_protocol("asrt"), "01", seed=1)
    p = context_reliability(trials)
    seen = ~np.isnan(p[:, :, 0])
    assert seen.all()
    best = p[seen].max(axis=1)
    # pattern trials (half) always continue the pattern, random ones a quarter of the time
    assert 0.58 < best.mean() < 0.67
    assert np.allclose(p[seen].sum(axis=1), 1.0)
