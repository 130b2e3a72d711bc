"""Dataset-level BIDS files: dataset_description.json, participants.tsv/.json, README."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataFileError
from ..labels import check_label, validate_group_label
from .atomic import atomic_write_json, atomic_write_text, locked
from .columns import PARTICIPANT_COLUMNS, describe

__all__ = ["ensure_dataset", "add_participant", "check_participant_row", "BIDS_VERSION"]

BIDS_VERSION = "1.9.0"

_README = """# motorseq dataset

Motor sequence learning data written by motorseq: one folder per participant
(`sub-<label>/ses-<label>/beh/`), one `_beh.tsv` row per trial, one `_events.tsv` row per key
press, and a `_beh.json` sidecar with the protocol, seed, software versions and run status.
Simulated participants (`source` = model) keep their regional activity under
`derivatives/motorseq-model/`.
"""


def ensure_dataset(root: str | Path, name: str = "motorseq dataset") -> Path:
    """Create the dataset-level files of a BIDS dataset at ``root`` if they are missing.

    Existing files are left as they are.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with locked(root / ".motorseq.lock"):
        description = root / "dataset_description.json"
        if not description.exists():
            atomic_write_json(
                description,
                {
                    "Name": name,
                    "BIDSVersion": BIDS_VERSION,
                    "DatasetType": "raw",
                    "GeneratedBy": [{"Name": "motorseq", "Description": "motor sequence learning tasks and model"}],
                },
            )
        if not (root / "README").exists():
            atomic_write_text(root / "README", _README)
        if not (root / "participants.json").exists():
            atomic_write_json(root / "participants.json", describe(PARTICIPANT_COLUMNS[1:]))
        if not (root / ".bidsignore").exists():
            atomic_write_text(root / ".bidsignore", ".motorseq.lock\n**/.*.tmp-*\n")
    return root


def _listed(table: pd.DataFrame, participant: str) -> dict[str, str] | None:
    rows = table[table["participant_id"] == f"sub-{participant}"]
    return None if rows.empty else rows.iloc[0].to_dict()


def _conflict(table_path: Path, row: dict[str, str], participant: str, source: str, group: str | None) -> str | None:
    listed_group = row.get("group", "n/a") or "n/a"
    if group is not None and listed_group not in ("n/a", group):
        return (
            f"{table_path}: sub-{participant} is listed in group {listed_group!r}; this run's group is {group!r} "
            "(a participant has one group: use another participant label, or another --out)"
        )
    listed_source = row.get("source", "n/a") or "n/a"
    if listed_source not in ("n/a", source):
        return (
            f"{table_path}: sub-{participant} is listed with source {listed_source!r}; this run's source is "
            f"{source!r} (people and virtual participants do not share a label: use another --out)"
        )
    return None


def check_participant_row(root: str | Path, participant: str, source: str, group: str | None) -> None:
    """Refuse a run whose participant ``participants.tsv`` lists with another group or source.

    Raises
    ------
    DataFileError
        One line naming ``participants.tsv``, the participant and both values.
    """
    table_path = Path(root) / "participants.tsv"
    if not table_path.is_file():
        return
    table = pd.read_csv(table_path, sep="\t", dtype=str, keep_default_na=False)
    if "participant_id" not in table.columns:
        return
    row = _listed(table, check_label(participant, "participant"))
    problem = None if row is None else _conflict(table_path, row, participant, source, group)
    if problem:
        raise DataFileError(problem)


def add_participant(root: str | Path, participant: str, source: str = "human", group: str | None = None) -> None:
    """Add a participant to ``participants.tsv`` (once; safe when several processes write).

    The participant and the group are checked (:func:`~motorseq.protocols.labels.validate_group_label`)
    before anything is written, so no cell of the table can hold a tab or a newline. A participant
    listed already keeps its row (a row without a group, ``n/a``, gets the run's group); one listed
    with another group or source is refused (:func:`check_participant_row`), so a run never
    contradicts the table.
    """
    label = check_label(participant, "participant")
    if group is not None:
        group = validate_group_label(group, "group")
    root = Path(root)
    ensure_dataset(root)
    table_path = root / "participants.tsv"
    with locked(root / ".motorseq.lock"):
        if table_path.exists():
            table = pd.read_csv(table_path, sep="\t", dtype=str, keep_default_na=False)
        else:
            table = pd.DataFrame(columns=[c.name for c in PARTICIPANT_COLUMNS])
        row = _listed(table, label)
        if row is not None:
            problem = _conflict(table_path, row, label, source, group)
            if problem:
                raise DataFileError(problem)
            if group is None or (row.get("group") or "n/a") != "n/a":
                return
            table.loc[table["participant_id"] == f"sub-{label}", "group"] = group  # listed without a group
            atomic_write_text(table_path, table.to_csv(sep="\t", index=False, lineterminator="\n"))
            return
        row = pd.DataFrame([{"participant_id": f"sub-{label}", "source": source, "group": group or "n/a"}])
        table = pd.concat([table, row], ignore_index=True).sort_values("participant_id")
        atomic_write_text(table_path, table.to_csv(sep="\t", index=False, lineterminator="\n"))
