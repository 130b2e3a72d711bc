"""Scoring rules shared by the task and the model: the same key stream gets the same score."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["score_taps"]


def score_taps(taps: Sequence[str], sequence: Sequence[str]) -> tuple[list[int], int]:
    """Score a stream of finger-tapping taps against a sequence (Walker et al., 2002).

    A tap of the expected key moves on (a completed pass counts one correct sequence); a wrong
    tap is an error and scoring starts the sequence again (from its second element if the tap
    was its first key).

    Parameters
    ----------
    taps : sequence of str
        Keys in the order they were pressed.
    sequence : sequence of str
        The keys of the sequence.

    Returns
    -------
    correct : list of int
        1 if each tap was the key expected at that point, else 0.
    n_correct_sequences : int
        Complete correct passes through the sequence.
    """
    flags, completed, j = [], 0, 0
    for key in taps:
        if key == sequence[j]:
            flags.append(1)
            j += 1
            if j == len(sequence):
                completed, j = completed + 1, 0
        else:
            flags.append(0)
            j = 1 if key == sequence[0] else 0
    return flags, completed
