"""BOLD-like signals from regional firing rates: a canonical haemodynamic response.

The simulated network gives each region's population rate in short bins; fMRI
sees that activity only through the slow haemodynamic response. Convolving the
rate with a canonical haemodynamic response function (HRF) gives a signal that
can be compared with measured BOLD time courses (Logothetis et al., 2001, showed
that BOLD follows local population activity roughly linearly).

The two canonical HRFs are nilearn's (``nilearn.glm.first_level.spm_hrf`` and
``glover_hrf``), both double gamma functions (a positive response minus a
later, smaller undershoot):

``"spm"``
    The SPM canonical HRF (``spm_hrf.m``; Friston et al., 1998): gamma
    densities with shape 6 (response) and 16 (undershoot), scale 1 s, no
    onset delay, undershoot ratio 0.167, 32 s kernel.
``"glover"``
    nilearn's Glover (1999) HRF: gamma densities with shape 6/0.9 and 12/0.9,
    scale 0.9 s, undershoot ratio 0.48. This is nilearn's gamma-density form
    of Glover's fit, not his Eq. 3 (``(t/d1)^a1 exp(-(t - d1)/b1) - c ...``,
    a1 = 6, a2 = 12, b1 = b2 = 0.9 s, c = 0.35, which is shapes 7 and 13):
    it peaks 0.2 s earlier (5.0 vs 5.2 s at 0.1 s bins) and differs from
    Eq. 3 by up to 9.6 % of the peak.

nilearn builds its kernel on a grid 50 times finer than the sampling interval
(its default ``oversampling``) and starts the gamma densities one fine step
late (``loc=dt``) on ``numpy.linspace(0, length, n)`` (step ``length/(n-1)``).
Asked for the sampling interval itself (``oversampling=1``), those two
conventions would delay the 0.1 s kernel by a whole bin and stretch it by
0.3 % (3.4 % of the peak for SPM). So the kernel is nilearn's on its default
fine grid, taken at every 50th point (0, dt, 2 dt, ...; the offset left is
dt/50) and scaled to unit sum. At 0.1 s bins it differs from the closed-form
SPM function sampled at 0, dt, 2 dt by at most 0.07 % of the peak (the 2 ms
offset and the ratio 0.167 instead of 1/6).

References
----------
Friston, K. J., Fletcher, P., Josephs, O., Holmes, A., Rugg, M. D., & Turner, R.
(1998). Event-related fMRI: characterizing differential responses. NeuroImage,
7(1), 30-40. doi:10.1006/nimg.1997.0306

Glover, G. H. (1999). Deconvolution of impulse response in event-related BOLD
fMRI. NeuroImage, 9(4), 416-429. doi:10.1006/nimg.1998.0419

Logothetis, N. K., Pauls, J., Augath, M., Trinath, T., & Oeltermann, A. (2001).
Neurophysiological investigation of the basis of the fMRI signal. Nature,
412(6843), 150-157. doi:10.1038/35084005
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import ModelError

__all__ = ["HRF_KINDS", "HemodynamicsError", "bold_signal", "canonical_hrf"]

#: Names accepted by :func:`canonical_hrf`.
HRF_KINDS = ("spm", "glover")

#: nilearn's default oversampling: its kernels are built for a grid this much finer than ``dt``.
OVERSAMPLING = 50
#: Kernel length in seconds (SPM's and nilearn's default).
DEFAULT_LENGTH_S = 32.0
#: Longest kernel, in samples of ``dt`` (nilearn computes 50 times as many).
MAX_SAMPLES = 200_000


class HemodynamicsError(ModelError, ValueError):
    """Bad input to the haemodynamic model (one-line message naming the field)."""


def canonical_hrf(dt: float, kind: str = "spm", length: float | None = None) -> np.ndarray:
    """Sample a canonical haemodynamic response function.

    Parameters
    ----------
    dt : float
        Sampling interval in seconds (the bin width of the rates it will be
        convolved with).
    kind : {"spm", "glover"}
        Which canonical HRF (nilearn's ``spm_hrf`` or ``glover_hrf``; see the
        module docstring for their parameters and how they are sampled).
    length : float, optional
        Kernel length in seconds; 32 s (SPM's default) when omitted.

    Returns
    -------
    numpy.ndarray
        The kernel sampled at ``0, dt, 2 dt, ...`` (``round(length / dt)``
        samples, so the last one is ``length - dt``), scaled to sum to 1, so a
        constant rate of r Hz convolves to r (units stay Hz).
    """
    if not np.isfinite(dt) or dt <= 0:
        raise HemodynamicsError(f"dt: must be a positive number of seconds, got {dt!r}")
    if kind not in HRF_KINDS:
        raise HemodynamicsError(f"kind: must be one of {HRF_KINDS}, got {kind!r}")
    length = DEFAULT_LENGTH_S if length is None else float(length)
    if not np.isfinite(length) or length < dt:
        raise HemodynamicsError(f"length: must be at least dt ({dt} s), got {length!r}")
    if length / dt > MAX_SAMPLES:
        raise HemodynamicsError(f"dt: {dt!r} s makes a {length:g} s kernel longer than {MAX_SAMPLES} samples")
    # nilearn is imported here, not at module level: `import motorseq.models` stays quick
    from nilearn.glm.first_level.hemodynamic_models import glover_hrf, spm_hrf

    hrf = spm_hrf if kind == "spm" else glover_hrf
    fine = hrf(t_r=dt, oversampling=OVERSAMPLING, time_length=length)
    kernel = np.asarray(fine[::OVERSAMPLING], dtype=float)
    return kernel / kernel.sum()


def bold_signal(rates: pd.DataFrame, kind: str = "spm", regions: Sequence[str] | None = None) -> pd.DataFrame:
    """Convolve regional firing rates with the canonical HRF.

    Parameters
    ----------
    rates : pandas.DataFrame
        Long table with columns ``time_s`` (bin start, s, equally spaced),
        ``region`` and ``rate_hz``; one row per region and bin.
    kind : {"spm", "glover"}
        Which canonical HRF to use.
    regions : sequence of str, optional
        Column order of the result; the regions in order of first appearance
        when omitted. Every listed region must be present in ``rates``.

    Returns
    -------
    pandas.DataFrame
        Wide table: ``time_s`` then one column per region holding the
        BOLD-like signal (rate convolved with the HRF, causal, same length as
        the input; Hz-weighted, arbitrary units).
    """
    missing = {"time_s", "region", "rate_hz"} - set(rates.columns)
    if missing:
        raise HemodynamicsError(f"rates: missing column(s) {sorted(missing)}")
    wide = rates.pivot(index="time_s", columns="region", values="rate_hz").sort_index()
    if regions is None:
        regions = list(dict.fromkeys(rates["region"]))
    absent = [r for r in regions if r not in wide.columns]
    if absent:
        raise HemodynamicsError(f"rates: region(s) {absent} have no rows")
    if wide[list(regions)].isna().to_numpy().any():
        raise HemodynamicsError("rates: every region needs a rate in every time bin")
    times = wide.index.to_numpy(dtype=float)
    if len(times) < 2:
        raise HemodynamicsError("rates: need at least two time bins")
    steps = np.diff(times)
    dt = float(steps[0])
    if dt <= 0 or not np.allclose(steps, dt, rtol=1e-6, atol=1e-9):
        raise HemodynamicsError("rates: time_s must be equally spaced")
    kernel = canonical_hrf(dt, kind)
    out = {"time_s": times}
    for region in regions:
        signal = wide[region].to_numpy(dtype=float)
        out[region] = np.convolve(signal, kernel)[: len(signal)]
    return pd.DataFrame(out)
