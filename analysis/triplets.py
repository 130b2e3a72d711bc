"""ASRT triplet coding for data sets whose pattern differs between participants and sessions.

The coding itself (H, L, T, R; see :mod:`motorseq.protocols.triplets`) is the protocols'
:func:`~motorseq.protocols.triplets.code_triplets`, which takes one pattern. Here every trial
carries its own pattern (e.g. the jsPsych ``sequence`` column), so the trials are split by
pattern (a handful of distinct values) and each part is coded in one vectorised call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from motorseq.protocols.triplets import code_triplets as _code_one_pattern

__all__ = ["code_triplets"]


def _digits(pattern: str) -> list[int]:
    return [int(ch) for ch in str(pattern) if ch.isdigit()]


def code_triplets(
    positions: pd.Series | np.ndarray,
    pattern: pd.Series | np.ndarray,
    block_id: pd.Series | np.ndarray,
) -> np.ndarray:
    """Code every trial as ``H``, ``L``, ``T``, ``R`` or ``n/a``.

    Parameters
    ----------
    positions : array of int
        Stimulus position of each trial (1-based), in presentation order.
    pattern : array of str
        The ASRT pattern in force for each trial, e.g. ``"1324"`` or ``"1-3-2-4"``
        (single-digit positions).
    block_id : array
        A label that changes between blocks (and participants/sessions); triplets never
        span two blocks, so the first two trials of each block are ``n/a``.

    Returns
    -------
    ndarray of str
        One code per trial.

    Examples
    --------
    >>> code_triplets([1, 2, 3, 4, 3, 3, 3], ["1234"] * 7, [1] * 7).tolist()
    ['n/a', 'n/a', 'L', 'L', 'T', 'L', 'R']
    """
    pos = np.asarray(positions, dtype=np.int64)
    pat = np.asarray(pattern).astype(str)
    blk = pd.factorize(pd.Series(np.asarray(block_id)))[0]
    codes = np.full(pos.size, "n/a", dtype=object)
    for value in pd.unique(pat):
        digits = _digits(value)
        mask = pat == value
        if len(digits) < 2:
            continue
        codes[mask] = _code_one_pattern(pos[mask], digits, blk[mask])
    return codes
