"""Pooling data folders from several laptops whose participant labels repeat."""

from __future__ import annotations

import pytest
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.loaders import load_dataset
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
