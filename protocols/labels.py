"""Participant, session, group and task labels.

BIDS labels are letters and digits only. Restricting ids to them is also what keeps a
participant id from naming a path outside the data folder (``../x``, ``a/b``). Lengths are
capped so that every file name of a run stays far below the 255 bytes file systems take.
"""

from __future__ import annotations

import re
import zlib

from .errors import LabelError

__all__ = [
    "MAX_LABEL_LENGTH",
    "MAX_GROUP_LENGTH",
    "check_label",
    "participant_number",
    "shown",
    "task_label",
    "validate_group_label",
]

#: Longest participant or session label (a run's longest file name is then about 180 bytes).
MAX_LABEL_LENGTH = 32
#: Longest group label written to ``participants.tsv``.
MAX_GROUP_LENGTH = 64

_LABEL = re.compile(r"[A-Za-z0-9]+")
_GROUP = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def shown(text: str, limit: int = 40) -> str:
    """Return ``repr(text)``, shortened to about ``limit`` characters for a one-line message."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


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
    if len(text) > MAX_LABEL_LENGTH:
        raise LabelError(
            f"{field} label {shown(text)} is too long: use at most {MAX_LABEL_LENGTH} letters and digits (BIDS label)"
        )
    if not _LABEL.fullmatch(text):
        raise LabelError(f"{field} label {text!r} is not allowed: use letters and digits only (BIDS label), e.g. '07'")
    return text


def validate_group_label(value: str, option: str = "--group") -> str:
    """Return a group label for ``participants.tsv``, or raise :class:`LabelError`.

    A group is checked like an id, so that no tab, newline or other character can break the
    table: letters and digits, then also ``-`` and ``_``, at most :data:`MAX_GROUP_LENGTH`.

    Parameters
    ----------
    value : str
        The group as given (``"young"``, ``"sham-tACS"``).
    option : str
        Where the value came from, for the message (``--group``, a file and column...).

    Returns
    -------
    str
        The label, unchanged.
    """
    text = value if isinstance(value, str) else repr(value)
    if len(text) > MAX_GROUP_LENGTH:
        raise LabelError(f"{option}: group label {shown(text)} is too long: at most {MAX_GROUP_LENGTH} characters")
    if not _GROUP.fullmatch(text):
        raise LabelError(
            f"{option}: group label {shown(text)} is not allowed: use letters, digits, '-' and '_' "
            "(starting with a letter or digit), e.g. 'young'"
        )
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
