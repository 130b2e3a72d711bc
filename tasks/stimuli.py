"""Target stimuli: a filled shape, an asterisk (Nissen & Bullemer, 1987) or a dog's head (ASRT).

Each target is a small group of PsychoPy shapes drawn around a centre, built once.
"""

from __future__ import annotations

import math

__all__ = ["TargetStim", "target_shape"]


def target_shape(protocol) -> str:
    """Choose the target's shape for a protocol.

    The protocol's ``display.target_shape``: a filled shape (``fill``), an asterisk (``star``)
    or a dog's head (``dog``).
    """
    return str(protocol.display.target_shape)


class TargetStim:
    """A target drawn at one of the positions.

    Parameters
    ----------
    win : psychopy.visual.Window
        The window (``height`` units).
    shape : str
        ``fill`` (square, or disc when ``round``), ``star`` (a six-armed asterisk) or ``dog``.
    size : float
        Size of the placeholder it sits in.
    colour, background : str
        Target colour and background colour (the dog's eyes and nose use the background).
    round : bool
        Fill a disc rather than a square.
    """

    def __init__(self, win, shape: str, size: float, colour: str, background: str, round: bool = False) -> None:
        from psychopy import visual

        self._parts: list[tuple[object, tuple[float, float]]] = []

        def add(stim, dx: float = 0.0, dy: float = 0.0) -> None:
            self._parts.append((stim, (dx, dy)))

        s = size
        if shape == "star":
            for angle in (0, 60, 120):
                add(visual.Rect(win, width=s * 0.72, height=s * 0.12, ori=angle, fillColor=colour, lineWidth=0))
        elif shape == "dog":
            ear = {"fillColor": colour, "lineWidth": 0, "edges": 48}
            # floppy ears hanging beside the head, a round head, a muzzle; eyes and nose in the background colour
            add(visual.Circle(win, radius=s * 0.22, size=(0.5, 1.15), ori=22, **ear), -s * 0.25, -s * 0.04)
            add(visual.Circle(win, radius=s * 0.22, size=(0.5, 1.15), ori=-22, **ear), s * 0.25, -s * 0.04)
            add(visual.Circle(win, radius=s * 0.24, fillColor=colour, lineWidth=0, edges=64), 0, s * 0.03)
            add(
                visual.Circle(win, radius=s * 0.15, size=(1.15, 0.8), fillColor=colour, lineWidth=0, edges=48),
                0,
                -s * 0.13,
            )
            for dx in (-0.09, 0.09):
                add(
                    visual.Circle(win, radius=s * 0.04, fillColor=background, lineWidth=0, edges=24),
                    dx * s,
                    s * 0.07,
                )
            add(
                visual.Circle(win, radius=s * 0.055, size=(1.4, 1.0), fillColor=background, lineWidth=0, edges=24),
                0,
                -s * 0.08,
            )
        elif round:
            add(visual.Circle(win, radius=s * 0.36, fillColor=colour, lineWidth=0, edges=64))
        else:
            add(visual.Rect(win, width=s * 0.72, height=s * 0.72, fillColor=colour, lineWidth=0))
        self.shape = shape
        self._pos = (math.nan, math.nan)

    @property
    def pos(self) -> tuple[float, float]:
        """Centre of the target."""
        return self._pos

    @pos.setter
    def pos(self, value: tuple[float, float]) -> None:
        self._pos = (float(value[0]), float(value[1]))
        for stim, (dx, dy) in self._parts:
            stim.pos = (self._pos[0] + dx, self._pos[1] + dy)

    def draw(self) -> None:
        """Draw the target (into the back buffer)."""
        for stim, _ in self._parts:
            stim.draw()
