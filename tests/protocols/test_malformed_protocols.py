"""Malformed protocols give one clear line naming the file and the field."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from motorseq.protocols import ProtocolError, load_protocol, protocol_path

VALID = yaml.safe_load(protocol_path("srt-classic").read_text())
VALID_ASRT = yaml.safe_load(protocol_path("asrt").read_text())

# (description, base, path to change, new value or DELETE, field the message must name)
DELETE = object()
MUTATIONS = [
    ("paradigm unknown", VALID, ["paradigm"], "xyz", "paradigm"),
    ("paradigm missing", VALID, ["paradigm"], DELETE, "paradigm"),
    ("title missing", VALID, ["title"], DELETE, "title"),
    ("name with spaces", VALID, ["name"], "my protocol", "name"),
    ("positions too few", VALID, ["positions"], [{"key": "d"}], "positions"),
    ("position key not a key", VALID, ["positions", 0, "key"], "Left Arrow!", "positions.0.key"),
    ("position key quits the task", VALID, ["positions", 0, "key"], "escape", "positions.0.key"),
    ("duplicate keys", VALID, ["positions", 1, "key"], "d", "positions"),
    ("sequence position out of range", VALID, ["sequences", 0, 0], 9, "sequences.0"),
    ("sequence not a list", VALID, ["sequences", 0], "3423", "sequences.0"),
    ("sequence immediate repeat", VALID, ["sequences", 0], [1, 1, 2, 3], "sequences.0"),
    ("no blocks", VALID, ["blocks"], [], "blocks"),
    ("block kind unknown", VALID, ["blocks", 1, "kind"], "seqence", "blocks.1.kind"),
    ("block trials zero", VALID, ["blocks", 1, "trials"], 0, "blocks.1.trials"),
    ("block trials text", VALID, ["blocks", 1, "trials"], "many", "blocks.1.trials"),
    ("block repeat negative", VALID, ["blocks", 1, "repeat"], -2, "blocks.1.repeat"),
    ("unknown block field", VALID, ["blocks", 1, "trails"], 96, "blocks.1.trails"),
    ("response rule unknown", VALID, ["response", "rule"], "any-press", "response.rule"),
    ("rsi negative", VALID, ["response", "rsi_ms"], -250, "response.rsi_ms"),
    ("rsi missing", VALID, ["response", "rsi_ms"], DELETE, "response.rsi_ms"),
    ("timeout zero", VALID, ["response", "timeout_ms"], 0, "response.timeout_ms"),
    ("colour invalid", VALID, ["display"], {"background": "#12"}, "display.background"),
    ("texts field unknown", VALID, ["texts", "welcom"], "Hello", "texts.welcom"),
    ("texts value not text", VALID, ["texts", "end"], 3, "texts.end"),
    ("groups label bad", VALID, ["groups"], ["young", "old age"], "groups.1"),
    ("source citation missing", VALID, ["source", "citation"], DELETE, "source.citation"),
    ("unknown top-level field", VALID, ["sequnces"], [[1, 2]], "sequnces"),
    ("asrt settings missing", VALID_ASRT, ["asrt"], DELETE, "asrt"),
    ("asrt pattern not a permutation", VALID_ASRT, ["sequences", 0], [1, 1, 2, 3], "sequences.0"),
    ("asrt sequence block", VALID_ASRT, ["blocks", 1, "kind"], "sequence", "blocks"),
    ("transfer with one sequence", VALID, ["sequences"], [[1, 2, 3, 4]], "blocks"),
]


def _mutate(base, path, value):
    data = copy.deepcopy(base)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is DELETE:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return data


def _write(tmp_path: Path, data) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.mark.parametrize("case", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_each_malformed_protocol_names_its_field(tmp_path, case):
    _, base, path, value, field = case
    data = _mutate(base, path, value)
    if case[0] == "transfer with one sequence":
        data["blocks"].append({"kind": "sequence", "trials": 12, "sequence": "other"})
    bad = _write(tmp_path, data)
    with pytest.raises(ProtocolError) as caught:
        load_protocol(bad)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{bad}: ")
    assert field in message


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    case=st.sampled_from(MUTATIONS[:24]),
    junk=st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=8), st.lists(st.integers(-3, 3), max_size=3)),
)
def test_random_bad_values_give_one_line(tmp_path, case, junk):
    """Any junk value in any field either validates or gives one line naming that field."""
    _, base, path, _, field = case
    data = _mutate(base, path, junk)
    bad = _write(tmp_path, data)
    try:
        load_protocol(bad)
    except ProtocolError as error:
        message = str(error)
        assert "\n" not in message and message.startswith(str(bad))
        top = str(path[0])
        assert top in message or "blocks" in message or "sequences" in message or "positions" in message


def test_not_yaml_and_not_a_mapping(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(ProtocolError, match=r"broken\.yaml:\d+: not valid YAML"):
        load_protocol(broken)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just text\n")
    with pytest.raises(ProtocolError, match="a protocol is a mapping"):
        load_protocol(scalar)
    with pytest.raises(ProtocolError, match="no such protocol"):
        load_protocol("no-such-protocol")


def test_cli_prints_one_line_without_traceback(tmp_path):
    bad = _write(tmp_path, _mutate(VALID, ["response", "rsi_ms"], -1))
    result = subprocess.run(
        [sys.executable, "-m", "motorseq.protocols", "protocols", "validate", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "response.rsi_ms" in lines[0] and "Traceback" not in result.stderr
