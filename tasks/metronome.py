"""The metronome of paced and tapping trials: a flashing disc, and a click when a sound device exists.

The disc (above the positions) lights for :data:`FLASH_S` from each beat's frame. The click is a
PsychoPy ``sound.Sound`` on the psychtoolbox backend, scheduled for the beat's time
(``play(when=...)``); with no sound device the metronome is visual only, the console says so once
and the sidecar records it (``Extra.Metronome``). The data hold the *scheduled* onset of each
click (``click_onset``; tapping: click k at ``click_onset + k * ioi``).
"""

from __future__ import annotations

import sys

__all__ = ["Metronome", "FLASH_S"]

#: How long the disc stays lit after a beat (s).
FLASH_S = 0.08


class Metronome:
    """Visual (and, when possible, audible) beats.

    Parameters
    ----------
    win : psychopy.visual.Window
        The task window.
    colour : str
        Colour of the lit disc (the protocol's text colour).
    audible : bool
        Try to open a sound device for the click.
    """

    def __init__(self, win, colour: str, audible: bool = True) -> None:
        from psychopy import visual

        self.disc = visual.Circle(win, radius=0.025, edges=48, pos=(0, 0.3), fillColor=colour, lineColor=colour)
        self.ring = visual.Circle(win, radius=0.025, edges=48, pos=(0, 0.3), fillColor=None, lineColor=colour)
        self.ring.opacity = 0.35
        self._sound = None
        self.status = "visual only (sound not requested)"
        if audible:
            self._open_sound()

    def _open_sound(self) -> None:
        try:
            from psychopy import prefs

            prefs.hardware["audioLib"] = ["ptb"]
            from psychopy import sound

            self._sound = sound.Sound(1500, secs=0.02, stereo=True)
            self.status = "visual and audible (psychtoolbox audio, 1500 Hz, 20 ms, scheduled with play(when=...))"
        except Exception as err:  # no sound device: visual only
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            self.status = f"visual only (no sound device: {reason})"
            print(
                f"motorseq: warning: metronome click unavailable ({reason}); the metronome is visual", file=sys.stderr
            )

    @property
    def audible(self) -> bool:
        """Whether clicks are played."""
        return self._sound is not None

    def schedule_click(self, when_ptb: float) -> None:
        """Schedule one click at ``when_ptb`` (psychtoolbox clock); no-op when visual only."""
        if self._sound is not None:
            self._sound.stop()
            self._sound.play(when=when_ptb)

    def draw(self, lit: bool) -> None:
        """Draw the disc, lit (a beat) or as an outline."""
        (self.disc if lit else self.ring).draw()
