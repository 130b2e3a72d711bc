"""Print the model's tapping and paced-practice figures against the published ones (issue 17).

Usage::

    MOTORSEQ_BUILD_ROOT=.build nice -n 10 .venv/bin/python tests/benchmarks/timing_model.py \\
        [--participants 4] [--series 3] [--iois 400,500,800,1000] [--paced-blocks 4 --paced-trials 24] \\
        [--only sct,paced]

``sct``: the bundled ``sct`` protocol (12 synchronisation beats, 24 continuation taps), ``--series``
series per participant at each interval of ``--iois``, virtual participants drawn with individual
differences as ``motorseq simulate`` draws them; the files are written as a person's and the
figures come from ``motorseq analyze`` (``timing_summary``). ``paced``: the bundled
``paced-practice`` study (slow-then-ramp, fast-only, self-paced; practice and a retest after
24 h), shortened to ``--paced-blocks`` blocks of ``--paced-trials`` trials. Each target is one
line ``[target …: met]`` or ``[target …: MISSED]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from motorseq.analysis import analyze


def _target(what: str, ok: bool, model: str, published: str) -> None:
    print(f"[target {what}: {'met' if ok else 'MISSED'}]  model {model}  |  published {published}")


def _report(what: str, model: str) -> None:
    print(f"  {what}: model {model}")


def _sct_protocol(ioi_ms: float, series: int):
    from motorseq.protocols import load_protocol, parse_protocol

    data = load_protocol("sct").model_dump(mode="json", by_alias=True, exclude_none=True)
    data["name"] = f"sct-{int(ioi_ms)}"
    data["blocks"] = [{"kind": "sequence", "trials": series, "label": "tapping"}]
    data["sct"] = {**data["sct"], "ioi_ms": ioi_ms}
    return parse_protocol(data)


def _simulate_sct(root: Path, ioi_ms: float, args) -> float:
    from motorseq.models import ModelParameters, simulate_participant
    from motorseq.models.output import write_participant
    from motorseq.protocols import generate_trials

    protocol = _sct_protocol(ioi_ms, args.series)
    start = time.perf_counter()
    for k in range(args.participants):
        participant, seed = f"{k + 1:02d}", 1000 + k
        params = ModelParameters().draw_individual(np.random.default_rng(seed)).with_overrides({"rest_s": 2.0})
        trials = generate_trials(protocol, participant, seed=seed)
        result = simulate_participant(protocol, trials, params, seed=seed, workdir=args.build)
        write_participant(root, protocol, trials, result, participant=participant, seed=seed)
    return time.perf_counter() - start


def sct(args, folder: Path) -> None:
    iois = [float(x) for x in args.iois.split(",")]
    rows = {}
    for ioi in iois:
        root = folder / f"sct-{int(ioi)}"
        seconds = _simulate_sct(root, ioi, args)
        summary = analyze(root, statistics=False, figures=False, n_boot=10, n_boot_participant=0).tables[
            "timing_summary"
        ]
        rows[ioi] = summary
        sd = np.sqrt(summary["mean_iti_ms"] ** 2 * summary["cv_iti"] ** 2)
        print(
            f"sct at {ioi:.0f} ms ({args.participants} participants x {args.series} series, {seconds:.0f} s): "
            f"asynchrony {summary['mean_asynchrony_ms'].mean():.1f} ms (SD between participants "
            f"{summary['mean_asynchrony_ms'].std(ddof=1):.1f}), "
            f"continuation ITI {summary['mean_iti_ms'].mean():.0f} ms, "
            f"SD {sd.mean():.1f} ms, CV {100 * summary['cv_iti'].mean():.1f} %, clock/motor variance "
            f"{summary['clock_var_ms2'].mean():.0f}/{summary['motor_var_ms2'].mean():.0f} ms²"
        )
    main = rows.get(500.0, rows[iois[0]])
    asynchrony = main["mean_asynchrony_ms"].mean()
    _target(
        "mean asynchrony -20 to -60 ms", -60 <= asynchrony <= -20, f"{asynchrony:.1f} ms", "-20 to -60 ms (Repp 2005)"
    )
    cvs = {ioi: rows[ioi]["cv_iti"].mean() for ioi in iois}
    ok = all(0.03 <= cv <= 0.08 for cv in cvs.values())
    text = ", ".join(f"{100 * cv:.1f} % at {ioi:.0f}" for ioi, cv in cvs.items())
    _target("continuation CV 3-8 % at every interval", ok, text, "3-8 % (Repp 2005)")
    keep = {ioi: rows[ioi]["mean_iti_ms"].mean() / ioi for ioi in iois}
    ok = all(abs(r - 1) <= 0.05 for r in keep.values())
    text = ", ".join(f"{r:.3f} at {ioi:.0f}" for ioi, r in keep.items())
    _target("continuation keeps the tempo (ITI / IOI within 5 %)", ok, text, "ITI ~ IOI, slight drift (Repp 2005)")
    if len(iois) > 1:
        var = {ioi: float((rows[ioi]["mean_iti_ms"] * rows[ioi]["cv_iti"]).pow(2).mean()) for ioi in iois}
        ordered = [var[ioi] for ioi in sorted(iois)]
        ok = ordered[-1] > ordered[0] and all(b >= 0.8 * a for a, b in zip(ordered, ordered[1:], strict=False))
        text = ", ".join(f"{v:.0f} ms² at {ioi:.0f}" for ioi, v in sorted(var.items()))
        published = "grows with the interval (Wing 1980; Repp 2005)"
        _target("continuation variance grows with the interval", ok, text, published)
        clock = {ioi: rows[ioi]["clock_var_ms2"].mean() for ioi in sorted(iois)}
        text = ", ".join(f"{v:.0f} ms² at {ioi:.0f}" for ioi, v in clock.items())
        values = list(clock.values())
        _target(
            "Wing-Kristofferson clock variance grows with the interval", values[-1] > values[0], text,
            "clock variance grows with the interval, motor variance does not (Wing & Kristofferson 1973)",
        )  # fmt: skip
        motor = {ioi: rows[ioi]["motor_var_ms2"].mean() for ioi in sorted(iois)}
        _report("Wing-Kristofferson motor variance", ", ".join(f"{v:.0f} ms² at {i:.0f}" for i, v in motor.items()))


def paced(args, folder: Path) -> None:
    from motorseq.models.study import simulate_study

    out = folder / "paced"
    start = time.perf_counter()
    simulate_study(
        "paced-practice", out, args.participants, seed=0, max_blocks=args.paced_blocks,
        max_trials_per_block=args.paced_trials, build_root=args.build_root,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    result = analyze(out, statistics=False, figures=False, n_boot=10, n_boot_participant=0)
    reached = result.tables.get("phase_tempo_reached")
    print(
        f"paced-practice ({args.participants} participants, {args.paced_blocks} blocks x {args.paced_trials} "
        f"trials per session, {seconds:.0f} s)"
    )
    if reached is not None and not reached.empty:
        for (group, session), sub in reached.groupby(["group", "session"], sort=True):
            _report(
                f"{group}, session {session}",
                f"final tempo {sub['final_ioi_ms'].mean():.0f} ms, "
                f"final accuracy {100 * sub['final_accuracy'].mean():.1f} %",
            )
    steps = result.tables.get("phase_tempo")
    ok = steps is not None and not steps.empty
    if ok:
        ramp = steps[steps["group"] == "slow-then-ramp"]
        ok = ramp["ioi_ms"].nunique() > 1
        text = f"{sorted(ramp['ioi_ms'].unique().round().tolist(), reverse=True)} ms in the slow-then-ramp group"
    else:
        text = "no paced trials"
    _target("the tempo ramp steps when a block reaches its criterion", ok, text, "the lab task's rule (protocol)")


PARTS = {"sct": sct, "paced": paced}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=4)
    parser.add_argument("--series", type=int, default=3)
    parser.add_argument("--iois", default="400,500,800,1000")
    parser.add_argument("--paced-blocks", type=int, default=4)
    parser.add_argument("--paced-trials", type=int, default=24)
    parser.add_argument("--build", default=None, help="build folder of the network (default: a temporary folder)")
    parser.add_argument("--only", default=",".join(PARTS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="motorseq-timing-") as folder:
        args.build = args.build or str(Path(folder) / "build")
        args.build_root = None
        for name in args.only.split(","):
            PARTS[name.strip()](args, Path(folder))


if __name__ == "__main__":
    main()
