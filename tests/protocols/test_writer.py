"""The run writer: every finished trial is on disk, runs are never overwritten, resume continues."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from motorseq.protocols import DataFileError, RunExistsError, generate_trials, load_protocol
from motorseq.protocols.io import RunWriter, read_dataset, read_events, read_run, run_paths, validate_path

from ._short import first_trials

HERE = Path(__file__).parent


def _row(row: dict, rt: float = 0.4) -> dict:
    return {
        **row,
        "stimulus_onset": 0.65 * row["trial_index"],
        "response": row["correct_key"],
        "response_position": int(row["target"]),
        "rt": rt,
        "correct": 1,
        "n_presses": 1,
        "n_errors": 0,
    }


def _write(root: Path, n: int, status="complete", **kwargs) -> RunWriter:
    protocol = first_trials(load_protocol("classroom"), n)  # n trials make a complete run
    trials = generate_trials(protocol, "01", seed=4)
    writer = RunWriter(root, protocol, "01", "1", seed=4, **kwargs)
    for row in trials.to_dict("records"):
        writer.write_trial(
            _row(row),
            [{"onset": 1.0, "key": row["correct_key"], "position": int(row["target"]), "rt": 0.4, "correct": 1}],
        )
    writer.close(status)
    return writer


def test_round_trip_and_sidecar(tmp_path):
    writer = _write(tmp_path, 20)
    table = read_run(writer.paths.beh)
    assert len(table) == 20
    assert table["rt"].tolist() == [0.4] * 20
    assert table["triplet_type"].isna().all()
    sidecar = json.loads(writer.paths.sidecar.read_text())
    assert sidecar["RunStatus"] == "complete" and sidecar["Seed"] == 4
    assert sidecar["Source"] == {"Type": "human"} and sidecar["ProtocolName"] == "classroom"
    assert len(sidecar["ProtocolSHA256"]) == 64 and "numpy" in sidecar["Software"]
    assert sidecar["rt"]["Units"] == "s"
    assert len(read_events(writer.paths.events)) == 20
    participants = pd.read_csv(tmp_path / "participants.tsv", sep="\t")
    assert participants["participant_id"].tolist() == ["sub-01"]


def test_trials_written_at_once_are_the_bytes_of_trials_written_one_by_one(tmp_path):
    one = _write(tmp_path / "one", 12, wall_clock=False)
    protocol = first_trials(load_protocol("classroom"), 12)
    trials = generate_trials(protocol, "01", seed=4).to_dict("records")
    presses = [
        [{"onset": 1.0, "key": r["correct_key"], "position": int(r["target"]), "rt": 0.4, "correct": 1}] * (k % 3)
        for k, r in enumerate(trials)
    ]
    whole = RunWriter(tmp_path / "whole", protocol, "01", "1", seed=4, wall_clock=False)
    whole.write_trials([_row(r) for r in trials], presses)
    whole.close("complete")
    assert whole.n_written == 12
    assert whole.paths.beh.read_bytes() == one.paths.beh.read_bytes()
    assert whole.paths.sidecar.read_bytes() == one.paths.sidecar.read_bytes()
    expected_presses = [k for k in range(1, 13) for _ in range((k - 1) % 3)]
    assert read_events(whole.paths.events)["trial_index"].tolist() == expected_presses


def test_trials_written_at_once_out_of_order_write_nothing(tmp_path):
    protocol = load_protocol("classroom")
    rows = [_row(r) for r in generate_trials(protocol, "01", seed=4).head(3).to_dict("records")]
    writer = RunWriter(tmp_path, protocol, "01", "1", seed=4)
    with pytest.raises(ValueError, match="trial_index 3 written out of order"):
        writer.write_trials([rows[0], rows[2]], [[], []])
    assert writer.n_written == 0 and read_run(writer.paths.beh).empty


def test_existing_run_is_never_overwritten(tmp_path):
    writer = _write(tmp_path, 5)
    before = writer.paths.beh.read_bytes()
    with pytest.raises(RunExistsError, match="never overwritten"):
        _write(tmp_path, 3)
    with pytest.raises(RunExistsError, match="complete"):
        _write(tmp_path, 3, resume=True)
    assert writer.paths.beh.read_bytes() == before


def test_kill_mid_run_keeps_every_finished_trial_and_resume_completes(tmp_path):
    child = subprocess.Popen(
        [sys.executable, str(HERE / "_write_run.py"), str(tmp_path), "new"], stdout=subprocess.PIPE, text=True
    )
    done = []
    deadline = time.monotonic() + 60
    while len(done) < 40 and time.monotonic() < deadline:
        line = child.stdout.readline()
        if line:
            done.append(int(line))
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    paths = run_paths(tmp_path, "01", "1", "classroom", 1)
    table = read_run(paths.beh, allow_partial=True)
    assert len(table) >= len(done) >= 40  # every trial reported finished is on disk
    assert table["trial_index"].tolist() == list(range(1, len(table) + 1))
    assert json.loads(paths.sidecar.read_text())["RunStatus"] == "interrupted"

    resumed = subprocess.run(
        [sys.executable, str(HERE / "_write_run.py"), str(tmp_path), "resume"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    full = read_run(paths.beh)
    expected = generate_trials("classroom", "01", seed=4)
    assert len(full) == len(expected)
    assert full["target"].tolist() == expected["target"].tolist()
    assert full["rt"].round(6).tolist() == [round(0.3 + 0.001 * i, 6) for i in range(1, len(full) + 1)]
    events = read_events(paths.events)
    assert events["trial_index"].tolist() == list(range(1, len(full) + 1))
    sidecar = json.loads(paths.sidecar.read_text())
    assert sidecar["RunStatus"] == "complete" and sidecar["Extra"]["Resumed"][0]["FromTrial"] == len(table) + 1


def test_resume_refuses_another_protocol_or_seed(tmp_path):
    _write(tmp_path, 3, status="aborted")
    with pytest.raises(DataFileError, match="Seed"):
        RunWriter(tmp_path, first_trials(load_protocol("classroom"), 3), "01", "1", seed=5, resume=True)


def _aborted_after(root: Path, done: int, total: int = 6) -> RunWriter:
    """A run of ``total`` trials aborted after ``done`` of them (the state ``--resume`` continues)."""
    protocol = first_trials(load_protocol("classroom"), total)
    writer = RunWriter(root, protocol, "01", "1", seed=4)
    for row in generate_trials(protocol, "01", seed=4).head(done).to_dict("records"):
        writer.write_trial(_row(row), [{"onset": 1.0, "key": row["correct_key"], "rt": 0.4, "correct": 1}])
    writer.close("aborted")
    return writer


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _resume(root: Path, total: int = 6) -> RunWriter:
    return RunWriter(root, first_trials(load_protocol("classroom"), total), "01", "1", seed=4, resume=True)


@pytest.mark.parametrize(
    ("keep_rows", "message"),
    [
        (
            0,
            r"_beh\.tsv: 0 trial rows left, but .*_beh\.json says TrialsWritten 3 and .*_events\.tsv has key "
            r"presses of trial 3: saved trials were lost; cannot resume \(nothing was changed\)$",
        ),
        (2, r"_beh\.tsv: 2 trial rows left, but .*_beh\.json says TrialsWritten 3: saved trials were lost"),
    ],
)
def test_resume_refuses_a_run_whose_rows_were_lost_and_changes_nothing(tmp_path, keep_rows, message):
    writer = _aborted_after(tmp_path, 3)
    lines = writer.paths.beh.read_text().splitlines(keepends=True)
    writer.paths.beh.write_text("".join(lines[: 1 + keep_rows]))
    before = _files(tmp_path)
    with pytest.raises(DataFileError, match=message):
        _resume(tmp_path)
    assert _files(tmp_path) == before  # the key presses of the lost trials are still there


def test_resume_refuses_key_presses_of_trials_after_the_one_in_progress(tmp_path):
    writer = _aborted_after(tmp_path, 3)
    sidecar = json.loads(writer.paths.sidecar.read_text())
    writer.paths.sidecar.write_text(json.dumps({**sidecar, "RunStatus": "interrupted", "TrialsWritten": 0}))
    lines = writer.paths.beh.read_text().splitlines(keepends=True)
    writer.paths.beh.write_text("".join(lines[:2]))
    before = _files(tmp_path)
    with pytest.raises(DataFileError, match=r"1 trial rows left, but .*_events\.tsv has key presses of trial 3"):
        _resume(tmp_path)
    assert _files(tmp_path) == before


def test_resume_drops_only_the_key_presses_of_the_trial_in_progress(tmp_path):
    writer = _aborted_after(tmp_path, 3)  # as if killed after trial 3's presses were saved, before its row
    lines = writer.paths.beh.read_text().splitlines(keepends=True)
    writer.paths.beh.write_text("".join(lines[:3]))
    sidecar = json.loads(writer.paths.sidecar.read_text())
    writer.paths.sidecar.write_text(json.dumps({**sidecar, "RunStatus": "interrupted", "TrialsWritten": 0}))
    resumed = _resume(tmp_path)
    assert resumed.next_trial_index == 3
    assert read_events(writer.paths.events)["trial_index"].tolist() == [1, 2]
    resumed.close("aborted")


def _no_trial_index(sidecar: dict, events: list[list[str]]) -> None:
    events[2][events[0].index("trial_index")] = "n/a"  # line 3: trial 2


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s, e: s.update(Seed=None), r"_beh\.json: Seed: missing"),
        (lambda s, e: s["Extra"].update(Resumed=5), r"_beh\.json: Extra\.Resumed: expected a list, found a number"),
        (lambda s, e: s["Extra"].update(Segments={}), r"_beh\.json: Extra\.Segments: expected a list, found an obj"),
        (lambda s, e: s.update(StartTime=3), r"_beh\.json: StartTime: expected a string"),
        (_no_trial_index, r"_events\.tsv:3: trial_index: 'n/a' is not a trial number"),
    ],
)
def test_resume_refuses_an_edited_sidecar_or_events_table_in_one_line(tmp_path, edit, message):
    writer = _aborted_after(tmp_path, 3)
    sidecar = json.loads(writer.paths.sidecar.read_text())
    events = [line.split("\t") for line in writer.paths.events.read_text().splitlines()]
    edit(sidecar, events)
    writer.paths.sidecar.write_text(json.dumps(sidecar))
    writer.paths.events.write_text("".join("\t".join(cells) + "\n" for cells in events))
    before = _files(tmp_path)
    with pytest.raises(DataFileError, match=message) as error:
        _resume(tmp_path)
    assert "\n" not in str(error.value) and str(error.value).endswith("cannot resume (nothing was changed)")
    assert _files(tmp_path) == before


def test_reader_reports_bad_rows_with_file_and_line(tmp_path):
    writer = _write(tmp_path, 6)
    lines = writer.paths.beh.read_text().splitlines(keepends=True)
    cells = lines[3].split("\t")
    header = lines[0].rstrip("\n").split("\t")
    cells[header.index("rt")] = "fast"
    damaged = tmp_path / "damaged_beh.tsv"
    damaged.write_text("".join(lines[:3] + ["\t".join(cells)] + lines[4:]))
    with pytest.raises(DataFileError, match=r"damaged_beh\.tsv:4: rt: 'fast' is not a number"):
        read_run(damaged)
    short = tmp_path / "short_beh.tsv"
    short.write_text("".join(lines[:5]) + "1\t2\n")
    with pytest.raises(DataFileError, match=r"short_beh\.tsv:6: expected 22 fields, found 2"):
        read_run(short)
    cut = tmp_path / "cut_beh.tsv"
    cut.write_text("".join(lines)[:-10])
    with pytest.raises(DataFileError, match=r"cut_beh\.tsv:7: the last row is cut off"):
        read_run(cut)
    assert len(read_run(cut, allow_partial=True)) == 5
    kind = tmp_path / "kind_beh.tsv"
    kind.write_text("".join(lines).replace("\tpractice\t", "\tpractise\t", 1))
    with pytest.raises(DataFileError, match=r"kind_beh\.tsv:2: block_kind: 'practise' is not one of"):
        read_run(kind)


def test_read_dataset_and_validate(tmp_path):
    _write(tmp_path, 8)
    table = read_dataset(tmp_path)
    assert set(table["participant"]) == {"01"} and set(table["source"]) == {"human"}
    report = validate_path(tmp_path)
    assert [(n, status) for _, n, status in report] == [(8, "complete")]
    with pytest.raises(DataFileError, match="no trial files"):
        validate_path(tmp_path / "sub-01" / "ses-1" / "nothing")


def test_read_runs_stacks_files_and_names_the_bad_one(tmp_path):
    from motorseq.protocols.io import read_runs

    first = _write(tmp_path / "a", 7)
    second = _write(tmp_path / "b", 5)
    runs = read_runs([first.paths.beh, second.paths.beh])
    assert len(runs.trials) == 12
    assert runs.trials["file_index"].tolist() == [0] * 7 + [1] * 5
    assert runs.trials["trial_index"].tolist() == list(range(1, 8)) + list(range(1, 6))
    assert [s["RunStatus"] for s in runs.sidecars] == ["complete", "complete"]
    lines = second.paths.beh.read_text().splitlines(keepends=True)
    lines[4] = lines[4].replace("\t0.400000\t", "\tslow\t", 1)
    second.paths.beh.write_text("".join(lines))
    with pytest.raises(
        DataFileError, match=r"b/sub-01/ses-1/beh/sub-01_ses-1_task-classroom_run-1_beh\.tsv:5: rt: 'slow'"
    ):
        read_runs([first.paths.beh, second.paths.beh])
    swapped = first.paths.beh.read_text().splitlines(keepends=True)
    swapped[2], swapped[3] = swapped[3], swapped[2]
    first.paths.beh.write_text("".join(swapped))
    with pytest.raises(DataFileError, match=r"a/.*_beh\.tsv:3: trial_index: 3 is out of order"):
        read_runs([first.paths.beh])


def test_a_row_with_an_unknown_column_writes_neither_file(tmp_path):
    protocol = load_protocol("classroom")
    row = _row(generate_trials(protocol, "01", seed=4).head(1).to_dict("records")[0])
    writer = RunWriter(tmp_path, protocol, "01", "1", seed=4)
    events_before = writer.paths.events.read_bytes()
    with pytest.raises(ValueError, match=r"_beh.tsv: unknown column\(s\) \['mood'\]"):
        writer.write_trial({**row, "mood": "tired"}, [{"onset": 1.0, "key": row["correct_key"]}])
    assert writer.n_written == 0 and read_run(writer.paths.beh).empty
    assert writer.paths.events.read_bytes() == events_before


def test_a_run_that_contradicts_participants_tsv_is_refused_before_anything_is_written(tmp_path):
    protocol = first_trials(load_protocol("classroom"), 3)
    RunWriter(tmp_path, protocol, "01", "1", seed=4, group="young").close("aborted")
    table_before = (tmp_path / "participants.tsv").read_bytes()
    with pytest.raises(DataFileError, match=r"participants\.tsv: sub-01 is listed in group 'young'; this run's group"):
        RunWriter(tmp_path, protocol, "01", "2", seed=4, group="old")
    with pytest.raises(DataFileError, match=r"sub-01 is listed with source 'human'; this run's source is 'model'"):
        RunWriter(tmp_path, protocol, "01", "3", seed=4, source={"Type": "model"})
    assert (tmp_path / "participants.tsv").read_bytes() == table_before
    assert not list(tmp_path.glob("sub-01/ses-2")) and not list(tmp_path.glob("sub-01/ses-3"))
    RunWriter(tmp_path, protocol, "01", "4", seed=4, group="young").close("aborted")  # the same group: fine
    RunWriter(tmp_path, protocol, "01", "5", seed=4).close("aborted")  # no group given: no claim
    RunWriter(tmp_path, protocol, "02", "1", seed=4).close("aborted")  # listed without a group ...
    RunWriter(tmp_path, protocol, "02", "2", seed=4, group="old").close("aborted")  # ... gets the later run's
    table = pd.read_csv(tmp_path / "participants.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert table.set_index("participant_id")["group"].to_dict() == {"sub-01": "young", "sub-02": "old"}
