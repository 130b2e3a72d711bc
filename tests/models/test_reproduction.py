"""Full reproductions of issues 7 and 12 (slow: ten virtual participants per group).

Run with ``pytest -m slow tests/models/test_reproduction.py``; the same figures are printed by
``tests/benchmarks/model_reproduction.py``.
"""

from __future__ import annotations

import pytest
from motorseq.models.reproduction import (
    GroupSpec,
    asrt_figures,
    sequence_random_differences,
    shift_ratio,
    simulate_group,
    srt_figures,
    system_differences,
)

pytestmark = pytest.mark.slow

N = 10


@pytest.fixture(scope="module")
def intact():
    return simulate_group(GroupSpec(protocol="srt-classic", n=N, variability=True), workers=2)


def test_srt_classic_speed_accuracy_and_spread(intact):
    f = srt_figures(intact)
    assert 0.350 <= f["first_block_rt"] <= 0.600
    assert 0.02 <= f["error_rate"] <= 0.08
    # a violated prediction costs time, not accuracy
    assert f["random_errors"] <= min(f["sequence_errors"] + 0.05, 0.10)
    assert 0.12 <= f["first_block_rt_cv"] <= 0.30


def test_srt_classic_random_cost_in_the_human_range(intact):
    f = srt_figures(intact)
    assert 20 <= f["random_cost_pct"] <= 35


def test_control_group_speeds_up_less_than_a_third_of_the_sequence_effect(intact):
    control = srt_figures(simulate_group(GroupSpec(protocol="srt-classic", n=N, random_only=True), workers=2))
    assert control["speedup"] <= srt_figures(intact)["random_cost"] / 3


def test_dopamine_depletion_halves_the_sequence_effect(intact):
    lesioned = srt_figures(simulate_group(GroupSpec(protocol="srt-classic", n=N, lesion=("dopamine", 0.2)), workers=2))
    assert lesioned["random_cost"] <= 0.5 * srt_figures(intact)["random_cost"]


@pytest.fixture(scope="module")
def asrt():
    return asrt_figures(simulate_group(GroupSpec(protocol="asrt", n=N, variability=True), workers=2))


def test_asrt_triplet_learning_grows_and_costs_time_not_accuracy(asrt):
    ep = asrt["by_epoch"]
    assert (ep["triplet_effect"] >= 0.003).all()
    assert ep["triplet_effect"].iloc[-1] > ep["triplet_effect"].iloc[0]
    assert ((ep["acc_H"] - ep["acc_L"]) <= 0.06).all()
    assert 0.03 <= asrt["error_rate"] <= 0.12


@pytest.mark.xfail(
    reason="issue 12: the last epoch's L-H is just above 20 ms with these 10 seeds (18 ms with 20; models/README.md)",
    strict=False,
)
def test_asrt_effect_size_and_general_speed_up_in_the_human_range(asrt):
    ep = asrt["by_epoch"]
    assert (ep["triplet_effect"] <= 0.020).all()
    assert ep["rt_H"].iloc[-1] < ep["rt_H"].iloc[0] and ep["rt_L"].iloc[-1] < ep["rt_L"].iloc[0]


def test_sequence_random_difference_is_largest_in_the_striatum(intact):
    d = system_differences(intact)
    assert d["striatal"] > max(d["cortical"], d["cerebellar"])
    assert sequence_random_differences(intact).drop(["SNc", "IO"]).index[0] == "striatum_D1"


def test_early_to_late_shift(intact):
    """Striatal + cerebellar activity relative to cortical falls from the first to the last block."""
    s = shift_ratio(intact)
    assert s["first_over_last"] >= 1.2
    assert s["first"] > 1.0 > s["last"]  # above the session mean early, below it late
