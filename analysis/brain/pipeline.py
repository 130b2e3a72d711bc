"""Model-vs-map comparison of a simulated cohort: from a BIDS folder to tables, images and verdicts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from motorseq.analysis.brain.brain_map import consensus, load_map
from motorseq.analysis.brain.compare import (
    precision_recall,
    region_comparison_table,
    seq_random_vs_map,
    shift_summary,
    spatial_correlation,
    spearman_regions,
)
from motorseq.analysis.brain.model_regions import (
    block_activations,
    phase_blocks,
    phase_levels,
    read_model_run,
    region_activations,
    region_group_stats,
    seq_random_effect,
    shift_index,
)
from motorseq.analysis.errors import AnalysisInputError
from motorseq.analysis.saved_tables import KIND_WORDS, column_kinds, read_saved_json, read_saved_table

__all__ = ["BrainComparison", "compare_model_with_map", "find_model_runs", "model_runs_without_derivatives"]


@dataclass
class BrainComparison:
    """Everything the model-vs-map comparison produced.

    Attributes
    ----------
    block_regions : pandas.DataFrame
        Per participant, block and region: ``level`` and ``activation`` (percent change).
    phases : dict
        Phase name -> block numbers used.
    stats : dict of pandas.DataFrame
        Group statistics per region: ``early``, ``late`` (activation vs baseline) and
        ``seq_gt_random`` (sequence minus random).
    table : pandas.DataFrame
        Per-region comparison table (:func:`~motorseq.analysis.brain.compare.region_comparison_table`).
    metrics : dict
        ``precision_recall``, ``spearman``, ``shift``, ``seq_random`` and, with an ALE map,
        ``spatial``.
    shift : pandas.DataFrame
        Per-participant shift indices.
    baseline : str
        ``rest`` or ``run-mean`` (see :mod:`~motorseq.analysis.brain.model_regions`).
    provenance : dict
        Settings, participants, files.
    """

    block_regions: pd.DataFrame
    phases: dict[str, list[int]]
    stats: dict[str, pd.DataFrame]
    table: pd.DataFrame
    metrics: dict[str, Any]
    shift: pd.DataFrame
    baseline: str
    provenance: dict[str, Any] = field(default_factory=dict)

    def images(self) -> dict[str, Any]:
        """NIfTI images (ROI spheres, MNI) of early and late activation and seq > random."""
        from motorseq.analysis.brain.images import region_image

        return {name: region_image(self.stats[name]["mean"]) for name in self.stats}

    def save(self, out_dir: str | Path) -> dict[str, Path]:
        """Write tables (TSV), metrics (JSON) and images (NIfTI) to ``out_dir``.

        Raises
        ------
        AnalysisInputError
            A file cannot be written (one line naming it; e.g. ``out_dir`` is a file).
        """
        out = Path(out_dir)
        try:
            return self._save(out)
        except OSError as error:
            raise AnalysisInputError(
                f"{error.filename or out}: cannot write the brain comparison: {error.strerror or error}"
            ) from None

    def _save(self, out: Path) -> dict[str, Path]:
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "block_regions": out / "model_block_regions.tsv",
            "table": out / "region_comparison.tsv",
            "shift": out / "shift_index.tsv",
            "metrics": out / "comparison_metrics.json",
        }
        self.block_regions.to_csv(paths["block_regions"], sep="\t", index=False, na_rep="n/a")
        self.table.to_csv(paths["table"], sep="\t", na_rep="n/a")
        self.shift.to_csv(paths["shift"], sep="\t", index=False, na_rep="n/a")
        for name, stats in self.stats.items():
            paths[f"stats_{name}"] = out / f"region_stats_{name}.tsv"
            stats.to_csv(paths[f"stats_{name}"], sep="\t", na_rep="n/a")
        for name, img in self.images().items():
            paths[f"img_{name}"] = out / f"model_{name}_space-MNI152_desc-roispheres.nii.gz"
            img.to_filename(paths[f"img_{name}"])
        saved = {
            "model_block_regions.tsv": self.block_regions,
            "region_comparison.tsv": self.table,
            "shift_index.tsv": self.shift,
            **{f"region_stats_{name}.tsv": stats for name, stats in self.stats.items()},
        }
        payload = {
            "metrics": self.metrics,
            "phases": self.phases,
            "baseline": self.baseline,
            "provenance": self.provenance,
            # each table's rows and the kind of its number and True/False columns: load() refuses a
            # folder that lost, cut or changed one
            "tables": {name: len(table) for name, table in saved.items()},
            "table_columns": {name: column_kinds(table) for name, table in saved.items()},
        }
        paths["metrics"].write_text(json.dumps(_finite(payload), indent=2, default=_jsonable, allow_nan=False))
        return paths

    @classmethod
    def load(cls, out_dir: str | Path) -> BrainComparison:
        """Read a comparison saved by :meth:`save` (``motorseq compare-brain --out``) back.

        Tables, statistics, metrics, phases, baseline and provenance come back as saved (NaN
        where the JSON has ``null``); nothing is recomputed and the data folder is not read.

        Raises
        ------
        AnalysisInputError
            ``out_dir`` is not a saved comparison, or a damaged one (one line naming the file):
            ``comparison_metrics.json`` that is not valid JSON or lacks a field, a table missing (of
            those the JSON lists, or in a folder saved before it listed them, of the five every
            comparison writes), or a table that is empty, cut short, ragged, of another length than
            saved, or has a cell that is not of its column's kind (``file:line: column``).
        """
        out = Path(out_dir)
        metrics_file = out / "comparison_metrics.json"
        if not metrics_file.is_file():
            raise AnalysisInputError(f"{out}: not a saved brain comparison (comparison_metrics.json missing)")
        payload = read_saved_json(metrics_file, "a saved brain comparison")
        for name, kind in (("metrics", dict), ("phases", dict), ("baseline", str)):
            if not isinstance(payload.get(name), kind):
                what = "missing" if name not in payload else f"not a {'JSON object' if kind is dict else 'string'}"
                raise AnalysisInputError(f"{metrics_file}: field {name!r} {what}: the saved comparison is damaged")
        _check_metrics(metrics_file, payload["metrics"])
        try:
            phases = {str(name): [int(b) for b in blocks] for name, blocks in payload["phases"].items()}
        except (TypeError, ValueError):
            raise AnalysisInputError(f"{metrics_file}: field 'phases': expected phase name -> block numbers") from None
        rows, kinds = payload.get("tables"), payload.get("table_columns")
        if rows is not None and not (
            isinstance(rows, dict) and all(isinstance(n, int) and not isinstance(n, bool) for n in rows.values())
        ):
            raise AnalysisInputError(f"{metrics_file}: field 'tables': expected file name -> number of rows")
        if kinds is not None and not (
            isinstance(kinds, dict)
            and all(isinstance(cols, dict) and all(k in KIND_WORDS for k in cols.values()) for cols in kinds.values())
        ):
            raise AnalysisInputError(
                f"{metrics_file}: field 'table_columns': expected file name -> column -> one of {sorted(KIND_WORDS)}"
            )
        recorded = rows is not None and kinds is not None
        if not recorded:  # saved before the tables were listed: the five every comparison writes, weaker checks
            rows = dict.fromkeys(_KNOWN_BRAIN_KINDS)
            kinds = _KNOWN_BRAIN_KINDS
        for name in rows:
            if not (out / name).is_file():
                raise AnalysisInputError(f"{out / name}: missing from the saved brain comparison {out}")
        stat_files = [name for name in rows if name.startswith("region_stats_")]
        if not recorded:
            stat_files = sorted({*stat_files, *(p.name for p in out.glob("region_stats_*.tsv"))})
        read = {"sep": "\t", "na_values": ["n/a"], "keep_default_na": False, "dtype": {"participant": str}}

        def table(name: str, index: bool = False) -> pd.DataFrame:
            how = {**read, "index_col": 0} if index else read
            return read_saved_table(out / name, rows.get(name), kinds.get(name, {}), recorded, how)

        try:
            block_regions = table("model_block_regions.tsv")
            region_table = _flags(table("region_comparison.tsv", index=True))
            shift = table("shift_index.tsv")
            stats = {
                name.removeprefix("region_stats_").removesuffix(".tsv"): _flags(table(name, index=True))
                for name in stat_files
            }
        except OSError as exc:
            raise AnalysisInputError(f"{exc.filename or out}: cannot be read: {exc.strerror or exc}") from None
        return cls(
            block_regions=block_regions,
            phases=phases,
            stats=stats,
            table=region_table,
            metrics=_nan(payload["metrics"]),
            shift=shift,
            baseline=payload["baseline"],
            provenance=_nan(payload.get("provenance") or {}),
        )


#: metrics every comparison has, and the fields of a metric that are text or yes/no (the others are numbers)
_REQUIRED_METRICS = ("precision_recall", "spearman", "shift")
_TEXT_FIELDS = {"claim", "top_region"}
_FLAG_FIELDS = {"consistent", "supported", "top_is_reported", "reported_larger"}


def _check_metrics(path: Path, metrics: dict) -> None:
    """Refuse a saved metric that is missing, or a field of another kind, naming the field."""
    for name in _REQUIRED_METRICS:
        if name not in metrics:
            raise AnalysisInputError(f"{path}: field 'metrics.{name}' missing: the saved comparison is damaged")
    for name, fields in metrics.items():
        if not isinstance(fields, dict):
            raise AnalysisInputError(
                f"{path}: field 'metrics.{name}' is not a JSON object: the saved comparison is damaged"
            )
        for key, value in fields.items():
            if key in _TEXT_FIELDS:
                ok, kind = value is None or isinstance(value, str), "text"
            elif key in _FLAG_FIELDS:
                ok, kind = isinstance(value, bool), "true or false"
            else:  # null is a number that was NaN
                ok, kind = value is None or (isinstance(value, int | float) and not isinstance(value, bool)), "a number"
            if not ok:
                raise AnalysisInputError(
                    f"{path}: field 'metrics.{name}.{key}': {value!r} is not {kind}: the saved comparison is damaged"
                )


#: kinds of the columns every saved comparison has (for folders saved before the kinds were recorded)
_STATS_KINDS = {"mean": "number", "sem": "number", "n": "int", "t": "number", "p": "number", "q": "number"}
_KNOWN_BRAIN_KINDS = {
    "model_block_regions.tsv": {"block": "int", "activation": "number", "level": "number"},
    "region_comparison.tsv": {"model_activation": "number", "model_q": "number", "map_fraction": "number"},
    "shift_index.tsv": {"ratio_early": "number", "ratio_late": "number", "shift": "number"},
    "region_stats_early.tsv": _STATS_KINDS,
    "region_stats_late.tsv": _STATS_KINDS,
}


def _finite(value: Any) -> Any:
    """NaN -> None (JSON has no NaN), recursively."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return None
    return value


def _nan(value: Any) -> Any:
    """None -> NaN, recursively (the inverse of :func:`_finite` for a saved comparison)."""
    if isinstance(value, dict):
        return {k: _nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan(v) for v in value]
    return float("nan") if value is None else value


def _flags(table: pd.DataFrame) -> pd.DataFrame:
    """True/False columns with gaps (read back as object) become pandas' nullable boolean again."""
    for column in table.columns:
        values = table[column]
        if values.dtype == object and values.dropna().map(lambda v: isinstance(v, bool)).all():
            table[column] = values.astype("boolean")
    return table


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return str(value)


def find_model_runs(root: str | Path, task: str | None = None) -> list[Path]:
    """Trial files of model runs that have regional derivatives.

    Parameters
    ----------
    root : str or pathlib.Path
        BIDS dataset root.
    task : str, optional
        Only runs of this task label.

    Returns
    -------
    list of pathlib.Path
        ``_beh.tsv`` files, sorted.
    """
    root = Path(root)
    pattern = f"sub-*/ses-*/beh/*task-{task}_*_beh.tsv" if task else "sub-*/ses-*/beh/*_beh.tsv"
    runs = []
    for beh in sorted(root.glob(pattern)):
        deriv = (
            root
            / "derivatives"
            / "motorseq-model"
            / beh.parts[-4]
            / beh.parts[-3]
            / beh.name.replace("_beh.tsv", "_desc-bold_timeseries.tsv")
        )
        if deriv.is_file():
            runs.append(beh)
    return runs


def model_runs_without_derivatives(root: str | Path) -> list[Path]:
    """Return the derivative files missing for model runs (sidecar ``Source.Type`` model), sorted.

    A model run without its BOLD-like signal is left out of the brain comparison by
    :func:`find_model_runs`; a report says so with this list.
    """
    root = Path(root)
    missing = []
    for beh in sorted(root.glob("sub-*/ses-*/beh/*_beh.tsv")):
        sidecar = beh.with_name(beh.name.replace("_beh.tsv", "_beh.json"))
        try:
            source = json.loads(sidecar.read_text(encoding="utf-8")).get("Source") or {}
        except (OSError, ValueError, AttributeError):
            continue
        if not isinstance(source, dict) or source.get("Type") != "model":
            continue
        deriv = root / "derivatives" / "motorseq-model" / beh.parts[-4] / beh.parts[-3]
        for suffix in ("_desc-bold_timeseries.tsv", "_desc-regions_activity.tsv"):
            path = deriv / beh.name.replace("_beh.tsv", suffix)
            if not path.is_file():
                missing.append(path)
    return missing


def _block_kinds(trials: pd.DataFrame, beh: Path) -> dict[int, str]:
    """Block number -> kind of one run's trial table."""
    if "block" not in trials.columns or "block_kind" not in trials.columns:
        missing = [c for c in ("block", "block_kind") if c not in trials.columns]
        raise AnalysisInputError(f"{beh}: missing column(s) {missing}")
    return {int(b): str(k) for b, k in trials.groupby("block", sort=True)["block_kind"].first().items()}


def _blocks_differ(these: dict[int, str], first: dict[int, str]) -> str | None:
    """Say how a run's blocks differ from the first run's (``None`` when they are the same)."""
    missing = sorted(set(first) - set(these))
    extra = sorted(set(these) - set(first))
    if missing or extra:
        said = [f"{len(these)} block(s) here, {len(first)} there"]
        if missing:
            said.append(f"block(s) {missing} missing here")
        if extra:
            said.append(f"block(s) {extra} not in the first run")
        return ", ".join(said)
    for block in sorted(first):
        if these[block] != first[block]:
            return f"block {block} is a {these[block]} block here, a {first[block]} block there"
    return None


def compare_model_with_map(
    root: str | Path,
    n_blocks: int = 2,
    lag_s: float = 5.0,
    alpha: float = 0.05,
    ale_img: Any = None,
    n_perm: int = 1000,
    seed: int = 0,
    task: str | None = None,
    early_blocks: list[int] | None = None,
    late_blocks: list[int] | None = None,
) -> BrainComparison:
    """Compare a simulated cohort's regional activity with the bundled early-learning map.

    Parameters
    ----------
    root : str or pathlib.Path
        BIDS dataset root with ``derivatives/motorseq-model``.
    n_blocks : int
        Sequence blocks in the early (first) and late (last) phase.
    lag_s : float
        Haemodynamic delay of the block windows.
    alpha : float
        False discovery rate for "engaged".
    ale_img : nibabel image, optional
        An ALE (or other) map for the voxel-level spatial correlation.
    n_perm : int
        Permutations of the spatial-correlation null.
    seed : int
        Seed of those permutations.
    task : str, optional
        Only runs of this task.
    early_blocks, late_blocks : list of int, optional
        Explicit block numbers of the phases (sequence blocks of every run), instead of the
        first/last ``n_blocks`` sequence blocks. Messages name them ``--early``, ``--late`` and
        ``n_blocks`` ``--blocks``, as the commands spell them.

    Raises
    ------
    AnalysisInputError
        Among others: a phase block that is not a sequence block of a run, early and late
        phases that share a block (too few sequence blocks for ``n_blocks``, or overlapping lists),
        or a run whose blocks (numbers and kinds) differ from the first run's (a shortened run, or
        runs of two protocols): the message names that run and the first difference.

    Returns
    -------
    BrainComparison
    """
    runs = find_model_runs(root, task)
    if not runs:
        raise AnalysisInputError(f"{root}: no model runs with derivatives/motorseq-model BOLD files found")
    parts, phases, layout = [], None, None
    for beh in runs:
        trials, _activity, bold = read_model_run(beh)
        participant = beh.name.split("_")[0].removeprefix("sub-")
        these_blocks = _block_kinds(trials, beh)
        if layout is None:
            layout = these_blocks
        elif (how := _blocks_differ(these_blocks, layout)) is not None:
            raise AnalysisInputError(
                f"{beh}: its blocks differ from those of the first run {runs[0]}: {how}; the phases are compared "
                "block by block, so every run must have the same blocks (compare runs of one protocol, at full length)"
            )
        try:
            these = {
                "early": phase_blocks(
                    trials, "early" if early_blocks is None else early_blocks, n_blocks, option="--early"
                ),
                "late": phase_blocks(trials, "late" if late_blocks is None else late_blocks, n_blocks, option="--late"),
            }
        except AnalysisInputError as exc:  # the blocks are this run's
            raise AnalysisInputError(f"{beh}: {exc}") from None
        shared = sorted(set(these["early"]) & set(these["late"]))
        if shared:  # a contrast of a phase with itself
            given = {"early": early_blocks, "late": late_blocks}
            said = [
                f"--{name} {','.join(map(str, these[name]))}"
                if given[name] is not None
                else f"{name} = {'first' if name == 'early' else 'last'} --blocks {n_blocks} sequence blocks "
                f"{these[name]}"
                for name in ("early", "late")
            ]
            raise AnalysisInputError(
                f"{beh}: {said[0]} and {said[1]} share block(s) {shared}: the phases must not overlap"
            )
        phases = phases or these
        table = block_activations(bold, trials, lag_s=lag_s).assign(participant=participant, run=beh.name)
        parts.append(table)
    pops = pd.concat(parts, ignore_index=True)
    baseline = "rest" if (pops["baseline"] == "rest").all() else "run-mean"
    keep = ["participant", "block", "block_kind", "population"]
    act = region_activations(pops[keep + ["activation"]], "activation")
    lev = region_activations(pops[keep + ["level"]], "level")
    block_regions = act.merge(lev, on=["participant", "block", "block_kind", "region"])
    ph_act = phase_levels(block_regions.drop(columns="level"), phases, "activation")
    ph_lev = phase_levels(block_regions.drop(columns="activation"), phases, "level")
    stats = {name: region_group_stats(ph_act[ph_act["phase"] == name], "activation", alpha) for name in phases}
    seq = seq_random_effect(block_regions.drop(columns="level"), "activation")
    early_cons, seq_cons = consensus(role="early_active"), consensus(role="seq_gt_random")
    metrics: dict[str, Any] = {
        "precision_recall": precision_recall(stats["early"]["engaged"], early_cons["reported"]),
        "spearman": spearman_regions(stats["early"]["mean"], early_cons["fraction"]),
    }
    shift = shift_index(ph_lev, value="level")
    metrics["shift"] = shift_summary(shift)
    if not seq.empty:
        stats["seq_gt_random"] = region_group_stats(seq, "activation", alpha)
        metrics["seq_random"] = seq_random_vs_map(stats["seq_gt_random"], seq_cons)
    table = region_comparison_table(stats["early"], early_cons, stats.get("seq_gt_random"), seq_cons)
    if ale_img is not None:
        metrics["spatial"] = spatial_correlation(stats["early"]["mean"], ale_img, n_perm=n_perm, seed=seed)
    provenance = {
        "runs": [str(r) for r in runs],
        "missing_derivatives": [str(p) for p in model_runs_without_derivatives(root)],
        "participants": sorted(pops["participant"].unique().tolist()),
        "n_blocks": n_blocks,
        "lag_s": lag_s,
        "alpha": alpha,
        "seed": seed,
        "n_perm": n_perm,
        "map_sources": sorted(load_map().columns[-5:].tolist()),
    }
    return BrainComparison(
        block_regions=block_regions,
        phases=phases,
        stats=stats,
        table=table,
        metrics=metrics,
        shift=shift,
        baseline=baseline,
        provenance=provenance,
    )
