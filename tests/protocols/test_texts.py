"""Participant texts: a ``texts:`` block with defaults, placeholders checked per text by ``protocols validate``."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from motorseq.protocols import ProtocolError, list_protocols, load_protocol, protocol_path
from motorseq.protocols.texts import TEXT_PLACEHOLDERS, Texts

from ._cli import one_line, run_main

VALID = yaml.safe_load(protocol_path("classroom").read_text())
README = Path(__file__).resolve().parents[2] / "protocols" / "README.md"


def _write(tmp_path, data, name="p.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def test_a_welcome_placeholder_that_cannot_be_filled_is_refused_by_validate(tmp_path, capsys, monkeypatch):
    # the case: a {name} in the welcome text used to pass validation and stop the run with KeyError
    data = copy.deepcopy(VALID)
    data["texts"]["welcome"] = "Hello {name}, press {keys}."
    path = _write(tmp_path, data)
    code, _, err = run_main(["protocols", "validate", path], capsys, monkeypatch)
    line = one_line(err)
    assert code == 2
    assert f"{path}: texts.welcome: unknown placeholder {{name}}" in line
    assert "{keys}" in line  # says what is allowed


def test_each_text_takes_its_own_placeholders_and_no_other(tmp_path):
    all_names = sorted({name for allowed in TEXT_PLACEHOLDERS.values() for name in allowed})
    assert set(TEXT_PLACEHOLDERS) == {("break" if f == "break_" else f) for f in Texts.model_fields}
    for field, allowed in TEXT_PLACEHOLDERS.items():
        text = " ".join(["x"] + [f"{{{name}}}" for name in allowed])
        assert Texts.model_validate({field: text}).get(field) == text
        for name in sorted(set(all_names) - set(allowed))[:3]:  # e.g. {seconds} outside a countdown
            with pytest.raises(ValueError, match=rf"{field}\n.*unknown placeholder \{{{name}\}}"):
                Texts.model_validate({field: f"x {{{name}}}"})
    data = copy.deepcopy(VALID)
    data["texts"] = {"continue_in": "Weiter in {seconds} s", "welcome_back": "Block {block}, Versuch {trial}"}
    texts = load_protocol(_write(tmp_path, data)).texts
    assert texts.continue_in == "Weiter in {seconds} s" and texts.welcome == Texts().welcome  # others: defaults
    data["texts"] = {"block": "Noch {seconds} s"}  # a countdown placeholder in the block prompt
    with pytest.raises(ProtocolError, match=r"texts\.block: unknown placeholder \{seconds\}"):
        load_protocol(_write(tmp_path, data))


def test_old_instructions_block_still_loads_into_texts(tmp_path):
    data = copy.deepcopy(VALID)
    data.pop("texts")
    data["instructions"] = {"welcome": "Drücke {keys}.", "break": "Pause.", "end": "Danke!"}
    texts = load_protocol(_write(tmp_path, data)).texts
    assert (texts.welcome, texts.break_, texts.end) == ("Drücke {keys}.", "Pause.", "Danke!")
    assert texts.block == Texts().block
    data["texts"] = {"welcome": "Bitte {keys}."}  # the same text twice: refused, naming the old field
    with pytest.raises(ProtocolError, match=r"instructions\.welcome: given in texts as well"):
        load_protocol(_write(tmp_path, data))
    data["texts"] = {"break_": "Kurze Pause."}  # also under the Python name of `break`
    with pytest.raises(ProtocolError, match=r"instructions\.break: given in texts as well"):
        load_protocol(_write(tmp_path, data))
    data["texts"] = {"quit_title": "Beenden?"}  # different texts in the two blocks: merged
    merged = load_protocol(_write(tmp_path, data)).texts
    assert (merged.welcome, merged.quit_title) == ("Drücke {keys}.", "Beenden?")
    data["instructions"]["quit_title"] = "x"  # only the four old texts belong in instructions
    with pytest.raises(ProtocolError, match=r"instructions\.quit_title: not an instructions text"):
        load_protocol(_write(tmp_path, data))


def test_texts_survive_the_sidecar_round_trip():
    from motorseq.protocols import parse_protocol

    protocol = load_protocol("srt-classic")
    again = parse_protocol(protocol.model_dump(mode="json", by_alias=True))
    assert again == protocol


@pytest.mark.parametrize("name", list_protocols())
def test_bundled_first_screen_does_not_name_the_design(name):
    protocol = load_protocol(name)
    shown = f"{protocol.texts.welcome_title} {protocol.texts.welcome}".lower()
    assert protocol.title.lower() not in shown
    if protocol.paradigm not in ("srt", "asrt"):
        return  # DSP and finger tapping tell the participant the sequence on purpose
    for word in ("random", "sequence", "transfer", "teaching", "implicit"):
        assert word not in shown, (name, word)


def test_readme_lists_every_text_with_its_placeholders():
    readme = README.read_text(encoding="utf-8")
    for field, allowed in TEXT_PLACEHOLDERS.items():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{field}` |")), None)
        assert row is not None, f"protocols/README.md: no row for texts.{field}"
        for name in allowed:
            assert f"{{{name}}}" in row, (field, name)
