"""Shortened versions of a protocol, for pilots, demos and tests.

The shortened protocol is a valid protocol in its own right: it is what the run's sidecar
records (with its own hash), so a shortened run is never mistaken for the full design.
"""

from __future__ import annotations

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
        The protocol unchanged when no cap applies; otherwise a new, validated protocol whose
        ``description`` says how it was shortened.
    """
    if max_trials_per_block is None and max_trial_seconds is None and max_blocks is None:
        return protocol
    data = protocol.model_dump(mode="json", by_alias=True)
    notes = []
    if max_blocks is not None:
        if max_blocks < 1:
            raise TaskError("--max-blocks must be 1 or more")
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
        if max_trials_per_block < 1:
            raise TaskError("--max-trials-per-block must be 1 or more")
        warmup = protocol.asrt.warmup_random if protocol.asrt else 0
        for block in data["blocks"]:
            floor = warmup + 1 if block["kind"] == "pattern-alternating" else 1
            block["trials"] = min(block["trials"], max(max_trials_per_block, floor))
        notes.append(f"at most {max_trials_per_block} trials per block")
    if max_trial_seconds is not None and data.get("ftt"):
        if max_trial_seconds <= 0:
            raise TaskError("--max-trial-seconds must be positive")
        data["ftt"]["tap_s"] = min(data["ftt"]["tap_s"], max_trial_seconds)
        data["ftt"]["rest_s"] = min(data["ftt"]["rest_s"], max_trial_seconds)
        notes.append(f"tapping and rest at most {max_trial_seconds:g} s")
    if max_trial_seconds is not None and data.get("sct"):
        if max_trial_seconds <= 0:
            raise TaskError("--max-trial-seconds must be positive")
        sct = data["sct"]
        beats = max(4, int(max_trial_seconds * 1000 // sct["ioi_ms"]))
        sct["sync_beats"] = max(2, min(sct["sync_beats"], beats // 2))
        sct["continuation_beats"] = max(2, min(sct["continuation_beats"], beats - sct["sync_beats"]))
        sct["rest_s"] = min(sct["rest_s"], max_trial_seconds)
        notes.append(f"tapping series of about {max_trial_seconds:g} s")
    data["description"] = f"{protocol.description.strip()} SHORTENED: {'; '.join(notes)}.".strip()
    return parse_protocol(data, f"{protocol.name} (shortened)")
