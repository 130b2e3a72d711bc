"""Per-trial activity windows leave rests out (synthetic meter data, no simulation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from motorseq.models.engine import RawRun
from motorseq.models.layout import REGIONS
from motorseq.models.results import activity_table


def _raw(rate_task: float, rate_rest: float, windows: list[tuple[float, float]], end: float) -> RawRun:
    """Meters of a region firing ``rate_task`` Hz inside ``windows``, ``rate_rest`` Hz elsewhere (1 neuron)."""
    t = np.round(np.arange(0, end + 1e-9, 0.01), 6)
    inside = np.zeros(t.size, dtype=bool)
    for a, b in windows:
        inside |= (t >= a) & (t < b)
    rate = np.where(inside, rate_task, rate_rest)
    cum = np.concatenate([[0.0], np.cumsum(rate[:-1] * 0.01)])
    spikes = np.tile(cum, (len(REGIONS), 1))
    return RawRun(trials={}, meter_t=t, meter_spikes=spikes, meter_synaptic=spikes * 2.0, end_time_s=end)


def test_rest_before_the_next_trial_and_after_the_last_is_left_out():
    # trial 0: 1.0-1.6 s, then a 10-s rest; trial 1: 11.6-12.2 s, then a 10-s final rest
    responses = pd.DataFrame({"trial_index": [0, 1], "stimulus_onset": [1.0, 11.6]})
    raw = _raw(50.0, 5.0, [(1.0, 1.6), (11.6, 12.2)], end=22.2)
    pauses = np.array([1.0, 10.0, 10.0])
    act = activity_table(responses, raw, np.ones(len(REGIONS)), pauses)
    m1 = act[act["region"] == "M1"].set_index("trial_index")
    np.testing.assert_allclose(m1["mean_rate_hz"].to_numpy(), 50.0, rtol=0.02)
    np.testing.assert_allclose(m1["synaptic_input"].to_numpy(), 2 * 50.0 * 0.6, rtol=0.02)


def test_without_pauses_the_window_runs_to_the_next_onset():
    responses = pd.DataFrame({"trial_index": [0, 1], "stimulus_onset": [1.0, 11.6]})
    raw = _raw(50.0, 5.0, [(1.0, 1.6), (11.6, 12.2)], end=12.2)
    act = activity_table(responses, raw, np.ones(len(REGIONS)))
    first = act[(act["region"] == "M1") & (act["trial_index"] == 0)]["mean_rate_hz"].item()
    assert first == pytest.approx((50.0 * 0.6 + 5.0 * 10.0) / 10.6, rel=0.02)
