"""Participant, session and task labels.

BIDS labels are letters and digits only. Restricting ids to them is also what keeps a
participant id from naming a path outside the data folder (``../x``, ``a/b``).
"""

from __future__ import annotations

import re
import zlib

from .errors import LabelError

__all__ = ["check_label", "participant_number", "task_label"]

_LABEL = re.compile(r"[A-Za-z0-9]+")


def check_label(value: object, field: str = "participant") -> str:
    """Return ``value`` as a BIDS label, or raise :class:`LabelError`.

    Parameters
    ----------
    value : object
        The label as given (``"07"``, ``7``, ``"sub-07"`` is refused: give the bare label).
    field : str
        What the label is, for the message (``participant``, ``session``, ``run``).

    Returns
    -------
    str
        The label.
    """
    text = str(value)
    if not _LABEL.fullmatch(text):
        raise LabelError(f"{field} label {text!r} is not allowed: use letters and digits only (BIDS label), e.g. '07'")
    return text


def participant_number(participant: str | int) -> int:
    """Return the integer used to counterbalance sequences across participants.

    A numeric label gives its value (``"07"`` → 7). Any other label gives a stable number
    from its CRC-32, so the same label always gets the same sequence.

    Parameters
    ----------
    participant : str or int
        The participant label.

    Returns
    -------
    int
        A positive integer.
    """
    label = check_label(participant, "participant")
    if label.isdigit():
        return int(label) if int(label) > 0 else 1
    return zlib.crc32(label.encode()) % 1_000_000 + 1


def task_label(name: str) -> str:
    """Return the BIDS task label of a protocol name (letters and digits kept, ``srt-classic`` → ``srtclassic``)."""
    label = re.sub(r"[^A-Za-z0-9]", "", name)
    if not label:
        raise LabelError(f"protocol name {name!r} gives an empty BIDS task label")
    return label
