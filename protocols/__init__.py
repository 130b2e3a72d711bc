"""Protocols: the design of an experiment, its trial lists, and the trial data format.

The YAML files beside this module are the bundled protocols (``motorseq protocols list``).
"""

from .errors import DataFileError, LabelError, MotorseqError, ProtocolError, RunExistsError
from .labels import check_label, participant_number, task_label
from .registry import list_protocols, load_protocol, parse_protocol, protocol_hash, protocol_path
from .schema import Block, Protocol
from .trials import TRIAL_COLUMNS, assigned_sequence, generate_trials
from .triplets import code_triplets

__all__ = [
    "Block",
    "DataFileError",
    "LabelError",
    "MotorseqError",
    "Protocol",
    "ProtocolError",
    "RunExistsError",
    "TRIAL_COLUMNS",
    "assigned_sequence",
    "check_label",
    "code_triplets",
    "generate_trials",
    "list_protocols",
    "load_protocol",
    "parse_protocol",
    "participant_number",
    "protocol_hash",
    "protocol_path",
    "task_label",
]
