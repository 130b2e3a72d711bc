"""DSP and FTT runs (written with the real RunWriter) through the whole pipeline."""

from __future__ import annotations

import pytest
from motorseq.analysis import analyze, load_dataset


def test_dsp_presses_ikis_and_chunks(dsp_people, tmp_path):
    data = load_dataset(dsp_people)
    assert data.paradigm == "dsp" and data.presses is not None
    assert data.presses.groupby(["participant", "block", "trial"]).size().min() == 6
    result = analyze(data, out=tmp_path / "out", n_boot=100, n_boot_participant=0, statistics=False)
    chunks = result.tables["dsp_chunk_boundaries"]
    seq = chunks[chunks["target"].isin(data.trials.loc[data.trials["trial_type"] == "sequence", "target"].unique())]
    # the pause before press 4 is interval 3 (press 3 -> 4): a boundary for every participant
    assert seq.loc[seq["boundary"], "position"].unique().tolist() == [3]
    assert seq["participant"].nunique() == 4
    ex = result.tables["dsp_execution"]
    first = ex[ex["block"] == 2]["median_execution_ms"].mean()
    last = ex[ex["block"] == 7]["median_execution_ms"].mean()
    assert first > last + 200  # execution gets faster with practice
    assert (tmp_path / "out" / "figures" / "curve_fits.png").is_file()
    assert (tmp_path / "out" / "figures" / "dsp_execution_chunks.svg").is_file()


def test_ftt_gain_and_curve(ftt_people, tmp_path):
    result = analyze(ftt_people, out=tmp_path / "out", n_boot=100, n_boot_participant=0)
    gain = result.tables["ftt_gain"]
    assert len(gain) == 5
    assert gain["gain"].mean() == pytest.approx(5.0, abs=1.5)  # about 10 -> 15-16 sequences
    assert result.tables["ftt_gain_tests"].iloc[0]["p"] < 0.01
    fits = result.tables["fits_groups"]
    assert (fits["b"] < 0).all()  # performance rises: negative gain term
    assert (tmp_path / "out" / "figures" / "curve_fits.svg").is_file()
