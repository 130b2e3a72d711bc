"""``motorseq simulate``: a cohort of virtual participants through the spiking model.

Heavy imports (Brian2, Dask) happen inside the command, so ``motorseq --help``
stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["parse_assignments", "register"]


def parse_assignments(items: list[str] | None, option: str) -> dict[str, float | int | str]:
    """Parse ``name=value`` options (``--param``, ``--lesion``) into a dict.

    Values are read as numbers where they are numbers (``"3"`` → 3,
    ``"0.2"`` → 0.2) and kept as text otherwise.

    Raises
    ------
    motorseq.models.cohort.CohortError
        An item is not ``name=value`` or a name is given twice.
    """
    from motorseq.models.cohort import CohortError

    out: dict[str, float | int | str] = {}
    for item in items or []:
        name, sep, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name or not text:
            raise CohortError(f"{option}: expected name=value, got {item!r}")
        if name in out:
            raise CohortError(f"{option}: {name!r} given twice")
        value: float | int | str
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                value = text
        out[name] = value
    return out


_Param = Annotated[
    list[str] | None,
    typer.Option("--param", help="Model parameter for everyone: name=value (repeatable; the list: motorseq params)."),
]
_Lesion = Annotated[
    list[str] | None, typer.Option("--lesion", help="Lesion: name=value, e.g. dopamine=0.2 (repeatable).")
]
_Workers = Annotated[
    int | None, typer.Option("--workers", min=1, help="Local Dask worker processes (default: CPU cores).")
]
_BuildDir = Annotated[
    Path | None,
    typer.Option(
        "--build-dir",
        help="Folder of the workers' build folders and of the compiled-model cache (default: $MOTORSEQ_BUILD_ROOT; "
        "otherwise a temporary folder, and the cache in the user's cache folder).",
    ),
]


def simulate(
    protocol: Annotated[
        str,
        typer.Argument(help="Bundled protocol or study name (e.g. srt-classic, ftt-overnight) or YAML path."),
    ],
    out: Annotated[Path, typer.Option("--out", help="BIDS dataset folder to write into.")],
    participants: Annotated[int, typer.Option("--participants", min=1, help="Virtual participants 01..N.")] = 20,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Cohort seed (participant seeds derive from it).")] = 0,
    param: _Param = None,
    lesion: _Lesion = None,
    variability: Annotated[
        bool,
        typer.Option(
            "--variability/--no-variability",
            help="Draw each participant's parameters (individual differences); --no-variability: "
            "everyone gets the default values.",
        ),
    ] = True,
    max_blocks: Annotated[
        int | None, typer.Option("--max-blocks", min=1, help="Shortened run: only the first N blocks.")
    ] = None,
    max_trials_per_block: Annotated[
        int | None, typer.Option("--max-trials-per-block", min=1, help="Shortened run: at most N trials per block.")
    ] = None,
    workers: _Workers = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Running Dask scheduler: tcp://host:8786.")
    ] = None,
    session: Annotated[str, typer.Option("--session", help="BIDS session label.")] = "1",
    run: Annotated[int, typer.Option("--run", min=1, help="BIDS run number.")] = 1,
    group: Annotated[str | None, typer.Option("--group", help="Group written to participants.tsv.")] = None,
    build_dir: _BuildDir = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace finished participants made otherwise (other seed, parameters, code...)."),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    record_spikes: Annotated[
        bool,
        typer.Option(
            "--record-spikes",
            help="Also save every spike (derivatives/motorseq-model/…_desc-spikes_events"
            ".tsv.gz; large); draw them with motorseq raster.",
        ),
    ] = False,
) -> None:
    """Simulate a cohort of virtual participants performing PROTOCOL.

    Writes the same BIDS trial files as people produce (source: model), plus
    per participant the regional activity and BOLD-like signals under
    derivatives/motorseq-model/. Each participant's parameters are drawn from
    the documented distributions unless --no-variability is given. Finished
    participants are skipped if they were made as this run would make them
    (protocol, seed, parameters, code version); otherwise simulate refuses
    (exit code 2) unless --force replaces them. A failing participant is
    reported and the others finish (exit code 1).

    Every model parameter, with its default, unit, range and source: motorseq params.
    """
    from motorseq.models.cohort import CohortSpec, run_cohort, summarize
    from motorseq.protocols import MotorseqError, load_protocol
    from motorseq.tasks.shorten import shorten_protocol
    from rich.console import Console

    console = Console(stderr=True)
    from motorseq.tasks.study_run import is_study

    if workers is not None and scheduler is not None:
        console.print(
            "error: --workers and --scheduler exclude each other (workers belong to the scheduler)",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(2)
    if is_study(protocol):  # every session of a study, weights carried over: one Dask task per participant
        from motorseq.models.study import run_study_cohort

        own = {"--session": session != "1", "--run": run != 1, "--group": group is not None}
        own["--record-spikes"] = record_spikes
        refused = [option for option, given in own.items() if given]
        if refused:  # a study numbers its sessions and assigns its groups itself
            console.print(
                f"error: {refused[0]}: not for a study ({protocol} numbers its sessions and assigns its groups; "
                "--record-spikes: simulate one session's protocol instead)",
                highlight=False,
                markup=False,
                soft_wrap=True,
            )
            raise typer.Exit(2)
        try:
            outcomes = run_study_cohort(
                protocol, out, participants, seed, max_blocks, max_trials_per_block, variability,
                build_root=build_dir, workers=workers, scheduler=scheduler, progress=not quiet, force=force,
                console=console, overrides=parse_assignments(param, "--param"),
                lesions=parse_assignments(lesion, "--lesion"),
            )  # fmt: skip
        except (MotorseqError, ValueError, OSError) as error:
            console.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(2) from None
        console.print(
            f"{out}: {summarize(outcomes)} (every session of each)", highlight=False, markup=False, soft_wrap=True
        )
        if any(o.status == "failed" for o in outcomes):
            raise typer.Exit(1)
        return
    try:
        spec = CohortSpec(
            protocol=shorten_protocol(
                load_protocol(protocol), max_trials_per_block=max_trials_per_block, max_blocks=max_blocks
            ),
            out=out,
            n_participants=participants,
            seed=seed,
            session=session,
            run=run,
            overrides=parse_assignments(param, "--param"),
            lesions=parse_assignments(lesion, "--lesion"),
            variability=variability,
            build_root=build_dir,
            group=group,
            force=force,
            record_spikes=record_spikes,
        )
        outcomes = run_cohort(spec, workers=workers, scheduler=scheduler, progress=not quiet, console=console)
    except (MotorseqError, ValueError, OSError) as error:
        console.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"{out}: {summarize(outcomes)}", highlight=False, markup=False, soft_wrap=True)
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


def params_command(
    name: Annotated[str | None, typer.Argument(help="Only parameters whose name contains this text.")] = None,
    tsv: Annotated[bool, typer.Option("--tsv", help="Tab-separated values (for scripts).")] = False,
) -> None:
    """List every model parameter: default, unit, physical range and source (for simulate --param)."""
    from motorseq.models.parameter_list import parameter_rows
    from rich.console import Console
    from rich.table import Table

    rows = parameter_rows()
    if name is not None:
        rows = rows[rows["parameter"].str.contains(name, regex=False)]
        if rows.empty:
            Console(stderr=True).print(
                f"error: no model parameter contains {name!r} (motorseq params lists them)",
                highlight=False,
                markup=False,
            )
            raise typer.Exit(2)
    if tsv:
        typer.echo(rows.to_csv(sep="\t", index=False), nl=False)
        return
    table = Table(title="Model parameters (simulate --param name=value)", show_lines=False)
    for col in ("parameter", "default", "unit", "range", "source"):
        table.add_column(col, overflow="fold")
    for r in rows.itertuples(index=False):
        table.add_row(
            r.parameter,
            f"{r.default:g}" if isinstance(r.default, float) else str(r.default),
            r.unit,
            f"[{r.low:g}, {r.high:g}]",
            r.source,
        )
    Console().print(table, markup=False, highlight=False)


def raster_command(
    data: Annotated[Path, typer.Argument(help="BIDS folder of a cohort simulated with --record-spikes.")],
    participant: Annotated[str, typer.Option("--participant", help="Participant label, e.g. 01.")],
    out: Annotated[Path, typer.Option("--out", help="Figure to write (.png or .svg).")],
    session: Annotated[str, typer.Option("--session", help="BIDS session label.")] = "1",
    run: Annotated[int, typer.Option("--run", min=1, help="BIDS run number.")] = 1,
    start: Annotated[float, typer.Option("--start", min=0, help="Start of the window (s from the run start).")] = 0.0,
    duration: Annotated[float, typer.Option("--duration", help="Length of the window (s).")] = 5.0,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
) -> None:
    """Draw a participant's spike raster (saved by simulate --record-spikes)."""
    from motorseq.models.output import read_spikes, spikes_run_duration
    from motorseq.models.raster import check_window, find_spikes, raster_figure
    from motorseq.protocols import MotorseqError, check_label
    from rich.console import Console

    console = Console(stderr=True)
    try:
        if out.exists() and not force:
            raise MotorseqError(f"{out}: --out exists already; use --force to replace it")
        if out.suffix.lower() not in (".png", ".svg"):
            raise MotorseqError(f"{out}: --out: give a .png or .svg file")
        check_label(participant, "--participant")
        check_label(session, "--session")
        path = find_spikes(data, participant, session, run)
        run_s = spikes_run_duration(path)
        spikes = read_spikes(path, run_s)
        check_window(path, spikes, start, duration, run_s)
        fig = raster_figure(
            spikes,
            start,
            duration,
            f"sub-{participant} ses-{session} run-{run}: {start:g}-{start + duration:g} s",
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=150)
    except (MotorseqError, OSError) as error:
        console.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    Console().print(f"raster: {out}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add the model's commands (``simulate``, ``params``, ``raster``, ``bank``, ``fit``) to the ``motorseq`` app."""
    from motorseq.models.fit.cli import register as register_fit

    app.command("simulate")(simulate)
    app.command("params")(params_command)
    app.command("raster")(raster_command)
    register_fit(app)
