"""Pure measures of models/reproduction.py on hand-built runs with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from motorseq.models.reproduction import region_first_over_last, shift_ratio, srt_figures


def _run(rates: dict[str, list[float]], kinds: list[str]) -> dict:
    """One participant: one trial per block, each region's rate given block by block."""
    trials = pd.DataFrame(
        {"trial_index": range(1, len(kinds) + 1), "block": range(1, len(kinds) + 1), "block_kind": kinds}
    )
    rows = [
        {"trial_index": t, "region": region, "mean_rate_hz": r[t - 1], "synaptic_input": 2 * r[t - 1]}
        for region, r in rates.items()
        for t in trials["trial_index"]
    ]
    return {"trials": trials, "activity": pd.DataFrame(rows)}


def test_region_first_over_last_uses_the_first_and_last_sequence_blocks():
    kinds = ["practice", "sequence", "sequence", "random", "sequence"]
    a = _run({"M1": [9.0, 4.0, 5.0, 50.0, 2.0], "striatum_D1": [1.0, 3.0, 3.0, 3.0, 3.0]}, kinds)
    b = _run({"M1": [9.0, 6.0, 5.0, 50.0, 3.0], "striatum_D1": [1.0, 2.0, 3.0, 3.0, 4.0]}, kinds)
    out = region_first_over_last([a, b], "mean_rate_hz")
    assert out["M1"] == pytest.approx(2.0)  # 4/2 and 6/3: practice and random blocks ignored
    assert out["striatum_D1"] == pytest.approx((1.0 + 0.5) / 2)  # mean of the participants' ratios
    assert region_first_over_last([a], "synaptic_input")["M1"] == pytest.approx(2.0)


def test_shift_ratio_of_a_network_whose_systems_stay_alike_is_one():
    kinds = ["sequence", "sequence", "sequence"]
    flat = {r: [2.0, 3.0, 4.0] for r in ("SMA_PMC", "M1", "striatum_D1", "striatum_D2", "granule", "purkinje", "DCN")}
    assert shift_ratio([_run(flat, kinds)])["first_over_last"] == pytest.approx(1.0)
    shifted = dict(flat, striatum_D1=[4.0, 3.0, 2.0], striatum_D2=[4.0, 3.0, 2.0])
    # striatum 4/3 -> 2/3 of its mean, cortex and cerebellum 2/3 -> 4/3: (4/3 + 2/3)/(2*2/3) over (2/3 + 4/3)/(2*4/3)
    assert shift_ratio([_run(shifted, kinds)])["first_over_last"] == pytest.approx(2.0)


def _srt_run(block_rts: list[float]) -> dict:
    """One srt-classic-like run: practice, sequence, random, sequence blocks of 4 correct trials."""
    kinds = ["practice", "sequence", "random", "sequence"]
    trials = pd.DataFrame(
        {
            "trial_index": range(1, 17),
            "block": [b for b in range(1, 5) for _ in range(4)],
            "block_kind": [k for k in kinds for _ in range(4)],
        }
    )
    responses = pd.DataFrame(
        {"trial_index": range(1, 17), "rt": [r for r in block_rts for _ in range(4)], "correct": [1] * 16}
    )
    return {"trials": trials, "responses": responses}


def test_srt_figures_give_the_cost_and_its_spread_between_participants():
    # costs: 0.5 - 0.4 = 0.1 s of a 0.4-s first block (25 %) and 0.46 - 0.4 = 0.06 s (15 %)
    runs = [_srt_run([0.5, 0.4, 0.5, 0.4]), _srt_run([0.5, 0.4, 0.46, 0.4])]
    f = srt_figures(runs)
    assert f["random_cost"] == pytest.approx(0.08)
    assert f["random_cost_pct"] == pytest.approx(20.0)
    assert f["random_cost_pct_sd"] == pytest.approx(np.sqrt(50.0))  # SD of 25 and 15
    assert np.isnan(srt_figures(runs[:1])["random_cost_pct_sd"])


def _tapping_run(periods: list[list[float]]) -> dict:
    """One FTT participant: per period, two start-up taps 0.5 s apart, then the given intervals (s)."""
    rows, t = [], 0.0
    for k, intervals in enumerate(periods, start=1):
        t = 60.0 * k
        for gap in [0.0, 0.5, *intervals]:
            t += gap
            rows.append({"trial_index": k, "onset": t})
    return {"participant": "01", "presses": pd.DataFrame(rows)}


def test_ftt_micro_gains_score_within_periods_and_across_rests():
    from motorseq.models.reproduction import ftt_micro_gains

    first = [0.4] * 10 + [0.3] * 10  # 100 ms faster at the end of the period
    second = [0.35] * 10 + [0.25] * 10  # starts 50 ms slower than the first period ended
    out = ftt_micro_gains([_tapping_run([first, second])], edge=10)
    assert out["micro_online"] == pytest.approx(200.0)
    assert out["micro_offline"] == pytest.approx(-50.0)


def test_ftt_micro_gains_refuse_a_run_without_key_presses():
    from motorseq.models.reproduction import ftt_micro_gains

    with pytest.raises(ValueError, match="participant 07 has no key presses"):
        ftt_micro_gains([{"participant": "07", "presses": None}])


def _scores_run(scores: list[float]) -> dict:
    """One FTT participant: correct sequences per tapping period."""
    k = range(1, len(scores) + 1)
    return {
        "trials": pd.DataFrame({"trial_index": k, "block": 1, "block_kind": "sequence"}),
        "responses": pd.DataFrame({"trial_index": k, "n_correct_sequences": scores}),
    }


def test_ftt_figures_give_early_and_later_gains_with_the_paired_se():
    from motorseq.models.reproduction import ftt_figures

    a = _scores_run([10, 11, 12, 13, 13, 13, 14])  # early +3, later +1
    b = _scores_run([10, 10, 10, 11, 12, 13, 14])  # early +1, later +3
    c = _scores_run([12, 14, 15, 16, 16, 16, 16])  # early +4, later 0
    f = ftt_figures([a, b, c])
    assert f["first"] == pytest.approx(32 / 3) and f["last"] == pytest.approx(44 / 3)
    assert f["early_gain"] == pytest.approx(8 / 3) and f["late_gain"] == pytest.approx(4 / 3)
    # paired differences early - later: 2, -2, 4 -> SD sqrt(28/3), SE sqrt(28/9)
    assert f["gain_difference_se"] == pytest.approx(np.sqrt(28 / 9))
    assert np.isnan(ftt_figures([a])["gain_difference_se"])
