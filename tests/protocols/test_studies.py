"""Study files: several sessions with delays, validated like protocols, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from motorseq.protocols import ProtocolError
from motorseq.protocols.study import format_delay, list_studies, load_study, parse_delay

from ._cli import one_line, run_main

MINIMAL = """\
name: mine
title: two sessions
groups: [a, b]
sessions:
  - {protocol: ftt}
  - {protocol: ftt, delay: 24h, tolerance: 3h}
source: {citation: "Someone (2020)"}
"""


def test_bundled_studies_load_with_their_protocols():
    assert {"asrt-3-sessions", "ftt-overnight", "retention-relearning"} <= set(list_studies())
    asrt = load_study("asrt-3-sessions")
    assert [s.delay_s for s in asrt.study.sessions] == [None, 86400.0, 7 * 86400.0]
    assert asrt.protocol(3).name == "asrt"
    ftt = load_study("ftt-overnight")
    assert ftt.study.sessions[1].delay_s == 12 * 3600 and ftt.study.sessions[1].tolerance_s == 7200
    relearn = load_study("retention-relearning")
    same, new = relearn.protocol(2, "same-sequence"), relearn.protocol(2, "new-sequence")
    assert same.blocks[0].sequence == "assigned" and new.blocks[0].sequence == "other"
    with pytest.raises(ProtocolError, match="--group: .*same-sequence, new-sequence"):
        relearn.protocol(2, None)
    with pytest.raises(ProtocolError, match="--session 3: .*sessions 1 to 2"):
        relearn.session(3)


@pytest.mark.parametrize(
    ("text", "seconds"), [("24h", 86400), ("7d", 604800), ("10min", 600), ("30s", 30), ("1.5h", 5400)]
)
def test_delays_are_parsed(text, seconds):
    assert parse_delay(text) == seconds
    assert parse_delay(format_delay(seconds)) == seconds


def test_default_tolerance_is_a_quarter_of_the_delay(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(MINIMAL.replace(", tolerance: 3h", ""))
    assert load_study(path).study.sessions[1].tolerance_s == 6 * 3600


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("delay: 24h", "delay: 24 hours", r"sessions\.1\.delay: '24 hours' is not a delay"),
        ("  - {protocol: ftt, delay: 24h, tolerance: 3h}", "  - {protocol: ftt}", r"sessions\.1\.delay: required"),
        ("  - {protocol: ftt}\n", "  - {protocol: ftt, delay: 1h}\n", r"sessions\.0\.delay: the first session"),
        ("tolerance: 3h", "tolerance: 2d", r"sessions\.1\.tolerance: larger than the delay"),
        ("{protocol: ftt, delay", "{protocol: nothere, delay", r"sessions\.1\.protocol: 'nothere': .*no such protocol"),
        (
            "{protocol: ftt, delay",
            "{groups: {a: ftt}, delay",
            r"sessions\.1\.groups: no protocol for group\(s\) \['b'\]",
        ),
        ("{protocol: ftt, delay", "{groups: {a: ftt, b: ftt, c: ftt}, delay", r"sessions\.1\.groups: \['c'\] not in"),
        ("title: two", "titel: two", r"title: Field required"),
    ],
)
def test_bad_study_is_one_line_naming_file_and_field(tmp_path, capsys, monkeypatch, old, new, message):
    path = tmp_path / "bad.yaml"
    assert old in MINIMAL
    path.write_text(MINIMAL.replace(old, new, 1))
    with pytest.raises(ProtocolError, match=message) as error:
        load_study(path)
    assert str(error.value).startswith(str(path)) and "\n" not in str(error.value)
    code, _, err = run_main(["protocols", "validate", path], capsys, monkeypatch)
    assert code == 2
    assert str(path) in one_line(err)


def test_a_bad_protocol_named_by_a_study_is_reported_with_its_field(tmp_path):
    (tmp_path / "p.yaml").write_text(
        Path(__file__).parents[2].joinpath("protocols/ftt.yaml").read_text().replace("tap_s: 30", "tap_s: -1")
    )
    path = tmp_path / "s.yaml"
    path.write_text(MINIMAL.replace("{protocol: ftt, delay", "{protocol: p.yaml, delay"))
    with pytest.raises(ProtocolError, match=r"s\.yaml: sessions\.1\.protocol: 'p\.yaml': .*p\.yaml: ftt\.tap_s"):
        load_study(path)


def test_validate_accepts_studies_and_protocols(tmp_path, capsys, monkeypatch):
    path = tmp_path / "s.yaml"
    path.write_text(MINIMAL)
    folder = Path(__file__).parents[2] / "protocols"
    code, out, _ = run_main(
        ["protocols", "validate", path, folder / "ftt.yaml", *sorted((folder / "studies").glob("*.yaml"))],
        capsys,
        monkeypatch,
    )
    assert code == 0, out
    assert "study mine (2 sessions)" in out and "ftt (ftt, 1 blocks)" in out and "study retention-relearning" in out
