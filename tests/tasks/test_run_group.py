"""``run --group``: checked before anything opens or is written (no display needed)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml
from motorseq.protocols import LabelError, ProtocolError, load_protocol, protocol_path
from motorseq.protocols.cli import app
from typer.testing import CliRunner

runner = CliRunner()


def _protocol(tmp_path, groups):
    data = yaml.safe_load(protocol_path("classroom").read_text())
    data.update(name="grouped", groups=groups)
    path = tmp_path / "grouped.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize(
    ("groups", "args", "message"),
    [
        (["young", "old"], [], "--group: protocol 'grouped' has groups (young, old); give one with --group"),
        (["young", "old"], ["--group", "middle"], "--group: 'middle' is not one of the groups of protocol 'grouped'"),
        ([], ["--group", "a\tb"], "--group: group label 'a\\tb' is not allowed"),
        ([], ["--group", "x" * 65], "--group: group label"),
    ],
)
def test_a_missing_or_wrong_group_is_refused_before_the_window(tmp_path, groups, args, message):
    data = tmp_path / "data"
    result = runner.invoke(app, ["run", str(_protocol(tmp_path, groups)), "-p", "1", "--data", str(data), *args])
    assert isinstance(result.exception, LabelError), result.output
    assert message in str(result.exception) and "\n" not in str(result.exception)
    assert not data.exists()


def test_exit_status_2_and_one_line(tmp_path):
    path = _protocol(tmp_path, ["young", "old"])
    command = [sys.executable, "-m", "motorseq.protocols", "run", str(path), "-p", "1", "--group", "Young"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --group: 'Young' is not one of the groups of protocol 'grouped' (young, old)"
    ]


def test_protocol_groups_are_labels_and_listed_once(tmp_path):
    assert load_protocol(_protocol(tmp_path, ["young", "old-age_2"])).groups == ["young", "old-age_2"]
    assert load_protocol("classroom").groups == []
    with pytest.raises(ProtocolError, match=r"groups\.1: group label 'old age' is not allowed"):
        load_protocol(_protocol(tmp_path, ["young", "old age"]))
    with pytest.raises(ProtocolError, match=r"groups: \['young'\] listed twice"):
        load_protocol(_protocol(tmp_path, ["young", "old", "young"]))
