"""Small durable-write helpers: fsynced appends, atomic replacement, a lock file."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["atomic_write_text", "atomic_write_json", "fsync_dir", "locked", "write_new_text"]


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entry table so a new or renamed file survives a crash."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half of one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_new_text(path: Path, text: str) -> None:
    """Write ``text`` to a new file ``path``; never overwrite, never write through a symlink.

    The file is created exclusively (``O_EXCL``: anything there, even a dangling symlink, makes
    it fail); if writing fails half-way, the partial file is removed.

    Raises
    ------
    MotorseqError
        One line naming ``path``: it exists, or its folder cannot be created or written.
    """
    from ..errors import MotorseqError

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise MotorseqError(f"{path}: cannot create its folder: a file is in the way") from None
    except OSError as error:
        raise MotorseqError(f"{path}: cannot create its folder: {error.strerror or error}") from None
    try:
        handle = open(path, "x", encoding="utf-8", newline="")
    except FileExistsError:
        raise MotorseqError(f"{path}: exists already; not overwritten") from None
    except OSError as error:
        raise MotorseqError(f"{path}: cannot write there: {error.strerror or error}") from None
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise MotorseqError(f"{path}: cannot write there: {error.strerror or error}") from None
    fsync_dir(path.parent)


def atomic_write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically."""
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n")


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed) for the duration of the block."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
