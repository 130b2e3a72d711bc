"""Canonical HRF and BOLD-like signal (pure functions; no model needed)."""

import math

import numpy as np
import pandas as pd
import pytest
from motorseq.models.hemodynamics import HemodynamicsError, bold_signal, canonical_hrf


def _rates(times, series):
    rows = [
        {"time_s": t, "region": region, "rate_hz": value}
        for region, values in series.items()
        for t, value in zip(times, values, strict=True)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize(("kind", "peak", "trough"), [("spm", 5.0, 15.7), ("glover", 5.2, 12.3)])
def test_hrf_shape_matches_published_parameters(kind, peak, trough):
    dt = 0.1
    h = canonical_hrf(dt, kind)
    t = np.arange(len(h)) * dt
    assert len(h) == 321  # 32 s kernel sampled at 0.1 s
    assert h.sum() == pytest.approx(1.0)
    assert t[np.argmax(h)] == pytest.approx(peak, abs=0.15)
    # the undershoot: negative, deepest some 10 s after the peak
    assert h.min() < 0
    assert t[np.argmin(h)] == pytest.approx(trough, abs=0.6)
    assert h[0] == pytest.approx(0.0, abs=1e-12)


def test_kernels_equal_the_published_formulas():
    # written out independently: SPM t^5 e^-t / 5! - (t^15 e^-t / 15!) / 6;
    # Glover (t/5.4)^6 e^-(t-5.4)/0.9 - 0.35 (t/10.8)^12 e^-(t-10.8)/0.9
    dt = 0.5
    t = np.arange(65) * dt
    spm = t**5 * np.exp(-t) / math.factorial(5) - t**15 * np.exp(-t) / math.factorial(15) / 6
    glover = (t / 5.4) ** 6 * np.exp(-(t - 5.4) / 0.9) - 0.35 * (t / 10.8) ** 12 * np.exp(-(t - 10.8) / 0.9)
    np.testing.assert_allclose(canonical_hrf(dt, "spm"), spm / spm.sum(), atol=1e-12)
    np.testing.assert_allclose(canonical_hrf(dt, "glover"), glover / glover.sum(), atol=1e-12)


def test_bold_of_constant_rate_settles_at_that_rate_and_impulse_gives_the_kernel():
    dt = 0.1
    times = np.round(np.arange(600) * dt, 1)
    impulse = np.zeros(600)
    impulse[100] = 1.0
    bold = bold_signal(_rates(times, {"M1": np.full(600, 12.0), "GPi": impulse}), regions=["M1", "GPi"])
    assert list(bold.columns) == ["time_s", "M1", "GPi"]
    assert bold["time_s"].tolist() == times.tolist()
    assert bold["M1"].iloc[-1] == pytest.approx(12.0, rel=1e-3)
    assert bold["M1"].iloc[0] == pytest.approx(0.0)  # causal: nothing before the response builds up
    kernel = canonical_hrf(dt)
    np.testing.assert_allclose(bold["GPi"].to_numpy()[100:421], kernel)
    assert np.all(bold["GPi"].to_numpy()[:100] == 0)


def test_bold_rejects_bad_input_with_one_line_messages():
    times = np.arange(5) * 0.1
    with pytest.raises(HemodynamicsError, match="time_s must be equally spaced"):
        bold_signal(_rates([0, 0.1, 0.3, 0.4, 0.5], {"M1": np.ones(5)}))
    with pytest.raises(HemodynamicsError, match=r"missing column\(s\) \['rate_hz'\]"):
        bold_signal(pd.DataFrame({"time_s": times, "region": "M1"}))
    with pytest.raises(HemodynamicsError, match="region"):
        bold_signal(_rates(times, {"M1": np.ones(5)}), regions=["M1", "STN"])
    with pytest.raises(HemodynamicsError, match="kind"):
        canonical_hrf(0.1, "boynton")
    with pytest.raises(HemodynamicsError, match="dt"):
        canonical_hrf(0.0)
