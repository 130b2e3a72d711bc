"""What a number may be called: one place that turns a test result into the words shown.

A result is only called a finding when its test supports it; with too few participants for the
test to reach ``alpha`` at all the text says "not enough participants", and n and p are always
shown beside the words (``shift toward cortex: not enough participants (n = 2, p = 0.25)``).
"""

from __future__ import annotations

import math

__all__ = ["ALPHA", "MIN_WILCOXON_N", "ci_claim", "wilcoxon_claim"]

#: Significance level of the claims.
ALPHA = 0.05
#: Fewest participants for which a one-sided exact Wilcoxon signed-rank test can give p < 0.05
#: (its smallest p is 1 / 2**n: 0.0625 at n = 4, 0.03125 at n = 5).
MIN_WILCOXON_N = 5


def _p(p: float) -> str:
    return "n/a" if p is None or not math.isfinite(p) else f"{p:.3g}"


def wilcoxon_claim(finding: str, n: int, p: float, alpha: float = ALPHA) -> str:
    """Words for a one-sided Wilcoxon test of ``finding``, with n and p.

    Parameters
    ----------
    finding : str
        What the test would support, e.g. ``"shift toward cortex"``.
    n : int
        Participants in the test.
    p : float
        One-sided p value (NaN when there was no test).
    alpha : float
        Significance level.

    Returns
    -------
    str
        ``"<finding>: yes (n = 8, p = 0.004)"``, ``"<finding>: not supported (n = 8, p = 0.3)"``
        or ``"<finding>: not enough participants (n = 2, p = 0.25; need ≥ 5)"``.
    """
    stats = f"n = {n}, p = {_p(p)}"
    if n < MIN_WILCOXON_N or p is None or not math.isfinite(p):
        return f"{finding}: not enough participants ({stats}; a one-sided Wilcoxon test needs ≥ {MIN_WILCOXON_N})"
    if p < alpha:
        return f"{finding}: yes ({stats})"
    return f"{finding}: not supported ({stats})"


def ci_claim(value: float, ci_low: float, ci_high: float, n: int, who: str = "the people's") -> str:
    """Say whether ``value`` lies inside a 95 % CI, or that the CI does not exist.

    Returns
    -------
    str
        ``"inside the people's 95 % CI (n = 12)"``, ``"outside …"`` or ``"not enough
        participants for the people's 95 % CI (n = 1)"`` when a bound is NaN.
    """
    if not (math.isfinite(ci_low) and math.isfinite(ci_high)) or n < 2:
        return f"not enough participants for {who} 95 % CI (n = {n})"
    where = "inside" if ci_low <= value <= ci_high else "outside"
    return f"{where} {who} 95 % CI (n = {n})"
