"""Participant and session labels: BIDS labels only, so no id can write outside the data folder."""

from __future__ import annotations

import pytest
from motorseq.protocols import LabelError, check_label, load_protocol, participant_number
from motorseq.protocols.io import RunWriter, run_paths


@pytest.mark.parametrize("bad", ["../x", "a/b", "", "sub-01", "07 ", "x\n", "é1", "..", "01_2", "/etc", "1.5"])
def test_bad_labels_are_refused(tmp_path, bad):
    with pytest.raises(LabelError, match="letters and digits"):
        check_label(bad)
    with pytest.raises(LabelError):
        RunWriter(tmp_path / "data", load_protocol("classroom"), bad, "1")
    assert not (tmp_path / "data").exists() or not any((tmp_path / "data").rglob("*beh*"))
    assert not any(tmp_path.parent.glob("x"))


@pytest.mark.parametrize("bad_run", [0, -1, "2a", True])
def test_bad_run_numbers_are_refused(tmp_path, bad_run):
    with pytest.raises(LabelError, match="run"):
        run_paths(tmp_path, "01", "1", "asrt", bad_run)


def test_participant_numbers():
    assert participant_number("07") == 7
    assert participant_number(12) == 12
    assert participant_number("0") == 1
    assert participant_number("pilotA") == participant_number("pilotA") > 0
    assert participant_number("pilotA") != participant_number("pilotB")


def test_paths_are_bids():
    paths = run_paths("/data", "07", "1", "srt-classic", 2)
    assert str(paths.beh) == "/data/sub-07/ses-1/beh/sub-07_ses-1_task-srtclassic_run-2_beh.tsv"
    assert paths.events.name == "sub-07_ses-1_task-srtclassic_run-2_events.tsv"
