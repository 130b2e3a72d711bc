"""Key presses with their own psychtoolbox timestamps, none lost.

Keys are read through :class:`psychopy.hardware.keyboard.Keyboard` with the psychtoolbox
(``ptb``) backend, which timestamps each key event in a separate thread when the X server
delivers it. :class:`KeyRecorder` turns PsychoPy's two views of the buffer (presses still
down, presses already released) into one stream in which every press appears exactly once, as
soon as its key went down: a repeated key gives two presses, and a short tap that was released
before the loop polled is kept (``waitRelease`` semantics without waiting for the release).

All times are in PsychoPy's clock (``psychopy.logging.defaultClock``), the clock that
``Window.flip()`` returns, so ``press.t_down - flip_time`` is the response time.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from .errors import KeyboardBackendError

__all__ = ["Press", "KeyRecorder", "require_psychtoolbox", "INSTALL_HINT"]

INSTALL_HINT = (
    "install the psychtoolbox keyboard backend: `pip install psychtoolbox` and, on Debian/Ubuntu, "
    "`sudo apt-get install libjack-jackd2-0 libxcb-icccm4 libxcb-keysyms1` (motorseq does not fall back to a "
    "keyboard backend with worse timing)"
)


@dataclass
class Press:
    """One key press.

    Attributes
    ----------
    key : str
        PsychoPy key name (``"z"``, ``"space"``, ``"escape"``).
    t_down : float
        Time the key went down (s, PsychoPy clock), the key event's own psychtoolbox timestamp.
    duration : float or None
        How long the key was held (s); ``None`` while it is still down.
    """

    key: str
    t_down: float
    duration: float | None = None


def require_psychtoolbox() -> None:
    """Import psychtoolbox's HID module or raise :class:`KeyboardBackendError` saying what to install.

    Raises
    ------
    KeyboardBackendError
        When ``psychtoolbox`` is missing or its shared libraries (e.g. ``libjack.so.0``) cannot load.
    """
    try:
        import psychtoolbox  # noqa: F401
        from psychtoolbox import hid  # noqa: F401
    except (ImportError, OSError) as err:  # OSError: a shared library is missing
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise KeyboardBackendError(f"psychtoolbox cannot be loaded ({reason}): {INSTALL_HINT}") from None


class KeyRecorder:
    """Every key press from the psychtoolbox keyboard queue, each reported once.

    Parameters
    ----------
    None

    Raises
    ------
    KeyboardBackendError
        If psychtoolbox cannot load, or PsychoPy's keyboard already runs on another backend.
    """

    def __init__(self) -> None:
        require_psychtoolbox()
        from psychopy import logging
        from psychopy.hardware import keyboard

        if not keyboard.havePTB:
            raise KeyboardBackendError(f"PsychoPy could not import psychtoolbox: {INSTALL_HINT}")
        self._keyboard = keyboard.Keyboard(backend="ptb")
        backend = self._keyboard.getBackend()
        if backend != "ptb":
            raise KeyboardBackendError(
                f"PsychoPy's keyboard runs on the {backend!r} backend, not 'ptb': {INSTALL_HINT}"
            )
        self._keyboard.start()  # the device is shared: a queue stopped by an earlier recorder restarts here
        self._clock = logging.defaultClock
        self._still_down: dict[tuple[int, float], Press] = {}
        self._cleared_at = float("-inf")
        self.clear()

    @property
    def backend(self) -> str:
        """The PsychoPy keyboard backend in use (always ``"ptb"``)."""
        return self._keyboard.getBackend()

    def clear(self) -> None:
        """Forget every press that went down before now (a key held across the call is not reported)."""
        self._cleared_at = self._clock.getTime()
        self._keyboard.clearEvents()
        self._keyboard.getKeys(waitRelease=False, clear=True)
        self._keyboard.getKeys(waitRelease=True, clear=True)
        self._still_down.clear()

    def poll(self) -> list[Press]:
        """Return the presses that went down since the last poll, oldest first.

        A press still held is returned with ``duration=None``; its :class:`Press` object gets its
        duration when the release arrives at a later poll.
        """
        new: list[Press] = []
        # presses whose key is still down, then presses already released (short taps included)
        for key_press in self._keyboard.getKeys(waitRelease=False, clear=True):
            self._take(key_press, new)
        for key_press in self._keyboard.getKeys(waitRelease=True, clear=True):
            self._take(key_press, new)
        new.sort(key=lambda press: press.t_down)
        return new

    def _take(self, key_press, new: list[Press]) -> None:
        if key_press.tDown < self._cleared_at:
            return
        ident = (key_press.code, key_press.tDown)
        press = self._still_down.get(ident)
        if press is None:
            press = Press(key=str(key_press.name), t_down=float(key_press.tDown), duration=key_press.duration)
            new.append(press)
            if key_press.duration is None:
                self._still_down[ident] = press
        elif key_press.duration is not None:
            press.duration = float(key_press.duration)
            del self._still_down[ident]

    def absolute(self, t: float) -> float:
        """Convert a PsychoPy-clock time to the psychtoolbox ``GetSecs`` clock (shared by all processes)."""
        return t + self._clock.getLastResetTime()

    def relative(self, t_abs: float) -> float:
        """Convert a ``GetSecs`` time to the PsychoPy clock."""
        return t_abs - self._clock.getLastResetTime()

    def close(self) -> None:
        """Stop the keyboard queue."""
        try:
            self._keyboard.stop()
        except Exception as err:  # closing must never hide the data already saved
            print(f"motorseq: keyboard queue did not stop cleanly: {err}", file=sys.stderr)
