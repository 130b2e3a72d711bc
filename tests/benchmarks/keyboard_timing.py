"""Keyboard timing benchmark: injected key presses vs the RTs the task measures.

Run under a display (headless: ``xvfb-run -a``)::

    xvfb-run -a .venv/bin/python tests/benchmarks/keyboard_timing.py [--trials 160] [--seed 1]

For each trial a target is flipped on screen; the XTEST injector process (the same one that plays
the participant in ``--simulate-responses``) presses keys at known latencies after the flip:
single presses, 30 ms taps, the same key tapped twice 70 ms apart, two overlapping keys, and taps
that are over before the task loop polls the keyboard (the loop is made to stall). The task side
reads them exactly as the task does (:class:`motorseq.tasks.keyboard.KeyRecorder`, PsychoPy's
Keyboard on the psychtoolbox backend; RT = key timestamp - flip time).

Printed: measured-minus-injected RT (mean, SD, max |error|, in ms) for all presses and for 30 ms
taps, press-duration error, dropped and extra presses, and frame-interval statistics.
Targets: mean |error| <= 0.5 ms, SD <= 0.5 ms, 0 dropped.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np


def trial_scripts(n_trials: int, rng: np.random.Generator) -> list[dict]:
    """The presses of every trial: (delay after the flip, key, hold), and whether the loop stalls."""
    keys = ["z", "x", "n", "m"]
    scripts = []
    for i in range(n_trials):
        kind = i % 5
        key = keys[int(rng.integers(4))]
        rt = float(rng.uniform(0.12, 0.45))
        if kind == 0:  # an ordinary press
            presses = [(rt, key, float(rng.uniform(0.06, 0.15)))]
        elif kind == 1:  # a 30 ms tap
            presses = [(rt, key, 0.030)]
        elif kind == 2:  # the same key tapped twice, 30 ms taps 70 ms apart
            presses = [(rt, key, 0.030), (rt + 0.070, key, 0.030)]
        elif kind == 3:  # two keys overlapping in time (roll-over)
            other = keys[(keys.index(key) + 1) % 4]
            presses = [(rt, key, 0.100), (rt + 0.050, other, 0.080)]
        else:  # a 30 ms tap that is over while the loop is stalled (released before the poll)
            presses = [(rt, key, 0.030)]
        scripts.append({"presses": presses, "stall": kind == 4})
    return scripts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=160, help="trials (each has 1 or 2 presses)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY"):
        print("keyboard_timing: DISPLAY is not set; run under xvfb-run -a", file=sys.stderr)
        return 2

    from motorseq.tasks.keyboard import KeyRecorder
    from motorseq.tasks.simulate_input import ResponseModel, SimulatedParticipant
    from motorseq.tasks.window import FrameLog, TaskWindow
    from psychopy import visual

    rng = np.random.default_rng(args.seed)
    scripts = trial_scripts(args.trials, rng)
    window = TaskWindow(size=(800, 600))
    target = visual.Rect(window.win, width=0.1, height=0.1, fillColor="black", lineColor="white")
    recorder = KeyRecorder()
    participant = SimulatedParticipant(ResponseModel(seed=args.seed)).start()
    measured: list[list] = []  # per trial: presses
    onsets: list[float] = []
    frame_log = FrameLog(window.period)
    stall_frames: list[int] = []
    window.new_frame_log()
    t_start = time.perf_counter()
    try:
        for script in scripts:
            for _ in range(3):  # inter-trial interval: a blank frame or three
                window.flip()
            recorder.poll()
            target.draw()
            onset = window.flip()
            onsets.append(onset)
            participant.send(kind="script", onset=recorder.absolute(onset), presses=script["presses"])
            last_up = max(d + h for d, _, h in script["presses"])
            n_expected = len(script["presses"])
            got = []
            stalled = False
            while True:
                now = window.flip() - onset
                if script["stall"] and not stalled and now > script["presses"][0][0] - 0.05:
                    time.sleep(0.25)  # the loop does not poll while the tap comes and goes
                    stalled = True
                    stall_frames.append(len(window._log.times))  # the interval ending at the next flip
                    now = window.last_flip - onset
                got += recorder.poll()
                done = len(got) >= n_expected and all(p.duration is not None for p in got)
                if (done and now > last_up) or now > last_up + 1.0:
                    break
            measured.append(got)
        injected = participant.stop()
        frame_log = window.new_frame_log()
    finally:
        participant.stop()
        recorder.close()
        window.close()
    elapsed = time.perf_counter() - t_start

    # match injected to measured presses, trial by trial, in order
    by_trial: dict[int, list] = {}
    for press in injected:
        by_trial.setdefault(press.stimulus, []).append(press)
    rt_err, tap_err, dur_err = [], [], []
    dropped = extra = wrong_key = 0
    stimulus_ids = sorted(by_trial)
    for index, got in enumerate(measured):
        sent = sorted(by_trial.get(stimulus_ids[index], []) if index < len(stimulus_ids) else [], key=lambda p: p.down)
        dropped += max(0, len(sent) - len(got))
        extra += max(0, len(got) - len(sent))
        for inj, meas in zip(sent, got, strict=False):  # unequal lengths are counted above
            if inj.key != meas.key:
                wrong_key += 1
            err = (recorder.absolute(meas.t_down) - inj.down) * 1000
            rt_err.append(err)
            if inj.up - inj.down < 0.045:
                tap_err.append(err)
            if meas.duration is not None:
                dur_err.append((meas.duration - (inj.up - inj.down)) * 1000)
    dropped += sum(len(by_trial[s]) for s in stimulus_ids[len(measured) :])

    def line(name: str, values: list[float]) -> str:
        a = np.asarray(values)
        if a.size == 0:
            return f"{name:<32} n=0"
        return (
            f"{name:<32} n={a.size:4d}  mean={a.mean():+.3f} ms  mean|e|={np.abs(a).mean():.3f} ms  "
            f"SD={a.std(ddof=1):.3f} ms  median|e|={np.median(np.abs(a)):.3f} ms  "
            f"p95|e|={np.percentile(np.abs(a), 95):.3f} ms  max|e|={np.abs(a).max():.3f} ms"
        )

    stats = frame_log.stats()
    intervals = np.diff(np.asarray(frame_log.times)) * 1000
    keep = np.ones(intervals.size, dtype=bool)
    keep[[i - 1 for i in stall_frames if 0 < i <= intervals.size]] = False
    clean = intervals[keep]
    n_dropped = int((clean > 1.5 * stats["expected_interval_ms"]).sum())
    print("motorseq keyboard timing benchmark (XTEST -> X server -> psychtoolbox -> KeyRecorder)")
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min)")
    print(
        f"display: {os.environ.get('DISPLAY')}  frame pacing: {window.describe()['FramePacing']}  "
        f"trials: {len(measured)}  injected presses: {len(injected)}  measured: {sum(map(len, measured))}  "
        f"time: {elapsed:.1f} s"
    )
    print(line("RT error (measured - injected)", rt_err))
    print(line("  30 ms taps only", tap_err))
    print(line("press duration error", dur_err))
    print(f"{'dropped presses':<32} {dropped}   extra presses: {extra}   wrong key: {wrong_key}")
    print(
        f"{'frame intervals':<32} n={clean.size}  expected={stats['expected_interval_ms']:.3f} ms  "
        f"mean={clean.mean():.3f} ms  SD={clean.std(ddof=1):.3f} ms  min={clean.min():.3f} ms  "
        f"max={clean.max():.3f} ms  dropped frames={n_dropped} "
        f"(the {len(stall_frames)} deliberate 250 ms stalls excluded)"
    )
    a = np.abs(np.asarray(rt_err))
    ok = a.size > 0 and a.mean() <= 0.5 and np.std(rt_err, ddof=1) <= 0.5 and dropped == 0 and len(injected) >= 200
    print("targets (mean|e| <= 0.5 ms, SD <= 0.5 ms, 0 dropped, >= 200 presses):", "MET" if ok else "NOT MET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
