"""Region values -> NIfTI images in MNI space (ROI spheres) and nilearn glass-brain plots."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from motorseq.analysis.brain.brain_map import load_map, region_coordinates
from motorseq.analysis.errors import AnalysisInputError

__all__ = ["load_map_image", "mni_template", "plot_glass_brain", "region_image", "sphere_voxels"]


def mni_template(resolution_mm: int = 2):
    """NiMARE's bundled MNI152NLin6Asym brain mask (no download).

    Parameters
    ----------
    resolution_mm : {1, 2}

    Returns
    -------
    nibabel.Nifti1Image
    """
    from importlib import resources

    import nibabel as nib

    if resolution_mm not in (1, 2):
        raise AnalysisInputError(f"resolution_mm: must be 1 or 2, got {resolution_mm!r}")
    from motorseq.analysis.brain.quiet import import_nimare

    import_nimare()
    path = resources.files("nimare").joinpath(
        "resources", "templates", f"tpl-MNI152NLin6Asym_res-0{resolution_mm}_desc-brain_mask.nii.gz"
    )
    return nib.load(str(path))


def load_map_image(path: str | Path, option: str = "--ale"):
    """Load a 3-D NIfTI map (an ALE map) and check that it holds finite values.

    Parameters
    ----------
    path : str or pathlib.Path
    option : str
        The option named in errors.

    Returns
    -------
    nibabel.Nifti1Image

    Raises
    ------
    AnalysisInputError
        Missing, not a NIfTI image, not 3-D, no finite non-zero voxel (one line naming the file).
    """
    import nibabel as nib

    path = Path(path)
    if not path.is_file():
        raise AnalysisInputError(f"{path}: {option} map not found")
    try:
        img = nib.load(str(path))
        data = np.asarray(img.dataobj, dtype="float64")
    except Exception as exc:  # noqa: BLE001 - nibabel raises many kinds for damaged files
        msg = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise AnalysisInputError(f"{path}: {option}: not a readable NIfTI image: {msg}") from None
    data = np.squeeze(data)
    if data.ndim != 3:
        raise AnalysisInputError(f"{path}: {option}: expected a 3-D map, found shape {data.shape}")
    if not np.isfinite(data).any() or not np.nanmax(np.abs(np.where(np.isfinite(data), data, 0))) > 0:
        raise AnalysisInputError(f"{path}: {option}: the map has no finite non-zero voxel")
    if not np.isfinite(data).all():
        data = np.where(np.isfinite(data), data, 0.0)
        img = nib.Nifti1Image(data, img.affine)
    elif np.asarray(img.dataobj).ndim != 3:
        img = nib.Nifti1Image(data, img.affine)
    return img


def sphere_voxels(
    reference_img, radius_mm: float = 8.0, regions: Sequence[str] | None = None, hemisphere: str = "both"
) -> dict[str, np.ndarray]:
    """Voxel indices (i, j, k) of spheres around each region's centroids.

    Parameters
    ----------
    reference_img : nibabel image
        Grid of the indices.
    radius_mm : float
        Sphere radius.
    regions : sequence of str, optional
        Regions (default: all with coordinates).
    hemisphere : {"both", "left", "right"}

    Returns
    -------
    dict
        Region -> (n, 3) integer array; regions without coordinates are absent.
    """
    if radius_mm <= 0:
        raise AnalysisInputError(f"radius_mm: must be positive, got {radius_mm!r}")
    coords = region_coordinates(load_map(), hemisphere=hemisphere)
    if regions is not None:
        coords = coords[coords["region"].isin(list(regions))]
    shape = reference_img.shape[:3]
    affine = reference_img.affine
    inv = np.linalg.inv(affine)
    zooms = np.abs(np.diag(affine)[:3])
    reach = np.ceil(radius_mm / zooms).astype(int)
    grid = np.stack(np.meshgrid(*[np.arange(-r, r + 1) for r in reach], indexing="ij"), -1)
    grid = grid.reshape(-1, 3)
    out: dict[str, list[np.ndarray]] = {}
    for _, row in coords.iterrows():
        centre = np.rint(inv @ np.array([row["x"], row["y"], row["z"], 1.0]))[:3].astype(int)
        ijk = centre + grid
        mm = (affine[:3, :3] @ ijk.T).T + affine[:3, 3]
        centre_mm = np.array([row["x"], row["y"], row["z"]])
        keep = np.linalg.norm(mm - centre_mm, axis=1) <= radius_mm
        keep &= np.all((ijk >= 0) & (ijk < np.array(shape)), axis=1)
        out.setdefault(row["region"], []).append(ijk[keep])
    return {r: np.unique(np.concatenate(v), axis=0) for r, v in out.items()}


def region_image(values: pd.Series, radius_mm: float = 8.0, hemisphere: str = "both", reference_img=None):
    """Paint region values into spheres on the MNI grid.

    Parameters
    ----------
    values : pandas.Series
        Region -> value (NaN regions are left at 0).
    radius_mm : float
        Sphere radius.
    hemisphere : {"both", "left", "right"}
    reference_img : nibabel image, optional
        Target grid (NiMARE's 2 mm MNI152 mask when omitted).

    Returns
    -------
    nibabel.Nifti1Image
        float32 image, 0 outside the spheres.
    """
    import nibabel as nib

    reference_img = mni_template(2) if reference_img is None else reference_img
    values = values.astype(float).dropna()
    data = np.zeros(reference_img.shape[:3], dtype=np.float32)
    voxels = sphere_voxels(reference_img, radius_mm, list(values.index), hemisphere)
    for region, ijk in voxels.items():
        data[tuple(ijk.T)] = values[region]
    header = nib.Nifti1Header()
    header.set_xyzt_units("mm")
    img = nib.Nifti1Image(data, reference_img.affine, header)
    img.header["descrip"] = b"motorseq model region activation (ROI spheres)"
    return img


def plot_glass_brain(
    img,
    title: str = "",
    out: str | Path | None = None,
    vmax: float | None = None,
    cmap: str = "cold_hot",
    plot_abs: bool = False,
):
    """Glass-brain plot of an activation image (nilearn).

    Parameters
    ----------
    img : nibabel image
    title : str
    out : str or pathlib.Path, optional
        Save as PNG there (the figure is closed); otherwise the matplotlib figure is returned.
    vmax : float, optional
        Colour scale limit (symmetric).
    cmap : str
    plot_abs : bool
        Plot absolute values (nilearn's default is True; here signed by default).

    Returns
    -------
    matplotlib.figure.Figure or pathlib.Path
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from nilearn import plotting

    fig = plt.figure(figsize=(8, 3))
    data = np.asarray(img.dataobj)
    if vmax is None:
        vmax = float(np.nanmax(np.abs(data))) or 1.0
    plotting.plot_glass_brain(
        img,
        figure=fig,
        title=title or None,
        colorbar=True,
        cmap=cmap,
        plot_abs=plot_abs,
        vmax=vmax,
        vmin=0.0 if plot_abs else -vmax,
        threshold=vmax * 1e-3,
        display_mode="lyrz",
    )
    if out is None:
        return fig
    out = Path(out)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
