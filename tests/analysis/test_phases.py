"""Phase measures on constructed data with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis import phases as ph


def _blocks(values_by_session):
    rows = []
    for ses, values in values_by_session.items():
        for b, v in enumerate(values, start=1):
            rows.append({"participant": "1", "session": ses, "block": b, "rt": v})
    return pd.DataFrame(rows)


def test_offline_gain_first_block_vs_last_block_of_previous_session():
    blocks = _blocks({"1": [600, 500, 450], "2": [420, 400], "10": [480, 470]})
    gains = ph.offline_gains(blocks, "rt", lower_is_better=True)
    assert gains["session_to"].tolist() == ["2", "10"]  # numeric order, not "10" < "2"
    assert gains["offline_gain"].tolist() == [30.0, -80.0]
    assert gains["offline_gain_pct"].iloc[0] == pytest.approx(100 * 30 / 450)
    # FTT-like (higher is better), Walker et al.: mean of last 3 vs first 3
    ftt = _blocks({"1": [10, 12, 14, 16, 18], "2": [20, 22, 24, 30]})
    gain = ph.offline_gains(ftt, "rt", lower_is_better=False, n=3)
    assert gain["offline_gain"].iloc[0] == pytest.approx(22 - 16)
    assert gain["offline_gain_pct"].iloc[0] == pytest.approx(100 * 6 / 16)


def test_retained_fraction_for_skill_and_for_an_effect():
    assert ph.retained_fraction(start=600, end=400, retest=450) == pytest.approx(0.75)
    assert ph.retained_fraction(start=10, end=20, retest=20) == pytest.approx(1.0)
    assert ph.retained_fraction(start=0, end=40, retest=10) == pytest.approx(0.25)  # effect: retest / end
    assert np.isnan(ph.retained_fraction(start=5, end=5, retest=1))


def test_trials_to_criterion_and_savings():
    learn = np.array([600, 560, 530, 510, 500, 500])
    assert ph.trials_to_criterion(learn, 510, lower_is_better=True) == 4
    assert ph.trials_to_criterion(learn, 505, lower_is_better=True, window=2) == 5  # (510+500)/2
    assert np.isnan(ph.trials_to_criterion(learn, 100, lower_is_better=True))
    relearn = np.array([520, 500, 490])
    new = np.array([590, 550, 520, 505, 498])
    s = ph.savings(learn, relearn, new, lower_is_better=True)
    assert (s.criterion, s.trials_learn, s.trials_relearn, s.trials_new) == (500, 5, 2, 5)
    assert s.savings == pytest.approx(0.6)
    assert s.savings_new == pytest.approx(0.0)
    assert s.savings_ratio == pytest.approx(2.5)


def test_micro_online_and_offline_gains_add_up():
    # three blocks of five trials: RT falls 50 ms within each block, rises 20 ms over each rest
    rows = []
    start = 600.0
    for b in range(1, 4):
        for t in range(1, 6):
            rows.append({"participant": "1", "session": "1", "block": b, "trial": t, "rt": start - 12.5 * (t - 1)})
        start = start - 50 + 20
    m = ph.micro_gains(pd.DataFrame(rows), "rt", lower_is_better=True)
    assert m["micro_online"].iloc[0] == pytest.approx(150.0)
    assert m["micro_offline"].iloc[0] == pytest.approx(-40.0)
    assert m["total"].iloc[0] == pytest.approx(110.0)  # 600 at the first trial -> 490 at the last


def test_tempo_steps():
    blocks = pd.DataFrame(
        {
            "participant": "1",
            "session": "1",
            "ioi_ms": [600, 600, 500, 400, 400],
            "accuracy": [0.7, 0.95, 0.92, 0.8, 0.85],
        }
    )
    steps, reached = ph.tempo_steps(blocks, criterion=0.9)
    assert steps.set_index("ioi_ms")["accuracy"].to_dict() == pytest.approx({400: 0.825, 500: 0.92, 600: 0.825})
    assert steps.set_index("ioi_ms")["reached"].to_dict() == {400: False, 500: True, 600: True}
    assert reached["tempo_reached_ms"].iloc[0] == 500
    assert reached["final_accuracy"].iloc[0] == 0.85


def test_asynchrony_and_iti():
    clicks = np.arange(10) * 500.0
    taps = clicks - 40 + np.tile([-5, 5], 5)
    asy = ph.asynchronies(taps, clicks)
    assert np.nanmean(asy) == pytest.approx(-40.0)
    assert np.isnan(ph.asynchronies(np.array([650.0]), clicks, max_ms=100)[0])  # 150 ms from a click: a miss
    summary = ph.timing_summary(taps, clicks)
    assert summary["mean_asynchrony"] == pytest.approx(-40.0)
    assert summary["mean_iti"] == pytest.approx((taps[-1] - taps[0]) / 9)
    assert summary["cv_iti"] == pytest.approx(np.std(np.diff(taps), ddof=1) / np.mean(np.diff(taps)))


def test_wing_kristofferson_recovers_clock_and_motor_variance():
    rng = np.random.default_rng(3)
    n = 20000
    clock = rng.normal(500, 20, n)  # sigma_C = 20 ms
    motor = rng.normal(0, 10, n + 1)  # sigma_M = 10 ms
    itis = clock + motor[1:] - motor[:-1]
    wk = ph.wing_kristofferson(itis)
    assert wk.clock_var == pytest.approx(400, rel=0.08)
    assert wk.motor_var == pytest.approx(100, rel=0.08)
    assert wk.lag1_autocorrelation == pytest.approx(-100 / 600, abs=0.02)
    assert wk.valid
    positive = ph.wing_kristofferson(np.cumsum(rng.normal(0, 1, 2000)) + 500, detrend=False)
    assert not positive.valid and positive.motor_var == 0


def test_report_phase_overview_puts_people_and_model_side_by_side():
    from motorseq.analysis.report.phases import phase_overview

    gains = pd.DataFrame(
        {
            "participant": ["1", "2", "3", "1"],
            "source": ["human", "human", "human", "model"],
            "offline_gain": [10.0, 20.0, 30.0, -5.0],
            "offline_gain_pct": [1.0, 2.0, 3.0, -1.0],
        }
    )
    overview = phase_overview({"phase_offline_gains": gains})
    assert list(overview.columns) == ["human (n=3)", "model (n=1)"]
    row = overview.loc["offline gain (next session's start vs this one's end)"]
    assert row.tolist() == [20.0, -5.0]
    assert phase_overview({}).empty
