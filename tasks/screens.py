"""What the participant sees: every screen of a run, drawn from the protocol's display settings.

Every word on these screens comes from the protocol's ``texts`` block (translatable, checked
when the protocol is loaded); the protocol's title and description are never shown.
:class:`Screens` builds its PsychoPy stimuli once and then only draws them, so no frame of a
trial waits for a texture to be made. Each ``draw_*`` method draws one kind of screen into the
back buffer; the caller flips. Sizes are in PsychoPy ``height`` units (the screen is 1 high).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .stimuli import TargetStim, target_shape

__all__ = ["Screens", "BlockSummary"]

_FONT = "Noto Sans"
#: Advice colours (error, good) on dark or mid-grey backgrounds, and on light ones.
_ADVICE_ON_DARK = ("#FFCDD2", "#C8E6C9")
_ADVICE_ON_LIGHT = ("#B71C1C", "#1B5E20")


@dataclass(frozen=True)
class BlockSummary:
    """Performance in one block, as shown in the feedback after it.

    Attributes
    ----------
    mean_rt_ms : float or None
        Mean RT of correct trials (DSP: execution time of correct sequences), ms.
    accuracy : float or None
        Proportion of correct trials.
    rt_text : str
        The protocol text that names ``mean_rt_ms``: ``mean_rt`` or ``mean_sequence_time`` (DSP).
    """

    mean_rt_ms: float | None
    accuracy: float | None
    rt_text: str = "mean_rt"


def _font_files() -> list[str]:
    try:
        import psychopy

        folder = Path(psychopy.__file__).parent / "assets" / "fonts"
        return [str(p) for p in (folder / "NotoSans-Regular.ttf", folder / "NotoSans-Bold.ttf") if p.exists()]
    except Exception:  # fonts are cosmetic; PsychoPy falls back to a system font
        return []


def _luminance(colour: str) -> float:
    """Mean of the rgb channels, 0 (black) to 1 (white)."""
    from psychopy import colors

    return (sum(float(v) for v in colors.Color(colour, "rgb").rgb) / 3 + 1) / 2


def _shade(colour: str, amount: float) -> tuple[float, float, float]:
    """``colour`` moved towards black (amount < 0) or white (amount > 0); PsychoPy rgb (-1..1)."""
    from psychopy import colors

    rgb = [float(v) for v in colors.Color(colour, "rgb").rgb]
    lum = sum(rgb) / 3
    direction = 1 if lum < 0 else -1  # light backgrounds get darker tiles and vice versa
    return tuple(max(-1.0, min(1.0, v + direction * abs(amount))) for v in rgb)


class Screens:
    """All screens of one protocol in one window.

    Parameters
    ----------
    win : psychopy.visual.Window
        The window (``height`` units).
    protocol : motorseq.protocols.Protocol
        Display settings, positions, keys and the participant texts (``texts``) come from it.
    """

    def __init__(self, win, protocol) -> None:
        from psychopy import visual

        self.win = win
        self.protocol = protocol
        self.texts = protocol.texts
        display = protocol.display
        self.display = display
        files = _font_files()
        self._text_kw = {"font": _FONT, "fontFiles": files, "color": display.text, "anchorVert": "center"}
        n = len(protocol.positions)
        size = display.stimulus_size
        self.x = [(i - (n - 1) / 2) * display.spacing for i in range(n)]
        self.y = -0.02
        shape = visual.Circle if protocol.paradigm == "asrt" else visual.Rect
        shape_kw = {"radius": size / 2, "edges": 64} if protocol.paradigm == "asrt" else {"width": size, "height": size}
        line = max(2.0, round(win.size[1] / 250))
        self.placeholders = [
            shape(win, pos=(x, self.y), lineColor=display.placeholder, fillColor=None, lineWidth=line, **shape_kw)
            for x in self.x
        ]
        self.target_shape = target_shape(protocol)
        self.targets = []
        for x in self.x:
            target = TargetStim(
                win, self.target_shape, size, display.target, display.background, round=protocol.paradigm == "asrt"
            )
            target.pos = (x, self.y)
            self.targets.append(target)
        label_colour = display.text
        self.key_labels = [
            visual.TextStim(
                win,
                text=p.key.upper(),
                pos=(x, self.y - size * 0.5 - 0.045),
                height=display.font_height * 0.8,
                opacity=0.55,
                **{**self._text_kw, "color": label_colour},
            )
            for x, p in zip(self.x, protocol.positions, strict=True)
        ]
        fh = display.font_height
        self.title = visual.TextStim(win, pos=(0, 0.36), height=fh * 1.35, bold=True, wrapWidth=1.2, **self._text_kw)
        self.body = visual.TextStim(win, pos=(0, 0.1), height=fh, wrapWidth=1.05, alignText="center", **self._text_kw)
        self.instruction_text = visual.TextStim(
            win, pos=(0, 0.25), height=fh, wrapWidth=1.05, alignText="center", **{**self._text_kw, "anchorVert": "top"}
        )
        self.footer = visual.TextStim(win, pos=(0, -0.4), height=fh * 0.85, wrapWidth=1.2, opacity=0.8, **self._text_kw)
        self.message = visual.TextStim(win, pos=(0, -0.16), height=fh, wrapWidth=1.1, **self._text_kw)
        self.big = visual.TextStim(win, pos=(0, 0.12), height=fh * 2.6, bold=True, wrapWidth=1.3, **self._text_kw)
        self.small = visual.TextStim(win, pos=(0, -0.2), height=fh * 0.9, wrapWidth=1.2, opacity=0.8, **self._text_kw)
        self.fixation = visual.ShapeStim(
            win,
            vertices="cross",
            size=fh * 0.9,
            pos=(0, self.y),
            fillColor=display.text,
            lineColor=display.text,
            opacity=0.6,
        )
        tile = _shade(display.background, 0.12)
        self.tiles = [
            visual.Rect(win, width=0.42, height=0.2, pos=(x, 0.06), fillColor=tile, lineColor=None, colorSpace="rgb")
            for x in (-0.24, 0.24)
        ]
        self.tile_labels = [
            visual.TextStim(win, pos=(x, 0.11), height=fh * 0.75, opacity=0.8, **self._text_kw) for x in (-0.24, 0.24)
        ]
        self.tile_values = [
            visual.TextStim(win, pos=(x, 0.035), height=fh * 1.7, bold=True, **self._text_kw) for x in (-0.24, 0.24)
        ]
        self.sequence_items = [
            visual.TextStim(win, pos=(0, 0.18), height=fh * 1.8, bold=True, **self._text_kw) for _ in range(12)
        ]
        self.advice_colours = _ADVICE_ON_LIGHT if _luminance(display.background) > 0.6 else _ADVICE_ON_DARK
        self.progress_track = visual.Rect(
            win, width=0.6, height=0.014, pos=(0, -0.29), fillColor=tile, lineColor=None, colorSpace="rgb"
        )
        self.progress_fill = visual.Rect(
            win, width=0.6, height=0.014, pos=(0, -0.29), fillColor=display.text, lineColor=None, opacity=0.7
        )
        self.progress_label = visual.TextStim(win, pos=(0, -0.25), height=fh * 0.7, opacity=0.7, **self._text_kw)
        self.tap_marks = visual.TextStim(win, pos=(0, -0.2), height=fh * 1.1, wrapWidth=1.2, **self._text_kw)
        self._cache: dict[int, str] = {}

    # -- helpers -------------------------------------------------------------------------------
    def _set(self, stim, text: str) -> None:
        """Set a text only when it changed (making a text texture is slow)."""
        if self._cache.get(id(stim)) != text:
            stim.text = text
            self._cache[id(stim)] = text

    def key_list(self) -> str:
        """Return the response keys as named in texts: ``D, F, J and K`` (separators from ``texts``)."""
        keys = [p.key.upper() for p in self.protocol.positions]
        if len(keys) == 1:
            return keys[0]
        return self.texts.key_separator.join(keys[:-1]) + self.texts.key_last_separator + keys[-1]

    def fill(self, text: str, **values) -> str:
        """Fill ``{keys}`` (= ``{key_list}``) and the given ``values`` into a text; paragraphs are kept."""
        keys = self.key_list()
        return (
            " ".join(text.replace("\n\n", "\0").split())
            .replace("\0", "\n\n")
            .format(keys=keys, key_list=keys, **values)
        )

    def text(self, name: str, **values) -> str:
        """Return the protocol's text ``name`` (see ``motorseq.protocols.texts``) with its placeholders filled."""
        return self.fill(self.texts.get(name), **values)

    def draw_progress(self, done: int, total: int) -> None:
        """Draw a thin bar showing how many blocks are done."""
        if total <= 0:
            return
        fraction = min(1.0, max(0.0, done / total))
        self.progress_track.draw()
        if fraction > 0:
            self.progress_fill.width = 0.6 * fraction
            self.progress_fill.pos = (-0.3 + 0.3 * fraction, -0.29)
            self.progress_fill.draw()
        self._set(self.progress_label, self.text("blocks_done", done=done, n_blocks=total))
        self.progress_label.draw()

    def _draw_key_map(self, y: float, scale: float = 0.8) -> None:
        for placeholder, label, x in zip(self.placeholders, self.key_labels, self.x, strict=True):
            placeholder.pos, label.pos = (x * scale, y), (x * scale, y - self.display.stimulus_size * 0.5 - 0.045)
            placeholder.draw()
            label.draw()
            placeholder.pos, label.pos = (x, self.y), (x, self.y - self.display.stimulus_size * 0.5 - 0.045)

    # -- screens -------------------------------------------------------------------------------
    def draw_instructions(self, text: str, title: str | None = None, key_map: bool = True) -> None:
        """Instruction screen: heading (``texts.welcome_title`` by default), text, and the position-to-key map."""
        self._set(self.title, title if title is not None else self.text("welcome_title"))
        self._set(self.instruction_text, text)
        self.title.draw()
        self.instruction_text.draw()
        if key_map and self.protocol.paradigm in ("srt", "asrt", "dsp"):
            self._draw_key_map(-0.3)

    def draw_placeholders(self, fixation: bool = False, labels: bool = True) -> None:
        """Draw the empty positions (between trials), with their key letters underneath."""
        for placeholder in self.placeholders:
            placeholder.draw()
        if labels:
            for label in self.key_labels:
                label.draw()
        if fixation:
            self.fixation.draw()

    def draw_target(self, position: int, labels: bool = True) -> None:
        """Positions with the target (1-based ``position``) filled."""
        self.draw_placeholders(labels=labels)
        self.targets[position - 1].draw()

    def draw_sequence(self, keys: list[str], done: int) -> None:
        """DSP all-at-once: the whole key sequence above the positions; keys already typed are dimmed."""
        n = len(keys)
        spacing = min(0.11, 1.1 / max(n, 1))
        for i, key in enumerate(keys):
            item = self.sequence_items[i]
            self._set(item, key.upper())
            item.pos = ((i - (n - 1) / 2) * spacing, 0.2)
            item.opacity = 0.3 if i < done else 1.0
            item.draw()
        self.draw_placeholders()

    def draw_tapping(self, keys: list[str], n_taps: int, trial: int, n_trials: int) -> None:
        """Finger tapping: the sequence to type and one mark per tap (no feedback on correctness)."""
        self._set(self.title, self.text("tapping_trial", trial=trial, n_trials=n_trials))
        self.title.opacity = 0.6
        self.title.draw()
        self.title.opacity = 1.0
        self._set(self.big, "  ".join(k.upper() for k in keys))
        self.big.draw()
        marks = "•" * min(n_taps, 60)
        self._set(self.tap_marks, " ".join(marks) if marks else " ")
        self.tap_marks.draw()

    def draw_rest(self, seconds_left: float, trial: int, n_trials: int) -> None:
        """Finger tapping rest period with a countdown."""
        self._set(self.big, self.text("rest"))
        self.big.draw()
        seconds = max(0, int(seconds_left + 0.999))
        self._set(self.small, self.text("next_trial", trial=trial, n_trials=n_trials, seconds=seconds))
        self.small.draw()

    def draw_feedback(
        self,
        heading: str,
        summary: BlockSummary,
        target_accuracy: float,
        show_rt: bool = True,
        show_accuracy: bool = True,
        prompt: str = "",
        progress: tuple[int, int] | None = None,
    ) -> None:
        """Feedback after a block: mean RT and accuracy tiles, one line of advice, blocks done."""
        self._set(self.title, heading)
        self.title.draw()
        tiles = []
        if show_rt and summary.mean_rt_ms is not None:
            tiles.append((self.text(summary.rt_text), f"{summary.mean_rt_ms:.0f} ms"))
        if show_accuracy and summary.accuracy is not None:
            tiles.append((self.text("accuracy"), f"{100 * summary.accuracy:.0f} %"))
        xs = [0.0] if len(tiles) == 1 else [-0.24, 0.24]
        n = len(tiles)
        parts = zip(tiles, xs, self.tiles[:n], self.tile_labels[:n], self.tile_values[:n], strict=True)
        for (label, value), x, tile, lab, val in parts:
            tile.pos, lab.pos, val.pos = (x, 0.06), (x, 0.11), (x, 0.035)
            self._set(lab, label)
            self._set(val, value)
            tile.draw()
            lab.draw()
            val.draw()
        if summary.accuracy is not None and show_accuracy:
            if summary.accuracy < target_accuracy:
                advice, colour = self.text("more_accuracy"), self.advice_colours[0]
            else:
                advice, colour = self.text("more_speed"), self.advice_colours[1]
            self._set(self.message, advice)
            self.message.color = colour
            self.message.draw()
        if progress is not None:
            self.draw_progress(*progress)
        if prompt:
            self._set(self.footer, prompt)
            self.footer.draw()

    def draw_break(self, text: str, seconds_left: float, prompt: str, progress: tuple[int, int] | None = None) -> None:
        """Draw a break: the break text, blocks done, a countdown while the minimum break lasts, the prompt."""
        self._set(self.title, self.text("break_title"))
        self.title.draw()
        self._set(self.body, text)
        self.body.pos = (0, 0.08)
        self.body.draw()
        if progress is not None:
            self.draw_progress(*progress)
        if seconds_left > 0:
            self._set(self.footer, self.text("continue_in", seconds=int(seconds_left + 0.999)))
            self.footer.draw()
        elif prompt:
            self._set(self.footer, prompt)
            self.footer.draw()

    def draw_message(self, title: str, text: str, prompt: str = "") -> None:
        """Draw a plain message screen (end of run, resuming, quitting)."""
        self._set(self.title, title)
        self.title.draw()
        self._set(self.body, text)
        self.body.pos = (0, 0.05)
        self.body.draw()
        if prompt:
            self._set(self.footer, prompt)
            self.footer.draw()

    def draw_confirm_quit(self, yes_key: str = "y", no_key: str = "n") -> None:
        """Escape was pressed: ask the experimenter to confirm (``yes_key`` quits, ``no_key`` goes on)."""
        self.draw_message(self.text("quit_title"), self.text("quit", yes_key=yes_key.upper(), no_key=no_key.upper()))
