"""From the model's populations to the map's regions: phase activations from BOLD-like signals.

All functions are pure functions of DataFrames; :func:`read_model_run` is the only one that reads
files (the model's derivatives next to the BIDS trial files).

Activation of a population in a block is the mean of its BOLD-like signal over the block's time
window, shifted by ``lag_s`` for the haemodynamic delay, minus a baseline, in percent of the run's
mean signal (SPM's grand-mean scaling; a model population that is almost silent at rest would give
an exploding ratio if divided by its rest level). The baseline is:

* ``rest`` - samples outside every (lagged) block window, when at least ``min_rest_s`` seconds of
  them exist (time before the first trial, breaks, time after the last trial), leaving out the
  first ``settle_s`` seconds, in which a causally convolved signal still ramps up from zero;
* otherwise ``run-mean`` - the mean over the whole run (SPM-style session scaling). Activation
  then means "above the run average", so task-vs-rest is not available; the results say which
  baseline was used.

A region's activation is the mean over the populations mapped to it (:data:`POPULATION_TO_REGIONS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from motorseq.analysis.brain.brain_map import MAP_REGIONS, REGION_SYSTEM
from motorseq.analysis.errors import AnalysisInputError
from motorseq.models.layout import REGIONS

__all__ = [
    "MODEL_POPULATIONS",
    "POPULATION_TO_REGIONS",
    "block_activations",
    "block_windows",
    "phase_blocks",
    "phase_levels",
    "read_model_run",
    "region_activations",
    "region_group_stats",
    "seq_random_effect",
    "shift_index",
]

#: Populations of the spiking model (issue 7) in the order the model writes them: the regions
#: it reports (:data:`motorseq.models.layout.REGIONS`; that module needs neither Brian2 nor a GUI).
MODEL_POPULATIONS = REGIONS

#: Model population -> map regions it stands for. Populations with no region in the map (STN,
#: SNc, the inferior olive, and the mossy fibres, which are axons from the pontine nuclei) map to
#: nothing. The model has no lobular topography, so its cerebellar cortex (granule and Purkinje
#: cells) stands for each of the three lobule rows alike; the deep nuclei stand for the dentate.
POPULATION_TO_REGIONS: dict[str, tuple[str, ...]] = {
    "SMA_PMC": ("SMA", "PMd"),
    "M1": ("M1",),
    "striatum_D1": ("putamen", "caudate"),
    "striatum_D2": ("putamen", "caudate"),
    "GPe": ("pallidum",),
    "STN": (),
    "GPi": ("pallidum",),
    "thalamus_VL": ("motor_thalamus",),
    "SNc": (),
    "mossy": (),
    "granule": ("cerebellum_IV_V", "cerebellum_VI", "cerebellum_VIII"),
    "purkinje": ("cerebellum_IV_V", "cerebellum_VI", "cerebellum_VIII"),
    "DCN": ("dentate",),
    "IO": (),
}


def _require(table: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise AnalysisInputError(f"{name}: missing column(s) {missing}")


def read_model_run(beh_path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read one model run: trials, per-trial regional activity and BOLD-like signals.

    Parameters
    ----------
    beh_path : str or pathlib.Path
        ``DATA/sub-<p>/ses-<s>/beh/sub-<p>_ses-<s>_task-<t>_run-<n>_beh.tsv``.

    Returns
    -------
    trials, activity, bold : pandas.DataFrame
        The trial table; ``DATA/derivatives/motorseq-model/sub-<p>/ses-<s>/…_desc-regions_activity.tsv``;
        ``…_desc-bold_timeseries.tsv``.
    """
    beh_path = Path(beh_path)
    stem = beh_path.name[: -len("_beh.tsv")]
    ses_dir = beh_path.parent.parent
    sub_dir = ses_dir.parent
    root = sub_dir.parent
    deriv = root / "derivatives" / "motorseq-model" / sub_dir.name / ses_dir.name
    paths = {
        "activity": deriv / f"{stem}_desc-regions_activity.tsv",
        "bold": deriv / f"{stem}_desc-bold_timeseries.tsv",
    }
    for path in [beh_path, *paths.values()]:
        if not path.is_file():
            raise AnalysisInputError(f"{path}: model output file not found")
    trials = _read_tsv(beh_path)
    activity = _read_tsv(paths["activity"])
    bold = _read_tsv(paths["bold"])
    _require(bold, ["time_s"], str(paths["bold"]))
    _require_finite(bold, paths["bold"])
    return trials, activity, bold


def _require_finite(table: pd.DataFrame, path: Path) -> None:
    """Refuse a value that is not a finite number in any column (``file:line: column``).

    An ``n/a`` in one region's column would make that region NaN and every mean over regions
    (the shift index) silently use the others.
    """
    for column in table.columns:
        values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raw = table[column].iloc[bad[0]]
            shown = "n/a" if pd.isna(raw) else repr(raw)
            raise AnalysisInputError(
                f"{path}:{int(bad[0]) + 2}: {column}: {shown} is not a finite number"
                + (f" ({bad.size} such rows)" if bad.size > 1 else "")
            )


def _read_tsv(path: Path) -> pd.DataFrame:
    """Read a model output table; an empty or damaged one is a one-line error naming it."""
    from motorseq.analysis.loaders.common import UNREADABLE, describe_read_error

    try:
        table = pd.read_csv(path, sep="\t", na_values=["n/a"])
    except UNREADABLE as exc:
        raise AnalysisInputError(f"{path}: cannot be read as a table: {describe_read_error(exc)}") from None
    if table.empty:
        raise AnalysisInputError(f"{path}: no rows (header only)")
    return table


def block_windows(trials: pd.DataFrame) -> pd.DataFrame:
    """Start and end time of every block from the trial table.

    Parameters
    ----------
    trials : pandas.DataFrame
        Needs ``block``, ``block_kind``, ``stimulus_onset``; ``rt`` is used when present.

    Returns
    -------
    pandas.DataFrame
        One row per block: ``block``, ``block_kind``, ``start_s`` (first stimulus onset),
        ``end_s`` (last onset plus its RT, or plus the median trial interval without one).
    """
    _require(trials, ["block", "block_kind", "stimulus_onset"], "trials")
    onsets = trials["stimulus_onset"].astype(float)
    step = float(np.nanmedian(np.diff(np.sort(onsets.dropna())))) if onsets.notna().sum() > 1 else 1.0
    rt = trials["rt"].astype(float) if "rt" in trials.columns else pd.Series(np.nan, index=trials.index)
    ends = onsets + rt.fillna(step)
    frame = pd.DataFrame(
        {"block": trials["block"].astype(int), "block_kind": trials["block_kind"], "start": onsets, "end": ends}
    )
    out = frame.groupby("block", sort=True).agg(
        block_kind=("block_kind", "first"), start_s=("start", "min"), end_s=("end", "max")
    )
    return out.reset_index()


def phase_blocks(
    trials: pd.DataFrame,
    phase: str | Sequence[int] = "early",
    n_blocks: int = 2,
    kinds: Sequence[str] = ("sequence",),
    option: str = "phase",
) -> list[int]:
    """Blocks of a learning phase.

    Parameters
    ----------
    trials : pandas.DataFrame
        The trial table (``block``, ``block_kind``).
    phase : {"early", "late"} or sequence of int
        ``early``: the first ``n_blocks`` blocks whose kind is in ``kinds``; ``late``: the last
        ``n_blocks`` such blocks; a sequence of block numbers is returned as given, once each
        checked to be a block of the run whose kind is in ``kinds``.
    n_blocks : int
        Blocks per phase.
    kinds : sequence of str
        Block kinds that count as learning blocks.
    option : str
        The setting the blocks came from, for messages (e.g. ``--early``).

    Returns
    -------
    list of int
    """
    _require(trials, ["block", "block_kind"], "trials")
    kind_of = trials.groupby("block")["block_kind"].first()
    eligible = [int(b) for b, k in kind_of.items() if k in kinds]
    if not isinstance(phase, str):
        blocks = [int(b) for b in phase]
        if not blocks:
            raise AnalysisInputError(f"{option}: no blocks given")
        repeated = sorted({b for b in blocks if blocks.count(b) > 1})
        if repeated:
            raise AnalysisInputError(f"{option}: block(s) {repeated} given more than once")
        unknown = sorted(set(blocks) - set(kind_of.index))
        if unknown:
            raise AnalysisInputError(f"{option}: block(s) {unknown} not in the run (blocks {list(kind_of.index)})")
        other = [b for b in blocks if b not in eligible]
        if other:
            raise AnalysisInputError(
                f"{option}: block {other[0]} is a {kind_of[other[0]]} block, not a {' or '.join(kinds)} block "
                f"(those are {eligible})"
            )
        return blocks
    if phase not in ("early", "late"):
        raise AnalysisInputError(f"{option}: must be 'early', 'late' or a list of blocks, got {phase!r}")
    if not eligible:
        raise AnalysisInputError(f"trials: no block of kind {list(kinds)}")
    return eligible[:n_blocks] if phase == "early" else eligible[-n_blocks:]


def _window_mask(times: np.ndarray, windows: pd.DataFrame, lag_s: float) -> np.ndarray:
    mask = np.zeros(len(times), dtype=bool)
    for start, end in zip(windows["start_s"], windows["end_s"], strict=True):
        mask |= (times >= start + lag_s) & (times < end + lag_s)
    return mask


def block_activations(
    bold: pd.DataFrame,
    trials: pd.DataFrame,
    lag_s: float = 5.0,
    min_rest_s: float = 4.0,
    rest_tail_s: float = 15.0,
    settle_s: float = 32.0,
) -> pd.DataFrame:
    """Per block and population: BOLD level and its change from baseline (% of the run mean).

    Parameters
    ----------
    bold : pandas.DataFrame
        ``time_s`` and one column per population (the model's ``desc-bold_timeseries``).
    trials : pandas.DataFrame
        The run's trial table.
    lag_s : float
        Haemodynamic delay by which block windows are shifted.
    min_rest_s : float
        Rest needed for the ``rest`` baseline; otherwise the ``run-mean`` baseline is used.
    rest_tail_s : float
        Time after each block's (lagged) end that still counts as task (the response decays).
    settle_s : float
        Samples in the first ``settle_s`` seconds of the signal are ignored: a causal
        convolution starts from zero activity, so the signal ramps up over one HRF length
        (32 s) whatever the network does.

    Returns
    -------
    pandas.DataFrame
        Long table: ``block``, ``block_kind``, ``population``, ``level`` (mean BOLD in the
        window, signal units), ``activation`` (level minus baseline, % of the run's mean signal) and
        ``baseline`` (``rest`` or ``run-mean``).
    """
    _require(bold, ["time_s"], "bold")
    pops = [c for c in bold.columns if c != "time_s"]
    if not pops:
        raise AnalysisInputError("bold: no population columns besides time_s")
    times = bold["time_s"].to_numpy(dtype=float)
    if len(times) < 2:
        raise AnalysisInputError("bold: needs at least two time points")
    dt = float(np.median(np.diff(times)))
    windows = block_windows(trials)
    # the signal is causal: task activity shows from a block's start until lag + tail after its end
    touched = windows.assign(end_s=windows["end_s"] + lag_s + rest_tail_s)
    settled = times >= times[0] + settle_s
    rest = ~_window_mask(times, touched, 0.0) & (times >= 0) & settled
    values = bold[pops].to_numpy(dtype=float)
    run_mean = values[settled if settled.any() else slice(None)].mean(axis=0)
    if rest.sum() * dt >= min_rest_s:
        base, kind = values[rest].mean(axis=0), "rest"
    else:
        base, kind = run_mean, "run-mean"
    # percent of the run's mean signal (SPM grand-mean scaling): a population that is almost
    # silent at rest would otherwise get an exploding (or sign-flipped) ratio
    scale = np.where(np.abs(run_mean) > 0, run_mean, np.nan)
    rows = []
    for _, w in windows.iterrows():
        sel = _window_mask(times, w.to_frame().T, lag_s) & settled
        if not sel.any():  # window too short or before the signal settles: nearest sample
            sel = np.zeros(len(times), dtype=bool)
            sel[int(np.argmin(np.abs(times - (w["start_s"] + lag_s))))] = True
        level = values[sel].mean(axis=0)
        psc = 100.0 * (level - base) / scale
        for pop, lev, act in zip(pops, level, psc, strict=True):
            rows.append(
                {
                    "block": int(w["block"]),
                    "block_kind": w["block_kind"],
                    "population": pop,
                    "level": float(lev),
                    "activation": float(act),
                    "baseline": kind,
                }
            )
    return pd.DataFrame(rows)


def region_activations(
    pop_table: pd.DataFrame, value: str = "activation", mapping: dict[str, tuple[str, ...]] | None = None
) -> pd.DataFrame:
    """Average population values into map regions.

    Parameters
    ----------
    pop_table : pandas.DataFrame
        Needs ``population`` and ``value``; every other column except ``level``/``activation``
        /``baseline`` is kept as a grouping key (e.g. ``participant``, ``block``, ``phase``).
    value : str
        Column to average.
    mapping : dict, optional
        Population -> regions; :data:`POPULATION_TO_REGIONS` when omitted.

    Returns
    -------
    pandas.DataFrame
        The grouping keys, ``region`` and ``value``; regions in :data:`MAP_REGIONS` order, only
        those some population maps to.
    """
    mapping = POPULATION_TO_REGIONS if mapping is None else mapping
    _require(pop_table, ["population", value], "population table")
    rows = [(pop, region) for pop, regions in mapping.items() for region in regions]
    link = pd.DataFrame(rows, columns=["population", "region"])
    merged = pop_table.merge(link, on="population", how="inner")
    if merged.empty:
        raise AnalysisInputError(
            "population table: no population maps to a map region "
            f"(populations: {sorted(pop_table['population'].unique())})"
        )
    keys = [c for c in pop_table.columns if c not in ("population", "level", "activation", "baseline", value)]
    out = merged.groupby(keys + ["region"], sort=False, as_index=False)[value].mean()
    order = {r: i for i, r in enumerate(MAP_REGIONS)}
    out = out.assign(_o=out["region"].map(order)).sort_values(keys + ["_o"]).drop(columns="_o")
    return out.reset_index(drop=True)


def region_group_stats(region_table: pd.DataFrame, value: str = "activation", alpha: float = 0.05) -> pd.DataFrame:
    """Group-level test of each region's value against zero across participants.

    Parameters
    ----------
    region_table : pandas.DataFrame
        ``participant``, ``region`` and ``value`` (one value per participant and region).
    value : str
        Column tested.
    alpha : float
        False discovery rate for ``engaged`` (Benjamini-Hochberg across regions).

    Returns
    -------
    pandas.DataFrame
        Index ``region``: ``mean``, ``sem``, ``n``, ``t``, ``p`` (two-sided one-sample t-test),
        ``q`` (BH-adjusted), ``engaged`` (``q < alpha`` and ``mean > 0``).
    """
    from scipy.stats import false_discovery_control, ttest_1samp

    _require(region_table, ["participant", "region", value], "region table")
    rows = []
    for region, grp in region_table.groupby("region", sort=False):
        x = grp[value].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        n = len(x)
        if n >= 2 and np.std(x) > 0:
            res = ttest_1samp(x, 0.0)
            t, p = float(res.statistic), float(res.pvalue)
        else:
            t, p = np.nan, np.nan
        rows.append(
            {
                "region": region,
                "mean": float(np.mean(x)) if n else np.nan,
                "sem": float(np.std(x, ddof=1) / np.sqrt(n)) if n > 1 else np.nan,
                "n": n,
                "t": t,
                "p": p,
            }
        )
    out = pd.DataFrame(rows).set_index("region")
    finite = out["p"].notna()
    out["q"] = np.nan
    if finite.any():
        out.loc[finite, "q"] = false_discovery_control(out.loc[finite, "p"].to_numpy())
    out["engaged"] = (out["q"] < alpha) & (out["mean"] > 0)
    return out


def phase_levels(block_table: pd.DataFrame, phases: dict[str, Sequence[int]], value: str = "level") -> pd.DataFrame:
    """Average block values over the blocks of each phase.

    Parameters
    ----------
    block_table : pandas.DataFrame
        Block-level table with ``block`` and ``value`` (plus keys such as ``participant``,
        ``population`` or ``region``).
    phases : dict
        Phase name -> block numbers (e.g. from :func:`phase_blocks`).
    value : str
        Column averaged.

    Returns
    -------
    pandas.DataFrame
        The keys, ``phase`` and ``value``.
    """
    _require(block_table, ["block", value], "block table")
    keys = [
        c for c in block_table.columns if c not in ("block", "block_kind", "level", "activation", "baseline", value)
    ]
    parts = []
    for name, blocks in phases.items():
        sel = block_table[block_table["block"].isin(list(blocks))]
        if sel.empty:
            raise AnalysisInputError(f"phase {name!r}: none of blocks {list(blocks)} in the table")
        agg = sel.groupby(keys, sort=False, as_index=False)[value].mean()
        parts.append(agg.assign(phase=name))
    return pd.concat(parts, ignore_index=True)


def seq_random_effect(block_table: pd.DataFrame, value: str = "activation") -> pd.DataFrame:
    """Sequence > random effect: mean of the sequence blocks next to each random block minus it.

    Parameters
    ----------
    block_table : pandas.DataFrame
        Block-level table with ``block``, ``block_kind`` and ``value`` (plus keys such as
        ``participant`` and ``region``). Practice blocks are ignored.

    Returns
    -------
    pandas.DataFrame
        The keys and ``value`` = sequence minus random (averaged over random blocks). Empty when
        there is no random block flanked by a sequence block.
    """
    _require(block_table, ["block", "block_kind", value], "block table")
    keys = [
        c for c in block_table.columns if c not in ("block", "block_kind", "level", "activation", "baseline", value)
    ]
    kind_of = block_table.groupby("block")["block_kind"].first().sort_index()
    blocks = [b for b, k in kind_of.items() if k in ("sequence", "random")]
    pairs = []
    for i, b in enumerate(blocks):
        if kind_of[b] != "random":
            continue
        neighbours = [blocks[j] for j in (i - 1, i + 1) if 0 <= j < len(blocks) and kind_of[blocks[j]] == "sequence"]
        if neighbours:
            pairs.append((b, neighbours))
    if not pairs:
        return pd.DataFrame(columns=keys + [value])
    parts = []
    for rnd, neigh in pairs:
        seq = block_table[block_table["block"].isin(neigh)].groupby(keys, sort=False)[value].mean()
        ran = block_table[block_table["block"] == rnd].groupby(keys, sort=False)[value].mean()
        parts.append((seq - ran).rename(value))
    effect = pd.concat(parts, axis=1).mean(axis=1).rename(value)
    return effect.reset_index()


def shift_index(
    phase_table: pd.DataFrame, early: str = "early", late: str = "late", value: str = "level"
) -> pd.DataFrame:
    """Subcortical + cerebellar relative to cortical activity, early vs late, per participant.

    ``ratio_<phase>`` = mean level of the subcortical and cerebellar regions / mean level of the
    cortical regions; ``shift = ratio_early / ratio_late``. A shift above 1 means relative
    subcortical/cerebellar activity fell with practice, i.e. control moved toward cortex.

    Parameters
    ----------
    phase_table : pandas.DataFrame
        ``participant``, ``region``, ``phase`` and ``value`` (positive activity levels).

    Returns
    -------
    pandas.DataFrame
        One row per participant: ``ratio_early``, ``ratio_late``, ``shift`` (NaN where a
        cortical level is not positive).
    """
    _require(phase_table, ["participant", "region", "phase", value], "phase table")
    missing = phase_table[~np.isfinite(phase_table[value].astype(float))]
    if not missing.empty:  # a mean over the other regions would be a different index
        row = missing.iloc[0]
        raise AnalysisInputError(
            f"phase table: participant {row['participant']}, region {row['region']}, phase {row['phase']}: "
            f"{value} is not a finite number"
        )
    table = phase_table.assign(system=phase_table["region"].map(REGION_SYSTEM).replace("cerebellar", "subcortical"))
    if table["system"].isna().any():
        bad = sorted(table.loc[table["system"].isna(), "region"].unique())
        raise AnalysisInputError(f"phase table: region(s) {bad} are not map regions")
    wide = table.groupby(["participant", "phase", "system"])[value].mean().unstack("system")
    for needed in ("cortical", "subcortical"):
        if needed not in wide.columns:
            raise AnalysisInputError(f"phase table: no {needed} region")
    cortical = wide["cortical"].where(wide["cortical"] > 0)
    ratio = (wide["subcortical"] / cortical).unstack("phase")
    for name in (early, late):
        if name not in ratio.columns:
            raise AnalysisInputError(f"phase table: no rows for phase {name!r}")
    out = pd.DataFrame({"ratio_early": ratio[early], "ratio_late": ratio[late]})
    out["shift"] = out["ratio_early"] / out["ratio_late"]
    return out.reset_index()
