"""Full reproductions of issue 7 (slow: ten virtual participants per group).

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
    return simulate_group(GroupSpec(protocol="srt-classic", n=N), workers=2)


def test_srt_classic_learning_curve(intact):
    f = srt_figures(intact)
    assert 0.350 <= f["first_block_rt"] <= 0.600
    assert f["last_over_first"] <= 0.85
    assert f["random_cost"] >= 0.030
    assert 0.01 <= f["error_rate"] <= 0.10


def test_control_group_speeds_up_less_than_a_third_of_the_sequence_effect(intact):
    control = srt_figures(simulate_group(GroupSpec(protocol="srt-classic", n=N, random_only=True), workers=2))
    assert control["speedup"] <= srt_figures(intact)["random_cost"] / 3


def test_dopamine_depletion_halves_the_sequence_effect(intact):
    lesioned = srt_figures(simulate_group(GroupSpec(protocol="srt-classic", n=N, lesion=("dopamine", 0.2)), workers=2))
    assert lesioned["random_cost"] <= 0.5 * srt_figures(intact)["random_cost"]


def test_asrt_triplet_learning():
    f = asrt_figures(simulate_group(GroupSpec(protocol="asrt", n=N), workers=2))
    assert f["triplet_effect_last_epoch"] >= 0.005


def test_sequence_random_difference_is_largest_in_the_striatum(intact):
    d = system_differences(intact)
    assert d["striatal"] > max(d["cortical"], d["cerebellar"])
    assert sequence_random_differences(intact).drop(["SNc", "IO"]).index[0] == "striatum_D1"


def test_early_to_late_shift(intact):
    """Striatal + cerebellar activity relative to cortical falls from the first to the last block."""
    s = shift_ratio(intact)
    assert s["first_over_last"] >= 1.2
    assert s["first"] > 1.0 > s["last"]  # above the session mean early, below it late
