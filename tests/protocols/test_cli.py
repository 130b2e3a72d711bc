"""The motorseq command: protocols, trials and validate-data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
from motorseq.protocols import generate_trials, list_protocols, load_protocol
from motorseq.protocols.cli import app
from motorseq.protocols.io import RunWriter
from typer.testing import CliRunner

from ._short import first_trials

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def test_protocols_list_and_show():
    result = runner.invoke(app, ["protocols", "list"], terminal_width=200)
    assert result.exit_code == 0
    for name in list_protocols():
        assert name in result.output
    shown = runner.invoke(app, ["protocols", "show", "asrt"], terminal_width=200)
    assert shown.exit_code == 0 and "Howard" in shown.output and "pattern-alternating" in shown.output


def test_trials_saved_match_library(tmp_path):
    out = tmp_path / "trials.tsv"
    result = runner.invoke(app, ["trials", "srt-soc", "--participant", "2", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    saved = pd.read_csv(out, sep="\t", dtype={"target": str})
    expected = generate_trials("srt-soc", "2", 3)
    assert saved["target"].tolist() == expected["target"].tolist()
    again = runner.invoke(app, ["trials", "srt-soc", "--participant", "2", "--out", str(out)])
    assert again.exit_code != 0


def test_validate_data_reports_file_and_line(tmp_path):
    protocol = first_trials(load_protocol("classroom"), 4)
    with RunWriter(tmp_path, protocol, "5", "1", seed=0) as writer:
        for row in generate_trials(protocol, "5", 0).to_dict("records"):
            writer.write_trial({**row, "rt": 0.5, "correct": 1, "n_presses": 1})
    good = subprocess.run(
        [sys.executable, "-m", "motorseq.protocols", "validate-data", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.returncode == 0 and "1 run(s) valid" in good.stdout
    text = writer.paths.beh.read_text().replace("0.500000", "-0.5", 1)
    writer.paths.beh.write_text(text)
    bad = subprocess.run(
        [sys.executable, "-m", "motorseq.protocols", "validate-data", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().endswith("_beh.tsv:2: rt: -0.5 is negative")
    assert bad.stderr.count("\n") == 1


def test_wheel_ships_the_protocol_files(tmp_path):
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    wheel = next(tmp_path.glob("motorseq-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in list_protocols():
        assert f"motorseq/protocols/{name}.yaml" in names
    assert not any(n.startswith(("protocols/", "tests/")) for n in names)


def test_protocols_show_and_validate_take_a_study_by_name_or_file():
    study_file = REPO / "protocols" / "studies" / "retention-relearning.yaml"
    shown = runner.invoke(app, ["protocols", "show", "ftt-overnight"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "name: ftt-overnight" in shown.output and "ftt-overnight: sessions" in shown.output
    assert "│ 2 │ retest" in shown.output and "12h" in shown.output
    shown = runner.invoke(app, ["protocols", "show", str(study_file)], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "same-sequence" in shown.output and "new-sequence" in shown.output and "Field required" not in shown.output
    checked = runner.invoke(app, ["protocols", "validate", "ftt-overnight", str(study_file)], terminal_width=200)
    assert checked.exit_code == 0, checked.output
    assert "ok ftt-overnight: study ftt-overnight (2 sessions)" in checked.output
    assert "study retention-relearning (2 sessions)" in checked.output


def test_trials_of_a_study_names_the_protocol_of_each_session(tmp_path):
    out = tmp_path / "t.tsv"
    command = [sys.executable, "-m", "motorseq.protocols", "trials", "ftt-overnight", "-p", "07", "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: ftt-overnight: a study, with one trial list per session; give the session's protocol "
        "(motorseq trials PROTOCOL -p 07): session 1 (training): ftt; session 2 (retest): ftt"
    ]
    assert not out.exists()
