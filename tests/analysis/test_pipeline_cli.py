"""End to end: analyze and compare write their tables and figures; the CLI reports bad input in one line."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from motorseq.analysis import analyze, compare


def test_analyze_srt_end_to_end(srt_people, tmp_path):
    result = analyze(srt_people, out=tmp_path / "out", n_boot=200, n_boot_participant=20)
    assert result.paradigm == "srt"
    seq = result.tables["srt_sequence_learning"]
    # the fixture slows random trials by 60 ms (noise sd 25 ms over 24-trial blocks)
    assert len(seq) == 6 and seq["sequence_effect_ms"].mean() == pytest.approx(60, abs=15)
    tests = result.tables["srt_sequence_tests"].iloc[0]
    assert tests["p"] < 0.001 and tests["cohen_dz"] > 2
    for name in ("block_summary", "srt_sequence_learning", "fits_groups", "fits_participants", "cleaning"):
        assert (tmp_path / "out" / "tables" / f"{name}.csv").is_file()
    for name in ("learning_curves", "sequence_vs_random", "curve_fits"):
        assert (tmp_path / "out" / "figures" / f"{name}.png").stat().st_size > 10_000
        assert (tmp_path / "out" / "figures" / f"{name}.svg").is_file()
    assert result.figure_paths["curve_fits"][0].suffix == ".png"
    again = pd.read_csv(tmp_path / "out" / "tables" / "fits_groups.csv")
    assert len(again) == 2 and set(again["model"]) == {"exponential", "power"}
    from motorseq.analysis import AnalysisResult

    loaded = AnalysisResult.load(tmp_path / "out")
    assert loaded.paradigm == "srt" and set(loaded.tables) == set(result.tables)
    assert loaded.tables["srt_sequence_learning"]["participant"].tolist() == seq["participant"].astype(str).tolist()
    assert loaded.figure_paths["curve_fits"][1].suffix == ".svg" and loaded.summary == result.summary


def test_compare_people_and_model(srt_people, srt_model, tmp_path):
    result = compare(srt_people, srt_model, out=tmp_path / "cmp", n_boot=200)
    summary = result.tables["compare_summary"].set_index("metric")["value"]
    # both cohorts share the curve shape: normalised curves agree closely
    assert summary["curve_pearson_r"] > 0.9
    assert summary["curve_rmse_normalised"] < 0.08
    effects = result.tables["compare_effects"].set_index("who")
    assert effects.loc["people", "mean"] == pytest.approx(60, abs=15)
    assert effects.loc["model", "mean"] == pytest.approx(45, abs=20)
    inside = effects.loc["people", "ci_low"] <= effects.loc["model", "mean"] <= effects.loc["people", "ci_high"]
    assert summary["model_effect_within_people_ci"] == float(inside)
    for name in ("model_over_people", "effects_people_model"):
        assert (tmp_path / "cmp" / "figures" / f"{name}.png").is_file()
        assert (tmp_path / "cmp" / "figures" / f"{name}.svg").is_file()
    assert (tmp_path / "cmp" / "people" / "tables" / "srt_sequence_learning.csv").is_file()
    assert (tmp_path / "cmp" / "model" / "tables" / "srt_sequence_learning.csv").is_file()


def _motorseq(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "motorseq.protocols", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_analyze_and_errors(srt_people, tmp_path):
    out = tmp_path / "cli"
    done = _motorseq(
        "analyze", str(srt_people), "--out", str(out), "--n-boot", "100", "--n-boot-participant", "0", "--no-figures"
    )
    assert done.returncode == 0, done.stderr
    assert "sequence-specific learning" in done.stdout
    assert (out / "tables" / "srt_sequence_learning.csv").is_file()
    # a non-empty --out is refused unless --force
    again = _motorseq("analyze", str(srt_people), "--out", str(out))
    assert again.returncode == 2 and "--force" in again.stderr and "Traceback" not in again.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n")
    fail = _motorseq("analyze", str(bad), "--out", str(tmp_path / "o2"))
    assert fail.returncode == 2
    assert fail.stderr.strip().count("\n") == 0 and "bad.csv: format not recognised" in fail.stderr


def test_compare_names_the_side_without_a_random_block(srt_people, srt_model, srt_no_random, tmp_path):
    from motorseq.analysis.errors import AnalysisInputError

    plain = srt_no_random
    for people, model, side in ((plain, srt_model, "people"), (srt_people, plain, "model")):
        with pytest.raises(AnalysisInputError) as err:  # was an IndexError
            compare(people, model, out=tmp_path / f"cmp_{side}", n_boot=20, figures=False)
        assert str(err.value) == (
            f"{plain}: the {side} side has no sequence_effect_ms per participant "
            "(their runs have no random block); compare needs it on both sides"
        )
        assert not (tmp_path / f"cmp_{side}").exists()
