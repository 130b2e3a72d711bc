"""Model-vs-map comparison metrics (pure functions; each tested on constructed inputs)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from motorseq.analysis.brain.brain_map import MAP_REGIONS, REGION_SYSTEM
from motorseq.analysis.errors import AnalysisInputError

__all__ = [
    "precision_recall",
    "region_comparison_table",
    "seq_random_vs_map",
    "shift_summary",
    "spatial_correlation",
    "spearman_regions",
]


def _as_bool(series: pd.Series) -> pd.Series:
    return series.astype("boolean")


def precision_recall(model_engaged: pd.Series, map_reported: pd.Series) -> dict[str, float]:
    """Precision and recall of the model's engaged regions against the map.

    Only regions where both sides have a verdict (not NA) are scored.

    Parameters
    ----------
    model_engaged : pandas.Series
        Region -> bool: the model engages the region.
    map_reported : pandas.Series
        Region -> bool or <NA>: the map reports the region.

    Returns
    -------
    dict
        ``tp``, ``fp``, ``fn``, ``tn``, ``n_regions``, ``precision`` (tp / (tp + fp)),
        ``recall`` (tp / (tp + fn)), ``f1``; NaN where a denominator is zero.
    """
    joined = pd.concat({"model": _as_bool(model_engaged), "map": _as_bool(map_reported)}, axis=1, join="inner").dropna()
    m = joined["model"].astype(bool).to_numpy()
    r = joined["map"].astype(bool).to_numpy()
    tp, fp = int(np.sum(m & r)), int(np.sum(m & ~r))
    fn, tn = int(np.sum(~m & r)), int(np.sum(~m & ~r))
    precision = tp / (tp + fp) if tp + fp else np.nan
    recall = tp / (tp + fn) if tp + fn else np.nan
    f1 = (
        2 * precision * recall / (precision + recall)
        if np.isfinite(precision) and np.isfinite(recall) and precision + recall > 0
        else np.nan
    )
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "n_regions": len(joined),
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def spearman_regions(model_values: pd.Series, map_values: pd.Series) -> dict[str, float]:
    """Spearman correlation across regions where both sides give a value.

    Parameters
    ----------
    model_values, map_values : pandas.Series
        Region -> number (NaN = no value).

    Returns
    -------
    dict
        ``rho``, ``p`` and ``n`` (regions used); rho and p are NaN with fewer than 3 regions or
        a constant side.
    """
    from scipy.stats import spearmanr

    joined = pd.concat(
        {"model": model_values.astype(float), "map": map_values.astype(float)}, axis=1, join="inner"
    ).dropna()
    n = len(joined)
    if n < 3 or joined["model"].nunique() < 2 or joined["map"].nunique() < 2:
        return {"rho": np.nan, "p": np.nan, "n": n}
    res = spearmanr(joined["model"], joined["map"])
    return {"rho": float(res.statistic), "p": float(res.pvalue), "n": n}


def region_comparison_table(
    model_stats: pd.DataFrame,
    early_consensus: pd.DataFrame,
    seq_stats: pd.DataFrame | None = None,
    seq_consensus: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per-region table: model activation and verdict next to the map's.

    Parameters
    ----------
    model_stats : pandas.DataFrame
        From :func:`~motorseq.analysis.brain.model_regions.region_group_stats` (early phase).
    early_consensus : pandas.DataFrame
        From :func:`~motorseq.analysis.brain.brain_map.consensus` (``early_active``).
    seq_stats, seq_consensus : pandas.DataFrame, optional
        The same for the sequence > random contrast.

    Returns
    -------
    pandas.DataFrame
        One row per map region: ``system``, ``model_activation``, ``model_q``, ``model_engaged``,
        ``map_fraction``, ``map_reported``, ``agreement`` (``hit``, ``miss``, ``false alarm``,
        ``correct rejection`` or ``no map verdict``) and, when given, ``model_seq_gt_random``,
        ``model_seq_q``, ``janacsek2020``.
    """
    table = pd.DataFrame(index=pd.Index(MAP_REGIONS, name="region"))
    table["system"] = [REGION_SYSTEM[r] for r in MAP_REGIONS]
    table["model_activation"] = model_stats["mean"].reindex(table.index)
    table["model_q"] = model_stats["q"].reindex(table.index)
    table["model_engaged"] = model_stats["engaged"].reindex(table.index).astype("boolean")
    table["map_fraction"] = early_consensus["fraction"].reindex(table.index)
    table["map_reported"] = early_consensus["reported"].reindex(table.index).astype("boolean")

    def verdict(model, ref):
        if pd.isna(ref):
            return "no map verdict"
        if pd.isna(model):
            return "not modelled"
        return {
            (True, True): "hit",
            (False, True): "miss",
            (True, False): "false alarm",
            (False, False): "correct rejection",
        }[(bool(model), bool(ref))]

    table["agreement"] = [verdict(m, r) for m, r in zip(table["model_engaged"], table["map_reported"], strict=True)]
    if seq_stats is not None:
        table["model_seq_gt_random"] = seq_stats["mean"].reindex(table.index)
        table["model_seq_q"] = seq_stats["q"].reindex(table.index)
    if seq_consensus is not None:
        table["janacsek2020"] = seq_consensus["reported"].reindex(table.index).astype("boolean")
    return table


def seq_random_vs_map(seq_stats: pd.DataFrame, seq_consensus: pd.DataFrame) -> dict[str, object]:
    """Compare the model's sequence > random effects with Janacsek et al. (2020).

    Parameters
    ----------
    seq_stats : pandas.DataFrame
        Group stats of the per-region sequence-minus-random effect (``mean``, ``engaged``).
    seq_consensus : pandas.DataFrame
        :func:`~motorseq.analysis.brain.brain_map.consensus` with role ``seq_gt_random``.

    Returns
    -------
    dict
        ``precision``/``recall`` (as :func:`precision_recall`), ``top_region`` (largest mean
        effect), ``top_is_reported``, ``mean_reported`` and ``mean_other`` (mean effect over
        reported vs other regions) and ``reported_larger`` (``mean_reported > mean_other``).
    """
    pr = precision_recall(seq_stats["engaged"], seq_consensus["reported"])
    means = seq_stats["mean"].dropna()
    if means.empty:
        raise AnalysisInputError("seq_stats: no region has a sequence > random value")
    reported = seq_consensus["reported"].reindex(means.index)
    top = str(means.idxmax())
    mean_rep = float(means[reported.fillna(False).astype(bool)].mean())
    mean_oth = float(means[~reported.fillna(True).astype(bool)].mean())
    top_flag = reported.get(top)
    return {
        **pr,
        "top_region": top,
        "top_is_reported": bool(not pd.isna(top_flag) and top_flag),
        "mean_reported": mean_rep,
        "mean_other": mean_oth,
        "reported_larger": bool(mean_rep > mean_oth),
    }


def shift_summary(shift_table: pd.DataFrame) -> dict[str, float]:
    """Summarise per-participant shift indices against "control shifts toward cortex".

    Parameters
    ----------
    shift_table : pandas.DataFrame
        From :func:`~motorseq.analysis.brain.model_regions.shift_index`.

    Returns
    -------
    dict
        ``n``, ``mean_ratio_early``, ``mean_ratio_late``, ``mean_shift``, ``median_shift``,
        ``p`` (one-sided Wilcoxon signed-rank test of ratio_early > ratio_late; NaN below 2
        participants), ``consistent`` (median shift > 1: the direction only, not a finding),
        ``supported`` (the test supports the shift: n ≥ 5 and p < 0.05) and ``claim`` (the words
        to show, with n and p; :func:`motorseq.analysis.claims.wilcoxon_claim`).
    """
    from scipy.stats import wilcoxon

    valid = shift_table.dropna(subset=["ratio_early", "ratio_late"])
    n = len(valid)
    if n == 0:
        raise AnalysisInputError("shift table: no participant with finite early and late ratios")
    diff = valid["ratio_early"] - valid["ratio_late"]
    p = float(wilcoxon(diff, alternative="greater").pvalue) if n >= 2 and np.any(diff != 0) else np.nan
    median = float(valid["shift"].median())
    from motorseq.analysis.claims import ALPHA, MIN_WILCOXON_N, wilcoxon_claim

    return {
        "n": n,
        "mean_ratio_early": float(valid["ratio_early"].mean()),
        "mean_ratio_late": float(valid["ratio_late"].mean()),
        "mean_shift": float(valid["shift"].mean()),
        "median_shift": median,
        "p": p,
        "consistent": bool(median > 1),
        "supported": bool(n >= MIN_WILCOXON_N and np.isfinite(p) and p < ALPHA),
        "claim": wilcoxon_claim("shift toward cortex", n, p),
    }


def spatial_correlation(
    region_values: pd.Series,
    reference_img,
    n_perm: int = 1000,
    seed: int = 0,
    radius_mm: float = 8.0,
    regions: Sequence[str] | None = None,
) -> dict[str, float]:
    """Voxel-level correlation of the model's ROI map with a reference map (e.g. an ALE map).

    The model map puts each region's value in spheres at its centroids (both hemispheres);
    Pearson r is taken over the voxels of all spheres. The null permutes which value goes to
    which region (``n_perm`` permutations from ``np.random.default_rng(seed)``), which keeps the
    reference map and the sphere geometry fixed.

    Parameters
    ----------
    region_values : pandas.Series
        Region -> value.
    reference_img : nibabel image
        Reference map in MNI space.
    n_perm : int
        Permutations.
    seed : int
        Seed of the permutations.
    radius_mm : float
        Sphere radius.
    regions : sequence of str, optional
        Regions used (default: those with a finite value and coordinates).

    Returns
    -------
    dict
        ``r``, ``p`` (one-sided, (1 + #null ≥ r) / (1 + n_perm)), ``n_voxels``, ``n_regions``,
        ``n_perm``, ``seed``.
    """
    from motorseq.analysis.brain.images import sphere_voxels

    if n_perm < 1:
        raise AnalysisInputError(f"n_perm: must be at least 1, got {n_perm}")
    values = region_values.astype(float).dropna()
    if regions is not None:
        values = values.reindex(list(regions)).dropna()
    ref = np.asarray(reference_img.dataobj, dtype=float)
    voxels = sphere_voxels(reference_img, radius_mm=radius_mm, regions=list(values.index))
    values = values.reindex([r for r in values.index if r in voxels])
    if len(values) < 3:
        raise AnalysisInputError("region_values: need at least 3 regions with coordinates")
    ref_parts = [ref[tuple(voxels[r].T)] for r in values.index]
    sizes = np.array([len(p) for p in ref_parts])
    ref_vec = np.concatenate(ref_parts)
    owner = np.repeat(np.arange(len(values)), sizes)

    def corr(vals: np.ndarray) -> float:
        model_vec = vals[owner]
        if np.std(model_vec) == 0 or np.std(ref_vec) == 0:
            return np.nan
        return float(np.corrcoef(model_vec, ref_vec)[0, 1])

    vals = values.to_numpy()
    r = corr(vals)
    rng = np.random.default_rng(seed)
    null = np.array([corr(rng.permutation(vals)) for _ in range(n_perm)])
    p = float((1 + np.sum(null >= r)) / (1 + n_perm)) if np.isfinite(r) else np.nan
    return {
        "r": r,
        "p": p,
        "n_voxels": int(len(ref_vec)),
        "n_regions": int(len(values)),
        "n_perm": int(n_perm),
        "seed": int(seed),
    }
