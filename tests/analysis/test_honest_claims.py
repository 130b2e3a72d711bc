"""No claim without statistics: n and p beside every claim, "not enough participants" (issue 16)."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest
from motorseq.analysis.claims import ci_claim, wilcoxon_claim
from motorseq.analysis.comparison import compare


def test_wilcoxon_claim_needs_participants_and_p():
    assert wilcoxon_claim("shift toward cortex", 2, 0.25) == (
        "shift toward cortex: not enough participants (n = 2, p = 0.25; a one-sided Wilcoxon test needs ≥ 5)"
    )
    assert wilcoxon_claim("shift toward cortex", 8, 0.3) == "shift toward cortex: not supported (n = 8, p = 0.3)"
    assert wilcoxon_claim("shift toward cortex", 8, 0.0039) == "shift toward cortex: yes (n = 8, p = 0.0039)"


def test_ci_claim_with_a_nan_ci_says_not_enough_participants():
    assert ci_claim(45.0, math.nan, math.nan, 1) == "not enough participants for the people's 95 % CI (n = 1)"
    assert ci_claim(45.0, 30.0, 70.0, 6) == "inside the people's 95 % CI (n = 6)"
    assert ci_claim(90.0, 30.0, 70.0, 6) == "outside the people's 95 % CI (n = 6)"


@pytest.fixture(scope="module")
def one_person(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("analysis_conftest", Path(__file__).with_name("conftest.py"))
    helpers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helpers)
    folder = tmp_path_factory.mktemp("one")
    return helpers.write_srt_cohort(
        folder / "bids", helpers.small_srt_protocol(folder), n=1, seed=3, source="human", random_cost=60.0
    )


def test_compare_with_one_person_does_not_claim_outside_the_ci(one_person, srt_model, tmp_path):
    result = compare(one_person, srt_model, n_boot=20, figures=False)
    text = "\n".join(result.summary)
    assert "outside the people's 95" not in text and "inside the people's 95" not in text
    assert "not enough participants for the people's 95 % CI (n = 1)" in text
    assert "(n = 1), model" in text and "Welch p = n/a" in text
    table = result.tables["compare_summary"].set_index("metric")
    assert math.isnan(table.loc["model_effect_within_people_ci", "value"])
    assert table.loc["model_effect_within_people_ci", "note"].startswith("not enough participants")


def test_compare_with_enough_people_shows_n_and_p(srt_people, srt_model):
    result = compare(srt_people, srt_model, n_boot=20, figures=False)
    line = next(s for s in result.summary if "95 % CI" in s)
    assert "people's 95 % CI (n = 6)" in line and "Welch p = " in line and "Welch p = n/a" not in line
