"""The report shows saved results (analysis and brain comparison) and recomputes neither (issue 16)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis import analyze
from motorseq.analysis.brain.pipeline import BrainComparison, compare_model_with_map
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.pipeline import AnalysisResult
from motorseq.analysis.report.build import build_report


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "motorseq.protocols", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def saved(model_dataset, tmp_path_factory):
    """A copy of the data, its saved analysis and saved brain comparison (7 permutations, seed 3)."""
    base = tmp_path_factory.mktemp("saved")
    data = shutil.copytree(model_dataset, base / "data")
    analysis = analyze(str(data), out=base / "analysis", n_boot=50, n_boot_participant=0)
    brain = compare_model_with_map(data, n_perm=7, seed=3)
    brain.save(base / "brain")
    return base, analysis, brain


def _summary_mean(result) -> float:
    line = next(s for s in result.summary if "sequence-specific learning" in s)
    return float(re.search(r"sequence-specific learning (-?[\d.]+) ms", line).group(1))


def test_a_saved_brain_comparison_reads_back_as_it_was(saved):
    base, _, brain = saved
    back = BrainComparison.load(base / "brain")
    pd.testing.assert_frame_equal(back.table, brain.table, check_names=False, check_dtype=False)
    pd.testing.assert_frame_equal(back.shift, brain.shift)
    pd.testing.assert_frame_equal(back.block_regions, brain.block_regions, check_dtype=False)
    assert sorted(back.stats) == sorted(brain.stats) == ["early", "late", "seq_gt_random"]
    for name in brain.stats:
        pd.testing.assert_frame_equal(back.stats[name], brain.stats[name], check_names=False, check_dtype=False)
    assert back.phases == brain.phases and back.baseline == brain.baseline == "rest"
    assert back.metrics["shift"]["claim"] == brain.metrics["shift"]["claim"]
    assert back.metrics["precision_recall"] == brain.metrics["precision_recall"]
    assert back.provenance["n_perm"] == 7 and back.provenance["seed"] == 3
    assert back.provenance["missing_derivatives"] == []
    with pytest.raises(AnalysisInputError, match=r"analysis: not a saved brain comparison"):
        BrainComparison.load(base / "analysis")


def test_report_from_saved_results_needs_no_data_folder(saved, tmp_path):
    base, analysis, brain = saved
    work = shutil.copytree(base, tmp_path / "copy", ignore=shutil.ignore_patterns("data"))
    assert not (work / "data").exists()  # the raw BIDS folder is gone: nothing can be re-read or re-run
    out = tmp_path / "r.html"
    result = _cli("report", "--analysis", str(work / "analysis"), "--brain", str(work / "brain"), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    page = out.read_text()
    assert f"{_summary_mean(analysis):.1f} ms</b>" in page  # the saved analysis's headline
    assert brain.metrics["shift"]["claim"].replace("≥", "&ge;").split(" (")[0] in page
    pr = brain.metrics["precision_recall"]
    assert f"{pr['precision']:.2f}" in page and 'id="brain"' in page
    # titled from the provenance: the folder the saved results were made from
    assert "data (saved results): 4 participant(s) in the behavioural analysis, 4 in the brain statistics" in page
    assert "not read (saved results)" in page
    # the settings are the saved comparison's, not the report command's defaults
    assert re.search(r"<th>permutations</th>\s*<td>7</td>", page) and "<td>1000</td>" not in page


def test_report_with_a_saved_comparison_does_not_recompute_it(saved, tmp_path):
    base, analysis, brain = saved
    data = shutil.copytree(base / "data", tmp_path / "data")
    shutil.rmtree(data / "derivatives")  # a recomputed comparison would find no model runs
    steps = []
    out = build_report(
        data,
        tmp_path / "r.html",
        analysis=AnalysisResult.load(base / "analysis"),
        brain=BrainComparison.load(base / "brain"),
        progress=steps.append,
    )
    assert steps == ["behaviour", "figures", "writing"]
    page = out.read_text()
    assert 'id="brain"' in page and "missing, so the brain statistics leave out" not in page
    assert f"{np.round(brain.metrics['precision_recall']['recall'], 2):.2f}" in page


def test_report_without_data_or_analysis_is_refused(saved, tmp_path):
    base = saved[0]
    result = _cli("report", "--brain", str(base / "brain"), "--out", str(tmp_path / "r.html"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: report: give the data folder RESULTS, or a saved analysis with --analysis"
    ]
    assert not (tmp_path / "r.html").exists()


def test_report_draws_the_raster_of_a_run_with_saved_spikes(saved, tmp_path):
    from motorseq.models.layout import build_layout
    from motorseq.models.output import _write_spikes
    from motorseq.models.results import spike_table

    base, _, _ = saved
    data = shutil.copytree(base / "data", tmp_path / "data")
    beh = sorted(data.glob("sub-01/ses-1/beh/*_beh.tsv"))[0]
    first = float(pd.read_csv(beh, sep="\t", na_values=["n/a"])["stimulus_onset"].dropna().iloc[0])
    layout = build_layout(4)
    rng = np.random.default_rng(0)
    times = np.sort(rng.uniform(first, first + 3.0, 5000))
    table = spike_table(layout, rng.integers(0, layout.n_neurons, 5000), times)
    stem = beh.name.replace("_beh.tsv", "")
    _write_spikes(
        data / "derivatives" / "motorseq-model" / "sub-01" / "ses-1" / f"{stem}_desc-spikes_events.tsv.gz", table
    )
    args = {"analysis": AnalysisResult.load(base / "analysis"), "brain": BrainComparison.load(base / "brain")}
    page = build_report(data, tmp_path / "r.html", **args).read_text()
    assert 'id="fig-raster"' in page and f"Spikes of {stem} from its first stimulus" in page
    plain = build_report(base / "data", tmp_path / "plain.html", **args).read_text()
    assert 'id="fig-raster"' not in plain  # no run was simulated with --record-spikes


def test_report_refuses_saved_results_of_other_data(saved, tmp_path):
    base = saved[0]
    other = shutil.copytree(base / "data", tmp_path / "other")  # same runs, another cohort's folder
    out = tmp_path / "r.html"
    for option, folder in (("--analysis", base / "analysis"), ("--brain", base / "brain")):
        result = _cli("report", str(other), option, str(folder), "--out", str(out))
        assert result.returncode == 2, result.stdout + result.stderr
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"error: {option} {folder}: made from {base / 'data'} (")
        assert line.endswith(f"not from the RESULTS given ({other})")
        assert not out.exists()


def test_saved_inputs_must_be_exactly_the_runs_given(saved, tmp_path, monkeypatch):
    from motorseq.analysis.report.behaviour import check_saved_inputs

    base = saved[0]
    data = base / "data"
    analysis, brain = AnalysisResult.load(base / "analysis"), BrainComparison.load(base / "brain")
    check_saved_inputs([data], analysis, "a", brain, "b")  # made from these runs: accepted
    assert len(analysis.provenance["files"]) == 4
    # a relative record (analyze run from the data's parent) matches the same runs
    monkeypatch.chdir(base)
    relative = AnalysisResult.load(base / "analysis")
    relative.provenance["files"] = [str(Path(f).relative_to(base)) for f in analysis.provenance["files"]]
    check_saved_inputs([data], relative, "a")
    # an analysis of three of the four runs is not this data's analysis
    part = AnalysisResult.load(base / "analysis")
    part.provenance["files"] = analysis.provenance["files"][:3]
    with pytest.raises(AnalysisInputError, match=r"^--analysis a: made from 3 run\(s\) without .*sub-04"):
        check_saved_inputs([data], part, "a")
    # no data folder: the comparison must come from the analysis's runs
    other = BrainComparison.load(base / "brain")
    other.provenance["runs"] = [str(tmp_path / "lesion" / Path(r).relative_to(data)) for r in brain.provenance["runs"]]
    with pytest.raises(AnalysisInputError, match=rf"^--brain b: made from {tmp_path / 'lesion'} \(.*--analysis a"):
        check_saved_inputs([], analysis, "a", other, "b")
    check_saved_inputs([], analysis, "a", brain, "b")


def test_a_damaged_saved_analysis_is_refused_naming_the_file(saved, tmp_path):
    base, analysis, _ = saved
    back = AnalysisResult.load(base / "analysis")
    assert "tables" not in back.provenance  # the saved row counts are a check, not provenance
    pd.testing.assert_frame_equal(
        back.tables["block_summary"].astype(str), analysis.tables["block_summary"].reset_index(drop=True).astype(str)
    )
    n_rows = len(analysis.tables["block_summary"])
    assert n_rows > 3

    def damaged(name, change):
        folder = shutil.copytree(base / "analysis", tmp_path / name)
        change(folder)
        with pytest.raises(AnalysisInputError) as err:
            AnalysisResult.load(folder)
        return str(err.value).replace(str(folder), "F")

    lines = (base / "analysis" / "tables" / "block_summary.csv").read_text().splitlines(keepends=True)
    assert (
        damaged("gone", lambda f: shutil.rmtree(f / "tables"))
        == "F/tables: missing, so the saved analysis F has no tables"
    )
    assert damaged("lost", lambda f: (f / "tables" / "block_summary.csv").unlink()) == (
        "F/tables/block_summary.csv: missing from the saved analysis F"
    )
    cut = "".join(lines[:3]) + lines[3][: len(lines[3]) // 2]
    assert damaged("cut", lambda f: (f / "tables" / "block_summary.csv").write_text(cut)).startswith(
        "F/tables/block_summary.csv: cut short"
    )
    ragged = "".join(lines[:3]) + lines[3].split(",", 2)[0] + "\n" + "".join(lines[4:])
    assert damaged("ragged", lambda f: (f / "tables" / "block_summary.csv").write_text(ragged)).startswith(
        "F/tables/block_summary.csv: line 4: 1 field(s), the header has "
    )
    short = "".join(lines[:-1])  # cut at a row boundary: only the saved row count tells
    assert damaged("short", lambda f: (f / "tables" / "block_summary.csv").write_text(short)) == (
        f"F/tables/block_summary.csv: {n_rows - 1} row(s), but {n_rows} were saved: the saved table is damaged"
    )
    assert damaged("empty", lambda f: (f / "tables" / "cleaning.csv").write_text("")).startswith(
        "F/tables/cleaning.csv: empty file"
    )
    broken = damaged("json", lambda f: (f / "provenance.json").write_text('{"files": [\n'))
    assert broken.startswith("F/provenance.json: line 2: not valid JSON")
    result = _cli("report", "--analysis", str(tmp_path / "gone"), "--out", str(tmp_path / "r.html"))
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'gone' / 'tables'}: missing, so the saved analysis {tmp_path / 'gone'} has no tables"
    ]
    assert not (tmp_path / "r.html").exists()


def test_a_saved_table_cell_of_another_kind_is_refused_naming_file_line_and_column(saved, tmp_path):
    import json

    base, analysis, _ = saved
    provenance = json.loads((base / "analysis" / "provenance.json").read_text())
    kinds = provenance["table_columns"]
    assert kinds["block_summary"]["n_trials"] == "int" and kinds["block_summary"]["mean_rt_ms"] == "number"
    assert "participant" not in kinds["block_summary"]  # text columns are not checked
    summary = analysis.tables["block_summary"].reset_index(drop=True)
    row = 2  # the third row: line 4 of the file (the header is line 1)

    def damaged(name, column, value, old=False):
        folder = shutil.copytree(base / "analysis", tmp_path / name)
        path = folder / "tables" / "block_summary.csv"
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        table.loc[row, column] = value
        table.to_csv(path, index=False)
        if old:  # a folder saved before the row counts and kinds were recorded
            (folder / "provenance.json").write_text(json.dumps({"paradigm": analysis.paradigm}))
        with pytest.raises(AnalysisInputError) as err:
            AnalysisResult.load(folder)
        return str(err.value).replace(str(folder), "F")

    assert damaged("text", "mean_rt_ms", "abc") == (
        "F/tables/block_summary.csv:4: column 'mean_rt_ms': 'abc' is not a number: the saved table is damaged"
    )
    assert damaged("fraction", "n_trials", "12.5") == (
        "F/tables/block_summary.csv:4: column 'n_trials': '12.5' is not a whole number: the saved table is damaged"
    )
    assert damaged("blank", "n_rt", "") == (
        "F/tables/block_summary.csv:4: column 'n_rt': a blank is not a whole number: the saved table is damaged"
    )
    assert damaged("old", "accuracy", "0,9", old=True) == (
        "F/tables/block_summary.csv:4: column 'accuracy': '0,9' is not a number: the saved table is damaged"
    )
    folder = shutil.copytree(base / "analysis", tmp_path / "renamed")
    path = folder / "tables" / "block_summary.csv"
    path.write_text(path.read_text().replace("median_rt_ms", "median", 1))
    with pytest.raises(AnalysisInputError, match=r"block_summary.csv: column 'median_rt_ms' missing \(it was saved\)"):
        AnalysisResult.load(folder)
    # a number cell that is a number (another one, as a person may fix a typo) still loads, as a number
    folder = shutil.copytree(base / "analysis", tmp_path / "edited")
    path = folder / "tables" / "block_summary.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[row, "mean_rt_ms"] = "401.5"
    table.to_csv(path, index=False)
    back = AnalysisResult.load(folder).tables["block_summary"]
    assert back["mean_rt_ms"].dtype == float and back.loc[row, "mean_rt_ms"] == 401.5
    assert back.loc[row + 1, "mean_rt_ms"] == pytest.approx(summary.loc[row + 1, "mean_rt_ms"])
    result = _cli("report", "--analysis", str(tmp_path / "text"), "--out", str(tmp_path / "r.html"))
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'text' / 'tables' / 'block_summary.csv'}:4: column 'mean_rt_ms': 'abc' is not a number: "
        "the saved table is damaged"
    ]
    assert not (tmp_path / "r.html").exists()


def test_a_damaged_saved_brain_comparison_is_refused_naming_the_file(saved, tmp_path):
    import json

    base, _, brain = saved
    metrics = json.loads((base / "brain" / "comparison_metrics.json").read_text())
    n_rows = len(brain.block_regions)
    assert metrics["tables"]["model_block_regions.tsv"] == n_rows == 4 * 11 * 8  # participants x regions x blocks
    assert metrics["table_columns"]["region_stats_early.tsv"]["n"] == "int"
    back = BrainComparison.load(base / "brain")
    assert "tables" not in back.provenance and back.stats["early"]["n"].tolist() == [4] * 11

    def damaged(name, change, old=False):
        folder = shutil.copytree(base / "brain", tmp_path / name)
        change(folder)
        if old:  # saved before the tables were listed
            payload = json.loads((folder / "comparison_metrics.json").read_text())
            del payload["tables"], payload["table_columns"]
            (folder / "comparison_metrics.json").write_text(json.dumps(payload))
        with pytest.raises(AnalysisInputError) as err:
            BrainComparison.load(folder)
        return str(err.value).replace(str(folder), "F")

    lines = (base / "brain" / "model_block_regions.tsv").read_text().splitlines(keepends=True)
    short = "".join(lines[:-1])  # cut at a row boundary: only the saved row count tells
    assert damaged("short", lambda f: (f / "model_block_regions.tsv").write_text(short)) == (
        f"F/model_block_regions.tsv: {n_rows - 1} row(s), but {n_rows} were saved: the saved table is damaged"
    )
    cut = "".join(lines[:5]) + lines[5][:12]
    assert damaged("cut", lambda f: (f / "model_block_regions.tsv").write_text(cut), old=True).startswith(
        "F/model_block_regions.tsv: cut short"
    )
    stats = (base / "brain" / "region_stats_late.tsv").read_text().splitlines(keepends=True)
    bad_n = "".join(stats[:3]) + stats[3].replace("\t4\t", "\tfour\t", 1) + "".join(stats[4:])
    assert damaged("text", lambda f: (f / "region_stats_late.tsv").write_text(bad_n)) == (
        "F/region_stats_late.tsv:4: column 'n': 'four' is not a whole number: the saved table is damaged"
    )
    assert damaged("old_text", lambda f: (f / "region_stats_late.tsv").write_text(bad_n), old=True).startswith(
        "F/region_stats_late.tsv:4: column 'n': 'four' is not a whole number"
    )
    assert damaged("lost", lambda f: (f / "region_stats_seq_gt_random.tsv").unlink()) == (
        "F/region_stats_seq_gt_random.tsv: missing from the saved brain comparison F"
    )
    assert damaged("old_lost", lambda f: (f / "shift_index.tsv").unlink(), old=True) == (
        "F/shift_index.tsv: missing from the saved brain comparison F"
    )
    text = (base / "brain" / "comparison_metrics.json").read_text()
    assert damaged("json", lambda f: (f / "comparison_metrics.json").write_text(text[: len(text) // 2])).startswith(
        "F/comparison_metrics.json: line "
    )
    no_phases = json.dumps({k: v for k, v in metrics.items() if k != "phases"})
    assert damaged("phases", lambda f: (f / "comparison_metrics.json").write_text(no_phases)) == (
        "F/comparison_metrics.json: field 'phases' missing: the saved comparison is damaged"
    )
    no_shift = json.dumps({**metrics, "metrics": {k: v for k, v in metrics["metrics"].items() if k != "shift"}})
    assert damaged("no_shift", lambda f: (f / "comparison_metrics.json").write_text(no_shift)) == (
        "F/comparison_metrics.json: field 'metrics.shift' missing: the saved comparison is damaged"
    )
    shift = {**metrics["metrics"]["shift"], "median_shift": "1,68"}
    text_shift = json.dumps({**metrics, "metrics": {**metrics["metrics"], "shift": shift}})
    assert damaged("text_shift", lambda f: (f / "comparison_metrics.json").write_text(text_shift)) == (
        "F/comparison_metrics.json: field 'metrics.shift.median_shift': '1,68' is not a number: "
        "the saved comparison is damaged"
    )
    # an older folder (no row counts) that is whole still loads, with the same numbers
    old = shutil.copytree(base / "brain", tmp_path / "old")
    payload = json.loads((old / "comparison_metrics.json").read_text())
    del payload["tables"], payload["table_columns"]
    (old / "comparison_metrics.json").write_text(json.dumps(payload))
    pd.testing.assert_frame_equal(BrainComparison.load(old).shift, brain.shift)
    result = _cli("report", str(base / "data"), "--brain", str(tmp_path / "short"), "--out", str(tmp_path / "r.html"))
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'short' / 'model_block_regions.tsv'}: {n_rows - 1} row(s), but {n_rows} were saved: "
        "the saved table is damaged"
    ]
    assert not (tmp_path / "r.html").exists()


def test_a_saved_analysis_reads_only_its_own_tables_and_figures(saved, tmp_path):
    import json

    from motorseq.analysis.report.behaviour import headline

    base, analysis, _ = saved
    # a --force'd folder that an earlier (probabilistic SRT) analysis left a table and a figure in
    folder = shutil.copytree(base / "analysis", tmp_path / "forced")
    stale = pd.DataFrame({"session": ["1"], "group": ["all"], "mean": [-80.0], "n": [9]})
    stale.to_csv(folder / "tables" / "srt_probabilistic_learning_group.csv", index=False)
    shutil.copy(sorted((folder / "figures").glob("*.png"))[0], folder / "figures" / "earlier.png")
    back = AnalysisResult.load(folder)
    assert sorted(back.tables) == sorted(analysis.tables) and "earlier" not in back.figure_paths
    assert sorted(back.figure_paths) == sorted(analysis.figure_paths)
    assert headline(back).mean == pytest.approx(_summary_mean(analysis), abs=0.05)  # SRT's, not the stale -80
    listed = json.loads((folder / "provenance.json").read_text())["figures"]
    assert listed == sorted(analysis.figure_paths) and len(listed) >= 1
    (folder / "figures" / f"{listed[0]}.png").unlink()
    with pytest.raises(AnalysisInputError) as err:
        AnalysisResult.load(folder)
    assert str(err.value) == f"{folder / 'figures' / listed[0]}.png: missing from the saved analysis {folder}"
    # a saved `motorseq compare` folder is not one analysis: say where its analyses are
    compare_out = tmp_path / "compare"
    shutil.copytree(base / "analysis", compare_out / "people")
    (compare_out / "tables").mkdir()
    pd.DataFrame({"block": [1, 2], "people_mean": [1.0, 0.9]}).to_csv(compare_out / "tables" / "compare_curves.csv")
    people = json.loads((folder / "provenance.json").read_text())
    (compare_out / "provenance.json").write_text(json.dumps({"people": people, "model": people}))
    with pytest.raises(AnalysisInputError) as err:
        AnalysisResult.load(compare_out)
    assert str(err.value) == (
        f"{compare_out}: a saved comparison of people and model (motorseq compare --out), not one analysis: "
        f"give its analysis of either side, {compare_out / 'people'} or {compare_out / 'model'}"
    )
    assert AnalysisResult.load(compare_out / "people").paradigm == "srt"


def test_a_brain_comparison_that_cannot_be_written_is_one_line(saved, tmp_path):
    _, _, brain = saved
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder\n")
    with pytest.raises(AnalysisInputError, match=rf"^{blocker}: cannot write the brain comparison: "):
        brain.save(blocker)
    assert blocker.read_text() == "not a folder\n"
