"""Each measure against values computed by hand on small constructed trial tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis import measures as ms
from motorseq.analysis.cleaning import CleaningRules, clean, cleaning_summary
from motorseq.analysis.schema import finalize_trials
from motorseq.analysis.skill_measures import chunk_boundaries, dsp_execution, ftt_performance, inter_key_intervals
from scipy import stats

NO_RULES = CleaningRules(post_error=False, anticipation_ms=None, outlier_sd=None, first_trials=0)


def _trials(rows: list[dict], paradigm: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["paradigm"] = paradigm
    if "participant" not in frame:
        frame["participant"] = "p1"
    return finalize_trials(frame, "constructed")


def test_cleaning_flags_by_hand():
    rt = [500, 80, 510, 505, 495, 500, 2000, 505, 498, 502] + [500] * 10
    correct = [1, 1, 0, 1, 1, 1, 1, 1, 1, 1] + [1] * 10
    rows = [
        {"block": 1, "trial": i + 1, "trial_type": "sequence", "rt_ms": r, "correct": c}
        for i, (r, c) in enumerate(zip(rt, correct, strict=True))
    ]
    out = clean(_trials(rows, "srt"), CleaningRules(outlier_sd=2.5))
    assert out["flag_anticipation"].tolist()[:3] == [False, True, False]
    assert out["flag_error"].tolist()[2] and not out["flag_error"].tolist()[3]
    assert out["flag_post_error"].tolist()[3] and out["flag_post_error"].sum() == 1
    # the 2000 ms trial is beyond mean + 2.5 SD of the block's correct, non-anticipation RTs
    assert out["flag_outlier"].tolist()[6] and out["flag_outlier"].sum() == 1
    assert out["use_rt"].sum() == 20 - 4
    summary = cleaning_summary(out)
    assert summary.loc[0, "n_trials"] == 20 and summary.loc[0, "n_use_rt"] == 16
    # switched off, nothing but the error is flagged
    off = clean(_trials(rows, "srt"), NO_RULES)
    assert off["use_rt"].sum() == 19


def test_asrt_first_trials_convention():
    rows = [{"block": 1, "trial": i, "trial_type": "random", "rt_ms": 400, "correct": 1} for i in range(1, 11)]
    out = clean(_trials(rows, "asrt"), CleaningRules(), warmup_trials=5)
    assert out["flag_first"].sum() == 7  # 5 warm-up + 2 trials that close no triplet
    out = clean(_trials(rows, "asrt"), CleaningRules(first_trials=1), warmup_trials=5)
    assert out["flag_first"].sum() == 1


def test_block_summary_by_hand():
    rows = [
        {"block": 1, "trial": i + 1, "trial_type": "sequence", "rt_ms": r, "correct": c}
        for i, (r, c) in enumerate(zip([400, 420, 480, 900], [1, 1, 1, 0], strict=True))
    ]
    out = ms.block_summary(clean(_trials(rows, "srt"), NO_RULES))
    row = out.iloc[0]
    assert row["mean_rt_ms"] == pytest.approx(1300 / 3)
    assert row["median_rt_ms"] == 420
    assert row["accuracy"] == 0.75 and row["n_rt"] == 3 and row["n_trials"] == 4


def test_sequence_learning_by_hand():
    # blocks: 1 seq (median 500), 2 seq (480), 3 random (530), 4 seq (470)
    medians = {1: [490, 500, 510], 2: [470, 480, 490], 3: [520, 530, 540], 4: [460, 470, 480]}
    rows = []
    for block, rts in medians.items():
        for i, r in enumerate(rts, start=1):
            rows.append(
                {
                    "block": block,
                    "trial": i,
                    "trial_type": "random" if block == 3 else "sequence",
                    "rt_ms": r,
                    "correct": 1,
                }
            )
    out = ms.sequence_learning(clean(_trials(rows, "srt"), NO_RULES))
    assert len(out) == 1
    row = out.iloc[0]
    assert (row["rt_random_ms"], row["rt_sequence_before_ms"], row["rt_sequence_after_ms"]) == (530, 480, 470)
    assert row["sequence_effect_ms"] == pytest.approx(530 - (480 + 470) / 2)


def test_triplet_learning_and_general_skill_by_hand():
    rows = []
    trial = 0
    data = {1: {"H": [400, 410, 420, 1000], "L": [430, 450, 440]}, 2: {"H": [380, 390, 385], "L": [400, 420, 410]}}
    for epoch, by_type in data.items():
        for ttype, rts in by_type.items():
            for r in rts:
                trial += 1
                rows.append(
                    {
                        "block": epoch,
                        "epoch": epoch,
                        "trial": trial,
                        "trial_type": "random",
                        "triplet_type": ttype,
                        "rt_ms": r,
                        "correct": 1,
                    }
                )
    # a trill and an error: out of the RT medians; the error counts for accuracy
    rows.append(
        {"block": 1, "epoch": 1, "trial": 100, "trial_type": "random", "triplet_type": "T", "rt_ms": 200, "correct": 1}
    )
    rows.append(
        {
            "block": 1,
            "epoch": 1,
            "trial": 101,
            "trial_type": "random",
            "triplet_type": "L",
            "rt_ms": np.nan,
            "correct": 0,
        }
    )
    cleaned = clean(_trials(rows, "asrt"), NO_RULES)
    out = ms.triplet_learning(cleaned).set_index("epoch")
    assert out.loc[1, "rt_H_ms"] == 415  # median of 400 410 420 1000: the slow trial does not pull it
    assert out.loc[1, "rt_L_ms"] == 440
    assert out.loc[1, "triplet_effect_ms"] == 25
    assert out.loc[2, "triplet_effect_ms"] == 410 - 385
    assert out.loc[1, "accuracy_L"] == 0.75 and out.loc[1, "accuracy_H"] == 1.0
    assert out.loc[1, "n_H"] == 4 and out.loc[1, "n_L"] == 3
    skill = ms.general_skill(cleaned).set_index("epoch")
    assert skill.loc[1, "rt_ms"] == 430  # median of the 7 H and L RTs
    assert skill.loc[2, "rt_ms"] == pytest.approx(np.median([380, 390, 385, 400, 420, 410]))
    assert skill.loc[2, "speedup_ms"] == pytest.approx(430 - 395)
    # a second participant without epoch 1: no speed-up, not one measured from epoch 2
    late = [dict(r, participant="p2") for r in rows if r["epoch"] == 2]
    first = [dict(r, participant="p1") for r in rows]
    both = ms.general_skill(clean(_trials(first + late, "asrt"), NO_RULES)).set_index(["participant", "epoch"])
    assert np.isnan(both.loc[("p2", 2), "speedup_ms"])
    assert both.loc[("p1", 2), "speedup_ms"] == pytest.approx(430 - 395)


def test_group_summary_ci_matches_t_distribution():
    values = [3.0, 7.0, 5.0, 9.0, 1.0]
    table = pd.DataFrame({"session": "1", "x": values})
    out = ms.group_summary(table, "x", ["session"]).iloc[0]
    sem = np.std(values, ddof=1) / np.sqrt(5)
    half = stats.t.ppf(0.975, 4) * sem
    assert out["mean"] == 5.0 and out["n"] == 5
    assert out["ci_low"] == pytest.approx(5.0 - half) and out["ci_high"] == pytest.approx(5.0 + half)


def test_dsp_execution_ikis_and_chunks_by_hand():
    rows, presses = [], []
    # sequence 1-2-3-4-5: presses at 300, 400, 500, 800, 900 ms -> IKIs 100 100 300 100 (boundary at 3)
    for trial in (1, 2):
        rows.append(
            {
                "block": 1,
                "trial": trial,
                "trial_type": "sequence",
                "rt_ms": 300,
                "correct": 1,
                "execution_time_ms": 900 + 10 * trial,
                "target": "1-2-3-4-5",
            }
        )
        for k, t in enumerate([300, 400, 500, 800, 900 + 10 * trial], start=1):
            presses.append({"participant": "p1", "block": 1, "trial": trial, "press": k, "rt_ms": t, "correct": 1})
    rows.append(
        {
            "block": 1,
            "trial": 3,
            "trial_type": "sequence",
            "rt_ms": 300,
            "correct": 0,
            "execution_time_ms": 2000,
            "target": "1-2-3-4-5",
        }
    )
    cleaned = clean(_trials(rows, "dsp"), NO_RULES)
    ex = dsp_execution(cleaned).iloc[0]
    assert ex["mean_execution_ms"] == 915 and ex["accuracy"] == pytest.approx(2 / 3)
    from motorseq.analysis.schema import finalize_presses

    ikis = inter_key_intervals(finalize_presses(pd.DataFrame(presses), "p"), cleaned)
    first = ikis[ikis["trial"] == 1]["iki_ms"].tolist()
    assert first == [100, 100, 300, 110]
    chunks = chunk_boundaries(ikis, ratio=1.3)
    assert chunks["boundary"].tolist() == [False, False, True, False]
    assert chunks["median_iki_ms"].tolist() == [100, 100, 300, 115]


def test_ftt_gain_by_hand():
    counts = [10, 12, 11, 14, 15, 16, 18]
    errors = [3, 2, 2, 1, 1, 0, 1]
    rows = [
        {
            "block": i + 1,
            "trial": 1,
            "trial_type": "sequence",
            "rt_ms": np.nan,
            "correct": np.nan,
            "n_correct_sequences": c,
            "n_errors": e,
        }
        for i, (c, e) in enumerate(zip(counts, errors, strict=True))
    ]
    per_trial, gain = ftt_performance(clean(_trials(rows, "ftt"), NO_RULES), n_trials=3)
    assert per_trial["n_correct_sequences"].tolist() == counts
    g = gain.iloc[0]
    assert g["first_mean"] == 11 and g["last_mean"] == pytest.approx(49 / 3)
    assert g["gain"] == pytest.approx(49 / 3 - 11)
    assert g["gain_pct"] == pytest.approx(100 * (49 / 3 - 11) / 11)
    assert g["errors_first_mean"] == pytest.approx(7 / 3) and g["errors_last_mean"] == pytest.approx(2 / 3)


def test_sequence_learning_participant_ci():
    rng = np.random.default_rng(2)
    rows = []
    for block in range(1, 5):
        for i in range(1, 41):
            base = {1: 500, 2: 480, 3: 530, 4: 470}[block]
            rows.append(
                {
                    "block": block,
                    "trial": i,
                    "trial_type": "random" if block == 3 else "sequence",
                    "rt_ms": base,
                    "correct": 1,
                    "participant": "flat",
                }
            )
            rows.append(
                {
                    "block": block,
                    "trial": i,
                    "trial_type": "random" if block == 3 else "sequence",
                    "rt_ms": base + rng.normal(0, 30),
                    "correct": 1,
                    "participant": "noisy",
                }
            )
    cleaned = clean(_trials(rows, "srt"), NO_RULES)
    out = ms.sequence_learning(cleaned, n_boot=400, seed=3).set_index("participant")
    # constant blocks: every resample gives the same medians, so the CI collapses on 55 ms
    assert out.loc["flat", "ci_low"] == out.loc["flat", "ci_high"] == pytest.approx(55.0)
    noisy = out.loc["noisy"]
    assert noisy["ci_low"] < noisy["sequence_effect_ms"] < noisy["ci_high"]
    assert 5 < noisy["ci_high"] - noisy["ci_low"] < 60
    again = ms.sequence_learning(cleaned, n_boot=400, seed=3).set_index("participant")
    assert again.loc["noisy", "ci_low"] == noisy["ci_low"]
