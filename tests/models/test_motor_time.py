"""The motor time varies from trial to trial: log-normal with the parameters' mean and SD."""

from __future__ import annotations

import numpy as np
import pytest
from motorseq.models import ModelParameters, simulate_participant
from motorseq.models.runtime_values import motor_time_sigma
from motorseq.protocols import generate_trials, load_protocol


def test_the_log_normal_keeps_the_mean_and_sd_it_is_given():
    sigma = motor_time_sigma(150.0, 50.0)
    rng = np.random.default_rng(0)
    draws = 150.0 * np.exp(sigma * rng.standard_normal(400_000) - sigma**2 / 2)
    assert draws.mean() == pytest.approx(150.0, rel=0.005)
    assert draws.std() == pytest.approx(50.0, rel=0.01)
    assert draws.min() > 0
    assert np.median(draws) < draws.mean()  # right-skewed, as RT distributions are
    assert motor_time_sigma(150.0, 0.0) == 0.0 and motor_time_sigma(0.0, 50.0) == 0.0


@pytest.fixture(scope="module")
def srt_runs(model_workdir):
    protocol = load_protocol("srt-classic")
    trials = generate_trials(protocol, "01", seed=5).iloc[:60].reset_index(drop=True)

    def run(sd_ms: float):
        params = ModelParameters().with_overrides({"non_decision_sd_ms": sd_ms})
        return simulate_participant(protocol, trials, params, seed=11, workdir=model_workdir).responses

    return {sd: run(sd) for sd in (0.0, 120.0)}


def test_without_spread_no_key_goes_down_before_the_motor_time(srt_runs):
    rt = srt_runs[0.0]["rt"].dropna().astype(float)
    assert rt.min() >= ModelParameters().non_decision_ms / 1000


def test_a_motor_time_spread_widens_the_rt_distribution_by_about_its_sd(srt_runs):
    fixed = srt_runs[0.0]["rt"].dropna().astype(float) * 1000
    spread = srt_runs[120.0]["rt"].dropna().astype(float) * 1000
    # independent parts add in variance: expected SD sqrt(fixed^2 + 120^2)
    expected = np.hypot(fixed.std(), 120.0)
    assert 0.75 * expected < spread.std() < 1.3 * expected, (fixed.std(), spread.std())
    assert spread.min() > 0
    # the mean motor time is unchanged: the mean RT moves by less than the spread's SE
    assert abs(spread.mean() - fixed.mean()) < 3 * 120.0 / np.sqrt(len(spread))


def test_the_next_stimulus_waits_for_the_press_with_its_trials_motor_time(srt_runs):
    r = srt_runs[120.0]
    rsi = load_protocol("srt-classic").response.rsi_ms / 1000
    onset = r["stimulus_onset"].to_numpy()
    rt = r["rt"].astype(float).to_numpy()
    same_block = np.diff(onset) < 5  # no break between them
    answered = same_block & ~np.isnan(rt[:-1])
    lag = np.diff(onset)[answered] - (rt[:-1] + rsi)[answered]
    # the onset is the first 1-ms step after the press + RSI (the record takes one step more)
    assert answered.sum() > 40 and lag.min() >= -1e-6 and lag.max() <= 0.0025, (lag.min(), lag.max())


def test_a_press_that_would_come_after_the_response_window_is_a_timeout(model_workdir):
    """As in the task: a key that goes down after the timeout is not recorded (rt never exceeds it)."""
    classic = load_protocol("srt-classic")
    protocol = classic.model_copy(update={"response": classic.response.model_copy(update={"timeout_ms": 800})})
    timeout = protocol.response.timeout_ms / 1000
    trials = generate_trials(protocol, "01", seed=5).iloc[:40].reset_index(drop=True)
    # motor times of 600 +- 300 ms against a 0.8-s window: about half the crossings come too late
    params = ModelParameters().with_overrides({"non_decision_ms": 600.0, "non_decision_sd_ms": 300.0})
    r = simulate_participant(protocol, trials, params, seed=11, workdir=model_workdir).responses
    rt = r["rt"].astype(float)
    assert rt.max() <= timeout
    assert 0.2 < rt.isna().mean() < 0.8, rt.isna().mean()
    assert rt.dropna().min() > 0.2  # the presses that count carry their long motor time
