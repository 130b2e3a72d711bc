"""ASRT runs in motorseq's own format: protocol conventions, triplet effect, model vs people."""

from __future__ import annotations

import subprocess
import sys

import pytest
from motorseq.analysis import analyze, compare, load_dataset


def test_asrt_runs_use_protocol_warmup(asrt_people):
    data = load_dataset(asrt_people)
    assert data.paradigm == "asrt" and data.conventions["warmup_trials"] == 5
    result = analyze(data, n_boot=100, n_boot_participant=0, statistics=False, figures=False)
    cleaning = result.tables["cleaning"]
    # 6 learning blocks x (5 warm-up + 2) first trials, plus those of the 85-trial practice block
    assert (cleaning["n_first"] == 6 * 7 + 7).all() and (cleaning["n_practice"] == 85).all()
    trip = result.tables["asrt_triplet_learning"]
    assert trip["epoch"].unique().tolist() == [1, 2]
    assert trip["triplet_effect_ms"].mean() == pytest.approx(25, abs=8)


def test_compare_asrt_triplet_effects(asrt_people, asrt_model):
    result = compare(asrt_people, asrt_model, n_boot=100, figures=False)
    effects = result.tables["compare_effects"].set_index("who")
    assert effects.loc["people", "measure"] == "triplet_effect_ms"
    assert effects.loc["people", "mean"] == pytest.approx(25, abs=8)
    assert effects.loc["model", "mean"] == pytest.approx(10, abs=8)
    summary = result.tables["compare_summary"].set_index("metric")["value"]
    assert summary["model_effect_within_people_ci"] == 0.0  # 10 ms is outside the people's CI around 25
    assert summary["blocks_compared"] == 6


def test_import_is_light():
    code = (
        "import sys, motorseq.analysis, motorseq.analysis.cli; "
        "heavy = [m for m in ('psychopy', 'nimare', 'nilearn', 'brian2', 'pingouin', 'matplotlib', 'statsmodels') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
