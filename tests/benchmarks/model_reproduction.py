"""Print every figure the spiking model must reproduce (issue 7), with the targets.

Usage::

    .venv/bin/python tests/benchmarks/model_reproduction.py [--participants 10] [--workers 2]
        [--only srt,control,asrt,lesions,variability]

Each group is ``--participants`` virtual participants with default parameters (seeds 1000+k);
every worker process compiles the network once and re-runs it per participant.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from motorseq.models.reproduction import (
    GroupSpec,
    asrt_figures,
    sequence_random_differences,
    shift_ratio,
    simulate_group,
    srt_figures,
    system_differences,
)


def _ms(x: float) -> str:
    return f"{1000 * x:.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", default="srt,control,asrt,lesions,variability")
    ap.add_argument("--lesions", default="dopamine=0.2,cerebellum=0.5,cortex=0.7")
    args = ap.parse_args()
    parts = set(args.only.split(","))
    n, w = args.participants, args.workers
    t0 = time.perf_counter()

    def group(**kw):
        start = time.perf_counter()
        runs = simulate_group(GroupSpec(n=n, **kw), workers=w)
        wall = time.perf_counter() - start
        sim = np.mean([r["timings"]["run_s"] for r in runs])
        print(f"  [{len(runs)} participants in {wall:.0f} s wall; {sim:.1f} s per participant run]")
        return runs

    intact = None
    if parts & {"srt", "control", "lesions"}:  # the intact group is the reference of the others
        print("srt-classic, default parameters")
        intact = group(protocol="srt-classic")
        f = srt_figures(intact)
        print(
            f"  practice block RT {_ms(f['first_practice_rt'])};"
            f" first block RT {_ms(f['first_block_rt'])}  (target 350-600 ms)"
        )
        print(f"  last / first sequence block {f['last_over_first']:.3f}  (target <= 0.85)")
        print(f"  random block cost {_ms(f['random_cost'])}  (target >= 30 ms)")
        print(f"  error rate {100 * f['error_rate']:.1f}%  (target 1-10%)")
        for measure in ("mean_rate_hz", "synaptic_input"):
            s = shift_ratio(intact, measure)
            print(
                f"  (striatal+cerebellar)/cortical {measure}: first {s['first']:.3f}, last {s['last']:.3f},"
                f" ratio {s['first_over_last']:.3f}  (target >= 1.2)"
            )
            d = sequence_random_differences(intact, measure)
            print(f"  sequence-random relative {measure} difference by region (largest first):")
            print("    " + ", ".join(f"{k} {v:+.3f}" for k, v in d.items()))
            sd = system_differences(intact, measure)
            print(
                "  by system (mean of its regions): "
                + ", ".join(f"{k} {v:+.3f}" for k, v in sd.items())
                + "  (target: striatal largest)"
            )
    if "control" in parts:
        print("srt-classic, control group (random blocks only)")
        ctrl = srt_figures(group(protocol="srt-classic", random_only=True))
        print(
            f"  speed-up first->last block {_ms(ctrl['speedup'])}"
            f"  (target <= 1/3 of the random cost = {_ms(srt_figures(intact)['random_cost'] / 3)})"
        )
        print(f"  error rate {100 * ctrl['error_rate']:.1f}%")
    if "lesions" in parts:
        base = srt_figures(intact)
        for item in args.lesions.split(","):
            name, value = item.split("=")
            value = float(value)
            print(f"srt-classic, --lesion {name}={value}")
            f = srt_figures(group(protocol="srt-classic", lesion=(name, value)))
            print(
                f"  first block RT {_ms(f['first_block_rt'])}; last/first {f['last_over_first']:.3f}; random cost "
                f"{_ms(f['random_cost'])} = {f['random_cost'] / base['random_cost']:.2f} x intact;"
                f" errors {100 * f['error_rate']:.1f}%"
            )
    if "asrt" in parts:
        print("asrt, default parameters")
        a = asrt_figures(group(protocol="asrt"))
        print(
            f"  L-H triplet effect: first epoch {_ms(a['triplet_effect_first_epoch'])},"
            f" last epoch {_ms(a['triplet_effect_last_epoch'])}  (target >= 5 ms)"
        )
        print(f"  error rate {100 * a['error_rate']:.1f}%")
    if "variability" in parts:
        print("srt-classic, --variability")
        runs = group(protocol="srt-classic", variability=True)
        costs, ratios = [], []
        for run in runs:
            f = srt_figures([run])
            costs.append(1000 * f["random_cost"])
            ratios.append(f["last_over_first"])
        print(
            f"  random cost across participants: mean {np.mean(costs):.0f} ms,"
            f" SD {np.std(costs, ddof=1):.0f} ms, range {min(costs):.0f}..{max(costs):.0f}"
        )
        print(f"  last/first across participants: mean {np.mean(ratios):.3f}, SD {np.std(ratios, ddof=1):.3f}")
        etas = [r["parameters"]["eta_striatum"] for r in runs]
        print(f"  eta_striatum drawn: {', '.join(f'{e:.2e}' for e in etas)}")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
