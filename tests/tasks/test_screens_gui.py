"""A PNG of every kind of screen, taken from the real window (set MOTORSEQ_SCREENSHOTS=DIR to keep them)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from .screens_gallery import KINDS, render_gallery

pytestmark = pytest.mark.gui


@pytest.mark.parametrize("name", ["srt-classic", "srt-nissen-bullemer-1987", "asrt", "dsp", "ftt"])
def test_every_kind_of_screen_is_drawn(name, tmp_path, display):
    from PIL import Image

    out = Path(os.environ.get("MOTORSEQ_SCREENSHOTS", tmp_path))
    files = render_gallery(name, out, size=(800, 600))
    assert set(KINDS) <= set(files)
    images = {kind: np.asarray(Image.open(path).convert("L"), dtype=float) for kind, path in files.items()}
    for kind, image in images.items():
        assert image.shape == (600, 800)
        assert image.std() > 2, f"{kind} screen is blank"
    # the target screen is the placeholder screen plus a filled target
    difference = np.abs(images["target"] - images["placeholders"]) > 30
    assert 200 < difference.sum() < 0.05 * difference.size
    if name == "ftt":
        assert {"tapping", "rest"} <= set(files)


def test_a_screen_the_display_does_not_have_is_refused(display):
    from motorseq.tasks.errors import DisplayError
    from motorseq.tasks.window import TaskWindow

    with pytest.raises(DisplayError, match=r"^--screen 5: the display has 1 screen\(s\); give --screen 0$"):
        TaskWindow(screen=5)  # xvfb-run has one screen; PsychoPy would fall back to screen 0
    with pytest.raises(DisplayError, match=r"^--screen -1: "):
        TaskWindow(screen=-1)
