"""ASRT triplet coding: high-frequency, low-frequency, trill and repetition triplets.

In the alternating serial reaction time task (Howard & Howard, 1997) pattern elements
alternate with random ones (P-r-P-r...). Each trial closes a triplet with the two trials
before it. A triplet ``a-b-c`` is *high-frequency* (``H``) when ``c`` is the pattern element
that follows ``a`` in the pattern: such triplets arise on every pattern trial and by chance
on random trials, so they occur about 62.5 % of the time. The rest are *low-frequency* (``L``),
except *repetitions* ``a-a-a`` (``R``) and *trills* ``a-b-a`` (``T``), which are coded
separately and left out of triplet analyses (Howard et al., 2004; Song et al., 2008).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["code_triplets", "successor_table", "TRIPLET_TYPES"]

TRIPLET_TYPES = ("H", "L", "T", "R")
NA = "n/a"


def successor_table(pattern: Sequence[int], n_positions: int | None = None) -> np.ndarray:
    """Return ``succ`` with ``succ[a]`` the pattern element after ``a`` (0 where ``a`` is not in it).

    Parameters
    ----------
    pattern : sequence of int
        The ASRT pattern, 1-based positions (e.g. ``[1, 3, 2, 4]``).
    n_positions : int, optional
        Number of positions; the largest position in ``pattern`` by default.
    """
    pattern = [int(x) for x in pattern]
    size = (n_positions or max(pattern)) + 1
    succ = np.zeros(size, dtype=np.int64)
    for k, element in enumerate(pattern):
        succ[element] = pattern[(k + 1) % len(pattern)]
    return succ


def code_triplets(
    positions: Sequence[int] | np.ndarray,
    pattern: Sequence[int],
    block: Sequence[int] | np.ndarray | None = None,
    missing: str = NA,
) -> np.ndarray:
    """Code each trial as the last element of a triplet (vectorised).

    Parameters
    ----------
    positions : array of int
        Target positions (1-based) in presentation order.
    pattern : sequence of int
        The participant's ASRT pattern.
    block : array of int, optional
        Block of each trial; a triplet never spans two blocks, so the first two trials of
        each block get ``missing``.
    missing : str
        Code of trials that close no triplet.

    Returns
    -------
    numpy.ndarray of str
        ``H``, ``L``, ``T``, ``R`` or ``missing`` per trial.
    """
    pos = np.asarray(positions, dtype=np.int64)
    n = pos.size
    codes = np.full(n, missing, dtype=object)
    if n < 3:
        return codes
    succ = successor_table(pattern, int(max(pos.max(), max(pattern))))
    a, b, c = pos[:-2], pos[1:-1], pos[2:]
    kind = np.where(succ[a] == c, "H", "L").astype(object)
    kind = np.where((a == c) & (a != b), "T", kind)
    kind = np.where((a == b) & (b == c), "R", kind)
    codes[2:] = kind
    if block is not None:
        blk = np.asarray(block)
        same = np.zeros(n, dtype=bool)
        same[2:] = (blk[2:] == blk[1:-1]) & (blk[1:-1] == blk[:-2])
        codes[~same] = missing
    return codes


def code_triplets_frame(trials: pd.DataFrame, pattern: Sequence[int]) -> pd.Series:
    """Triplet codes for a trial table with ``block`` and ``target`` columns."""
    return pd.Series(
        code_triplets(trials["target"].astype(int).to_numpy(), pattern, trials["block"].to_numpy()),
        index=trials.index,
        name="triplet_type",
    )
