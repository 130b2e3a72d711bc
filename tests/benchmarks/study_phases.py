"""Print the model's learning-phase figures next to the published ones (issue 17).

Usage::

    MOTORSEQ_BUILD_ROOT=.build nice -n 10 .venv/bin/python tests/benchmarks/study_phases.py \\
        [--participants 2] [--blocks 3] [--trials 30] [--tap-seconds 10] [--replay-per-hour 0] \\
        [--only ftt,asrt,relearning,timing,paced]

Each bundled study is simulated with ``--participants`` virtual participants (shortened: at most
``--blocks`` blocks of ``--trials`` trials, FTT periods of ``--tap-seconds``), every session with
the weights carried and the rest of :mod:`motorseq.models.offline` (a rest run of the network with
replay, then the quiet remainder in closed form) between sessions,
then analysed with ``motorseq analyze``. Each line: the model's figure, then the published one.
The model has no sleep: the offline gain is what replay and decay over the delay yield.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from motorseq.analysis import analyze


def _line(what: str, model: str, published: str) -> None:
    print(f"  {what}: model {model}  |  published {published}")


def _simulate(study: str, out: Path, args) -> float:
    from motorseq.models.offline import OfflineParameters
    from motorseq.models.study import simulate_study

    offline = (
        OfflineParameters()
        if args.replay_per_hour is None
        else OfflineParameters(replay_events_per_hour=args.replay_per_hour)
    )
    start = time.perf_counter()
    done = simulate_study(
        study, out, args.participants, seed=args.seed, max_blocks=args.blocks, max_trials_per_block=args.trials,
        max_trial_seconds=args.tap_seconds, build_root=args.build, offline=offline,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    _offline_lines(done.offline)
    return seconds


def _offline_lines(offline: dict) -> None:
    """What the network's rest between sessions did (models/offline.py), averaged over participants."""
    delays = {}
    for log in offline.values():
        for k, entry in enumerate(log):
            delays.setdefault(k, []).append(entry)
    for k, entries in delays.items():

        def mean(key, entries=entries):
            values = [e[key] for e in entries if e.get(key) is not None]
            return sum(values) / len(values) if values else float("nan")

        print(
            f"  rest {k + 1} ({entries[0]['delay_s'] / 3600:g} h): {mean('replay_events'):.0f} replay events, "
            f"{mean('chosen_share'):.2f} of items chosen, decision {mean('item_decision_ms'):.0f} ms, "
            f"item step {mean('item_step_ms'):.0f} ms (compression {mean('compression_reached'):.1f}x), "
            f"transition change {mean('transition_change_by_replay'):.4f}, corticostriatal unconsolidated "
            f"{mean('corticostriatal_unconsolidated_before_quiet'):.4f}; most replayed triplets "
            f"{dict(list((entries[0].get('triplets') or {}).items())[:6])}"
        )


def _tables(out: Path):
    return analyze(out, statistics=False, figures=False, n_boot=10, n_boot_participant=0)


def ftt(args, root: Path) -> None:
    seconds = _simulate("ftt-overnight", root / "ftt", args)
    result = _tables(root / "ftt")
    gains = result.tables["phase_offline_gains"]
    print(f"FTT, training and retest after 12 h ({args.participants} participants, {seconds:.0f} s)")
    _line(
        "offline gain (first 3 retest vs last 3 training trials)",
        f"{gains['offline_gain_pct'].mean():+.1f} % ({gains['offline_gain'].mean():+.2f} correct sequences)",
        "~+20 % after sleep, ~+2 % after a day awake (Walker et al. 2002); g 0.4-0.5 (Schmid et al. 2020)",
    )


def asrt(args, root: Path) -> None:
    seconds = _simulate("asrt-3-sessions", root / "asrt", args)
    result = _tables(root / "asrt")
    trip = result.tables["asrt_triplet_learning"]
    print(f"ASRT over 3 sessions (24 h, then 7 d; {args.participants} participants, {seconds:.0f} s)")
    per = trip.groupby(["session", "epoch"])["triplet_effect_ms"].mean()
    text = ", ".join(f"s{s} e{e}: {v:.1f}" for (s, e), v in per.items())
    _line("triplet effect L-H (ms)", text, "retained after delays up to a year (Kobor et al. 2017)")
    retention = result.tables["phase_retention"]
    for to, sub in retention.groupby("session_to"):
        _line(
            f"kept at session {to} (fraction of session 1)",
            f"general speed {sub['general_retained'].mean():.2f}, triplet effect "
            f"{sub.get('specific_retained', sub['general_retained'] * float('nan')).mean():.2f}",
            "triplet knowledge kept, general speed partly decays (Kobor et al. 2017)",
        )


def relearning(args, root: Path) -> None:
    n = max(2, args.participants)
    args_n = argparse.Namespace(**{**vars(args), "participants": n})
    seconds = _simulate("retention-relearning", root / "relearn", args_n)
    result = _tables(root / "relearn")
    groups = result.tables.get("phase_savings_groups")
    print(f"Retention and relearning after 7 d ({n} participants, {seconds:.0f} s)")
    if groups is None or groups.empty:
        _line("savings", "n/a (no group contrast)", "> 0 for the old sequence, ~0 for a new one")
        return
    r = groups.iloc[0]
    _line(
        "relearning savings (blocks to session 1's end level)",
        f"same sequence {r.savings_same:.2f}, new sequence {r.savings_new:.2f}, ratio T_new/T_same "
        f"{r.savings_ratio:.2f}",
        "savings > 0 for the old sequence, ~0 for a new one",
    )


def _timing_benchmark():
    """The issue-17 timing benchmark next to this file (``timing_model.py``)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("timing_model", Path(__file__).with_name("timing_model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timing(args, root: Path) -> None:
    print("Synchronisation-continuation tapping (tests/benchmarks/timing_model.py --only sct)")
    bench = _timing_benchmark()
    options = argparse.Namespace(participants=args.participants, series=2, iois="500,1000", build=args.build)
    options.build = str(options.build or root / "build")
    bench.sct(options, root)


def paced(args, root: Path) -> None:
    print("Slow-then-ramp vs fast-only practice (tests/benchmarks/timing_model.py --only paced)")
    bench = _timing_benchmark()
    options = argparse.Namespace(
        participants=args.participants, paced_blocks=args.blocks, paced_trials=args.trials, build_root=args.build
    )
    bench.paced(options, root)


PARTS = {"ftt": ftt, "asrt": asrt, "relearning": relearning, "timing": timing, "paced": paced}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=2)
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--tap-seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--replay-per-hour",
        type=float,
        default=None,
        help="replay events per hour of rest (0: no replay; default: the model's)",
    )
    parser.add_argument("--build", type=Path, default=None, help="build folder (default: $MOTORSEQ_BUILD_ROOT)")
    parser.add_argument("--only", default=",".join(PARTS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="motorseq-phases-") as folder:
        for name in args.only.split(","):
            PARTS[name.strip()](args, Path(folder))


if __name__ == "__main__":
    main()
