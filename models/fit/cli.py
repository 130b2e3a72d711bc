"""``motorseq bank`` and ``motorseq fit``: thin wrappers over :mod:`motorseq.models.fit`.

Heavy imports (Brian2, Dask, torch, sbi) happen inside the commands, so ``motorseq --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .compress import COMPRESSIONS, DEFAULT_COMPRESS

__all__ = ["bank", "fit", "register"]


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _fail(console, error: BaseException) -> None:
    console.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(2)


def bank(
    protocol: Annotated[str, typer.Argument(help="Bundled protocol name (e.g. asrt) or YAML path.")],
    out: Annotated[Path, typer.Option("--out", help="Bank folder (created; an existing bank grows).")],
    simulations: Annotated[int, typer.Option("--simulations", min=1, help="Simulations the bank should hold.")] = 100,
    priors: Annotated[
        Path | None, typer.Option("--priors", help="Priors YAML (default: the bundled priors of 9 parameters).")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Bank seed (parameter draws and model seeds).")] = 0,
    max_blocks: Annotated[
        int | None, typer.Option("--max-blocks", min=1, help="Shortened protocol: only the first N blocks.")
    ] = None,
    max_trials_per_block: Annotated[
        int | None,
        typer.Option("--max-trials-per-block", min=1, help="Shortened protocol: at most N trials per block."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=0, help="Local Dask workers (default: CPU cores; 0: in this process)."),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Running Dask scheduler: tcp://host:8786.")
    ] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Simulations per Dask task.")] = 1,
    keep_trials: Annotated[
        bool, typer.Option("--keep-trials", help="Keep every simulation's BIDS trial files in BANK/trials.")
    ] = False,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Simulate failed simulations again.")] = False,
    build_dir: Annotated[
        Path | None, typer.Option("--build-dir", help="Folder of the compiled models (default: $MOTORSEQ_BUILD_ROOT).")
    ] = None,
) -> None:
    """Grow a simulation bank: parameters from the priors, the model's summary statistics.

    Simulation i always gets the same parameters and seed, so re-running with a larger
    --simulations adds simulations and skips finished ones; a killed run loses only the
    simulations in progress. A failing simulation is recorded and the others go on (exit 1 if
    any failed). Prints the throughput in simulations per hour.
    """
    from motorseq.protocols import MotorseqError, load_protocol
    from motorseq.tasks.shorten import shorten_protocol

    from . import ModelSimulator, load_priors, model_description, run_bank

    console = _console()
    if workers is not None and scheduler is not None:
        _fail(console, ValueError("--workers and --scheduler exclude each other (workers belong to the scheduler)"))
    try:
        loaded = load_protocol(protocol)
        short = shorten_protocol(loaded, max_trials_per_block=max_trials_per_block, max_blocks=max_blocks)
        if short.paradigm not in ("srt", "asrt"):
            raise ValueError(f"{protocol}: paradigm {short.paradigm!r}: banks are built for srt and asrt protocols")
        trials_dir = str((out / "trials").resolve()) if keep_trials else None
        simulator = ModelSimulator(
            short, build_root=None if build_dir is None else str(build_dir), trials_dir=trials_dir
        )
        description = model_description(loaded.name, short, max_blocks, max_trials_per_block)
        result = run_bank(
            out,
            simulations,
            load_priors(priors),
            simulator,
            description=description,
            seed=seed,
            workers=workers,
            scheduler=scheduler,
            batch_size=batch_size,
            retry_failed=retry_failed,
            on_batch=lambda rows: [
                console.print(f"sim {r['sim']} failed: {r['error']}", highlight=False, markup=False)
                for r in rows
                if r["status"] == "failed"
            ],
        )
    except (MotorseqError, ValueError, OSError) as error:
        _fail(console, error)
    console.print(f"{out}: {result.line()}", highlight=False, markup=False, soft_wrap=True)
    if result.failed:
        raise typer.Exit(1)


def fit(
    data: Annotated[
        list[Path] | None, typer.Argument(help="People's trial files or folders (any format analyze reads).")
    ] = None,
    bank_dir: Annotated[Path, typer.Option("--bank", help="Simulation bank (motorseq bank).")] = Path("bank"),
    out: Annotated[Path, typer.Option("--out", help="Folder for the posterior tables.")] = Path("fit"),
    check: Annotated[
        bool, typer.Option("--check", help="Parameter recovery on held-back bank simulations first.")
    ] = False,
    session: Annotated[str | None, typer.Option("--session", help="Fit only this session of the data.")] = None,
    samples: Annotated[int, typer.Option("--samples", min=10, help="Posterior draws per participant.")] = 1000,
    holdout: Annotated[float, typer.Option("--holdout", min=0.0, help="--check: share (or number) held back.")] = 0.1,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of training and sampling.")] = 0,
    max_epochs: Annotated[int | None, typer.Option("--max-epochs", min=1, help="Cap on training epochs.")] = None,
    data_format: Annotated[str, typer.Option("--format", help="Data format (as for analyze).")] = "auto",
    density: Annotated[
        str, typer.Option("--density", help="Density estimator: nsf (spline flow), maf or mdn.")
    ] = "nsf",
    folds: Annotated[
        int | None,
        typer.Option("--folds", min=2, help="--check: K-fold cross-validation (every simulation held back once)."),
    ] = None,
    ensemble: Annotated[
        int, typer.Option("--ensemble", min=1, help="Flows trained from different seeds and averaged.")
    ] = 1,
    compress: Annotated[
        str,
        typer.Option(
            "--compress",
            help="Condition the flow on regression estimates of each parameter: boosted (trees and ridge), "
            "linear (ridge) or none (the raw statistics).",
        ),
    ] = DEFAULT_COMPRESS,
    shared: Annotated[
        list[str] | None,
        typer.Option(
            "--shared",
            help="A parameter every member of a group shares (e.g. lesion_dopamine for a lesion cohort; "
            "repeatable): each group's posterior of that one value, from all its members (group_posteriors.csv).",
        ),
    ] = None,
    predictive_draws: Annotated[
        int,
        typer.Option(
            "--predictive-draws",
            min=0,
            help="Simulate the model at N posterior draws per person for the predictive check (0: weight the bank).",
        ),
    ] = 0,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=0, help="--predictive-draws: local Dask workers (default: CPU cores; 0: here)."),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="--predictive-draws: running Dask scheduler (tcp://host:8786).")
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Write into a non-empty --out (the tables of an earlier fit there are removed)."),
    ] = False,
) -> None:
    """Fit the model to every participant of DATA: a posterior per person from a bank.

    Trains a neural posterior estimator (sbi, CPU torch) on the bank once (kept in
    OUT/estimator.pkl and reused while the bank is unchanged), then writes per participant and
    session the posterior draws (posterior_samples.parquet), means and 90% intervals
    (posterior_summary.csv), the posterior predictive band of the block curve
    (predictive_check.csv) and, with groups, the group comparison (group_differences.csv).
    The band is the bank's simulations weighted by each posterior, or, with --predictive-draws N,
    N new simulations of the bank's model at posterior draws (the exact check).
    --check writes recovery.csv / recovery_draws.csv and information.csv (which statistic
    relates to which parameter) and lists the parameters the statistics cannot identify.
    A non-empty --out is refused unless --force, which removes the tables an earlier fit wrote
    there (and no other file) before the new ones are written.
    """
    from motorseq.protocols import MotorseqError

    from .run import fit_command

    console = _console()
    if density not in ("nsf", "maf", "mdn"):
        _fail(console, ValueError(f"--density: must be nsf, maf or mdn, got {density!r}"))
    if compress not in COMPRESSIONS:
        _fail(console, ValueError(f"--compress: must be one of {', '.join(COMPRESSIONS)}, got {compress!r}"))
    if workers is not None and scheduler is not None:
        _fail(console, ValueError("--workers and --scheduler exclude each other (workers belong to the scheduler)"))
    if not data and not check:
        _fail(console, ValueError("DATA: give the people's data to fit, or --check for the recovery check alone"))
    try:
        lines = fit_command(
            data or [],
            bank_dir,
            out,
            check=check,
            session=session,
            n_samples=samples,
            holdout=int(holdout) if holdout >= 1 else holdout,
            seed=seed,
            max_epochs=max_epochs,
            data_format=data_format,
            density=density,
            folds=folds,
            ensemble=ensemble,
            compress=compress,
            shared=shared or None,
            predictive_draws=predictive_draws,
            workers=workers,
            scheduler=scheduler,
            force=force,
        )
    except (MotorseqError, ValueError, OSError) as error:
        _fail(console, error)
    for line in lines:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    (out / "summary.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def register(app: typer.Typer) -> None:
    """Add ``bank`` and ``fit`` to the root ``motorseq`` app."""
    app.command("bank")(bank)
    app.command("fit")(fit)
