"""The Brian2 warnings the model triggers on purpose, filtered by their exact text.

The response synapse (``RESPONSE_ON_PRE`` in :mod:`motorseq.models.network`) implements the
first-press rule: when a readout unit fires, it becomes the trial's response only if no press has
been counted yet. Brian2 sees that the code reads ``npress_post`` after another spike of the same
step may have changed it and warns that the outcome "may depend on the order of execution". Here
the order is defined: the compiled model handles the spikes of one time step in readout-channel
order, so when two keys cross threshold in the same 0.1 ms step the lower channel is the response,
the same in every run with the same seed. This is the rule, not a bug, so that one warning (and no
other Brian2 message) is dropped.

The tap synapse of the SMA timer (``TIMER_TO_CONTROLLER``) writes the controller's tap command
from the one timer readout unit: a single presynaptic unit, so no order can matter; its warning
is dropped the same way.
"""

from __future__ import annotations

import logging

__all__ = ["install_brian_filter"]

_LOGGER = "brian2.codegen.generators.base"
_ORDER_WARNING = "Came across an abstract code block that may not be well-defined"


def _first_statement() -> str:
    from motorseq.models.network import RESPONSE_ON_PRE

    lhs, _, rhs = RESPONSE_ON_PRE.strip().splitlines()[0].partition("=")
    return f"'{lhs.strip()} := {rhs.strip()}"  # Brian2 prints the auxiliary variable with ':='


def _timer_statement() -> str:
    from motorseq.models.network import TIMER_TO_CONTROLLER

    return f"first line is: '{TIMER_TO_CONTROLLER.strip().splitlines()[0]}'"


class _ResponseOrderFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.first = _first_statement()
        self.timer = _timer_statement()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith(_ORDER_WARNING) and (self.first in message or self.timer in message))


def install_brian_filter() -> None:
    """Drop Brian2's order warning for the response synapse (idempotent)."""
    logger = logging.getLogger(_LOGGER)
    if not any(isinstance(f, _ResponseOrderFilter) for f in logger.filters):
        logger.addFilter(_ResponseOrderFilter())
