"""The trial data format: BIDS paths, a crash-safe writer and a validating reader."""

from .columns import BEH_COLUMNS, EVENT_COLUMNS, Column
from .dataset import add_participant, ensure_dataset
from .paths import RunPaths, check_data_folder, check_inside, run_paths
from .reader import (
    Runs,
    find_runs,
    read_dataset,
    read_events,
    read_run,
    read_runs,
    read_sidecar,
    validate_path,
    validate_runs,
)
from .writer import RunWriter, check_resume, software_versions

__all__ = [
    "BEH_COLUMNS",
    "EVENT_COLUMNS",
    "Column",
    "RunPaths",
    "Runs",
    "RunWriter",
    "add_participant",
    "check_data_folder",
    "check_inside",
    "check_resume",
    "ensure_dataset",
    "find_runs",
    "read_dataset",
    "read_events",
    "read_run",
    "read_runs",
    "read_sidecar",
    "run_paths",
    "software_versions",
    "validate_path",
    "validate_runs",
]
