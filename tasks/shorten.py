"""Shortened versions of a protocol, for pilots, demos and tests.

The shortened protocol is a valid protocol in its own right: it is what the run's sidecar
records (with its own hash), so a shortened run is never mistaken for the full design.
"""

from __future__ import annotations

import math
import numbers

from motorseq.protocols import Protocol, parse_protocol

from .errors import TaskError

__all__ = ["shorten_protocol"]


def shorten_protocol(
    protocol: Protocol,
    max_trials_per_block: int | None = None,
    max_trial_seconds: float | None = None,
    max_blocks: int | None = None,
) -> Protocol:
    """Cap the trials per block, the length of timed (finger tapping) trials and the number of blocks.

    Parameters
    ----------
    protocol : Protocol
        The full protocol.
    max_trials_per_block : int, optional
        At most this many trials per block (ASRT blocks keep at least their warm-up plus one).
    max_trial_seconds : float, optional
        Finger tapping: at most this long tapping and resting.
    max_blocks : int, optional
        Keep only the first ``max_blocks`` blocks of the run (repeats counted).

    Returns
    -------
    Protocol
        The protocol itself when no cap changes it (a cap above every block, ``max_trial_seconds``
        on a task without timed trials); otherwise a new, validated protocol whose ``description``
        says what was shortened (only what changed).

    Raises
    ------
    TaskError
        A cap that is not a positive count, or seconds that are negative, zero, ``nan`` or ``inf``
        (checked whatever the paradigm): one line naming the option.
    """
    _check_caps(max_trials_per_block, max_trial_seconds, max_blocks)
    if max_trials_per_block is None and max_trial_seconds is None and max_blocks is None:
        return protocol
    data = protocol.model_dump(mode="json", by_alias=True)
    notes = []
    if max_blocks is not None and sum(block["repeat"] for block in data["blocks"]) > max_blocks:
        kept, left = [], max_blocks
        for block in data["blocks"]:
            if left == 0:
                break
            block["repeat"] = min(block["repeat"], left)
            left -= block["repeat"]
            kept.append(block)
        data["blocks"] = kept
        notes.append(f"first {max_blocks} blocks")
    if max_trials_per_block is not None:
        warmup = protocol.asrt.warmup_random if protocol.asrt else 0
        before = [block["trials"] for block in data["blocks"]]
        for block in data["blocks"]:
            floor = warmup + 1 if block["kind"] == "pattern-alternating" else 1
            block["trials"] = min(block["trials"], max(max_trials_per_block, floor))
        if [block["trials"] for block in data["blocks"]] != before:
            notes.append(f"at most {max_trials_per_block} trials per block")
    if max_trial_seconds is not None and data.get("ftt"):
        ftt = data["ftt"]
        before = (ftt["tap_s"], ftt["rest_s"])
        ftt["tap_s"] = min(ftt["tap_s"], max_trial_seconds)
        ftt["rest_s"] = min(ftt["rest_s"], max_trial_seconds)
        if (ftt["tap_s"], ftt["rest_s"]) != before:
            notes.append(f"tapping and rest at most {max_trial_seconds:g} s")
    if max_trial_seconds is not None and data.get("sct"):
        sct = data["sct"]
        before = dict(sct)
        beats = max(4, int(max_trial_seconds * 1000 // sct["ioi_ms"]))
        sct["sync_beats"] = max(2, min(sct["sync_beats"], beats // 2))
        sct["continuation_beats"] = max(2, min(sct["continuation_beats"], beats - sct["sync_beats"]))
        sct["rest_s"] = min(sct["rest_s"], max_trial_seconds)
        if sct != before:
            notes.append(f"tapping series of about {max_trial_seconds:g} s")
    if not notes:  # every cap is above what the protocol has: the run is the full design
        return protocol
    data["description"] = f"{protocol.description.strip()} SHORTENED: {'; '.join(notes)}.".strip()
    return parse_protocol(data, f"{protocol.name} (shortened)")


def _check_caps(max_trials_per_block: int | None, max_trial_seconds: float | None, max_blocks: int | None) -> None:
    """Refuse a cap that is not a positive count or a positive, finite number of seconds (one line each)."""
    for option, value in (("--max-blocks", max_blocks), ("--max-trials-per-block", max_trials_per_block)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
            raise TaskError(f"{option}: {value!r} is not a whole number of 1 or more")
    if max_trial_seconds is not None:
        if isinstance(max_trial_seconds, bool) or not isinstance(max_trial_seconds, numbers.Real):
            raise TaskError(f"--max-trial-seconds: {max_trial_seconds!r} is not a number of seconds")
        if not math.isfinite(max_trial_seconds) or max_trial_seconds <= 0:
            raise TaskError(f"--max-trial-seconds: {max_trial_seconds!r} is not a positive, finite number of seconds")
