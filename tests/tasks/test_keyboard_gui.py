"""Real key events through the X server into the psychtoolbox queue: none lost, exact times."""

from __future__ import annotations

import time

import pytest

from .conftest import check_timing

pytestmark = pytest.mark.gui


def test_taps_repeats_and_presses_released_before_the_poll_are_all_kept(display):
    from motorseq.tasks.keyboard import KeyRecorder
    from motorseq.tasks.simulate_input import ResponseModel, SimulatedParticipant
    from motorseq.tasks.window import TaskWindow

    window = TaskWindow(size=(400, 300))
    recorder = KeyRecorder()
    participant = SimulatedParticipant(ResponseModel(seed=2)).start()
    got = []
    try:
        onset = window.flip()
        # 30 ms taps: z, z again (repeated key) 60 ms later, then an overlapping m; all over before we poll
        script = [(0.10, "z", 0.030), (0.16, "z", 0.030), (0.20, "x", 0.120), (0.24, "m", 0.030)]
        participant.send(kind="script", onset=recorder.absolute(onset), presses=script)
        time.sleep(0.6)  # the loop is busy: every key is up again before the first poll
        got = recorder.poll()
        injected = participant.stop()
    finally:
        participant.stop()
        recorder.close()
        window.close()
    assert [p.key for p in got] == ["z", "z", "x", "m"]
    assert len(injected) == 4
    ordered = sorted(injected, key=lambda i: i.down)
    check_timing([recorder.absolute(p.t_down) - i.down for p, i in zip(got, ordered, strict=True)], "RT")
    check_timing([p.duration - (i.up - i.down) for p, i in zip(got, ordered, strict=True)], "duration")
    assert recorder.poll() == []  # each press is reported once
