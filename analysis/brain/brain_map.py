"""The bundled region-level map of early motor sequence learning (data files, no network).

``data/early_learning_map.tsv``: one row per region with atlas centroids and one column per
source (1 reported, 0 not among the reported regions, empty unknown);
``data/early_learning_sources.yaml``: what each source column codes and where it comes from.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "MAP_REGIONS",
    "REGION_SYSTEM",
    "SOURCE_COLUMNS",
    "consensus",
    "load_map",
    "load_sources",
    "region_coordinates",
]

#: Map regions in display order.
MAP_REGIONS = (
    "M1",
    "SMA",
    "PMd",
    "putamen",
    "caudate",
    "pallidum",
    "motor_thalamus",
    "cerebellum_IV_V",
    "cerebellum_VI",
    "cerebellum_VIII",
    "dentate",
)
#: Region -> ``cortical`` / ``subcortical`` / ``cerebellar``.
REGION_SYSTEM = {
    "M1": "cortical",
    "SMA": "cortical",
    "PMd": "cortical",
    "putamen": "subcortical",
    "caudate": "subcortical",
    "pallidum": "subcortical",
    "motor_thalamus": "subcortical",
    "cerebellum_IV_V": "cerebellar",
    "cerebellum_VI": "cerebellar",
    "cerebellum_VIII": "cerebellar",
    "dentate": "cerebellar",
}
#: Per-source columns of the map.
SOURCE_COLUMNS = ("chen2026", "hardwick2013", "janacsek2020", "lohse2014", "bernard2013")

_DATA = "data"


def _data_file(name: str):
    return resources.files("motorseq.analysis.brain").joinpath(_DATA, name)


def load_map() -> pd.DataFrame:
    """Load the bundled map.

    Returns
    -------
    pandas.DataFrame
        One row per region (index ``region``): ``name``, ``system``, ``atlas``,
        ``atlas_labels``, centroid columns ``x_left`` … ``z_right`` (float, NaN when no atlas
        delimits the region), ``voxels_left``/``voxels_right`` and one nullable integer column per
        source (1, 0 or <NA>).
    """
    with _data_file("early_learning_map.tsv").open("r", encoding="utf8") as fh:
        table = pd.read_csv(fh, sep="\t", dtype=str, keep_default_na=False)
    for col in ("x_left", "y_left", "z_left", "x_right", "y_right", "z_right"):
        table[col] = pd.to_numeric(table[col].replace("", np.nan))
    for col in ("voxels_left", "voxels_right"):
        table[col] = pd.to_numeric(table[col]).astype(int)
    for col in SOURCE_COLUMNS:
        table[col] = pd.to_numeric(table[col].replace("", np.nan)).astype("Int64")
    return table.set_index("region")


def load_sources() -> dict[str, Any]:
    """Load the source metadata (citations, DOIs, contrasts, atlas and licence notes).

    Returns
    -------
    dict
        The parsed ``early_learning_sources.yaml``.
    """
    import yaml

    with _data_file("early_learning_sources.yaml").open("r", encoding="utf8") as fh:
        return yaml.safe_load(fh)


def consensus(brain_map: pd.DataFrame | None = None, role: str = "early_active") -> pd.DataFrame:
    """Combine the source columns of one role into a per-region verdict.

    Parameters
    ----------
    brain_map : pandas.DataFrame, optional
        The map from :func:`load_map` (loaded when omitted).
    role : str
        Source role to combine: ``early_active`` (Chen 2026, Hardwick 2013, Bernard & Seidler
        2013), ``seq_gt_random`` (Janacsek 2020) or ``practice_increase_short`` (Lohse 2014).

    Returns
    -------
    pandas.DataFrame
        Index ``region``; ``n_sources`` (sources that code the region), ``n_reported`` (of those,
        how many report it), ``fraction`` (``n_reported / n_sources``, NaN if none codes it) and
        ``reported`` (nullable bool: any source reports it; <NA> when no source codes it).
    """
    brain_map = load_map() if brain_map is None else brain_map
    sources = load_sources()["sources"]
    columns = [sid for sid, meta in sources.items() if meta["role"] == role]
    if not columns:
        roles = sorted({meta["role"] for meta in sources.values()})
        raise ValueError(f"role: must be one of {roles}, got {role!r}")
    codes = brain_map[columns]
    n_sources = codes.notna().sum(axis=1)
    n_reported = (codes == 1).fillna(False).sum(axis=1)
    fraction = (n_reported / n_sources.where(n_sources > 0)).astype(float)
    reported = pd.array(
        [pd.NA if n == 0 else bool(r > 0) for n, r in zip(n_sources, n_reported, strict=True)], dtype="boolean"
    )
    return pd.DataFrame(
        {"n_sources": n_sources, "n_reported": n_reported, "fraction": fraction, "reported": reported},
        index=brain_map.index,
    )


def region_coordinates(brain_map: pd.DataFrame | None = None, hemisphere: str = "both") -> pd.DataFrame:
    """MNI centroids of the regions that an atlas delimits.

    Parameters
    ----------
    brain_map : pandas.DataFrame, optional
        The map (loaded when omitted).
    hemisphere : {"both", "left", "right"}
        Which centroids to return.

    Returns
    -------
    pandas.DataFrame
        Columns ``region``, ``hemisphere``, ``x``, ``y``, ``z``; regions without coordinates
        (the dentate) are left out.
    """
    if hemisphere not in ("both", "left", "right"):
        raise ValueError(f"hemisphere: must be 'both', 'left' or 'right', got {hemisphere!r}")
    brain_map = load_map() if brain_map is None else brain_map
    sides = ("left", "right") if hemisphere == "both" else (hemisphere,)
    rows = []
    for region, row in brain_map.iterrows():
        for side in sides:
            xyz = [row[f"{a}_{side}"] for a in "xyz"]
            if not np.any(np.isnan(xyz)):
                rows.append({"region": region, "hemisphere": side, "x": xyz[0], "y": xyz[1], "z": xyz[2]})
    return pd.DataFrame(rows)
