"""The ``motorseq`` command: a thin layer over the library.

This module holds the root Typer app and the protocol and data commands; ``tasks``,
``models`` and ``analysis`` add theirs through ``register(app)``. Heavy packages are
imported inside the commands, so ``motorseq --help`` is quick.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .cli_help import FlagGroup
from .errors import MotorseqError

__all__ = ["app", "main", "print_error", "package_version"]

app = typer.Typer(
    name="motorseq",
    help="Motor sequence learning: run tasks, simulate the spiking model, analyse and compare.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=FlagGroup,
)
protocols_app = typer.Typer(help="List, show and validate protocols.", no_args_is_help=True, cls=FlagGroup)
app.add_typer(protocols_app, name="protocols")

console = Console()
error_console = Console(stderr=True)


def print_error(error: Exception | str) -> None:
    """Print ``error: <message>`` on one line of stderr, as written (no rich markup or highlighting)."""
    error_console.print(Text("error: ", style="red") + Text(str(error)), markup=False, highlight=False, soft_wrap=True)


def package_version() -> str:
    """Return the installed motorseq version (from the package metadata)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("motorseq")
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown (not installed)"


def _print_version(value: bool) -> None:
    if value:
        console.print(f"motorseq {package_version()}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the motorseq version and exit."),
    ] = False,
) -> None:
    """Motor sequence learning: run tasks, simulate the spiking model, analyse and compare."""


DOMAIN_CLIS = (
    "motorseq.tasks.cli",
    "motorseq.tasks.web.cli",
    "motorseq.models.cli",
    "motorseq.analysis.cli",
    "motorseq.analysis.brain.cli",
    "motorseq.analysis.report.cli",
)


@protocols_app.command("list")
def protocols_list() -> None:
    """List the bundled protocols."""
    from .registry import list_protocols, load_protocol

    table = Table(title="Bundled protocols")
    table.add_column("name", no_wrap=True)
    for column in ("paradigm", "blocks", "trials", "title"):
        table.add_column(column)
    for name in list_protocols():
        protocol = load_protocol(name)
        trials = protocol.n_trials
        table.add_row(name, protocol.paradigm, str(protocol.n_blocks), str(trials), Text(protocol.title))
    console.print(table)
    _list_studies()


def _list_studies() -> None:
    from .study import list_studies, load_study

    table = Table(title="Bundled studies (several sessions)")
    for column in ("name", "sessions", "delays", "groups", "title"):
        table.add_column(column)
    for name in list_studies():
        study = load_study(name).study
        delays = ", ".join(s.delay for s in study.sessions if s.delay)
        table.add_row(name, str(study.n_sessions), delays, ", ".join(study.groups), Text(study.title))
    console.print(table)


def _study_path(name: str | Path) -> Path | None:
    """Return the study file of ``name`` (a bundled study or a study file), ``None`` for a protocol."""
    from .registry import list_protocols
    from .study import is_study_file, list_studies, study_path

    text = str(name)
    if text in list_protocols():
        return None
    if text in list_studies() or is_study_file(text):
        return study_path(text)
    return None


def _session_protocols(loaded) -> list[str]:  # noqa: ANN001 - a LoadedStudy
    """Describe each session of a study and the protocol(s) it runs: ``session 1 (training): ftt``."""
    from .registry import list_protocols

    bundled = set(list_protocols())

    def where(reference: str) -> str:
        return reference if reference in bundled else str(loaded.path.parent / reference)

    lines = []
    for number, session in enumerate(loaded.study.sessions, start=1):
        label = f" ({session.label})" if session.label else ""
        if session.protocol is not None:
            lines.append(f"session {number}{label}: {where(session.protocol)}")
        else:
            groups = ", ".join(f"{group} {where(ref)}" for group, ref in (session.groups or {}).items())
            lines.append(f"session {number}{label}: {groups}")
    return lines


def _show_study(path: Path) -> None:
    from .study import load_study

    loaded = load_study(path)
    typer.echo(path.read_text(encoding="utf-8"))
    table = Table(title=Text(f"{loaded.study.name}: sessions"))
    for column in ("#", "label", "delay", "group", "protocol", "paradigm", "trials"):
        table.add_column(column)
    for (number, group), protocol in loaded.protocols.items():
        session = loaded.study.sessions[number - 1]
        delay = session.delay or ""
        row = (str(number), session.label, delay, group or "", protocol.name, protocol.paradigm, str(protocol.n_trials))
        table.add_row(*(Text(str(cell)) for cell in row))
    console.print(table)


@protocols_app.command("show")
def protocols_show(name: Annotated[str, typer.Argument(help="Bundled protocol or study name, or YAML file.")]) -> None:
    """Print a protocol file and a summary of its blocks (a study: its file and its sessions)."""
    from .registry import load_protocol, protocol_path

    study = _study_path(name)
    if study is not None:
        _show_study(study)
        return
    protocol = load_protocol(name)
    typer.echo(protocol_path(name).read_text(encoding="utf-8"))
    table = Table(title=Text(f"{protocol.name}: blocks"))
    for column in ("#", "kind", "trials", "sequence", "label"):
        table.add_column(column)
    number = 0
    for block in protocol.blocks:
        for _ in range(block.repeat):
            number += 1
            table.add_row(str(number), block.kind, str(block.trials), block.sequence, Text(block.label))
    console.print(table)


@protocols_app.command("validate")
def protocols_validate(
    files: Annotated[list[Path], typer.Argument(help="Protocol or study YAML files, or bundled names.")],
) -> None:
    """Validate protocol and study files; each bad one is reported in one line."""
    from .registry import load_protocol
    from .study import load_study

    failed = 0
    for path in files:
        try:
            if _study_path(path) is not None:  # a study: its sessions and every protocol they name
                study = load_study(path).study
                summary = f" {path}: study {study.name} ({study.n_sessions} sessions)"
            else:
                protocol = load_protocol(path)
                summary = f" {path}: {protocol.name} ({protocol.paradigm}, {protocol.n_blocks} blocks)"
        except MotorseqError as error:
            failed += 1
            print_error(error)
        else:
            console.print(Text("ok", style="green") + Text(summary), markup=False, highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(2)


@app.command("trials")
def trials(
    protocol: Annotated[str, typer.Argument(help="Bundled protocol name or YAML file (not a study).")],
    participant: Annotated[str, typer.Option("--participant", "-p", help="Participant label (letters and digits).")],
    seed: Annotated[int | None, typer.Option(help="Seed of the random elements (protocol default if omitted).")] = None,
    out: Annotated[Path | None, typer.Option(help="Save the list as TSV here instead of printing it.")] = None,
) -> None:
    """Print or save a participant's trial list (deterministic); an existing file is never overwritten."""
    from .io.atomic import write_new_text
    from .trials import generate_trials

    study = _study_path(protocol)
    if study is not None:
        from .study import load_study

        sessions = "; ".join(_session_protocols(load_study(study)))
        raise MotorseqError(
            f"{protocol}: a study, with one trial list per session; give the session's protocol "
            f"(motorseq trials PROTOCOL -p {participant}): {sessions}"
        )
    if out is not None:
        check_new_file(out)
    table = generate_trials(protocol, participant, seed)
    if out is None:
        typer.echo(table.to_string(index=False))
        return
    write_new_text(out, table.to_csv(sep="\t", index=False, na_rep="n/a", lineterminator="\n"))
    console.print(Text(f"{len(table)} trials written to {out}"), markup=False, highlight=False, soft_wrap=True)


def check_new_file(out: Path) -> None:
    """Refuse an output file that exists (or is a symlink, even a dangling one), before any work.

    Raises
    ------
    MotorseqError
        One line naming ``out``.
    """
    if out.is_symlink():
        raise MotorseqError(f"--out {out}: is a symlink (to {out.readlink()}); not written through, not overwritten")
    if out.is_dir():
        raise MotorseqError(f"--out {out}: is a folder; give a file name for the trial list")
    if out.exists():
        raise MotorseqError(f"--out {out}: exists already; not overwritten")


@app.command("validate-data")
def validate_data(path: Annotated[Path, typer.Argument(help="A BIDS dataset folder or a _beh.tsv file.")]) -> None:
    """Validate trial data files; the first bad row is reported as file:line: problem."""
    from .io import validate_runs

    found = validate_runs(path)
    table = Table(title=f"{len(found.runs)} run(s) valid")
    for column in ("file", "trials", "status"):
        table.add_column(column)
    for file, n, status in found.runs:
        table.add_row(str(file), str(n), status)
    console.print(table)
    for line in found.warnings:
        console.print(f"warning: {line}", markup=False, highlight=False, soft_wrap=True)


def _register_domains() -> None:
    for module_name in DOMAIN_CLIS:
        parent = module_name.rsplit(".", 1)[0]
        try:
            found = importlib.util.find_spec(parent) is not None and importlib.util.find_spec(module_name) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            module = importlib.import_module(module_name)
            register = getattr(module, "register", None)
            if register is not None:
                register(app)


_register_domains()


def main() -> None:
    """Entry point: run the app; a user error prints one line and exits with status 2."""
    try:
        app()
    except MotorseqError as error:
        print_error(error)
        sys.exit(2)
