"""Keep NiMARE's console noise away from the user (its log lines and tqdm bars).

NiMARE 0.2x calls ``logging.basicConfig(level=logging.INFO)`` when it is imported, which turns
every INFO record of every library into a ``INFO:nimare.correct:…`` line on stderr; its Monte
Carlo loops draw tqdm bars that tear through the rich status line. :func:`import_nimare` imports
NiMARE without that side effect (the root logger is left as it was) and
:func:`no_progress_bars` drops exactly the tqdm bar writes; anything else on stderr still shows.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TextIO

__all__ = ["import_nimare", "no_progress_bars"]

# a tqdm refresh: "\r 45%|████▌     | 9/20 [00:00<00:00, 25.1it/s]" (tqdm's default format)
_TQDM_WRITE = re.compile(r"\r[^\n]*\|[^\n]*\d+/\S+ \[[0-9:]+<[0-9:?]+, [^\]]*(?:it/s|s/it)\] *")


def import_nimare() -> ModuleType:
    """Import NiMARE, leaving the root logger's handlers and level as they were.

    Returns
    -------
    module
        The ``nimare`` package.
    """
    if "nimare" in sys.modules:
        return sys.modules["nimare"]
    root = logging.getLogger()
    level = root.level
    guard = logging.NullHandler()  # basicConfig() does nothing while the root has a handler
    root.addHandler(guard)
    try:
        import nimare
    finally:
        root.removeHandler(guard)
        root.setLevel(level)
    return nimare


class _DropBars:
    """A stderr stand-in that passes everything on except tqdm bar refreshes."""

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._in_bar = False  # the last write was a bar: its closing "\n" goes too

    def write(self, text: str) -> int:
        bar = _TQDM_WRITE.fullmatch(text) is not None
        if bar or (self._in_bar and text in ("", "\n")):
            self._in_bar = bar or text == ""
            return len(text)
        self._in_bar = False
        return self._target.write(text)

    def flush(self) -> None:
        self._target.flush()

    def __getattr__(self, name: str):
        return getattr(self._target, name)


@contextmanager
def no_progress_bars() -> Iterator[None]:
    """Within the block, tqdm progress bars written to stderr are dropped; other text is not."""
    real = sys.stderr
    sys.stderr = _DropBars(real)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stderr = real
