"""Probabilistic SRT (probable/improbable trials within every block) has its own measure (issue 16)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis import analyze

FAST = {"n_boot": 20, "n_boot_participant": 0, "figures": False}


@pytest.fixture(scope="module")
def prob_csv(tmp_path_factory):
    """3 participants, 10 blocks of 40 trials, 85 % probable; improbable trials 10 ms slower per epoch."""
    rng = np.random.default_rng(3)
    rows = []
    for subject in ("s1", "s2", "s3"):
        for block in range(1, 11):
            epoch = (block - 1) // 5 + 1
            for trial in range(1, 41):
                improbable = rng.random() < 0.15
                rt = 450 - 5 * block + (10 * epoch if improbable else 0) + rng.normal(0, 3)
                rows.append(
                    {
                        "Subj": subject,
                        "Blk": block,
                        "Trl": trial,
                        "Kind": "I" if improbable else "P",
                        "RT": round(rt, 1),
                        "Acc": 1,
                        "Ep": epoch,
                    }
                )
    path = tmp_path_factory.mktemp("prob") / "prob.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _mapping(tmp_path, recode: str, epoch: bool = False):
    text = (
        "paradigm: srt\ncolumns: {participant: Subj, block: Blk, trial: Trl, trial_type: Kind, rt: RT, "
        f"correct: Acc{', epoch: Ep' if epoch else ''}}}\nvalues: {{trial_type: {recode}}}\n"
    )
    (tmp_path / "map.yaml").write_text(text)
    return tmp_path / "map.yaml"


def test_probable_improbable_gives_improbable_minus_probable_per_epoch(prob_csv, tmp_path):
    result = analyze(prob_csv, format=str(_mapping(tmp_path, "{P: probable, I: improbable}")), **FAST)
    table = result.tables["srt_probabilistic_learning"]
    assert len(table) == 6 and sorted(table["epoch"].unique()) == [1, 2]
    by_epoch = table.groupby("epoch")["probabilistic_effect_ms"].mean()
    assert by_epoch[1] == pytest.approx(10, abs=3) and by_epoch[2] == pytest.approx(20, abs=3)
    assert (table["n_probable"] > table["n_improbable"]).all()
    tests = result.tables["srt_probabilistic_tests"]
    assert set(tests["epoch"]) == {1, 2}
    text = "\n".join(result.summary)
    assert "probabilistic learning, improbable − probable RT (ms) e1 " in text
    assert "epoch: the data have no epoch column, so epochs are groups of 5 blocks (epoch = ceil(block / 5))" in text
    assert "srt_sequence_learning" not in result.tables


def test_a_mapped_epoch_column_gives_no_fallback_note(prob_csv, tmp_path):
    result = analyze(prob_csv, format=str(_mapping(tmp_path, "{P: probable, I: improbable}", epoch=True)), **FAST)
    assert not any("ceil(block / 5)" in line for line in result.summary)
    assert len(result.tables["srt_probabilistic_learning"]) == 6


def test_srt_without_random_blocks_warns_and_names_the_measure(prob_csv, tmp_path):
    result = analyze(prob_csv, format=str(_mapping(tmp_path, "{P: sequence, I: random}")), **FAST)
    assert result.tables["srt_sequence_learning"].empty
    warning = [line for line in result.summary if line.startswith("warning: no random block")]
    assert len(warning) == 1
    assert "probable/improbable" in warning[0] and "improbable − probable RT per epoch" in warning[0]


def test_compare_uses_the_probabilistic_effect(prob_csv, tmp_path):
    from motorseq.analysis.comparison import effect_per_participant

    result = analyze(prob_csv, format=str(_mapping(tmp_path, "{P: probable, I: improbable}")), **FAST)
    per, name, _ = effect_per_participant(result)
    assert name == "probabilistic_effect_ms" and len(per) == 3
    assert per["effect"].mean() == pytest.approx(15, abs=3)
