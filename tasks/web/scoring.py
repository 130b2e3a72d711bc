"""Score a browser trial on the server: the page sends what it measured, the server scores it.

The page sends the target frame's timestamp and every key press (``event.timeStamp`` of keydown
and keyup); these functions turn them into the same ``_beh.tsv`` row and ``_events.tsv`` rows the
PsychoPy task writes (``tasks/paradigms``), with the same rules (first press / until correct,
timeout). So the data of a browser run mean what the lab's mean, whatever the page did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from motorseq.protocols import Protocol
from motorseq.protocols.scoring import score_taps

from .schemas import Press

__all__ = ["score_trial"]

Row = dict[str, Any]


def _position(protocol: Protocol, key: str) -> int | None:
    keys = protocol.keys
    return keys.index(key) + 1 if key in keys else None


def _event(protocol: Protocol, press: Press, onset_ms: float, correct: int) -> Row:
    duration = None if press.up_ms is None else max(press.up_ms - press.down_ms, 0.0) / 1000
    return {
        "onset": press.down_ms / 1000,
        "duration": duration,
        "key": press.key,
        "position": _position(protocol, press.key),
        "rt": (press.down_ms - onset_ms) / 1000,
        "correct": correct,
    }


def _serial(protocol: Protocol, trial: Row, onset_ms: float, presses: Sequence[Press]) -> tuple[Row, list[Row]]:
    keys, rule = protocol.keys, protocol.response.rule
    correct_key = str(trial["correct_key"])
    timeout = protocol.response.timeout_ms
    events, in_trial = [], []
    ended = False
    for press in sorted(presses, key=lambda p: p.down_ms):
        late = timeout is not None and press.down_ms - onset_ms > timeout + 100
        if press.down_ms < onset_ms or ended or late:
            events.append(_event(protocol, press, onset_ms, 0))  # anticipation, or after the response
            continue
        ok = int(press.key == correct_key)
        in_trial.append((press, ok))
        events.append(_event(protocol, press, onset_ms, ok))
        if press.key in keys and (ok or rule == "first-press"):
            ended = True
    responses = [(p, ok) for p, ok in in_trial if p.key in keys]
    first = responses[0] if responses else None
    row = {
        "response": first[0].key if first else None,
        "response_position": _position(protocol, first[0].key) if first else None,
        "rt": (first[0].down_ms - onset_ms) / 1000 if first else None,
        "correct": first[1] if first else 0,
        "n_presses": len(in_trial),
        "n_errors": sum(1 for _, ok in in_trial if not ok),
    }
    return row, events


def _dsp(protocol: Protocol, trial: Row, onset_ms: float, presses: Sequence[Press]) -> tuple[Row, list[Row]]:
    keys, rule = protocol.keys, protocol.response.rule
    wanted = str(trial["correct_key"]).split("-")
    events, in_trial = [], []
    done, last = 0, onset_ms
    for press in sorted(presses, key=lambda p: p.down_ms):
        if press.down_ms < onset_ms or done >= len(wanted):
            events.append(_event(protocol, press, onset_ms, 0))
            continue
        ok = int(press.key == wanted[done])
        in_trial.append((press, ok))
        events.append(_event(protocol, press, onset_ms, ok))
        if press.key in keys and (ok or rule == "first-press"):
            done, last = done + 1, press.down_ms
    responses = [(p, ok) for p, ok in in_trial if p.key in keys]
    first = responses[0] if responses else None
    n_errors = sum(1 for _, ok in in_trial if not ok)
    complete = done == len(wanted)
    row = {
        "response": first[0].key if first else None,
        "response_position": _position(protocol, first[0].key) if first else None,
        "rt": (first[0].down_ms - onset_ms) / 1000 if first else None,
        "correct": int(complete and n_errors == 0),
        "n_presses": len(in_trial),
        "n_errors": n_errors,
        "execution_time": (last - onset_ms) / 1000 if complete else None,
    }
    return row, events


def _ftt(protocol: Protocol, trial: Row, onset_ms: float, presses: Sequence[Press]) -> tuple[Row, list[Row]]:
    tap_ms = protocol.ftt.tap_s * 1000 if protocol.ftt else 30_000
    wanted = str(trial["correct_key"]).split("-")
    ordered = sorted(presses, key=lambda p: p.down_ms)
    taps = [p for p in ordered if onset_ms <= p.down_ms <= onset_ms + tap_ms]
    flags, completed = score_taps([p.key for p in taps], wanted)
    tap_ids = {id(p): f for p, f in zip(taps, flags, strict=True)}
    events = [_event(protocol, p, onset_ms, tap_ids.get(id(p), 0)) for p in ordered]
    row = {
        "response": taps[0].key if taps else None,
        "response_position": _position(protocol, taps[0].key) if taps else None,
        "rt": (taps[0].down_ms - onset_ms) / 1000 if taps else None,
        "correct": None,
        "n_presses": len(taps),
        "n_errors": len(flags) - sum(flags),
        "n_correct_sequences": completed,
    }
    return row, events


_SCORERS = {"srt": _serial, "asrt": _serial, "dsp": _dsp, "ftt": _ftt}


def score_trial(protocol: Protocol, trial: Row, onset_ms: float, presses: Sequence[Press]) -> tuple[Row, list[Row]]:
    """Score one trial as the lab task would.

    Parameters
    ----------
    protocol : Protocol
        The run's protocol (paradigm, keys, response rule, timeout).
    trial : dict
        The trial's row of :func:`~motorseq.protocols.generate_trials`.
    onset_ms : float
        Timestamp of the frame that drew the target (page clock, ms).
    presses : sequence of Press
        Every key press since the previous trial ended.

    Returns
    -------
    row : dict
        The ``_beh.tsv`` row (the trial-list columns, ``stimulus_onset`` and the scored columns).
    events : list of dict
        The ``_events.tsv`` rows, one per press (``onset`` in s on the page clock).
    """
    scored, events = _SCORERS[protocol.paradigm](protocol, trial, onset_ms, presses)
    row = {**trial, "stimulus_onset": onset_ms / 1000, **scored}
    return row, events
