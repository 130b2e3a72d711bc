"""The real ASRT tACS data (jsPsych, 35 participants x 3 sessions): the field's reference figures.

Skipped with a reason when ../shared/data/asrt_tacs/ is absent (fresh clone).
"""

from __future__ import annotations

import pytest
from motorseq.analysis import CleaningRules, clean, load_dataset
from motorseq.analysis import measures as ms


@pytest.fixture(scope="module")
def asrt(real_data):
    return load_dataset(real_data)


def test_triplet_types_recomputed_from_pattern_agree(asrt):
    assert asrt.format == "jspsych-asrt"
    assert len(asrt.trials) == 184_800 and asrt.trials["participant"].nunique() == 35
    assert "100.0% agree" in asrt.notes[0]


def test_reference_figures_session_1(asrt):
    # session 1, learning blocks, H and L only, firstResponse == 1, per-participant medians
    rules = CleaningRules(post_error=False, anticipation_ms=None, outlier_sd=None, first_trials=0)
    trip = ms.triplet_learning(clean(asrt.trials, rules))
    s1 = trip[trip["session"] == "1"]
    assert s1["participant"].nunique() == 35
    effect = s1.groupby("epoch")["triplet_effect_ms"].mean()
    assert effect.loc[[1, 2, 3]].tolist() == pytest.approx([6.0, 6.0, 6.0], abs=0.5)
    assert effect.loc[4] == pytest.approx(9.0, abs=0.5)
    h = s1.groupby("epoch")["rt_H_ms"].mean()
    assert h.loc[1] - h.loc[4] == pytest.approx(40.0, abs=1.5)


def test_positive_triplet_effect_and_speed_up_every_session(asrt):
    cleaned = clean(asrt.trials)  # default rules
    trip = ms.triplet_learning(cleaned)
    per_session = trip.groupby(["session", "participant"])["triplet_effect_ms"].mean().groupby("session").mean()
    assert per_session.index.tolist() == ["1", "2", "3"]
    assert (per_session > 3).all(), per_session
    skill = ms.general_skill(cleaned)
    last = skill[skill["epoch"] == 4].groupby("session")["speedup_ms"].mean()
    assert (last > 0).all(), last
    assert last.loc["1"] > 30  # the first session has the large general speed-up


def test_full_pipeline_statistics(asrt):
    from motorseq.analysis import analyze

    result = analyze(asrt, n_boot=200, n_boot_participant=0, figures=False)
    anova = result.tables["asrt_rm_anova"]
    s1 = anova[anova["session"] == "1"].set_index("Source")
    assert s1.loc["triplet_type", "p_unc"] < 0.01 and s1.loc["epoch", "p_unc"] < 0.001
    assert s1.loc["triplet_type", "np2"] > 0.15
    tests = result.tables["asrt_triplet_tests_session"].set_index("session")
    assert (tests["mean"] > 0).all() and (tests["p"] < 0.05).all()
    mixed = result.tables["asrt_mixed_model"].set_index("term")
    assert mixed.loc["C(triplet_type)[T.L]", "estimate"] > 0
    groups = result.tables["asrt_triplet_learning_group"]
    assert set(groups["group"]) == {"all", "Active tACS", "Sham tACS"}
