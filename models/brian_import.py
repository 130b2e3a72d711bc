"""Importing Brian2 from any thread (a Dask worker's task runs outside the main thread)."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

__all__ = ["import_brian2"]


def import_brian2() -> Any:
    """Import Brian2 (only when a network is built or run in Python), from any thread.

    Brian2 installs a SIGINT handler when it is imported, which Python allows only in the
    main thread; in another thread (a Dask worker's task) the handler is skipped, so a
    worker imports Brian2 only when it has to build the network, not to run a prepared one.
    """
    if "brian2" in sys.modules or threading.current_thread() is threading.main_thread():
        import brian2

        return brian2
    original = signal.signal
    signal.signal = lambda *args, **kwargs: None
    try:
        import brian2
    finally:
        signal.signal = original
    return brian2
