"""Damaged or misleading data: refused in one line naming the file, or analysed with a warning (issue 13)."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from motorseq.analysis import analyze, load_dataset
from motorseq.analysis.errors import AnalysisInputError
from motorseq.protocols.errors import DataFileError
from motorseq.protocols.io import validate_path

FAST = {"n_boot": 20, "n_boot_participant": 0, "figures": False, "statistics": False}


def _copy(src: Path, tmp_path: Path) -> Path:
    root = tmp_path / "bids"
    shutil.copytree(src, root)
    return root


def _beh(root: Path, label: str = "01") -> Path:
    return next((root / f"sub-{label}").rglob("*_beh.tsv"))


def _set_rt(path: Path, row: int, value: str) -> int:
    """Write ``value`` into the rt cell of trial ``row`` (1-based); return its file line."""
    lines = path.read_text().split("\n")
    rt = lines[0].split("\t").index("rt")
    cells = lines[row].split("\t")
    cells[rt] = value
    lines[row] = "\t".join(cells)
    path.write_text("\n".join(lines))
    return row + 1


def _add_participant_from(src_root: Path, label: str, root: Path, new: str) -> None:
    """Copy participant ``label`` of another dataset in as participant ``new`` (files and sidecar renamed)."""
    target = root / f"sub-{new}"
    shutil.copytree(src_root / f"sub-{label}", target)
    for path in sorted(target.rglob("*")):
        if path.is_file():
            renamed = path.with_name(path.name.replace(f"sub-{label}", f"sub-{new}"))
            path.rename(renamed)
            if renamed.name.endswith("_beh.json"):
                sidecar = json.loads(renamed.read_text())
                sidecar["Participant"] = new
                renamed.write_text(json.dumps(sidecar))


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "motorseq.protocols", *args], capture_output=True, text=True, timeout=120
    )


def _one_line_error(result: subprocess.CompletedProcess, name: str) -> str:
    text = result.stdout + result.stderr
    assert result.returncode == 2, text
    assert "Traceback" not in text, text
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and name in lines[0], text
    return lines[0]


# -- 1. a mix of paradigms ------------------------------------------------------------------


def test_mixed_paradigms_are_refused_and_split_with_paradigm(srt_people, asrt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    _add_participant_from(asrt_people, "01", root, "07")
    with pytest.raises(AnalysisInputError, match=r"mix paradigms: asrt \(1 participant\), srt \(6 participants\)"):
        analyze(root, **FAST)
    srt = analyze(root, paradigm="srt", **FAST)
    assert srt.paradigm == "srt" and set(srt.tables["srt_sequence_learning"]["participant"]) == {
        f"{k:02d}" for k in range(1, 7)
    }
    asrt = analyze(root, paradigm="asrt", **FAST)
    assert asrt.paradigm == "asrt" and set(asrt.tables["asrt_triplet_learning"]["participant"]) == {"07"}
    with pytest.raises(AnalysisInputError, match="--paradigm: no trials of paradigm 'dsp'"):
        analyze(root, paradigm="dsp", **FAST)


# -- 2. response times that are not response times ------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("inf", "rt: inf is not a finite number"),
        ("-inf", "rt: -inf is not a finite number"),
        ("1e308", r"rt: 1e\+308 s is longer than the protocol's timeout"),
        ("2.5", r"rt: 2.5 s is longer than the protocol's timeout .*, 2 s"),  # srt-classic: timeout 2000 ms
    ],
)
def test_absurd_rts_fail_validate_data_and_analyze(srt_people, tmp_path, value, problem):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "03")
    line = _set_rt(beh, 40, value)
    expected = rf"{beh.name}:{line}: {problem}"
    with pytest.raises(DataFileError, match=expected):
        validate_path(root)
    with pytest.raises(AnalysisInputError, match=expected):
        analyze(root, **FAST)


def test_rt_just_within_the_timeout_is_kept(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    _set_rt(_beh(root, "03"), 40, "1.999")
    assert validate_path(root)[2][1] == 156
    assert load_dataset(root).trials["rt_ms"].max() == pytest.approx(1999.0)


# -- 3. runs marked complete but truncated; header-only runs; interrupted runs ------------


def test_complete_but_truncated_run_is_refused_by_both(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "02")
    beh.write_text("".join(beh.read_text().splitlines(keepends=True)[:50]))
    expected = rf"{beh.name}: 49 trial row\(s\), but the sidecar says RunStatus complete with TrialsWritten 156"
    with pytest.raises(DataFileError, match=expected):
        validate_path(root)
    with pytest.raises(AnalysisInputError, match=expected):
        analyze(root, **FAST)


def test_complete_run_with_a_cut_off_last_row_is_refused_by_both(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "02")
    beh.write_text(beh.read_text()[:-30])  # the last row loses its end
    with pytest.raises(DataFileError, match=rf"{beh.name}:157: the last row is cut off"):
        validate_path(root)
    with pytest.raises(AnalysisInputError, match=rf"{beh.name}:157: the last row is cut off, but .* complete"):
        analyze(root, **FAST)


def test_header_only_run_is_not_dropped_silently(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "04")
    beh.write_text(beh.read_text().splitlines(keepends=True)[0])
    with pytest.raises(DataFileError, match=rf"{beh.name}: 0 trial row\(s\)"):
        validate_path(root)
    with pytest.raises(AnalysisInputError, match=rf"{beh.name}: 0 trial row\(s\)"):
        analyze(root, **FAST)
    # an interrupted run that never got a trial: analysed without it, and said so
    sidecar = beh.with_name(beh.name.replace("_beh.tsv", "_beh.json"))
    meta = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**meta, "RunStatus": "interrupted", "TrialsWritten": 0}))
    assert "no trial rows (header only)" in [r[2] for r in validate_path(root)][3]
    result = analyze(root, **FAST)
    assert any(f"{beh.name}: no trial rows (header only)" in line for line in result.summary)
    assert len(result.tables["srt_sequence_learning"]) == 5


def test_interrupted_run_with_a_cut_row_is_analysed_with_a_warning(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "05")
    beh.write_text(beh.read_text()[:-30])
    sidecar = beh.with_name(beh.name.replace("_beh.tsv", "_beh.json"))
    sidecar.write_text(json.dumps({**json.loads(sidecar.read_text()), "RunStatus": "interrupted"}))
    result = analyze(root, **FAST)
    warnings = [line for line in result.summary if line.startswith("warning:")]
    assert any(f"{beh.name}: run interrupted after 155 trial(s)" in w for w in warnings), result.summary
    assert any(f"{beh.name}:157: a last row cut off by a crash was left out" in w for w in warnings)
    assert (result.tables["cleaning"].set_index("participant").loc["05", "n_trials"]) == 155


# -- 4. a killed worker's temp folder ---------------------------------------------------------


def test_temp_folders_of_killed_workers_are_ignored(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    temp = root / ".sub-01_ses-1_run-1.tmp-host-123-abcdef12"
    shutil.copytree(root / "sub-01", temp / "sub-01")
    (temp / "derivatives").mkdir()
    assert len(validate_path(root)) == 6
    data = load_dataset(root)
    assert len(data.files) == 6 and len(data.trials) == 6 * 156


# -- 8. damaged files and options: one line, no traceback -----------------------------------


def _jspsych_csv(path: Path) -> bytes:
    rows = ["subject,session,isPractice,block,trialNumber,trialType,correctPos,sequence,firstResponse,rt"]
    rows += [f"1,1,0,1,{i},P,{i % 4 + 1},1-2-3-4,{i % 4 + 1},{400 + i}" for i in range(1, 40)]
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("binary.csv", bytes(range(256)) * 4, ""),
        ("cut.csv.gz", None, r"truncated \.gz"),
        ("notgz.csv.gz", b"plain text, not gzip\n", "not a valid gzip file"),
    ],
)
def test_damaged_csv_is_a_one_line_error(tmp_path, name, content, problem):
    path = tmp_path / name
    if content is None:
        content = gzip.compress(_jspsych_csv(path))[:-40]
    path.write_bytes(content)
    with pytest.raises(AnalysisInputError, match=rf"{re.escape(name)}: cannot be read as a table: .*{problem}"):
        load_dataset(path)


def test_truncated_gz_through_the_command_is_one_line_not_aborted(tmp_path):
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(gzip.compress(_jspsych_csv(path))[:-40])
    line = _one_line_error(_cli("analyze", str(path), "--out", str(tmp_path / "out")), "cut.csv.gz")
    assert "truncated .gz" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("sidecar", "problem"),
    [
        ([1, 2], "the sidecar must be a JSON object, found a list"),
        ({"Protocol": 5}, "Protocol: expected an object, found a number"),
        ({"TrialsWritten": "many"}, "TrialsWritten: expected a whole number, found a string"),
        ({"RunStatus": "done"}, "RunStatus: 'done' is not one of complete, aborted, interrupted"),
        ({"Protocol": {"paradigm": 3}}, "Protocol.paradigm: expected a string, found a number"),
    ],
)
def test_sidecar_of_the_wrong_shape_is_named(srt_people, tmp_path, sidecar, problem):
    root = _copy(srt_people, tmp_path)
    path = _beh(root, "02").with_name(_beh(root, "02").name.replace("_beh.tsv", "_beh.json"))
    if isinstance(sidecar, dict):
        sidecar = {**json.loads(path.read_text()), **sidecar}
    path.write_text(json.dumps(sidecar))
    with pytest.raises((DataFileError, AnalysisInputError), match=problem) as error:
        load_dataset(root)
    assert "sub-02" in str(error.value)


def test_corrupt_participants_tsv_is_named(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    (root / "participants.tsv").write_bytes(b"\xff\xfe\x00garbage\x00\n\x01\x02")
    with pytest.raises(AnalysisInputError, match=r"participants\.tsv"):
        load_dataset(root)
    (root / "participants.tsv").write_text("participant_id\tgroup\nsub-01\ta\n\tb\n")
    with pytest.raises(AnalysisInputError, match=r"participants\.tsv:3: participant_id"):
        load_dataset(root)


def test_bootstrap_counts_are_checked(srt_people):
    with pytest.raises(AnalysisInputError, match="--n-boot: must be a whole number ≥ 1, got 0"):
        analyze(srt_people, n_boot=0)
    with pytest.raises(AnalysisInputError, match="--n-boot-participant: must be a whole number ≥ 0, got -1"):
        analyze(srt_people, n_boot_participant=-1)


def test_analyze_out_that_cannot_be_written_is_one_line(srt_people, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    _one_line_error(_cli("analyze", str(srt_people), "--out", str(blocker / "results")), "--out cannot be written")
    assert blocker.read_text() == "keep me"


def test_validate_data_checks_what_analyze_needs_from_sidecar_and_participants(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    sidecar = _beh(root, "02").with_name(_beh(root, "02").name.replace("_beh.tsv", "_beh.json"))
    meta = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**meta, "Participant": "99"}))
    with pytest.raises(DataFileError, match="Participant is '99', but the file name says sub-02"):
        validate_path(root)
    sidecar.write_text(json.dumps({**meta, "Protocol": {}}))
    with pytest.raises(DataFileError, match="Protocol.paradigm: expected a string, found null"):
        validate_path(root)
    sidecar.write_text(json.dumps(meta))
    (root / "participants.tsv").write_text("participant_id\tsource\tgroup\nsub-01\thuman\ta\tb\n")
    with pytest.raises(DataFileError, match=r"participants\.tsv:2: expected 3 fields, found 4"):
        validate_path(root)


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"first_trials": -3}, "--first-trials"),
        ({"outlier_sd": float("nan")}, "--outlier-sd"),
        ({"anticipation_ms": float("inf")}, "--anticipation-ms"),
    ],
)
def test_cleaning_options_name_the_option(rule, problem):
    from motorseq.analysis import CleaningRules

    with pytest.raises(AnalysisInputError, match=problem):
        CleaningRules(**rule)


def test_analyze_seed_is_checked_before_loading(tmp_path):
    with pytest.raises(AnalysisInputError, match="--seed: must be a whole number ≥ 0, got -1"):
        analyze(tmp_path / "nowhere", seed=-1)
    _one_line_error(_cli("analyze", str(tmp_path), "--out", str(tmp_path / "o"), "--outlier-sd", "nan"), "--outlier-sd")


def test_a_participant_missing_from_participants_tsv_is_not_pooled_as_all(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    ids = sorted(p.name for p in root.glob("sub-*"))
    rows = [f"{pid}\t{'a' if i % 2 else 'b'}" for i, pid in enumerate(ids[:-1])] + ["sub-999\tb"]
    (root / "participants.tsv").write_text("participant_id\tgroup\n" + "\n".join(rows) + "\n")
    data = load_dataset(root)
    groups = data.trials.groupby("participant", observed=True)["group"].first()
    assert groups[ids[-1].removeprefix("sub-")] == "unlisted"
    assert "all" not in set(groups)
    assert any(f"no row for 1 participant(s) with runs (first: {ids[-1]})" in n for n in data.notes)
    assert any("1 row(s) with no runs (first: sub-999)" in n for n in data.notes)


@pytest.mark.parametrize("column", ["correct", "rt"])
def test_n_a_score_or_rt_on_an_answered_trial_is_refused(srt_people, tmp_path, column):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "02")
    table = pd.read_csv(beh, sep="\t", dtype=str, keep_default_na=False)
    row = int(np.flatnonzero((table["response"] != "n/a").to_numpy())[5])
    table.loc[row, column] = "n/a"
    table.to_csv(beh, sep="\t", index=False)
    with pytest.raises(AnalysisInputError, match=rf"_beh\.tsv:{row + 2}: {column}: n/a on a trial with a response"):
        load_dataset(root)


def _rows(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Write ``value`` into ``column`` of the 0-based trial ``row`` (file line ``row + 2``)."""
    table = _rows(path)
    table.loc[row, column] = value
    table.to_csv(path, sep="\t", index=False)


def _edit_sidecar(beh: Path, **fields: object) -> None:
    path = beh.with_name(beh.name.replace("_beh.tsv", "_beh.json"))
    path.write_text(json.dumps({**json.loads(path.read_text()), **fields}))


def test_a_complete_run_that_stops_after_two_blocks_of_its_protocol_is_refused(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "03")
    table = _rows(beh)
    table[table["block"].astype(int) <= 2].to_csv(beh, sep="\t", index=False)
    _edit_sidecar(beh, TrialsWritten=36)  # the sidecar agrees with the file: only the protocol can tell
    message = r"36 trial row\(s\), but the sidecar says RunStatus complete and its protocol has 156 trials in 7 blocks"
    with pytest.raises(DataFileError, match=message):
        validate_path(root)
    with pytest.raises(AnalysisInputError, match=message):
        load_dataset(root)


def test_a_row_outside_its_protocols_blocks_is_refused_with_its_line(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "02")
    _set_cell(beh, 20, "block_kind", "random")
    expected = r"_beh\.tsv:22: block_kind: 'random', but block 2 of the protocol in the sidecar is 'sequence'"
    with pytest.raises(DataFileError, match=expected):
        validate_path(root)
    with pytest.raises(AnalysisInputError, match=expected):
        load_dataset(root)


def test_a_participant_folder_copied_under_a_new_name_is_refused(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    shutil.copytree(root / "sub-01", root / "sub-09")  # the files inside still say sub-01
    expected = r"sub-09/ses-1/beh/sub-01_.*_beh\.tsv: the file is named sub-01 but lies in the folder sub-09"
    with pytest.raises(DataFileError, match=expected):
        validate_path(root)
    with pytest.raises(AnalysisInputError, match=expected):
        load_dataset(root)
    shutil.rmtree(root / "sub-09")
    shutil.copytree(root / "sub-01", root / "backup" / "sub-01")  # a copy kept inside the dataset
    with pytest.raises(DataFileError, match=r"the same run file twice in one dataset"):
        validate_path(root)


def test_validate_data_compares_every_row_with_the_generated_trial_list(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "04")
    old = _rows(beh).loc[30, "target"]
    new = "1" if old != "1" else "2"
    _set_cell(beh, 30, "target", new)
    expected = rf"_beh\.tsv:32: target: '{new}' in the file, '{old}' in the trial list that the sidecar's protocol"
    with pytest.raises(DataFileError, match=expected):
        validate_path(root)
    _edit_sidecar(beh, Software={"motorseq": "0.0.1"})  # another version's generator may differ: a warning
    from motorseq.protocols.io import validate_runs

    found = validate_runs(root)
    assert len(found.runs) == 6 and len(found.warnings) == 1
    assert "target" in found.warnings[0] and "recorded with motorseq 0.0.1" in found.warnings[0]


def test_validate_data_refuses_a_run_without_its_sidecar(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "05")
    beh.with_name(beh.name.replace("_beh.tsv", "_beh.json")).unlink()
    with pytest.raises(DataFileError, match=r"sub-05_.*_beh\.tsv: sidecar \(_beh\.json\) missing"):
        validate_path(root)
    with pytest.raises(AnalysisInputError, match=r"sub-05_.*_beh\.tsv: sidecar \(_beh\.json\) missing"):
        load_dataset(root)


def test_validate_data_refuses_n_a_score_on_an_answered_trial_as_analyze_does(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "02")
    row = int(np.flatnonzero((_rows(beh)["response"] != "n/a").to_numpy())[3])
    _set_cell(beh, row, "correct", "n/a")
    with pytest.raises(DataFileError, match=rf"_beh\.tsv:{row + 2}: correct: n/a on a trial with a response"):
        validate_path(root)


def test_a_sidecar_protocol_this_version_cannot_read_is_a_warning_not_a_verdict(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "01")
    sidecar = json.loads(beh.with_name(beh.name.replace("_beh.tsv", "_beh.json")).read_text())
    _edit_sidecar(beh, Protocol={**sidecar["Protocol"], "a_field_of_a_later_version": 1})
    data = load_dataset(root)
    assert data.trials["participant"].nunique() == 6
    assert any("the protocol in the sidecar is not valid here" in note for note in data.notes)


def test_two_tasks_in_one_session_with_the_same_run_number_are_named_not_called_duplicate_trials(srt_people, tmp_path):
    root = _copy(srt_people, tmp_path)
    beh = _beh(root, "01")
    for suffix in ("_beh.tsv", "_beh.json"):
        source = beh.with_name(beh.name.replace("_beh.tsv", suffix))
        shutil.copy(source, source.with_name(re.sub(r"task-[a-z0-9]+", "task-other", source.name)))
    expected = (
        r"sub-01_ses-1_task-.*_run-1_beh\.tsv and .*sub-01_ses-1_task-.*_run-1_beh\.tsv: participant 01, session 1"
    )
    with pytest.raises(AnalysisInputError, match=expected):
        load_dataset(root)


def test_two_protocols_sharing_one_task_label_are_refused_by_both(srt_people, tmp_path):
    """A protocol named ``srt-small`` writes ``task-srtsmall`` files, as one named ``srtsmall`` does."""
    root = _copy(srt_people, tmp_path)
    first, other = _beh(root, "01"), _beh(root, "03")
    name = json.loads(other.with_name(other.name.replace("_beh.tsv", "_beh.json")).read_text())["ProtocolName"]
    assert name == "srtsmall" and "_task-srtsmall_" in other.name
    _edit_sidecar(other, ProtocolSHA256="0" * 64)  # one protocol shortened for a pilot: allowed
    assert len(validate_path(root)) == 6
    assert load_dataset(root).trials["participant"].nunique() == 6
    _edit_sidecar(other, ProtocolName="srt-small")
    expected = (
        rf"{re.escape(str(first))} and {re.escape(str(other))}: task-srtsmall holds runs of two protocols, "
        r"'srtsmall' and 'srt-small' \(ProtocolName in their sidecars\)"
    )
    with pytest.raises(DataFileError, match=expected):
        validate_path(root)
    with pytest.raises(AnalysisInputError, match=expected):
        load_dataset(root)
