"""A dataset written by motorseq passes the official bids-validator with 0 errors."""

from __future__ import annotations

import json
import subprocess

from motorseq.protocols import generate_trials, load_protocol
from motorseq.protocols.io import RunWriter


def _fill(root, protocol_name, participant, source):
    protocol = load_protocol(protocol_name)
    trials = generate_trials(protocol, participant, seed=1).head(30)
    with RunWriter(root, protocol, participant, "1", seed=1, source=source) as writer:
        for row in trials.to_dict("records"):
            writer.write_trial(
                {
                    **row,
                    "stimulus_onset": 0.5 * row["trial_index"],
                    "response": "n/a",
                    "rt": None,
                    "correct": 0,
                    "n_presses": 0,
                    "n_errors": 0,
                },
                [
                    {
                        "onset": 0.5 * row["trial_index"] + 0.3,
                        "duration": 0.05,
                        "key": "x",
                        "position": None,
                        "rt": 0.3,
                        "correct": 0,
                    }
                ],
            )


def test_written_dataset_passes_bids_validator(tmp_path, bids_validator):
    root = tmp_path / "data"
    _fill(root, "asrt", "01", {"Type": "human"})
    _fill(root, "srt-classic", "02", {"Type": "model", "Parameters": {"gain": 1.0}})
    _fill(root, "dsp", "03", {"Type": "human"})
    derivative = root / "derivatives" / "motorseq-model" / "sub-02"
    derivative.mkdir(parents=True)
    (derivative / "activity.tsv").write_text("region\trate\nM1\t1.0\n")
    result = subprocess.run([bids_validator, str(root), "--json"], capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    errors = report["issues"]["errors"]
    assert errors == [], errors
    warnings = {w["key"] for w in report["issues"]["warnings"]}
    assert "CUSTOM_COLUMN_WITHOUT_DESCRIPTION" not in warnings
    assert sorted(report["summary"]["subjects"]) == ["01", "02", "03"]
