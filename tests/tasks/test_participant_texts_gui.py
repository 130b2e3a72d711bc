"""Every word on the participant's screen comes from ``texts``; the protocol's title and description never show.

A protocol whose texts are all reworded (each marked «name») is run in a real window by the XTEST
participant, and every text a PsychoPy ``TextStim`` draws is recorded.
"""

from __future__ import annotations

import copy

import pytest
import yaml
from motorseq.protocols import parse_protocol, protocol_path
from motorseq.protocols.texts import TEXT_PLACEHOLDERS

from .conftest import FAST

pytestmark = pytest.mark.gui

TITLE = "Serial reaction time task: sequence - random - sequence"
DESCRIPTION = "Sequence-specific learning is the slowing in the random block"


def _reworded(name: str, **changes):
    data = yaml.safe_load(protocol_path(name).read_text())
    data = copy.deepcopy(data)
    data.update(title=TITLE, description=DESCRIPTION, **changes)
    data["texts"] = {
        field: " ".join([f"«{field}»"] + [f"{{{p}}}" for p in allowed]) for field, allowed in TEXT_PLACEHOLDERS.items()
    }
    data["texts"].update(key_separator="; ", key_last_separator=" und ")
    return parse_protocol(data)


@pytest.fixture
def drawn(monkeypatch):
    """Every text drawn by a PsychoPy TextStim (the real draw runs; the text is noted first)."""
    from psychopy import visual

    seen: list[str] = []
    draw = visual.TextStim.draw

    def noting_draw(self, *args, **kwargs):
        seen.append(str(self.text))
        return draw(self, *args, **kwargs)

    monkeypatch.setattr(visual.TextStim, "draw", noting_draw)
    return seen


def _shown(drawn: list[str]) -> set[str]:
    return {field for field in TEXT_PLACEHOLDERS if any(f"«{field}»" in text for text in drawn)}


def test_a_run_shows_the_protocol_texts_and_never_its_title(tmp_path, display, drawn):
    from motorseq.tasks.session import RunOptions, run_session
    from motorseq.tasks.simulate_input import parse_simulation_spec

    protocol = _reworded("srt-classic")
    common = dict(protocol=protocol, participant="3", data=tmp_path, window_size=(640, 480))
    common.update(max_trials_per_block=3, max_blocks=3)
    # Escape (confirmed) in block 2, then the run is resumed and finished
    aborted = run_session(RunOptions(**common, simulate=parse_simulation_spec(FAST + ",escape_at=5")))
    assert aborted.status == "aborted"
    finished = run_session(RunOptions(**common, resume=True, simulate=parse_simulation_spec(FAST)))
    assert finished.status == "complete"

    text = "\n".join(drawn)
    assert "Serial reaction" not in text and "random" not in text.lower() and "Sequence-specific" not in text
    assert "«welcome_title»" in drawn  # the first screen's heading
    assert "«welcome» D; F; J und K D; F; J und K 1 3" in drawn  # {keys} {key_list} {block} {n_blocks}
    assert "«block_complete» 2 3" in drawn and "«blocks_done» 2 3" in drawn
    assert "«block» D; F; J und K D; F; J und K 3 3" in drawn and "«quit» Y N" in drawn
    assert "«welcome_back» 2 3 2" in drawn  # resumed at block 2, trial 2
    expected = {
        "welcome_title", "welcome", "practice_complete", "block_complete", "blocks_done", "block", "mean_rt",
        "accuracy", "quit_title", "quit", "stopped_title", "stopped", "welcome_back_title", "welcome_back",
        "continue_prompt", "end_title", "end", "close_prompt",
    }  # fmt: skip
    assert expected <= _shown(drawn), expected - _shown(drawn)
    assert _shown(drawn) & {"more_accuracy", "more_speed"}
    # no English default reached the screen
    for default in ("Press space", "Block ", "Accuracy", "Mean reaction", "Quit the", "Thank you", "blocks done"):
        assert default not in text, default


def test_every_other_screen_takes_its_words_from_texts(tmp_path, display, drawn):
    """Breaks, finger tapping and DSP feedback: the screens not reached by the SRT run above."""
    from motorseq.tasks.screens import BlockSummary, Screens
    from motorseq.tasks.window import TaskWindow

    protocol = _reworded("dsp")
    window = TaskWindow(protocol.display.background, size=(640, 480))
    try:
        screens = Screens(window.win, protocol)
        screens.draw_break(screens.text("break", block=1, n_blocks=2), 3.2, "", progress=(1, 2))
        screens.draw_break(screens.text("break", block=1, n_blocks=2), 0.0, screens.text("block", block=2, n_blocks=2))
        screens.draw_feedback("x", BlockSummary(800.0, 0.5, rt_text="mean_sequence_time"), 0.9)
        screens.draw_feedback("x", BlockSummary(400.0, 1.0), 0.9)
        screens.draw_tapping(["d", "f"], 3, 2, 12)
        screens.draw_rest(4.2, 3, 12)
        window.flip()
    finally:
        window.close()
    assert {"break_title", "break", "continue_in", "mean_sequence_time", "mean_rt", "accuracy", "more_accuracy",
            "more_speed", "tapping_trial", "rest", "next_trial"} <= _shown(drawn)  # fmt: skip
    assert "«continue_in» 4" in drawn and "«next_trial» 3 12 5" in drawn
    assert all(TITLE not in text for text in drawn)
