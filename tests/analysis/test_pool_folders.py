"""Pooling data folders from several laptops whose participant labels repeat."""

from __future__ import annotations

import subprocess
import sys

import pytest
from motorseq.analysis.comparison import compare
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.loaders import load_dataset
from motorseq.analysis.report.build import build_report
from motorseq.protocols import generate_trials, load_protocol
from motorseq.protocols.io import RunWriter
from motorseq.tasks import shorten_protocol


def _laptop(root, rt_s, group=None):
    protocol = shorten_protocol(load_protocol("classroom"), 5)
    for participant in ("01", "02"):
        with RunWriter(root, protocol, participant, seed=0, group=group, wall_clock=False) as writer:
            for row in generate_trials(protocol, participant).to_dict("records"):
                onset = row["trial_index"] * 0.8
                writer.write_trial(
                    {**row, "stimulus_onset": onset, "response": row["correct_key"], "rt": rt_s, "correct": 1}
                )


def test_the_same_labels_in_two_folders_are_refused_naming_both_files(tmp_path):
    _laptop(tmp_path / "laptopA", 0.4)
    _laptop(tmp_path / "laptopB", 0.5)
    with pytest.raises(AnalysisInputError) as error:
        load_dataset([tmp_path / "laptopA", tmp_path / "laptopB"])
    message = str(error.value)
    assert "laptopA/sub-01/ses-1/beh/sub-01_ses-1_task-classroom_run-1_beh.tsv" in message
    assert "laptopB/sub-01/ses-1/beh/sub-01_ses-1_task-classroom_run-1_beh.tsv" in message
    assert "--keep-apart" in message and "\n" not in message


def test_keep_apart_prefixes_each_participant_with_its_folder(tmp_path):
    _laptop(tmp_path / "laptopA", 0.4, group="morning")
    _laptop(tmp_path / "laptopB", 0.5, group="evening")
    trials = load_dataset([tmp_path / "laptopA", tmp_path / "laptopB"], keep_apart=True).trials
    by_participant = trials.groupby("participant", observed=True).agg(rt=("rt_ms", "mean"), group=("group", "first"))
    assert list(by_participant.index) == ["laptopA-01", "laptopA-02", "laptopB-01", "laptopB-02"]
    assert list(by_participant["rt"].round(6)) == [400.0, 400.0, 500.0, 500.0]
    assert list(by_participant["group"]) == ["morning", "morning", "evening", "evening"]


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "motorseq.protocols", *args], capture_output=True, text=True, timeout=600
    )


def _clash_line(result: subprocess.CompletedProcess) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 2 and "Traceback" not in output, output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture
def laptops(tmp_path):
    """Two laptops' folders with the same participant labels, and a third folder as the 'model'."""
    _laptop(tmp_path / "laptopA", 0.4)
    _laptop(tmp_path / "laptopB", 0.5)
    _laptop(tmp_path / "model", 0.45)
    return tmp_path / "laptopA", tmp_path / "laptopB", tmp_path / "model"


_RUN = "sub-01/ses-1/beh/sub-01_ses-1_task-classroom_run-1_beh.tsv"


@pytest.mark.parametrize("command", ["report", "compare"])
def test_report_and_compare_refuse_a_clash_naming_both_files(laptops, tmp_path, command):
    a, b, model = laptops
    args = [command, str(a), str(b)] + ([str(model), "--out", str(tmp_path / "cmp")] if command == "compare" else [
        "--out", str(tmp_path / "r.html")])  # fmt: skip
    line = _clash_line(_cli(*args))
    assert f"laptopA/{_RUN}" in line and f"laptopB/{_RUN}" in line and "--keep-apart" in line
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "cmp").exists()


def test_report_pools_folders_kept_apart_by_a_mapping(laptops, tmp_path):
    a, b, _ = laptops
    out = tmp_path / "r.html"
    result = _cli("report", str(a), str(b), "--out", str(out), "--prefix", f"{a}=morning", "--prefix", f"{b}=noon")
    assert result.returncode == 0, result.stdout + result.stderr
    page = out.read_text(encoding="utf-8")
    assert "laptopA + laptopB: 4 participant(s) in the behavioural analysis" in page
    for label in ("morning-01", "morning-02", "noon-01", "noon-02"):
        assert label in page
    assert "laptopA/sub-01_ses-1_task-classroom_run-1_beh.json" in page  # provenance names each folder's runs


def test_report_keep_apart_by_folder_name(laptops, tmp_path):
    a, b, _ = laptops
    out = build_report([a, b], tmp_path / "r.html", full_behaviour=False, keep_apart=True)
    page = out.read_text(encoding="utf-8")
    assert "4 participant(s) in the behavioural analysis" in page and "laptopB-02" in page


def test_compare_pools_the_people_folders(laptops, tmp_path):
    a, b, model = laptops
    result = compare([a, b], model, n_boot=20, figures=False, keep_apart=True)
    people = result.people.tables["cleaning"]["participant"].unique()
    assert sorted(people) == ["laptopA-01", "laptopA-02", "laptopB-01", "laptopB-02"]
    raw = result.tables["compare_curves"]["people_rt_ms"]
    assert raw.round(3).tolist() == [450.0] * len(raw)  # 400 ms and 500 ms laptops pooled


def test_a_bad_mapping_is_one_line_naming_the_option(laptops, tmp_path):
    a, b, _ = laptops
    with pytest.raises(AnalysisInputError, match=r"^--prefix .*laptopC=x: .* is not one of the data folders given$"):
        load_dataset([a, b], prefixes={str(a.parent / "laptopC"): "x"})
    with pytest.raises(AnalysisInputError, match="both get the participant prefix 'same'"):
        load_dataset([a, b], prefixes={str(a): "same", str(b): "same"})
