"""A protocol cut to its first ``n`` trials, so a test run of ``n`` trials is a complete run of it."""

from __future__ import annotations

from motorseq.protocols.schema import Protocol


def first_trials(protocol: Protocol, n: int) -> Protocol:
    """Return ``protocol`` with its blocks (repeats expanded) cut after ``n`` trials in all."""
    blocks, left = [], n
    for block in protocol.blocks:
        for _ in range(block.repeat):
            if left > 0:
                blocks.append(block.model_copy(update={"trials": min(block.trials, left), "repeat": 1}))
                left -= blocks[-1].trials
    return protocol.model_copy(update={"blocks": blocks})
