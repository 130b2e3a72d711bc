"""BIDS paths of one run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import LabelError
from ..labels import check_label, task_label

__all__ = ["RunPaths", "run_paths"]


@dataclass(frozen=True)
class RunPaths:
    """The files of one run inside a BIDS dataset."""

    root: Path
    participant: str
    session: str
    task: str
    run: int

    @property
    def folder(self) -> Path:
        """``root/sub-<p>/ses-<s>/beh``."""
        return self.root / f"sub-{self.participant}" / f"ses-{self.session}" / "beh"

    @property
    def stem(self) -> str:
        """``sub-<p>_ses-<s>_task-<t>_run-<n>``."""
        return f"sub-{self.participant}_ses-{self.session}_task-{self.task}_run-{self.run}"

    @property
    def beh(self) -> Path:
        """The trial table (``_beh.tsv``)."""
        return self.folder / f"{self.stem}_beh.tsv"

    @property
    def sidecar(self) -> Path:
        """The trial table's sidecar (``_beh.json``)."""
        return self.folder / f"{self.stem}_beh.json"

    @property
    def events(self) -> Path:
        """The per-press table (``_events.tsv``)."""
        return self.folder / f"{self.stem}_events.tsv"

    @property
    def events_sidecar(self) -> Path:
        """The per-press table's sidecar (``_events.json``)."""
        return self.folder / f"{self.stem}_events.json"

    def derivative(self, pipeline: str, suffix: str) -> Path:
        """Return a derivative file of this run: ``root/derivatives/<pipeline>/sub-<p>/ses-<s>/<stem>_<suffix>``."""
        return (
            self.root
            / "derivatives"
            / pipeline
            / f"sub-{self.participant}"
            / f"ses-{self.session}"
            / f"{self.stem}_{suffix}"
        )


def run_paths(root: str | Path, participant: str | int, session: str | int, task: str, run: int = 1) -> RunPaths:
    """Return the paths of one run; labels are checked (letters and digits only).

    Parameters
    ----------
    root : str or Path
        The BIDS dataset folder.
    participant, session : str or int
        BIDS labels (``"07"``, ``"1"``).
    task : str
        Protocol name; reduced to a BIDS label (``srt-classic`` → ``srtclassic``).
    run : int
        Run number, from 1.
    """
    if isinstance(run, bool) or not str(run).isdigit() or int(run) < 1:
        raise LabelError(f"run {run!r} is not allowed: use a whole number from 1")
    return RunPaths(
        Path(root), check_label(participant, "participant"), check_label(session, "session"), task_label(task), int(run)
    )
