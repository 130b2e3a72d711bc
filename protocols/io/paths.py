"""BIDS paths of one run."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataFileError, LabelError
from ..labels import check_label, shown, task_label

__all__ = ["MAX_RUN", "RunPaths", "run_paths", "check_inside", "check_data_folder"]

#: Highest run number.
MAX_RUN = 9999


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

    def check_inside(self) -> None:
        """Refuse a run whose folder or files resolve outside the dataset (a planted symlink).

        Raises
        ------
        DataFileError
            Naming the path that leads outside ``root``.
        """
        for path in (self.folder, self.beh, self.sidecar, self.events, self.events_sidecar):
            check_inside(self.root, path)

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
    text = str(run)
    if isinstance(run, bool) or len(text) > 6 or not text.isdigit() or not 1 <= int(text) <= MAX_RUN:
        raise LabelError(f"run {shown(text)} is not allowed: use a whole number from 1 to {MAX_RUN}")
    return RunPaths(
        Path(root), check_label(participant, "participant"), check_label(session, "session"), task_label(task), int(run)
    )


def check_inside(root: str | Path, path: str | Path) -> Path:
    """Return ``path`` resolved, or raise if it (through a symlink) leaves the dataset ``root``.

    Parameters
    ----------
    root : str or Path
        The dataset folder.
    path : str or Path
        A path that must stay inside it (it need not exist yet).

    Raises
    ------
    DataFileError
        ``path`` resolves outside ``root`` (a symlink in the dataset points elsewhere).
    """
    real_root = Path(root).resolve()
    real = Path(path).resolve()
    if real != real_root and real_root not in real.parents:
        raise DataFileError(
            f"{path}: leads to {real}, outside the dataset {real_root} (a symlink?); motorseq writes only inside it"
        )
    return real


def check_data_folder(root: str | Path, option: str = "--data") -> Path:
    """Check that a dataset folder can be written, creating it if needed, before any work starts.

    Parameters
    ----------
    root : str or Path
        The dataset folder.
    option : str
        Where the folder came from, for the message.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    DataFileError
        One line: the folder is a file, a dangling symlink, or cannot be created or written.
    """
    root = Path(root)
    if root.is_symlink() and not root.exists():
        raise DataFileError(f"{option} {root}: a symlink to {os.readlink(root)}, which does not exist")
    if root.exists() and not root.is_dir():
        raise DataFileError(f"{option} {root}: not a folder (a file is there)")
    try:
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=root):
            pass
    except OSError as error:
        raise DataFileError(f"{option} {root}: cannot write there: {error.strerror or error}") from None
    return root
