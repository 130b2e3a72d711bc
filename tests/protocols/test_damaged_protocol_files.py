"""Property: any damaged protocol file is either a runnable protocol or one line naming the file.

The bundled YAML files are damaged at random (wrong types, missing keys, huge numbers, unicode,
anchors and aliases, truncation, stray characters) and given to ``motorseq protocols validate``,
in-process. It must exit 0 with a protocol that generates its trial list and fills its texts, or
exit 2 with one line ``error: <file>: ...``; never a traceback.
"""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from motorseq.protocols import generate_trials, list_protocols, load_protocol, protocol_path
from motorseq.protocols.cli import app
from motorseq.protocols.texts import PLACEHOLDER_EXAMPLES, TEXT_PLACEHOLDERS
from typer.testing import CliRunner

runner = CliRunner()
TEXTS = {name: protocol_path(name).read_text(encoding="utf-8") for name in list_protocols()}
DATA = {name: yaml.safe_load(text) for name, text in TEXTS.items()}

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.sampled_from([0, -1, 10**40, 2**63, 10_000, 100_000]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["{nope}", "{", "}", "{0}", "{keys!r:>{block}}", "ß\u200b\U0001f600", "[red]x", "a" * 300]),
    st.lists(st.integers(-3, 12), max_size=4),
    st.dictionaries(st.sampled_from(["kind", "trials", "key", "x"]), st.integers(-2, 5), max_size=2),
)


def _paths(data, prefix=()):
    """Every (path to a value) in a parsed document."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*prefix, index))


PATHS = {name: [p for p in _paths(data) if p] for name, data in DATA.items()}


@st.composite
def damaged(draw) -> str:
    """The text of a bundled protocol with one to three kinds of damage."""
    name = draw(st.sampled_from(sorted(DATA)))
    data = copy.deepcopy(DATA[name])
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS[name]))
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "delete", "huge-list"]))
            if action == "delete":
                del parent[path[-1]]
            elif action == "huge-list":
                parent[path[-1]] = [draw(JUNK)] * draw(st.sampled_from([2, 200, 5000]))
            else:
                parent[path[-1]] = draw(JUNK)
        except (KeyError, IndexError, TypeError):
            continue
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)  # repeated lists come out as aliases
    cut = draw(st.sampled_from(["none", "truncate", "insert", "anchor"]))
    if cut == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif cut == "insert":
        at = draw(st.integers(0, len(text)))
        stray = draw(st.sampled_from(["{", "]", ": ", "\t", "\x00", "&a ", "*a", "!!python/tuple ", "- "]))
        text = text[:at] + stray + text[at:]
    elif cut == "anchor":
        text = "x: &x [" + ", ".join(["1"] * 10) + "]\ny: [" + ", ".join(["*x"] * 10) + "]\n" + text
    return text


def _check(path: Path) -> None:
    result = runner.invoke(app, ["protocols", "validate", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 0:
        protocol = load_protocol(path)
        if protocol.n_trials <= 5000:
            assert len(generate_trials(protocol, "3", 1)) == protocol.n_trials
        for name, allowed in TEXT_PLACEHOLDERS.items():
            protocol.texts.get(name).format(**{p: PLACEHOLDER_EXAMPLES[p] for p in allowed})
        return
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {path}"), lines[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=damaged())
def test_damaged_protocol_files_validate_or_give_one_line(tmp_path, text):
    path = tmp_path / "damaged.yaml"
    path.write_text(text, encoding="utf-8")
    _check(path)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), name=st.sampled_from(sorted(TEXTS)))
def test_binary_noise_in_a_protocol_file_gives_one_line(tmp_path, data, name):
    path = tmp_path / "noise.yaml"
    text = TEXTS[name].encode()
    path.write_bytes(text[: len(text) // 2] + data + text[len(text) // 2 :])
    _check(path)
