"""Command-line commands ``motorseq report`` and ``motorseq demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def report_command(
    results: Annotated[
        list[Path] | None,
        typer.Argument(
            help="BIDS folder of the study (people and/or model runs); several folders are pooled; "
            "optional with --analysis."
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("report.html"),
    ale: Annotated[Path | None, typer.Option("--ale", help="ALE NIfTI map for the voxel-level comparison.")] = None,
    foci: Annotated[Path | None, typer.Option("--foci", help="Sleuth/NiMARE foci: run ALE and include it.")] = None,
    ale_iters: Annotated[int, typer.Option("--ale-iters", min=1, help="Monte Carlo iterations of that ALE.")] = 5000,
    blocks: Annotated[int, typer.Option("--blocks", min=1, help="Sequence blocks per learning phase.")] = 2,
    perm: Annotated[int, typer.Option("--perm", min=1, help="Permutations of the spatial-correlation null.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the permutations.")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
    analysis: Annotated[
        Path | None,
        typer.Option("--analysis", help="A saved `motorseq analyze --out` folder to show (not re-run)."),
    ] = None,
    brain: Annotated[
        Path | None,
        typer.Option("--brain", help="A saved `motorseq compare-brain --out` folder to show (not re-run)."),
    ] = None,
    fit: Annotated[Path | None, typer.Option("--fit", help="Output of motorseq fit: adds the Fit section.")] = None,
    keep_apart: Annotated[
        bool,
        typer.Option(
            "--keep-apart",
            help="Several folders whose participant labels repeat: prefix each participant with its folder's name "
            "(without it the same run in two folders is refused, naming both files).",
        ),
    ] = False,
    prefix: Annotated[
        list[str] | None,
        typer.Option("--prefix", help="FOLDER=LABEL: this folder's participant prefix (repeatable)."),
    ] = None,
) -> None:
    """Write one self-contained HTML report of RESULTS, or of saved results (--analysis, --brain)."""
    from motorseq.analysis.brain.images import load_map_image
    from motorseq.analysis.errors import AnalysisInputError
    from motorseq.analysis.loaders.motorseq_bids import check_pooling, parse_prefixes
    from motorseq.analysis.report.build import check_report_out
    from motorseq.analysis.report.progress import step_progress
    from rich.console import Console

    results = list(results or [])
    if not results and analysis is None:
        raise AnalysisInputError("report: give the data folder RESULTS, or a saved analysis with --analysis")
    for folder in results:
        if not folder.is_dir():
            raise AnalysisInputError(f"{folder}: not a folder")
    if brain is not None and ale is not None:
        raise AnalysisInputError(
            f"--ale: {ale}: the saved comparison --brain {brain} is shown as it was made; "
            "give the map to motorseq compare-brain --ale instead"
        )
    prefixes = parse_prefixes(prefix)
    check_report_out(out, force)
    if len(results) > 1:
        check_pooling(results, keep_apart, prefixes)
    if fit is not None and not (fit / "posterior_summary.csv").is_file() and not (fit / "recovery.csv").is_file():
        raise AnalysisInputError(f"--fit: {fit}: no motorseq fit output (posterior_summary.csv or recovery.csv)")
    ale_img = None if ale is None else load_map_image(ale, "--ale")
    from motorseq.analysis.brain.pipeline import BrainComparison
    from motorseq.analysis.report.behaviour import load_saved_analysis
    from motorseq.analysis.report.build import build_report

    saved = None if analysis is None else load_saved_analysis(analysis)
    saved_brain = None if brain is None else BrainComparison.load(brain)
    if saved is not None or saved_brain is not None:  # never another cohort's numbers under this data's name
        from motorseq.analysis.report.behaviour import check_saved_inputs
        from motorseq.analysis.report.build import _dataset_root

        roots = [_dataset_root(folder) for folder in results]
        check_saved_inputs(roots, saved, analysis, saved_brain, brain)

    console = Console()
    ale_result = None
    if foci is not None:
        import warnings

        from motorseq.analysis.brain.ale import run_ale

        with console.status(f"ALE of {foci} ({ale_iters} iterations)…"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ale_result = run_ale(foci, n_iters=ale_iters, seed=seed)
    warnings: list[str] = []
    with step_progress(console, "report") as advance:
        path = build_report(
            results if len(results) > 1 else (results[0] if results else None),
            out,
            ale_img=ale_img,
            n_blocks=blocks,
            n_perm=perm,
            seed=seed,
            progress=advance,
            ale_result=ale_result,
            warnings=warnings,
            analysis=saved,
            brain=saved_brain,
            fit_dir=fit,
            keep_apart=keep_apart,
            prefixes=prefixes,
        )
    for line in warnings:
        console.print(f"warning: {line}", highlight=False, markup=False, soft_wrap=True)
    console.print(f"report: {path.resolve()}", highlight=False, markup=False)


def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo's data and report.")] = Path("motorseq-demo"),
    participants: Annotated[int, typer.Option("--participants", min=2, help="Virtual participants.")] = 4,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Cohort seed.")] = 0,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Local Dask worker processes.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace participants an earlier demo in --out simulated otherwise.")
    ] = False,
) -> None:
    """Simulate a small cohort on srt-classic, analyse it, compare with the brain map, write the report."""
    from motorseq.analysis.report.demo import run_demo

    run_demo(out, participants=participants, seed=seed, workers=workers, force=force)


def register(app: typer.Typer) -> None:
    """Add ``report`` and ``demo`` to the root app."""
    app.command("report")(report_command)
    app.command("demo")(demo_command)
