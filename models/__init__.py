"""Brian2 spiking model of cortex-striatum-cerebellum loops that performs a protocol.

``simulate_participant(protocol, trials, params, seed)`` runs one virtual participant through
a trial list in closed loop (C++ standalone, compiled once per process) and returns its
responses and the activity of every region. Brian2 is imported only when a network is built.
"""

from .errors import ModelError, ModelNotImplementedError
from .layout import REGIONS
from .parameters import LESIONS, VARIABLE_PARAMETERS, ModelParameters
from .participant import SUPPORTED_PARADIGMS, simulate_participant
from .results import SimulationResult

__all__ = [
    "LESIONS",
    "REGIONS",
    "SUPPORTED_PARADIGMS",
    "VARIABLE_PARAMETERS",
    "ModelError",
    "ModelNotImplementedError",
    "ModelParameters",
    "SimulationResult",
    "simulate_participant",
]
