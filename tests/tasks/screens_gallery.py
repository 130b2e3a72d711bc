"""Render every kind of screen of a protocol from the real PsychoPy window into PNG files.

Used by ``test_screens.py``; also handy by hand (under a display)::

    xvfb-run -a .venv/bin/python tests/tasks/screens_gallery.py asrt /tmp/screens
"""

from __future__ import annotations

import sys
from pathlib import Path

from motorseq.protocols import load_protocol

KINDS = ("instructions", "placeholders", "target", "feedback", "break", "end")


def render_gallery(protocol_name: str, out: Path, size: tuple[int, int] = (1024, 768)) -> dict[str, Path]:
    """Save one PNG per kind of screen (plus paradigm-specific ones); return kind → file."""
    from motorseq.tasks.screens import BlockSummary, Screens
    from motorseq.tasks.window import TaskWindow

    protocol = load_protocol(protocol_name)
    out.mkdir(parents=True, exist_ok=True)
    window = TaskWindow(protocol.display.background, size=size)
    screens = Screens(window.win, protocol)
    n = len(protocol.positions)
    drawers = {
        "instructions": lambda: screens.draw_instructions(screens.text("welcome", block=1, n_blocks=8)),
        "placeholders": lambda: screens.draw_placeholders(),
        "target": lambda: screens.draw_target(min(3, n)),
        "feedback": lambda: screens.draw_feedback(
            "Block 3 of 8 complete",
            BlockSummary(mean_rt_ms=412.6, accuracy=0.958),
            0.92,
            prompt=screens.text("block", block=4, n_blocks=8),
            progress=(3, 8),
        ),
        "break": lambda: screens.draw_break(
            screens.text("break", block=3, n_blocks=8),
            0.0,
            screens.text("block", block=4, n_blocks=8),
            progress=(3, 8),
        ),
        "end": lambda: screens.draw_message(
            screens.text("end_title"), screens.text("end", block=8, n_blocks=8), screens.text("close_prompt")
        ),
        "confirm_quit": lambda: screens.draw_confirm_quit(),
    }
    if protocol.paradigm == "ftt":
        keys = [protocol.keys[i - 1] for i in protocol.sequences[0]]
        drawers["tapping"] = lambda: screens.draw_tapping(keys, 17, 3, 12)
        drawers["rest"] = lambda: screens.draw_rest(24.2, 4, 12)
    if protocol.paradigm == "dsp":
        keys = [protocol.keys[i - 1] for i in protocol.sequences[0]]
        drawers["sequence_all_at_once"] = lambda: screens.draw_sequence(keys, 2)
    files = {}
    try:
        for kind, draw in drawers.items():
            draw()
            path = out / f"{protocol.name}_{kind}.png"
            window.screenshot(path)
            window.flip()
            files[kind] = path
    finally:
        window.close()
    return files


if __name__ == "__main__":
    for kind, path in render_gallery(sys.argv[1], Path(sys.argv[2])).items():
        print(kind, path)
