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
    list[str] | None, typer.Option("--param", help="Model parameter for everyone: name=value (repeatable).")
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
        "--build-dir", help="Folder of the compiled models (default: $MOTORSEQ_BUILD_ROOT or a temporary folder)."
    ),
]


def simulate(
    protocol: Annotated[str, typer.Argument(help="Bundled protocol name (e.g. srt-classic) or YAML path.")],
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
    """
    from motorseq.models.cohort import CohortSpec, run_cohort, summarize
    from motorseq.protocols import MotorseqError, load_protocol
    from motorseq.tasks.shorten import shorten_protocol
    from rich.console import Console

    console = Console(stderr=True)
    if workers is not None and scheduler is not None:
        console.print(
            "error: --workers and --scheduler exclude each other (workers belong to the scheduler)",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(2)
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
        )
        outcomes = run_cohort(spec, workers=workers, scheduler=scheduler, progress=not quiet, console=console)
    except (MotorseqError, ValueError, OSError) as error:
        console.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"{out}: {summarize(outcomes)}", highlight=False, markup=False, soft_wrap=True)
    if any(o.status == "failed" for o in outcomes):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the model's commands (``simulate``, ``bank``, ``fit``) to the root ``motorseq`` app."""
    from motorseq.models.fit.cli import register as register_fit

    app.command("simulate")(simulate)
    register_fit(app)
