"""BOLD-like signals from regional firing rates: a canonical haemodynamic response.

The simulated network gives each region's population rate in short bins; fMRI
sees that activity only through the slow haemodynamic response. Convolving the
rate with a canonical haemodynamic response function (HRF) gives a signal that
can be compared with measured BOLD time courses (Logothetis et al., 2001, showed
that BOLD follows local population activity roughly linearly).

Two canonical HRFs are provided, both double gamma functions (a positive
response minus a later, smaller undershoot):

``"spm"``
    The SPM canonical HRF (``spm_hrf.m``; Friston et al., 1998): gamma
    densities with shape 6 (response) and 16 (undershoot), scale 1 s, no
    onset delay, undershoot ratio 1/6, 32 s kernel.
``"glover"``
    Glover (1999), the fit to auditory-cortex responses: ``(t/d1)^a1
    exp(-(t - d1)/b1) - c (t/d2)^a2 exp(-(t - d2)/b2)`` with a1 = 6, a2 = 12,
    b1 = b2 = 0.9 s, d_i = a_i b_i, c = 0.35.

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
from scipy.stats import gamma

from .errors import ModelError

__all__ = ["HRF_KINDS", "HemodynamicsError", "bold_signal", "canonical_hrf"]

#: Names accepted by :func:`canonical_hrf`.
HRF_KINDS = ("spm", "glover")

# SPM canonical HRF (spm_hrf.m defaults): response delay, undershoot delay,
# response dispersion, undershoot dispersion, response/undershoot ratio, kernel length.
_SPM = {"delay": 6.0, "undershoot": 16.0, "dispersion": 1.0, "u_dispersion": 1.0, "ratio": 6.0, "length": 32.0}
# Glover (1999), Eq. 3 and Table 1 (auditory cortex fit).
_GLOVER = {"a1": 6.0, "a2": 12.0, "b1": 0.9, "b2": 0.9, "c": 0.35, "length": 32.0}


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
        Which canonical HRF (see the module docstring for parameters and sources).
    length : float, optional
        Kernel length in seconds; 32 s (SPM's default) when omitted.

    Returns
    -------
    numpy.ndarray
        The kernel sampled at ``0, dt, 2 dt, ...``, scaled to sum to 1, so a
        constant rate of r Hz convolves to r (units stay Hz).
    """
    if not np.isfinite(dt) or dt <= 0:
        raise HemodynamicsError(f"dt: must be a positive number of seconds, got {dt!r}")
    if kind not in HRF_KINDS:
        raise HemodynamicsError(f"kind: must be one of {HRF_KINDS}, got {kind!r}")
    params = _SPM if kind == "spm" else _GLOVER
    length = params["length"] if length is None else float(length)
    if not np.isfinite(length) or length < dt:
        raise HemodynamicsError(f"length: must be at least dt ({dt} s), got {length!r}")
    t = np.arange(int(round(length / dt)) + 1, dtype=float) * dt
    if kind == "spm":
        p = _SPM
        h = (
            gamma.pdf(t, p["delay"] / p["dispersion"], scale=p["dispersion"])
            - gamma.pdf(t, p["undershoot"] / p["u_dispersion"], scale=p["u_dispersion"]) / p["ratio"]
        )
    else:
        p = _GLOVER
        d1, d2 = p["a1"] * p["b1"], p["a2"] * p["b2"]
        h = (t / d1) ** p["a1"] * np.exp(-(t - d1) / p["b1"]) - p["c"] * (t / d2) ** p["a2"] * np.exp(
            -(t - d2) / p["b2"]
        )
    return h / h.sum()


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
