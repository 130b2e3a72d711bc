"""The Cython runtime fallback runs the same closed loop as C++ standalone (slow: Cython compiles)."""

from __future__ import annotations

import numpy as np
import pytest
from motorseq.models import ModelParameters
from motorseq.models.elements import element_plan
from motorseq.models.engine import Engine
from motorseq.models.runtime_values import TaskTiming, runtime_values
from motorseq.protocols import generate_trials, load_protocol

pytestmark = pytest.mark.slow


def test_runtime_engine_performs_the_trials_with_rests():
    protocol = load_protocol("srt-classic")
    trials = generate_trials(protocol, "01", seed=3).iloc[20:30].reset_index(drop=True)  # crosses a break
    params = ModelParameters().with_overrides({"rest_s": 5.0})
    engine = Engine(len(protocol.positions), params.dt_ms, mode="runtime", max_trials=64)
    targets = trials["target"].astype(int).to_numpy() - 1
    pauses = element_plan(protocol, trials, params.rest_s).pauses
    timing = TaskTiming(rsi_s=protocol.response.rsi_ms / 1000, timeout_s=2.0, until_correct=False)
    raw = engine.run(runtime_values(engine.layout, params, targets, timing, 5, engine.max_trials, pauses))
    rec = raw.trials
    assert rec["trial"].tolist() == list(range(len(trials)))
    assert rec["tgt"].tolist() == targets.tolist()
    answered = rec["resp"] >= 0
    assert answered.mean() >= 0.8
    assert np.all((rec["rt"][answered] > 0.17) & (rec["rt"][answered] < 1.0))
    gaps = np.diff(rec["t_on"])
    after_break = int(np.flatnonzero(pauses[1:-1])[0]) + 1  # the first trial after the break
    # a trial lasts at most the 2-s timeout + RSI; the break adds 5 s
    assert gaps[after_break - 1] > 5.0 and np.delete(gaps, after_break - 1).max() < 2.5
    assert rec["t_on"][0] == pytest.approx(params.warmup_s + 5.0, abs=0.002)  # rest before the first trial
    motor = rec["t_nd_trial"][-1] * (rec["resp"][-1] >= 0)  # the last trial's own motor time
    expected_end = rec["t_record"][-1] + motor + protocol.response.rsi_ms / 1000 + 5.0  # final rest
    assert raw.end_time_s == pytest.approx(expected_end, abs=0.01)
