"""Ids, group labels and paths: one-line errors, nothing written outside the dataset."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from motorseq.protocols import LabelError, MotorseqError, generate_trials, load_protocol
from motorseq.protocols.io import RunWriter, add_participant, run_paths
from motorseq.protocols.labels import validate_group_label

from ._cli import one_line, run_main

LONG_ID = "7" * 5000


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder no file can be created in: read-only for a user; /sys (sysfs) for root."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


def test_a_5000_digit_participant_id_is_one_line(capsys, monkeypatch):
    code, out, err = run_main(["trials", "classroom", "--participant", LONG_ID], capsys, monkeypatch)
    assert code == 2 and out == ""
    line = one_line(err)
    assert "participant label" in line and "5000 characters" in line and "at most 32" in line
    assert len(line) < 200


@pytest.mark.parametrize("run", ["99999999999999999999", "10000", "0"])
def test_absurd_run_numbers_are_refused(tmp_path, run):
    with pytest.raises(LabelError, match="from 1 to 9999"):
        run_paths(tmp_path, "1", "1", "classroom", run)
    with pytest.raises(LabelError, match="from 1 to 9999"):
        run_paths(tmp_path, "1", "1", "classroom", int(run))


@pytest.mark.parametrize("seed", ["-1", "99999999999999999999"])
def test_seeds_out_of_range_are_one_line(capsys, monkeypatch, seed):
    code, _, err = run_main(["trials", "classroom", "--participant", "1", "--seed", seed], capsys, monkeypatch)
    assert code == 2
    assert "a seed is a whole number from 0 to 4294967295" in one_line(err)


@pytest.mark.parametrize("bad", ["a\tb", "young\nsub-99\tmodel", "", "n/a", "-x", "g" * 65, "a b", "é"])
def test_group_labels_are_checked_like_ids(tmp_path, bad):
    with pytest.raises(LabelError, match="--group: group label"):
        validate_group_label(bad, "--group")
    with pytest.raises(LabelError, match="group label"):
        RunWriter(tmp_path / "data", load_protocol("classroom"), "1", "1", group=bad)
    with pytest.raises(LabelError, match="group label"):
        add_participant(tmp_path / "data", "1", group=bad)
    assert not (tmp_path / "data" / "participants.tsv").exists()
    assert not (tmp_path / "data" / "sub-1").exists()


def test_good_group_labels_reach_participants_tsv(tmp_path):
    for label, group in (("1", "young"), ("2", "sham-tACS_2")):
        with RunWriter(tmp_path, load_protocol("classroom"), label, "1", group=group):
            pass
    table = pd.read_csv(tmp_path / "participants.tsv", sep="\t", dtype=str)
    assert table["group"].tolist() == ["young", "sham-tACS_2"]
    assert validate_group_label("young", "--group") == "young"


def test_a_planted_participant_symlink_is_refused(tmp_path):
    """``sub-5`` -> a folder elsewhere used to make the run write there."""
    data, outside = tmp_path / "data", tmp_path / "outside"
    data.mkdir()
    outside.mkdir()
    (data / "sub-5").symlink_to(outside, target_is_directory=True)
    with pytest.raises(MotorseqError, match="outside the dataset"):
        RunWriter(data, load_protocol("classroom"), "5", "1")
    assert list(outside.rglob("*")) == []
    (data / "sub-6").mkdir()
    (data / "sub-6" / "ses-1").symlink_to("/", target_is_directory=True)
    with pytest.raises(MotorseqError, match="outside the dataset"):
        RunWriter(data, load_protocol("classroom"), "6", "1")


def test_a_symlink_inside_the_dataset_is_fine(tmp_path):
    (tmp_path / "data" / "real").mkdir(parents=True)
    (tmp_path / "data" / "sub-5").symlink_to(tmp_path / "data" / "real", target_is_directory=True)
    with RunWriter(tmp_path / "data", load_protocol("classroom"), "5", "1") as writer:
        writer.write_trial({**generate_trials("classroom", "5").iloc[0].to_dict(), "rt": 0.4})
    assert (tmp_path / "data" / "real" / "ses-1" / "beh" / writer.paths.beh.name).exists()


def test_trials_out_never_writes_through_a_symlink(tmp_path, capsys, monkeypatch):
    target = tmp_path / "target.tsv"
    link = tmp_path / "link.tsv"
    link.symlink_to(target)
    code, _, err = run_main(["trials", "classroom", "-p", "1", "--out", link], capsys, monkeypatch)
    assert code == 2 and "symlink" in one_line(err) and str(link) in err
    assert not target.exists()
    target.write_text("keep me\n")
    code, _, err = run_main(["trials", "classroom", "-p", "1", "--out", link], capsys, monkeypatch)
    assert code == 2 and target.read_text() == "keep me\n"


def test_trials_out_to_a_folder_names_the_option(tmp_path, capsys, monkeypatch):
    code, _, err = run_main(["trials", "classroom", "-p", "1", "--out", tmp_path], capsys, monkeypatch)
    assert code == 2 and one_line(err).startswith(f"error: --out {tmp_path}: is a folder")
    assert list(tmp_path.iterdir()) == []


def test_trials_out_unwritable_is_one_line(tmp_path, capsys, monkeypatch):
    out = _unwritable_folder(tmp_path) / "trials.tsv"
    code, _, err = run_main(["trials", "classroom", "-p", "1", "--out", out], capsys, monkeypatch)
    assert code == 2 and one_line(err).startswith(f"error: {out}: cannot write there")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run_main(["trials", "classroom", "-p", "1", "--out", blocker / "t.tsv"], capsys, monkeypatch)
    assert code == 2 and "a file is in the way" in one_line(err)
    good = tmp_path / "new" / "t.tsv"
    code, out_text, _ = run_main(["trials", "classroom", "-p", "1", "--out", good], capsys, monkeypatch)
    assert code == 0 and f"312 trials written to {good}" in out_text
    assert pd.read_csv(good, sep="\t").shape == (312, 10)


def _run_args(data: Path, *extra: str) -> list[str]:
    # a shortened, automated run: on the old code it ran (under Xvfb) instead of being refused
    return [
        "run", "classroom", "-p", "1", "--data", str(data), "--max-blocks", "1", "--max-trials-per-block", "2",
        "--simulate-responses", "mu=150,sigma=15,tau=20,min=100,hold=40,seed=5", *extra,
    ]  # fmt: skip


def _unusable_data(tmp_path: Path, kind: str) -> Path:
    if kind == "file":
        path = tmp_path / "data.txt"
        path.write_text("not a folder\n")
    elif kind == "dangling symlink":
        path = tmp_path / "data"
        path.symlink_to(tmp_path / "gone")
    else:
        path = _unwritable_folder(tmp_path) / "data"
    return path


@pytest.mark.parametrize("kind", ["file", "dangling symlink", "read-only"])
def test_run_with_an_unusable_data_folder_stops_before_the_window(tmp_path, capsys, monkeypatch, kind):
    """Used to open the window, then a traceback and exit 1 ("aborted")."""
    data = _unusable_data(tmp_path, kind)
    code, _, err = run_main(_run_args(data), capsys, monkeypatch)
    assert code == 2
    assert one_line(err).startswith(f"error: --data {data}: ")
    assert not (tmp_path / "gone").exists()


def test_run_refuses_a_run_number_beyond_9999(tmp_path, capsys, monkeypatch):
    code, _, err = run_main(_run_args(tmp_path / "data", "--run", "99999999999999999999"), capsys, monkeypatch)
    assert code == 2 and "run '99999999999999999999' is not allowed" in one_line(err)
    assert not any((tmp_path / "data").rglob("*.tsv"))


def test_run_refuses_a_planted_symlink_before_the_window(tmp_path, capsys, monkeypatch):
    data, outside = tmp_path / "data", tmp_path / "outside"
    data.mkdir()
    outside.mkdir()
    (data / "sub-1").symlink_to(outside, target_is_directory=True)
    code, _, err = run_main(_run_args(data), capsys, monkeypatch)
    assert code == 2 and "outside the dataset" in one_line(err)
    assert list(outside.rglob("*")) == []
