"""PsychoPy tasks: ``motorseq run PROTOCOL`` (SRT incl. SOC designs, ASRT, DSP, finger tapping).

Importing this package does not import PsychoPy; the window, keyboard and run loop import it
when a run starts.

Examples
--------
>>> from motorseq.tasks import RunOptions, run_session, parse_simulation_spec  # doctest: +SKIP
>>> run_session(RunOptions("asrt", participant="07", simulate=parse_simulation_spec("default")))  # doctest: +SKIP
"""

from .errors import DisplayError, KeyboardBackendError, ResumeError, SimulationSpecError, TaskError
from .session import RunOptions, RunResult, run_session
from .shorten import shorten_protocol
from .simulate_input import ResponseModel, SimulatedParticipant, parse_simulation_spec

__all__ = [
    "DisplayError",
    "KeyboardBackendError",
    "ResponseModel",
    "ResumeError",
    "RunOptions",
    "RunResult",
    "SimulatedParticipant",
    "SimulationSpecError",
    "TaskError",
    "parse_simulation_spec",
    "run_session",
    "shorten_protocol",
]
