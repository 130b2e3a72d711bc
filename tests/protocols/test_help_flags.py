"""Every command's ``--help`` shows flags as flags: no ``<bool>`` value after ``--force``, ``--help``..."""

from __future__ import annotations

import click
import typer
from motorseq.protocols.cli import app
from typer.testing import CliRunner

runner = CliRunner()


def _command_paths(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    for name, sub in getattr(command, "commands", {}).items():
        paths += _command_paths(sub, (*path, name))
    return paths


def test_no_command_shows_a_value_for_a_flag():
    paths = _command_paths(typer.main.get_command(app))
    assert ("run",) in paths and ("protocols", "validate") in paths and ("analyze",) in paths
    flags_seen = 0
    for path in paths:
        result = runner.invoke(app, [*path, "--help"], terminal_width=200)
        assert result.exit_code == 0, (path, result.output)
        assert "<bool>" not in result.output, f"motorseq {' '.join(path)} --help:\n{result.output}"
        flags_seen += result.output.count("--help")
        for flag in {("run",): ["--fullscreen", "--resume"], ("analyze",): ["--no-figures", "--force"]}.get(path, []):
            assert flag in result.output
    assert flags_seen >= len(paths)


def test_flags_still_parse_as_flags():
    group = typer.main.get_command(app)
    ctx = click.Context(group)
    for name, args, expected in (
        ("analyze", ["data", "--force", "--no-figures", "--out", "o"], {"force": True, "no_figures": True}),
        ("analyze", ["data", "--out", "o"], {"force": False, "no_figures": False}),
        ("run", ["classroom", "--fullscreen", "--resume", "-p", "1"], {"fullscreen": True, "resume": True}),
    ):
        command = group.get_command(ctx, name)
        parsed = command.make_context(name, list(args), parent=ctx).params
        assert {key: parsed[key] for key in expected} == expected
