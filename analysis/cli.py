"""``motorseq analyze`` and ``motorseq compare`` (thin wrappers over the library).

Heavy imports (pandas, scipy, matplotlib, pingouin) happen inside the commands, so
``motorseq --help`` stays fast. Bad input raises a one-line ``MotorseqError`` that the root
app prints without a traceback (exit status 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def _check_out(out: Path, force: bool) -> None:
    import os

    from motorseq.analysis.errors import AnalysisInputError

    if out.exists() and not out.is_dir():
        raise AnalysisInputError(f"{out}: --out exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise AnalysisInputError(
            f"{out}: --out is not empty; use --force to write into it (same-named files are replaced)"
        )
    existing = next(p for p in (out.absolute(), *out.absolute().parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise AnalysisInputError(f"{out}: --out cannot be written ({existing} is not a writable folder)")


def _rules(no_post_error: bool, anticipation_ms: float, outlier_sd: float, first_trials: int | None):
    from motorseq.analysis.cleaning import CleaningRules

    return CleaningRules(
        post_error=not no_post_error,
        anticipation_ms=None if anticipation_ms == 0 else anticipation_ms,
        outlier_sd=None if outlier_sd == 0 else outlier_sd,
        first_trials=first_trials,
    )


def _print(lines: list[str], out: Path, figure_paths: dict) -> None:
    from rich.console import Console

    console = Console()
    for line in lines:
        console.print(line, highlight=False, markup=False, soft_wrap=True)
    console.print(f"tables: {out / 'tables'}", highlight=False, markup=False, soft_wrap=True)
    for name, paths in figure_paths.items():
        console.print(
            f"figure {name}: {', '.join(str(p) for p in paths)}", highlight=False, markup=False, soft_wrap=True
        )


def register(app: typer.Typer) -> None:
    """Add ``analyze`` and ``compare`` to the root app."""

    @app.command("analyze")
    def analyze_command(
        paths: Annotated[
            list[Path],
            typer.Argument(help="Data files or folders (motorseq BIDS, jsPsych/PsychoPy ASRT, E-Prime SRT, CSV)."),
        ],
        out: Annotated[Path, typer.Option("--out", help="Folder for tables (CSV), figures (PNG, SVG) and summary.")],
        format: Annotated[
            str,
            typer.Option(
                "--format",
                help="auto | motorseq | jspsych-asrt | psychopy-asrt | eprime-srt | psychopy-builder | MAPPING.yaml",
            ),
        ] = "auto",
        seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
        n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap resamples (group curve fits).")] = 1000,
        n_boot_participant: Annotated[
            int,
            typer.Option(
                "--n-boot-participant",
                help="Bootstrap resamples per participant: curve fits, SRT effect CI (0 = none).",
            ),
        ] = 200,
        no_post_error: Annotated[
            bool, typer.Option("--no-post-error", help="Keep trials after errors in RT analyses.")
        ] = False,
        anticipation_ms: Annotated[float, typer.Option(help="Anticipation threshold in ms (0 = off).")] = 100.0,
        outlier_sd: Annotated[
            float, typer.Option(help="Outlier threshold in SD per participant and block (0 = off).")
        ] = 3.0,
        first_trials: Annotated[
            int | None,
            typer.Option(help="Trials dropped at the start of each block (default: the paradigm's convention)."),
        ] = None,
        no_figures: Annotated[bool, typer.Option("--no-figures", help="Tables only.")] = False,
        force: Annotated[bool, typer.Option("--force", help="Write into a non-empty --out folder.")] = False,
        paradigm: Annotated[
            str | None,
            typer.Option(
                "--paradigm", help="Analyse only this paradigm (srt, asrt, dsp, ftt); data that mix paradigms need it."
            ),
        ] = None,
        keep_apart: Annotated[
            bool,
            typer.Option(
                "--keep-apart",
                help="Several data folders whose participant labels repeat: prefix each participant with its "
                "folder's name (without it the same run in two folders is refused, naming both files).",
            ),
        ] = False,
        prefix: Annotated[
            list[str] | None,
            typer.Option(
                "--prefix",
                help="FOLDER=LABEL: keep the data folders apart with this participant prefix instead of the "
                "folder's name (repeatable).",
            ),
        ] = None,
    ) -> None:
        """Analyse behavioural data: tidy tables per measure, curve fits, statistics, figures."""
        from motorseq.analysis.loaders.motorseq_bids import parse_prefixes
        from motorseq.analysis.pipeline import analyze

        prefixes = parse_prefixes(prefix)
        _check_out(out, force)
        result = analyze(
            paths,
            out=out,
            format=format,
            rules=_rules(no_post_error, anticipation_ms, outlier_sd, first_trials),
            seed=seed,
            n_boot=n_boot,
            n_boot_participant=n_boot_participant,
            figures=not no_figures,
            paradigm=paradigm,
            keep_apart=keep_apart,
            prefixes=prefixes,
        )
        _print(result.summary, out, result.figure_paths)

    @app.command("compare")
    def compare_command(
        people: Annotated[
            list[Path], typer.Argument(help="People's data (files or folders; several folders are pooled).")
        ],
        model: Annotated[Path, typer.Argument(help="Model's data (file or folder).")],
        out: Annotated[Path, typer.Option("--out", help="Folder for the comparison tables and figures.")],
        people_format: Annotated[
            str, typer.Option("--people-format", help="Format of the people's data (auto detects).")
        ] = "auto",
        model_format: Annotated[
            str, typer.Option("--model-format", help="Format of the model's data (auto detects).")
        ] = "auto",
        seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
        n_boot: Annotated[int, typer.Option("--n-boot", help="Bootstrap resamples (group curve fits).")] = 1000,
        no_figures: Annotated[bool, typer.Option("--no-figures", help="Tables only.")] = False,
        force: Annotated[bool, typer.Option("--force", help="Write into a non-empty --out folder.")] = False,
        keep_apart: Annotated[
            bool,
            typer.Option(
                "--keep-apart",
                help="Several people folders whose participant labels repeat: prefix each participant with its "
                "folder's name (without it the same run in two folders is refused, naming both files).",
            ),
        ] = False,
        prefix: Annotated[
            list[str] | None,
            typer.Option(
                "--prefix",
                help="FOLDER=LABEL: keep the data folders apart with this participant prefix instead of the "
                "folder's name (repeatable).",
            ),
        ] = None,
    ) -> None:
        """Put people and model through the same pipeline and compare curves and effects."""
        from motorseq.analysis.comparison import compare
        from motorseq.analysis.loaders.motorseq_bids import parse_prefixes

        prefixes = parse_prefixes(prefix)
        _check_out(out, force)
        result = compare(
            people,
            model,
            out=out,
            people_format=people_format,
            model_format=model_format,
            seed=seed,
            n_boot=n_boot,
            figures=not no_figures,
            keep_apart=keep_apart,
            prefixes=prefixes,
        )
        _print(result.summary, out, result.figure_paths)
