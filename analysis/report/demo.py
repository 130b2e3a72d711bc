"""``motorseq demo``: the main job for a newcomer.

Simulate a small cohort on srt-classic, analyse it, compare it with the early-learning map and
write the report.
"""

from __future__ import annotations

import time
from pathlib import Path

from motorseq.analysis.errors import AnalysisInputError

__all__ = ["DEMO_PROTOCOL", "run_demo", "check_demo_out"]

#: The embedded default protocol of the demo.
DEMO_PROTOCOL = "srt-classic"


def check_demo_out(out: str | Path) -> Path:
    """Check, before any work, that ``out`` is a folder or can be made one; return it.

    Raises
    ------
    AnalysisInputError
        One line naming ``--out``: it is a file, a dangling symbolic link, or inside a file.
    """
    out = Path(out)
    if out.is_symlink() and not out.exists():
        raise AnalysisInputError(f"{out}: --out is a symbolic link to nothing ({out.readlink()}); give a folder")
    for folder in (out, *out.absolute().parents):
        if folder.exists():
            if not folder.is_dir():
                where = "is a file" if folder == out else f"is inside a file ({folder})"
                raise AnalysisInputError(f"{out}: --out {where}; give a folder for the demo's data and report")
            break
    return out


def run_demo(
    out: str | Path = "motorseq-demo",
    participants: int = 4,
    seed: int = 0,
    workers: int | None = None,
    console=None,
    force: bool = False,
) -> Path:
    """Run the whole demo and return the report path.

    Parameters
    ----------
    out : str or pathlib.Path
        Demo folder: ``data/`` (BIDS, model runs), ``brain/`` (comparison tables and NIfTI
        images) and ``report.html``. Participants already simulated there are skipped.
    participants : int
        Virtual participants.
    seed : int
        Cohort seed.
    workers : int, optional
        Local Dask worker processes (default: CPU cores).
    console : rich.console.Console, optional
    force : bool
        Replace participants simulated in ``out`` otherwise (another seed or model); without it
        they are refused before anything is written (``--force``).

    Returns
    -------
    pathlib.Path
    """
    from motorseq.analysis.report.progress import step_progress
    from rich.console import Console

    out = check_demo_out(out)
    console = console or Console()
    data, brain = out / "data", out / "brain"
    try:
        from motorseq.models.cohort import CohortSpec, run_cohort
        from motorseq.protocols import load_protocol
    except ImportError as exc:
        raise AnalysisInputError(f"demo: the spiking model (motorseq.models) is not available: {exc}") from exc
    start = time.perf_counter()
    console.rule(f"motorseq demo: {participants} virtual participants on {DEMO_PROTOCOL}")
    spec = CohortSpec(
        protocol=load_protocol(DEMO_PROTOCOL), out=data, n_participants=participants, seed=seed, force=force
    )
    try:
        outcomes = run_cohort(spec, workers=workers, progress=True, console=console)
    except ImportError as exc:
        raise AnalysisInputError(f"demo: the spiking model (motorseq.models) is not available: {exc}") from exc
    failed = [o for o in outcomes if o.status == "failed"]
    if len(failed) == len(outcomes):
        raise AnalysisInputError(
            f"demo: every participant failed; first error: {getattr(failed[0], 'error', 'unknown')}"
        )
    if failed:
        console.print(f"{len(failed)} participant(s) failed; the report uses the others", style="yellow")
    from motorseq.analysis.report.build import build_report

    with step_progress(console, "analysis and report") as advance:
        report = build_report(
            data,
            out / "report.html",
            n_blocks=2,
            seed=seed,
            title="motorseq demo: spiking model on srt-classic",
            progress=advance,
            brain_out=brain,
        )
    minutes = (time.perf_counter() - start) / 60
    console.print(f"[bold green]Report:[/] {report.resolve()}  ({minutes:.1f} min)")
    console.print(f"Data: {data.resolve()}   Brain maps and tables: {brain.resolve()}", highlight=False)
    return report
