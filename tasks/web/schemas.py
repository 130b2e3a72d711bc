"""Request bodies of the web app (pydantic): every field typed and bounded.

A body that does not fit is refused with 422 naming the field; one over :data:`MAX_BODY_BYTES`
is refused with 413 before it is parsed. Nothing a page sends is used as a path.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MAX_BODY_BYTES", "MAX_PRESSES", "Environment", "FrameCounts", "JoinBody", "Press", "StartBody", "TrialBody"]

#: Largest request body (a finger-tapping trial of 30 s at 10 taps/s is about 20 kB).
MAX_BODY_BYTES = 64_000
#: Most key presses in one trial.
MAX_PRESSES = 600

_LABEL = r"^[A-Za-z0-9]{1,32}$"
_MS = Field(ge=-3_600_000, le=86_400_000, allow_inf_nan=False)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Environment(_Strict):
    """What the page knows about the browser and the screen, for the sidecar."""

    user_agent: str = Field(default="", max_length=400)
    refresh_hz: float | None = Field(default=None, ge=1, le=1000, allow_inf_nan=False)
    screen_width: int | None = Field(default=None, ge=0, le=100_000)
    screen_height: int | None = Field(default=None, ge=0, le=100_000)
    device_pixel_ratio: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)


class StartBody(_Strict):
    """Start (or continue) a run: ``POST /api/runs``."""

    protocol: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    participant: str = Field(pattern=_LABEL)
    session: str = Field(default="1", pattern=_LABEL)
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    environment: Environment = Field(default_factory=Environment)


class JoinBody(_Strict):
    """Join a class with its code: ``POST /api/class/{code}/join``."""

    environment: Environment = Field(default_factory=Environment)


class Press(_Strict):
    """One key press as the page saw it: ``event.timeStamp`` of keydown and keyup (ms)."""

    key: str = Field(min_length=1, max_length=24)
    down_ms: float = _MS
    up_ms: float | None = _MS


class FrameCounts(_Strict):
    """The page's display frames during one trial (``requestAnimationFrame`` callbacks from its start to its send).

    Sums, not means, so that the export pools trials into exact per-block statistics.
    """

    intervals: int = Field(ge=0, le=1_000_000)
    dropped: int = Field(ge=0, le=1_000_000)
    sum_ms: float = Field(ge=0, le=1e9, allow_inf_nan=False)
    sum_sq_ms: float = Field(ge=0, le=1e15, allow_inf_nan=False)


class TrialBody(_Strict):
    """One finished trial: ``POST /api/runs/me/trials``.

    Times are ``performance.now()`` milliseconds from the start of the page's segment (a reload
    starts a new segment); ``onset_ms`` is the timestamp of the frame that drew the target.
    """

    trial_index: int = Field(ge=1, le=100_000)
    segment: int = Field(default=1, ge=1, le=10_000)
    onset_ms: float = _MS
    end_ms: float = _MS
    presses: list[Press] = Field(default_factory=list, max_length=MAX_PRESSES)
    frame_ms: float | None = Field(default=None, ge=0, le=1000, allow_inf_nan=False)
    frames: FrameCounts | None = None
