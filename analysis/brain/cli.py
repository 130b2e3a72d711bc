"""Command-line commands of the brain comparison.

``motorseq ale``, ``motorseq compare-brain`` and ``motorseq brain-map``; heavy imports (NiMARE,
nilearn) happen inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def ale_command(
    foci: Annotated[Path, typer.Argument(help="Sleuth text file or NiMARE dataset JSON.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the maps and the cluster table.")],
    iters: Annotated[
        int, typer.Option("--iters", min=1, help="Monte Carlo iterations (≥ 5000 for publication).")
    ] = 5000,
    voxel_thresh: Annotated[float, typer.Option("--voxel-thresh", help="Cluster-forming voxel p.")] = 0.001,
    alpha: Annotated[float, typer.Option("--alpha", help="Cluster-level FWE threshold.")] = 0.05,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the Monte Carlo null.")] = 0,
    cores: Annotated[int, typer.Option("--cores", min=1, help="Cores for the Monte Carlo loop.")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty --out folder.")] = False,
) -> None:
    """ALE meta-analysis of FOCI with cluster-level FWE correction (NiMARE, offline)."""
    import warnings

    from motorseq.analysis.brain.ale import FewExperimentsWarning, run_ale
    from motorseq.analysis.cli import _check_out
    from rich.console import Console

    _check_out(out, force)  # before the Monte Carlo run: an earlier ALE's maps are not replaced unasked

    console = Console()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FewExperimentsWarning)
        with console.status(f"ALE with {iters} Monte Carlo iterations…"):
            result = run_ale(foci, n_iters=iters, voxel_thresh=voxel_thresh, alpha=alpha, seed=seed, n_cores=cores)
    for warning in caught:
        if issubclass(warning.category, FewExperimentsWarning):
            console.print(f"warning: {warning.message}", style="yellow", highlight=False)
    paths = result.save(out)
    console.print(f"{result.n_experiments} experiments, {len(result.clusters)} cluster peak(s)")
    for name, path in paths.items():
        console.print(f"  {name}: {path}", highlight=False)


def compare_brain_command(
    data: Annotated[Path, typer.Argument(help="BIDS folder with model runs (derivatives/motorseq-model).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for tables, metrics and NIfTI images.")],
    ale: Annotated[
        Path | None, typer.Option("--ale", help="ALE (or other) NIfTI map for the voxel-level comparison.")
    ] = None,
    blocks: Annotated[
        int, typer.Option("--blocks", min=1, help="Sequence blocks per phase (early: first, late: last).")
    ] = 2,
    perm: Annotated[int, typer.Option("--perm", min=1, help="Permutations of the spatial-correlation null.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the permutations.")] = 0,
    early: Annotated[
        str | None,
        typer.Option("--early", help="Early-phase blocks, e.g. 2,3 (default: first --blocks sequence blocks)."),
    ] = None,
    late: Annotated[
        str | None, typer.Option("--late", help="Late-phase blocks, e.g. 6,8 (default: last --blocks sequence blocks).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Write into a non-empty --out folder.")] = False,
) -> None:
    """Compare a simulated cohort's regional activity with the early-learning map."""
    from motorseq.analysis.brain.images import load_map_image
    from motorseq.analysis.brain.pipeline import compare_model_with_map
    from motorseq.analysis.cli import _check_out
    from rich.console import Console

    early_blocks, late_blocks = _blocks(early, "--early"), _blocks(late, "--late")
    _check_out(out, force)  # before the comparison: an earlier comparison's files are not replaced unasked
    ale_img = None if ale is None else load_map_image(ale, "--ale")
    result = compare_model_with_map(
        data,
        n_blocks=blocks,
        ale_img=ale_img,
        n_perm=perm,
        seed=seed,
        early_blocks=early_blocks,
        late_blocks=late_blocks,
    )
    paths = result.save(out)
    console = Console()
    pr, sh = result.metrics["precision_recall"], result.metrics["shift"]
    console.print(
        f"precision {pr['precision']:.2f}, recall {pr['recall']:.2f} "
        f"({pr['n_regions']} regions); median shift ratio {sh['median_shift']:.2f}; {sh['claim']}",
        highlight=False,
        markup=False,
    )
    console.print(f"written to {out} ({len(paths)} files)", highlight=False)


def _blocks(text: str | None, option: str) -> list[int] | None:
    from motorseq.analysis.errors import AnalysisInputError

    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    if not any(parts):
        raise AnalysisInputError(f"{option}: no block numbers in {text!r} (expected e.g. 2,3)")
    try:
        blocks = [int(part) for part in parts if part]
    except ValueError:
        raise AnalysisInputError(f"{option}: expected block numbers like 2,3; got {text!r}") from None
    if "" in parts or any(b < 1 for b in blocks):
        raise AnalysisInputError(f"{option}: expected block numbers (1, 2, ...) separated by commas; got {text!r}")
    return blocks


def brain_map_command() -> None:
    """Print the bundled early-learning map and its sources."""
    from motorseq.analysis.brain import SOURCE_COLUMNS, load_map, load_sources
    from rich.console import Console
    from rich.table import Table

    brain_map = load_map()
    table = Table(title="Early motor sequence learning map (1 reported, 0 not, blank unknown)")
    for col in ("region", "x_left", "y_left", "z_left", *SOURCE_COLUMNS):
        table.add_column(col)
    for region, row in brain_map.iterrows():
        cells = [region] + ["" if row[c] != row[c] else f"{row[c]:.0f}" for c in ("x_left", "y_left", "z_left")]
        cells += ["" if row[c] is None or str(row[c]) == "<NA>" else str(row[c]) for c in SOURCE_COLUMNS]
        table.add_row(*cells)
    console = Console()
    console.print(table)
    for sid, meta in load_sources()["sources"].items():
        console.print(f"{sid}: {meta['citation']} {meta.get('doi') or ''}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``ale``, ``compare-brain`` and ``brain-map`` to the root app."""
    app.command("ale")(ale_command)
    app.command("compare-brain")(compare_brain_command)
    app.command("brain-map")(brain_map_command)
