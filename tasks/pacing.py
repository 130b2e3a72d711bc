"""Paced practice: the metronome tempo of each block, and the tempo ramp.

A block with ``pace: {ioi_ms: 600}`` runs at 600 ms per stimulus. With ``target_ioi_ms`` the
tempo ramps over the run: the first paced block of a ramp starts at ``ioi_ms``; a block whose
accuracy reaches ``criterion`` moves the next block ``step_ms`` faster, down to
``target_ioi_ms``; a block below criterion keeps the tempo. The tempo of every trial is written
(``ioi``), so the analysis sees the steps as they happened.
"""

from __future__ import annotations

from motorseq.protocols import Protocol
from motorseq.protocols.schema import Block

__all__ = ["TempoRamp", "expanded_blocks"]


def expanded_blocks(protocol: Protocol) -> list[Block]:
    """Return the protocol's blocks with repeats written out (block *n* of the run is item *n − 1*)."""
    return [block for block in protocol.blocks for _ in range(block.repeat)]


class TempoRamp:
    """The current tempo of each paced block specification of a run."""

    def __init__(self) -> None:
        self._ioi_ms: dict[tuple, float] = {}

    @staticmethod
    def _key(block: Block) -> tuple:
        pace = block.pace
        return (pace.ioi_ms, pace.target_ioi_ms, pace.step_ms, pace.criterion) if pace else ()

    def ioi_s(self, block: Block) -> float | None:
        """Inter-onset interval (s) of the next block of this kind; ``None`` when self-paced."""
        if block.pace is None:
            return None
        return self._ioi_ms.setdefault(self._key(block), block.pace.ioi_ms) / 1000.0

    def after_block(self, block: Block, accuracy: float | None) -> None:
        """Move a ramp one step faster when the block's accuracy reached its criterion."""
        pace = block.pace
        if pace is None or pace.target_ioi_ms is None or accuracy is None:
            return
        key = self._key(block)
        current = self._ioi_ms.setdefault(key, pace.ioi_ms)
        if accuracy >= pace.criterion:
            self._ioi_ms[key] = max(pace.target_ioi_ms, current - pace.step_ms)
