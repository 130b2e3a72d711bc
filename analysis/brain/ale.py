"""Coordinate-based meta-analysis of user foci: ALE with cluster-level FWE (NiMARE, offline).

NiMARE's MNI152 template and brain mask ship inside the ``nimare`` package, so nothing is
downloaded (``tests/brain/test_ale.py`` runs it with sockets disabled).

References
----------
Eickhoff SB, Laird AR, Grefkes C, Wang LE, Zilles K, Fox PT (2009). Coordinate-based ALE
meta-analysis of neuroimaging data: a random-effects approach based on empirical estimates of
spatial uncertainty. Hum Brain Mapp 30:2907-2926. doi:10.1002/hbm.20718

Eickhoff SB, Nichols TE, Laird AR, et al. (2016). Behavior, power, and sensitivity of the
cluster-level family-wise error correction in ALE. NeuroImage 137:70-85 (the ≥ 17-20
experiments recommendation behind the warning). doi:10.1016/j.neuroimage.2016.04.072
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from motorseq.analysis.brain.quiet import import_nimare, no_progress_bars
from motorseq.analysis.errors import AnalysisInputError

__all__ = [
    "MIN_EXPERIMENTS",
    "AleResult",
    "FewExperimentsWarning",
    "check_sleuth",
    "load_foci",
    "run_ale",
    "template_bounds",
]

#: Below this many experiments the ALE cluster-level FWE is underpowered (Eickhoff et al., 2016).
MIN_EXPERIMENTS = 20
_CLUSTER_MAP = "logp_desc-size_level-cluster_corr-FWE_method-montecarlo"


class FewExperimentsWarning(UserWarning):
    """The meta-analysis has fewer experiments than :data:`MIN_EXPERIMENTS`."""


@dataclass
class AleResult:
    """Thresholded ALE map, cluster table and provenance.

    Attributes
    ----------
    z_map : nibabel.Nifti1Image
        Voxel z values (uncorrected ALE p converted to z), zero outside significant clusters.
    cluster_logp : nibabel.Nifti1Image
        −log10 cluster-level FWE p of each voxel's cluster (NiMARE's montecarlo output).
    clusters : pandas.DataFrame
        One row per surviving cluster peak: ``Cluster ID``, ``X``, ``Y``, ``Z`` (MNI mm),
        ``Peak Stat`` (z) and ``Cluster Size (mm3)`` (nilearn's ``get_clusters_table``).
    n_experiments : int
        Experiments (contrasts) in the dataset.
    params : dict
        ``n_iters``, ``voxel_thresh``, ``alpha``, ``seed``, NiMARE version.
    """

    z_map: Any
    cluster_logp: Any
    clusters: pd.DataFrame
    n_experiments: int
    params: dict = field(default_factory=dict)

    def save(self, out_dir: str | Path) -> dict[str, Path]:
        """Write the maps (NIfTI) and the cluster table (TSV) to ``out_dir``."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {
            "z_map": out / "ale_z_cFWE.nii.gz",
            "cluster_logp": out / "ale_logp_cluster_FWE.nii.gz",
            "clusters": out / "ale_clusters.tsv",
        }
        self.z_map.to_filename(paths["z_map"])
        self.cluster_logp.to_filename(paths["cluster_logp"])
        self.clusters.to_csv(paths["clusters"], sep="\t", index=False)
        return paths


def load_foci(source: str | Path | Any, target: str = "ale_2mm") -> Any:
    """Load foci as a NiMARE ``Dataset``.

    Parameters
    ----------
    source : str, pathlib.Path or nimare.dataset.Dataset
        A Sleuth text file (``//Reference=MNI`` header, ``//`` study lines, ``x y z`` rows), a
        NiMARE dataset JSON file, or a ``Dataset`` (returned as is).
    target : str
        NiMARE template space (``ale_2mm`` ships with NiMARE).

    Returns
    -------
    nimare.dataset.Dataset
    """
    import_nimare()
    from nimare.dataset import Dataset

    if isinstance(source, Dataset):
        return source
    path = Path(source)
    if not path.is_file():
        raise AnalysisInputError(f"{path}: foci file not found")
    n_experiments = None if path.suffix.lower() == ".json" else check_sleuth(path, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (DeprecationWarning, FutureWarning))
        try:
            if path.suffix.lower() == ".json":
                dset = Dataset(str(path), target=target)
            else:
                from nimare.io import convert_sleuth_to_dataset

                dset = convert_sleuth_to_dataset(str(path), target=target)
        except AnalysisInputError:
            raise
        except Exception as exc:  # NiMARE raises assorted errors for malformed files
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise AnalysisInputError(f"{path}: not a readable Sleuth/NiMARE foci file: {msg}") from exc
    _check_dataset(path, dset)
    if n_experiments is not None and len(dset.ids) != n_experiments:  # NiMARE merged two it took for one
        raise AnalysisInputError(
            f"{path}: {n_experiments} experiments in the file, but NiMARE read {len(dset.ids)}: two names it "
            "parses to the same study and contrast (e.g. 'Smith 2005: A' and 'Smith 2005 : A'); rename one"
        )
    return dset


#: Foci farther than this from the origin (mm, any axis) lie outside every brain template.
MAX_COORDINATE_MM = 200.0


def template_bounds(target: str = "ale_2mm") -> tuple[tuple[float, float], ...]:
    """Give the (low, high) mm extent per axis of NiMARE's brain template (its voxel grid).

    The box of NiMARE's ``target`` brain mask (``ale_2mm``: MNI152 at 2 mm, 91 x 109 x 91
    voxels), from its affine and shape; a focus rounds to a voxel inside it only within half a
    voxel of the outer voxel centres.
    """
    import_nimare()
    from nimare.utils import get_template

    img = get_template(target, mask="brain")
    shape = np.array(img.shape[:3])
    corners = np.array([[i, j, k] for i in (0, shape[0] - 1) for j in (0, shape[1] - 1) for k in (0, shape[2] - 1)])
    mm = corners @ img.affine[:3, :3].T + img.affine[:3, 3]
    half = np.abs(np.diag(img.affine)[:3]) / 2
    return tuple((float(mm[:, a].min() - half[a]), float(mm[:, a].max() + half[a])) for a in range(3))


def _outside(xyz: np.ndarray, target: str) -> tuple[np.ndarray, str]:
    """Rows of MNI ``xyz`` outside the template's voxel grid, and the box in words."""
    import_nimare()
    from nimare.utils import get_template, mm2vox

    img = get_template(target, mask="brain")
    ijk = mm2vox(xyz, img.affine)
    outside = ((ijk < 0) | (ijk >= np.array(img.shape[:3]))).any(axis=1)
    box = ", ".join(f"{axis} {lo:g} to {hi:g}" for axis, (lo, hi) in zip("xyz", template_bounds(target), strict=True))
    return outside, f"the {target} template's box ({box} mm)"


def check_sleuth(path: Path, target: str = "ale_2mm") -> int:
    """Check a Sleuth foci file line by line before NiMARE reads it.

    Parameters
    ----------
    path : pathlib.Path
        The Sleuth text file.
    target : str
        NiMARE template space the foci go into (its box bounds the coordinates).

    Returns
    -------
    int
        The number of experiments.

    Raises
    ------
    AnalysisInputError
        ``file:line: problem`` for a missing ``//Reference``, a ``Subjects`` count that is not
        a whole number ≥ 1, a second ``Subjects`` line in one experiment, an experiment name
        given twice (NiMARE would keep only the last), a coordinate row that is not three finite
        numbers within ±:data:`MAX_COORDINATE_MM` mm or that lies outside the template's box
        (Talairach foci after NiMARE's conversion to MNI), foci before any experiment, or an
        experiment without foci.
    """
    import re

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise AnalysisInputError(f"{path}: not UTF-8 text (a Sleuth file is plain text)") from None
    except OSError as error:
        raise AnalysisInputError(f"{path}: cannot be read: {error.strerror}") from None
    lines = [(n, line.strip()) for n, line in enumerate(re.split(r"\r\n|\n|\r", text), 1) if line.strip()]
    if not lines:
        raise AnalysisInputError(f"{path}:1: the file is empty")
    first_no, first = lines[0]
    space = first.replace(" ", "").removeprefix("//Reference=")
    if not first.replace(" ", "").startswith("//Reference=") or space not in ("MNI", "TAL", "Talairach"):
        raise AnalysisInputError(f"{path}:{first_no}: expected //Reference=MNI (or TAL) as the first line")
    experiment_line, foci, in_header = None, 0, False
    subjects_line: int | None = None
    name_parts: list[str] = []
    names: dict[str, int] = {}
    rows: list[tuple[int, str, list[float]]] = []

    def close_header() -> None:
        """Record the experiment's name (its // lines but Subjects, as NiMARE joins them) once."""
        name = " ".join(name_parts)
        if name in names:
            raise AnalysisInputError(
                f"{path}:{experiment_line}: experiment {name!r} repeats the one at line {names[name]} "
                "(NiMARE would keep only the last); give each experiment its own name"
            )
        names[name] = experiment_line

    for number, line in lines[1:]:
        if line.startswith("//"):
            if not in_header:
                if experiment_line is not None and foci == 0:
                    raise AnalysisInputError(f"{path}:{experiment_line}: the experiment has no foci")
                experiment_line, foci, in_header = number, 0, True
                subjects_line, name_parts = None, []
            match = re.search(r"subjects\s*=\s*(.*)$", line, flags=re.IGNORECASE)
            if match:
                if subjects_line is not None:
                    raise AnalysisInputError(
                        f"{path}:{number}: a second Subjects line in the experiment of line {experiment_line} "
                        f"(the first is line {subjects_line})"
                    )
                subjects_line = number
                value = match.group(1).strip()
                if not re.fullmatch(r"\+?\d+", value) or int(value) < 1:
                    raise AnalysisInputError(f"{path}:{number}: Subjects: {value!r:.40} must be a whole number ≥ 1")
            else:
                name_parts.append(line.removeprefix("//").strip())
            continue
        if in_header:
            close_header()
        in_header = False
        if experiment_line is None:
            raise AnalysisInputError(f"{path}:{number}: coordinates before the first experiment (// line)")
        cells = line.split()
        try:
            xyz = [float(cell) for cell in cells]
        except ValueError:
            xyz = []
        if len(cells) != 3 or len(xyz) != 3:
            raise AnalysisInputError(f"{path}:{number}: expected three numbers x y z, found {line!r:.60}")
        if not all(np.isfinite(xyz)) or max(abs(v) for v in xyz) > MAX_COORDINATE_MM:
            raise AnalysisInputError(
                f"{path}:{number}: coordinates {line!r:.60} are not finite numbers within ±{MAX_COORDINATE_MM:g} mm"
            )
        rows.append((number, line, xyz))
        foci += 1
    if experiment_line is not None and foci == 0:
        raise AnalysisInputError(f"{path}:{experiment_line}: the experiment has no foci")
    if rows:
        xyz = np.array([r[2] for r in rows], dtype=float)
        if space != "MNI":  # NiMARE moves Talairach foci to MNI before the ALE
            from nimare.utils import tal2mni

            xyz = tal2mni(xyz)
        outside, box = _outside(xyz, target)
        if outside.any():
            first = int(np.flatnonzero(outside)[0])
            number, line, _ = rows[first]
            where = "" if space == "MNI" else f" ({space}; {' '.join(f'{v:.0f}' for v in xyz[first])} in MNI)"
            raise AnalysisInputError(
                f"{path}:{number}: coordinates {line!r:.60}{where} lie outside {box}, so they add nothing to the ALE"
            )
    return len(names)


def _check_dataset(path: Path, dset: Any) -> None:
    """Coordinates finite and sample sizes ≥ 1 in a loaded dataset (a NiMARE JSON is not pre-checked)."""
    coords = dset.coordinates
    if coords is None or coords.empty:
        raise AnalysisInputError(f"{path}: no foci")
    xyz = coords[["x", "y", "z"]].to_numpy(dtype="float64")
    bad = ~np.isfinite(xyz).all(axis=1)
    if bad.any():
        raise AnalysisInputError(
            f"{path}: experiment {coords['id'].iloc[int(np.flatnonzero(bad)[0])]}: coordinates are not finite numbers"
        )
    outside, box = _outside(xyz, getattr(dset, "space", None) or "ale_2mm")
    if outside.any():
        row = coords.iloc[int(np.flatnonzero(outside)[0])]
        raise AnalysisInputError(
            f"{path}: experiment {row['id']}: coordinates ({row['x']:g}, {row['y']:g}, {row['z']:g}) lie outside {box}"
        )
    metadata = getattr(dset, "metadata", None)
    if metadata is not None and "sample_sizes" in metadata.columns:
        for ident, sizes in zip(metadata["id"], metadata["sample_sizes"], strict=True):
            values = np.atleast_1d(np.asarray(sizes, dtype="float64")) if sizes is not None else np.array([np.nan])
            if not (np.isfinite(values).all() and (values >= 1).all()):
                raise AnalysisInputError(f"{path}: experiment {ident}: sample_sizes {sizes!r:.40} must be ≥ 1")


def run_ale(
    foci: str | Path | Any,
    n_iters: int = 5000,
    voxel_thresh: float = 0.001,
    alpha: float = 0.05,
    seed: int = 0,
    n_cores: int = 1,
    mask_mm: float | None = None,
) -> AleResult:
    """Run ALE with cluster-level family-wise error correction (Monte Carlo).

    Parameters
    ----------
    foci : str, pathlib.Path or nimare.dataset.Dataset
        See :func:`load_foci`.
    n_iters : int
        Monte Carlo iterations (5000 or more for publication; tests use ≤ 100).
    voxel_thresh : float
        Uncorrected voxel-level cluster-forming p threshold.
    alpha : float
        Cluster-level FWE threshold.
    seed : int
        Seed of the Monte Carlo null (NiMARE's ``random_state``).
    n_cores : int
        Cores for the Monte Carlo loop.
    mask_mm : float, optional
        Resample NiMARE's 2 mm MNI brain mask to this voxel size (e.g. 4) for a quicker, coarser
        analysis (tests); NiMARE's 2 mm mask when omitted.

    Returns
    -------
    AleResult

    Warns
    -----
    FewExperimentsWarning
        With fewer than :data:`MIN_EXPERIMENTS` experiments.
    """
    if not isinstance(n_iters, (int, np.integer)) or n_iters < 1:
        raise AnalysisInputError(f"n_iters: must be a positive integer, got {n_iters!r}")
    if not 0 < voxel_thresh < 1 or not 0 < alpha < 1:
        raise AnalysisInputError(f"voxel_thresh/alpha: must lie in (0, 1), got {voxel_thresh!r}/{alpha!r}")
    nimare = import_nimare()
    from nilearn.image import math_img
    from nilearn.reporting import get_clusters_table
    from nimare.correct import FWECorrector
    from nimare.meta.cbma import ALE
    from scipy.stats import norm

    dset = load_foci(foci)
    n_exp = len(dset.ids)
    if n_exp < 2:
        raise AnalysisInputError(f"foci: ALE needs at least 2 experiments, got {n_exp}")
    if n_exp < MIN_EXPERIMENTS:
        warnings.warn(
            f"ALE with {n_exp} experiments (< {MIN_EXPERIMENTS}): cluster-level FWE "
            "is underpowered and results are unstable (Eickhoff et al., 2016)",
            FewExperimentsWarning,
            stacklevel=2,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (DeprecationWarning, FutureWarning))
        kwargs = {} if mask_mm is None else {"mask": _coarse_mask(mask_mm)}
        result = ALE(random_state=int(seed), **kwargs).fit(dset)
        with no_progress_bars():
            corrected = FWECorrector(
                method="montecarlo", n_iters=int(n_iters), voxel_thresh=voxel_thresh, n_cores=n_cores, vfwe_only=False
            ).transform(result)
    cluster_logp = corrected.get_map(_CLUSTER_MAP)
    z_unc = corrected.get_map("z")
    z_map = math_img(f"z * (logp > {-np.log10(alpha)})", z=z_unc, logp=cluster_logp)
    z_thresh = float(norm.isf(voxel_thresh))
    if float(np.asarray(z_map.dataobj).max()) > 0:
        clusters = get_clusters_table(z_map, stat_threshold=z_thresh, cluster_threshold=0, two_sided=False)
    else:
        clusters = pd.DataFrame(columns=["Cluster ID", "X", "Y", "Z", "Peak Stat", "Cluster Size (mm3)"])
    params = {
        "n_iters": int(n_iters),
        "mask_mm": mask_mm or 2,
        "voxel_thresh": voxel_thresh,
        "alpha": alpha,
        "seed": seed,
        "nimare": nimare.__version__,
        "method": "ALE, cluster-level FWE (size), Monte Carlo",
    }
    return AleResult(z_map=z_map, cluster_logp=cluster_logp, clusters=clusters, n_experiments=n_exp, params=params)


def _coarse_mask(mask_mm: float):
    from motorseq.analysis.brain.images import mni_template
    from nilearn.image import resample_img

    if not mask_mm > 0:
        raise AnalysisInputError(f"mask_mm: must be positive, got {mask_mm!r}")
    return resample_img(
        mni_template(2),
        target_affine=np.diag([float(mask_mm)] * 3),
        interpolation="nearest",
        force_resample=True,
        copy_header=True,
    )
