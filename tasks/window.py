"""The PsychoPy window: opening it, flipping it on a steady frame clock, and frame statistics.

On a real monitor ``win.flip()`` blocks until the vertical blank. A virtual display (Xvfb in
CI, some remote desktops) has no vertical blank, so flips would return at once and the loop
would spin; :class:`TaskWindow` detects that at start-up and then paces flips on a software
frame clock at ``nominal_hz``, so stimulus durations, frame statistics and CPU load behave
as on a monitor. Whether pacing is by the display or in software is recorded in the sidecar.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .errors import DisplayError

__all__ = ["TaskWindow", "FrameLog", "require_display", "check_screen"]

#: A display that flips faster than this has no vertical-blank synchronisation.
_MAX_PLAUSIBLE_HZ = 250.0
#: A frame interval longer than this many nominal periods counts as a dropped frame.
_DROPPED_FACTOR = 1.5


def require_display() -> None:
    """Raise :class:`DisplayError` if no X display is available (Linux)."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise DisplayError(
            "no display: DISPLAY is not set; run from a desktop session, or headless as `xvfb-run -a motorseq run ...`"
        )


def check_screen(screen: int) -> None:
    """Raise :class:`DisplayError` (naming ``--screen``) for a screen number the display does not have.

    PsychoPy would open the window on screen 0 with only a log warning, and the sidecar would
    record the screen asked for, not the one used.
    """
    import pyglet

    canvas = getattr(pyglet, "canvas", None) or pyglet.display  # pyglet 1.5 / pyglet 2
    try:
        count = len(canvas.get_display().get_screens())
    except Exception as err:  # pyglet raises many kinds of errors for a display it cannot use
        raise DisplayError(f"--screen {screen}: cannot list the screens of the display: {err}") from None
    if not 0 <= screen < count:
        available = "0" if count == 1 else f"0 to {count - 1}"
        raise DisplayError(f"--screen {screen}: the display has {count} screen(s); give --screen {available}")


@dataclass
class FrameLog:
    """Flip times of one segment of the run (e.g. one block)."""

    period: float
    times: list[float] = field(default_factory=list)

    def stats(self) -> dict[str, float | int]:
        """Frame-interval statistics (ms) and the number of dropped frames.

        Returns
        -------
        dict
            ``n_frames``, ``expected_interval_ms``, ``mean_interval_ms``, ``sd_interval_ms``,
            ``median_interval_ms``, ``max_interval_ms``, ``dropped_frames`` (intervals longer than
            1.5 expected frames) and ``dropped_frames_total`` (frames lost, counting long gaps as several).
        """
        intervals = np.diff(np.asarray(self.times, dtype=float))
        stats: dict[str, float | int] = {
            "n_frames": len(self.times),
            "expected_interval_ms": round(self.period * 1000, 3),
        }
        if intervals.size == 0:
            return stats | {"dropped_frames": 0, "dropped_frames_total": 0}
        late = intervals > _DROPPED_FACTOR * self.period
        return stats | {
            "mean_interval_ms": round(float(intervals.mean() * 1000), 3),
            "sd_interval_ms": round(float(intervals.std() * 1000), 3),
            "median_interval_ms": round(float(np.median(intervals) * 1000), 3),
            "max_interval_ms": round(float(intervals.max() * 1000), 3),
            "dropped_frames": int(late.sum()),
            "dropped_frames_total": int(np.round(intervals[late] / self.period).sum() - late.sum()),
        }


class TaskWindow:
    """A PsychoPy (pyglet) window with a steady frame clock and per-segment frame logs.

    Parameters
    ----------
    background : str
        Background colour (PsychoPy colour name or ``#RRGGBB``).
    fullscreen : bool
        Full-screen window (the mouse pointer is hidden).
    screen : int
        Index of the screen to open on.
    size : tuple of int
        Window size in pixels when not full screen.
    nominal_hz : float
        Frame rate of the software frame clock used when the display has no vertical blank.

    Attributes
    ----------
    last_flip : float
        Time of the latest flip (s, PsychoPy clock).

    Raises
    ------
    DisplayError
        If there is no display or the window cannot be opened.
    """

    def __init__(
        self,
        background: str = "#808080",
        fullscreen: bool = False,
        screen: int = 0,
        size: tuple[int, int] = (1024, 768),
        nominal_hz: float = 60.0,
    ) -> None:
        require_display()
        check_screen(screen)
        from psychopy import logging, visual

        logging.console.setLevel(logging.ERROR)
        try:
            self.win = visual.Window(
                size=size,
                fullscr=fullscreen,
                screen=screen,
                units="height",
                color=background,
                colorSpace="rgb",
                winType="pyglet",
                allowGUI=not fullscreen,
                waitBlanking=True,
                checkTiming=False,
                title="motorseq",
            )
        except Exception as err:  # pyglet raises many kinds of errors for a missing screen
            raise DisplayError(f"cannot open the PsychoPy window on screen {screen}: {err}") from None
        self.win.recordFrameIntervals = False  # we keep our own log, without console warnings
        self.win.mouseVisible = not fullscreen
        self.fullscreen = fullscreen
        self.screen = screen
        self.vsync, self.period = self._measure_refresh(nominal_hz)
        self._next_flip: float | None = None
        self._log = FrameLog(self.period)
        self.last_flip = self.win.flip()

    def _measure_refresh(self, nominal_hz: float) -> tuple[bool, float]:
        times = [self.win.flip() for _ in range(40)]
        median = float(np.median(np.diff(times[5:])))
        if median > 1.0 / _MAX_PLAUSIBLE_HZ:
            return True, median
        return False, 1.0 / nominal_hz

    @property
    def measured_hz(self) -> float:
        """Frame rate in use (Hz): the display's, or the software frame clock's."""
        return 1.0 / self.period

    def flip(self) -> float:
        """Show the drawn frame; return its flip time (s, PsychoPy clock)."""
        if not self.vsync:
            self._wait_for_frame()
        t = self.win.flip()
        if not self.vsync:
            behind = self._next_flip is None or t > self._next_flip + self.period
            self._next_flip = (t if behind else self._next_flip) + self.period
        self._log.times.append(t)
        self.last_flip = t
        return t

    def _wait_for_frame(self) -> None:
        if self._next_flip is None:
            return
        from psychopy import logging

        remaining = self._next_flip - logging.defaultClock.getTime()
        if remaining > 0:
            time.sleep(remaining)  # sleeping, not spinning: the keyboard thread and the X server need the CPU

    def call_on_flip(self, function, *args, **kwargs) -> None:
        """Call ``function(*args, **kwargs)`` right after the next flip (``Window.callOnFlip``)."""
        self.win.callOnFlip(function, *args, **kwargs)

    def new_frame_log(self) -> FrameLog:
        """Start a new frame log (e.g. at the start of a block) and return the finished one."""
        finished, self._log = self._log, FrameLog(self.period)
        return finished

    def describe(self) -> dict[str, object]:
        """How the window runs, for the sidecar."""
        return {
            "WindowSize": [int(v) for v in self.win.size],
            "FullScreen": self.fullscreen,
            "Screen": self.screen,
            "FrameRateHz": round(self.measured_hz, 3),
            "FramePacing": "display vertical blank" if self.vsync else "software frame clock (display has no vsync)",
            "WindowBackend": "pyglet",
        }

    def screenshot(self, path: str | os.PathLike) -> None:
        """Save the frame drawn but not yet flipped (back buffer) as an image file.

        Call it after drawing and before :meth:`flip`: the back buffer holds exactly the frame the
        next flip shows (the front buffer of a virtual display is not always readable).
        """
        image = self.win.getMovieFrame(buffer="back")
        self.win.movieFrames.clear()
        image.save(os.fspath(path))

    def close(self) -> None:
        """Close the window."""
        self.win.close()
