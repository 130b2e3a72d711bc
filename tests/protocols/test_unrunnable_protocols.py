"""Protocols that used to validate but could not run are refused, in one line naming the field."""

from __future__ import annotations

import copy
import resource
import time

import pytest
import yaml
from motorseq.protocols import ProtocolError, generate_trials, load_protocol, protocol_path
from motorseq.protocols.schema import MAX_TOTAL_TRIALS

from ._cli import one_line, run_main

VALID = yaml.safe_load(protocol_path("classroom").read_text())


def _write(tmp_path, data, name="bad.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _refused(path, *fields):
    with pytest.raises(ProtocolError) as caught:
        load_protocol(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path)), message
    for field in fields:
        assert field in message, message
    return message


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("welcome", "Press {nope} to start."),
        ("block", "Block {block} of {total}."),
        ("break", "Rest {0} s."),
        ("end", "Bye {keys.upper}"),
        ("welcome", "An open brace { alone"),
        ("end", "{block:s}"),
    ],
)
@pytest.mark.parametrize("block", ["texts", "instructions"])
def test_unknown_or_broken_placeholder_names_the_text(tmp_path, field, text, block):
    data = copy.deepcopy(VALID)
    data.pop("texts")
    data[block] = {field: text}
    _refused(_write(tmp_path, data), f"{block}.{field}")


@pytest.mark.parametrize("block", ["texts", "instructions"])
def test_known_placeholders_and_escaped_braces_pass(tmp_path, block):
    data = copy.deepcopy(VALID)
    data.pop("texts")
    data[block] = {"welcome": "Keys {keys} ({key_list}); block {block} of {n_blocks}; braces {{x}}."}
    assert load_protocol(_write(tmp_path, data)).texts.welcome.startswith("Keys")


def test_yaml_aliases_are_refused_before_expansion(tmp_path):
    """Nine levels of 10 aliases stand for 10^9 integers: refused in milliseconds, with its line."""
    lines = ["a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    text = yaml.safe_dump({k: v for k, v in VALID.items() if k != "sequences"}, sort_keys=False)
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n" + text + "sequences: *a8\n")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    message = _refused(path, "bomb.yaml:1:", "anchors and aliases")
    assert time.perf_counter() - start < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # kB
    assert "\n" not in message


def test_a_single_anchor_is_refused_too(tmp_path):
    text = yaml.safe_dump(VALID, sort_keys=False).replace("response:\n", "response: &r\n", 1)
    path = tmp_path / "anchor.yaml"
    path.write_text(text)
    _refused(path, "anchor.yaml:", "anchors and aliases")


def test_a_key_given_twice_is_refused_not_resolved_to_the_last(tmp_path):
    text = yaml.safe_dump(VALID, sort_keys=False)
    assert "  rsi_ms: " in text
    path = tmp_path / "twice.yaml"
    path.write_text(text.replace("  rsi_ms: ", "  rsi_ms: 900\n  rsi_ms: ", 1))
    line = next(i for i, row in enumerate(path.read_text().splitlines(), 1) if "rsi_ms: 900" in row)
    message = _refused(path, f"twice.yaml:{line + 1}:", "key 'rsi_ms' given twice")
    assert f"first on line {line}" in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than"),
        ("name: x\nseed: " + "7" * 5000 + "\n", "longer than 30 digits"),
        ("name: x\n" + "#" * 1_100_000 + "\n", "larger than"),
    ],
    ids=["deep nesting", "5000-digit integer", "huge file"],
)
def test_yaml_that_would_crash_the_parser_gives_one_line(tmp_path, text, problem):
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    _refused(path, problem)


def test_total_trials_are_capped(tmp_path, capsys, monkeypatch):
    """200 blocks of 10000 trials repeated 1000 times: 2*10^9 trials (``trials`` used to hang)."""
    data = copy.deepcopy(VALID)
    data["blocks"] = [{"kind": "random", "trials": 10_000, "repeat": 1000} for _ in range(200)]
    huge = _write(tmp_path, data, "huge.yaml")
    message = _refused(huge, "blocks", str(MAX_TOTAL_TRIALS))
    assert "blocks: 2000000000 trials" in message
    start = time.perf_counter()
    code, out, err = run_main(["trials", huge, "--participant", "1"], capsys, monkeypatch)
    assert code == 2 and time.perf_counter() - start < 5
    assert one_line(err).startswith(f"error: {huge}: blocks: ")


def test_names_are_capped_at_what_file_names_take(tmp_path):
    data = copy.deepcopy(VALID)
    data["name"] = "a" * 300
    _refused(_write(tmp_path, data), "name", "at most 64")
    data["name"] = "a" * 64
    protocol = load_protocol(_write(tmp_path, data, "ok.yaml"))
    assert len(generate_trials(protocol, "1")) == 312


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["blocks", 1, "trials"], True, "blocks.1.trials"),
        (["blocks", 1, "repeat"], True, "blocks.1.repeat"),
        (["blocks", 1, "trials"], 50.0, "blocks.1.trials"),
        (["feedback", "after_block"], "no", "feedback.after_block"),
        (["feedback", "error_tone"], 1, "feedback.error_tone"),
        (["response", "rsi_ms"], "250", "response.rsi_ms"),
        (["seed"], 2**40, "seed"),
        (["sequences", 0], [1, 2] * 60, "sequences"),
    ],
)
def test_values_are_not_coerced(tmp_path, path, value, field):
    """``trials: true`` used to be read as 1 trial per block, ``after_block: "no"`` as false."""
    data = copy.deepcopy(VALID)
    data.setdefault("feedback", {})
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    _refused(_write(tmp_path, data), field)


def test_validate_prints_the_pattern_as_written(tmp_path, capsys, monkeypatch):
    """``'^[a-z0-9][a-z0-9-]*$'`` used to reach the terminal as ``'^*$'`` (rich markup ate it)."""
    data = copy.deepcopy(VALID)
    data["name"] = "[bold]x"
    bad = _write(tmp_path, data, "[red]bad.yaml")
    code, _, err = run_main(["protocols", "validate", bad], capsys, monkeypatch)
    assert code == 2
    line = one_line(err)
    assert line.startswith(f"error: {bad}: name: ")
    assert "'^[a-z0-9][a-z0-9-]*$'" in line and "'[bold]x'" in line
    good = tmp_path / "[green]good.yaml"
    good.write_text(protocol_path("classroom").read_text())
    code, out, _ = run_main(["protocols", "validate", good], capsys, monkeypatch)
    assert code == 0 and f"ok {good}: classroom" in out
