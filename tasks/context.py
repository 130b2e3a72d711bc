"""What every trial procedure needs while a run is on.

Window, screens, keys, the automated participant, the Escape rule, and the conversion of
presses to event rows.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from motorseq.protocols.schema import QUIT_KEY as SCHEMA_QUIT_KEY

from .keyboard import KeyRecorder, Press
from .screens import Screens
from .simulate_input import SimulatedParticipant
from .window import TaskWindow

__all__ = ["RunContext", "AbortRun", "RestartTrial", "TrialOutcome", "ErrorTone"]

QUIT_KEY = SCHEMA_QUIT_KEY  # the protocol schema refuses it as a response key
YES_KEYS = ("y",)
NO_KEYS = ("n",)
CONTINUE_KEY = "space"


class AbortRun(Exception):
    """Escape was pressed and confirmed: end the run, keep what is saved, mark it ``aborted``."""


class RestartTrial(Exception):
    """Escape was pressed and then cancelled: run the interrupted trial again from its start."""


@dataclass
class TrialOutcome:
    """One finished trial, ready to be written.

    Attributes
    ----------
    row : dict
        ``_beh.tsv`` values measured in the trial (the trial-list columns are added by the session).
    presses : list of (Press, int or None)
        Presses in the trial with their ``correct`` code (1 expected key, 0 not).
    onset : float
        Stimulus flip time (s, PsychoPy clock).
    end : float
        When the response period ended (last response press or timeout), PsychoPy clock.
    rest_after : float
        Seconds from ``end`` to the next stimulus (RSI, inter-sequence interval, rest).
    """

    row: dict[str, Any]
    presses: list[tuple[Press, int | None]]
    onset: float
    end: float
    rest_after: float


class ErrorTone:
    """A short tone for errors, when the protocol asks for one and a sound device exists.

    If no sound device can be opened the run goes on without the tone; the console says so
    once and the sidecar records it (``Extra.ErrorTone``).
    """

    def __init__(self, wanted: bool) -> None:
        self.status = "not requested"
        self._sound = None
        if not wanted:
            return
        try:
            from psychopy import prefs

            prefs.hardware["audioLib"] = ["ptb"]
            from psychopy import sound

            self._sound = sound.Sound(880, secs=0.08, stereo=True)
            self.status = "on (psychtoolbox audio, 880 Hz, 80 ms)"
        except Exception as err:  # no sound device: say so, go on
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            self.status = f"unavailable: {reason}"
            print(
                f"motorseq: warning: the protocol asks for an error tone but no sound device works ({reason}); "
                "errors are not signalled",
                file=sys.stderr,
            )

    def play(self) -> None:
        """Play the tone (no-op when unavailable)."""
        if self._sound is not None:
            self._sound.stop()
            self._sound.play()


@dataclass
class RunContext:
    """The live parts of a run, shared by the session loop and the trial procedures."""

    window: TaskWindow
    screens: Screens
    keys: KeyRecorder
    protocol: Any
    participant: SimulatedParticipant | None = None
    tone: ErrorTone | None = None
    metronome: Any = None  # tasks.metronome.Metronome for paced and tapping trials
    beat_zero: float | None = None  # paced blocks: time of beat 0 of the block (the next beats follow it)
    run_start: float = 0.0
    anticipations: list[Press] = field(default_factory=list)
    before_onset: list[Press] = field(default_factory=list)

    # -- frames -------------------------------------------------------------------------------
    def flip(self) -> float:
        """Flip the drawn frame; return the flip time (PsychoPy clock)."""
        return self.window.flip()

    @property
    def period(self) -> float:
        """Frame period (s)."""
        return self.window.period

    def stimulus_flip(self, message: dict[str, Any] | None = None) -> float:
        """Flip the drawn stimulus and return its onset (the flip time).

        Presses that went down before the onset are kept as anticipations of this trial. When an
        automated participant plays, it is told the onset (in its clock) and what to answer.
        """
        early = self._poll_raw()
        if any(p.key == QUIT_KEY for p in early):
            self.confirm_quit()
            raise RestartTrial
        self.anticipations.extend(early)
        onset = self.window.flip()
        self.before_onset, self.anticipations = self.anticipations, []
        if self.participant is not None and message is not None:
            timed = dict(message)
            for name in ("deadline", "until"):
                if timed.get(name) is not None:
                    timed[name] = self.keys.absolute(onset + timed[name])
            self.participant.send(onset=self.keys.absolute(onset), **timed)
        return onset

    def keep_outside(self, press: Press, onset: float) -> None:
        """Keep a press made outside the response period.

        A press before ``onset`` is an anticipation of this trial; one after the response is an
        anticipation of the next trial.
        """
        (self.before_onset if press.t_down < onset else self.anticipations).append(press)

    def tell_participant(self, **message) -> None:
        """Send a message to the automated participant, if one plays."""
        if self.participant is not None:
            self.participant.send(**message)

    # -- keys ---------------------------------------------------------------------------------
    def _poll_raw(self) -> list[Press]:
        return self.keys.poll()

    def poll(self) -> list[Press]:
        """Return new presses; Escape asks for confirmation (raises :class:`AbortRun` or :class:`RestartTrial`)."""
        presses = self._poll_raw()
        if any(p.key == QUIT_KEY for p in presses):
            self.confirm_quit()
            raise RestartTrial
        return presses

    def poll_keeping_escape(self) -> list[Press]:
        """Return new presses, Escape included, without acting on it (the caller saves data first)."""
        return self._poll_raw()

    def confirm_quit(self) -> None:
        """Show the quit question; return if the experimenter says no, raise :class:`AbortRun` if yes."""
        self.screens.draw_confirm_quit(YES_KEYS[0], NO_KEYS[0])
        self.window.flip()
        self.tell_participant(
            kind="confirm", onset=self.keys.absolute(self.window.last_flip), yes=YES_KEYS[0], no=NO_KEYS[0]
        )
        while True:
            self.screens.draw_confirm_quit(YES_KEYS[0], NO_KEYS[0])
            self.window.flip()
            for press in self._poll_raw():
                if press.key in YES_KEYS:
                    raise AbortRun
                if press.key in NO_KEYS:
                    self.tell_participant(kind="cancel")
                    return

    def wait_for_key(
        self,
        draw: Callable[[float], None],
        keys: tuple[str, ...] = (CONTINUE_KEY,),
        min_s: float = 0.0,
        auto_continue: bool = False,
    ) -> None:
        """Show a screen until one of ``keys`` is pressed (or ``min_s`` passes, if ``auto_continue``).

        ``draw(seconds_left)`` draws the screen; keys pressed before ``min_s`` has passed are ignored.
        Escape asks for confirmation (raises :class:`AbortRun` if confirmed).
        """
        draw(min_s)
        start = now = self.window.flip()
        self.keys.clear()
        told = False
        while True:
            left = max(0.0, min_s - (now - start))
            if left <= 0 and auto_continue:
                return
            if left <= 0 and not told:
                self.tell_participant(kind="prompt", onset=self.keys.absolute(now), key=keys[0])
                told = True
            for press in self._poll_raw():
                if left <= 0 and press.key in keys:
                    self.anticipations.clear()
                    return
                if press.key == QUIT_KEY:
                    self.confirm_quit()
                    told = False
            draw(left)
            now = self.window.flip()

    # -- rows -----------------------------------------------------------------------------------
    def position_of(self, key: str) -> int | None:
        """1-based position answered by ``key`` (``None`` for other keys)."""
        keys = self.protocol.keys
        return keys.index(key) + 1 if key in keys else None

    def event_row(self, press: Press, onset: float, correct: int | None) -> dict[str, Any]:
        """One ``_events.tsv`` row for ``press`` in a trial whose stimulus flipped at ``onset``."""
        return {
            "onset": press.t_down - self.run_start,
            "duration": press.duration,
            "key": press.key,
            "position": self.position_of(press.key),
            "rt": press.t_down - onset,
            "correct": correct,
        }

    def error_signal(self) -> None:
        """Signal a wrong key (error tone, when the protocol asks for it)."""
        if self.tone is not None:
            self.tone.play()
