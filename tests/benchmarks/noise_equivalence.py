"""Does the counter-based noise change the model's behaviour? (issue 14 item 2; prints figures)

Simulates the same participants (same seeds, default parameters, no individual draws) with
Brian2's white noise ``xi`` (``MOTORSEQ_NOISE=brian2``) and with the counter-based noise
(:mod:`motorseq.models.noise`, the default), each kind in its own process, and compares per
participant: median and SD of correct RTs, error rate, the learning curve (mean correct RT
of sequence blocks 2 and 6 and their difference) and sequence-specific learning (random
block minus the sequence blocks around it). A figure is equivalent when the two kinds'
means differ by less than twice the standard error of that difference from the
seed-to-seed spread (``[within seed-to-seed variation: met]``); the CPU time of the runs
is printed too.

Run::

    nice -n 10 .venv/bin/python tests/benchmarks/noise_equivalence.py [--seeds 1 2 3 4] [--blocks 8]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

_CHILD = r"""
import json, os, sys, time
import numpy as np
from motorseq.models import ModelParameters, simulate_participant
from motorseq.protocols import generate_trials, load_protocol
from motorseq.tasks.shorten import shorten_protocol

seeds, blocks = json.loads(sys.argv[1]), int(sys.argv[2])
protocol = shorten_protocol(load_protocol("srt-classic"), max_blocks=blocks)
out = []
for seed in seeds:
    trials = generate_trials(protocol, f"{seed:02d}", seed=seed)
    t0 = os.times()
    res = simulate_participant(protocol, trials, ModelParameters(), seed=seed, workdir=sys.argv[3])
    t1 = os.times()
    rows = trials.assign(rt=res.responses["rt"].to_numpy(float), correct=res.responses["correct"].to_numpy(bool))
    ok = rows[rows["correct"]]
    by_block = ok.groupby("block")["rt"].mean()
    figures = {
        "median RT (ms)": 1000 * float(ok["rt"].median()),
        "RT SD (ms)": 1000 * float(ok["rt"].std()),
        "error rate (%)": 100 * float(1 - rows["correct"].mean()),
        "RT sequence block 2 (ms)": 1000 * float(by_block.get(2, np.nan)),
        "RT sequence block 6 (ms)": 1000 * float(by_block.get(6, np.nan)),
        "learning, block 2 - block 6 (ms)": 1000 * float(by_block.get(2, np.nan) - by_block.get(6, np.nan)),
        "random block - sequence blocks 6, 8 (ms)": 1000 * float(
            by_block.get(7, np.nan) - (by_block.get(6, np.nan) + by_block.get(8, np.nan)) / 2
        ),
    }
    cpu = (t1.children_user + t1.children_system) - (t0.children_user + t0.children_system)
    out.append({"seed": seed, "cpu_s": cpu, "figures": figures})
print("RESULT " + json.dumps(out))
"""


def run_kind(kind: str, seeds: list[int], blocks: int, workdir: str) -> list[dict]:
    """Simulate ``seeds`` with the noise ``kind`` in a fresh process."""
    env = {**os.environ, "MOTORSEQ_NOISE": kind}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(seeds), str(blocks), workdir],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{kind}: no result\n{proc.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--blocks", type=int, default=8, help="first N blocks of srt-classic (8: all)")
    parser.add_argument("--workdir", default=os.path.join(os.environ.get("MOTORSEQ_BUILD_ROOT", "/tmp"), "noise-eq"))
    args = parser.parse_args(argv)
    print(
        f"noise equivalence: srt-classic, first {args.blocks} blocks, seeds {args.seeds}, default parameters; "
        f"load average {os.getloadavg()[0]:.1f} (shared machine)"
    )
    results = {kind: run_kind(kind, args.seeds, args.blocks, f"{args.workdir}-{kind}") for kind in ("brian2", "hash")}
    names = list(results["brian2"][0]["figures"])
    print(f"  {'figure':<44}{'brian2 xi':>20}{'counter hash':>20}{'diff / 2 SE':>14}")
    all_ok = True
    for name in names:
        a = np.array([r["figures"][name] for r in results["brian2"]])
        b = np.array([r["figures"][name] for r in results["hash"]])
        if np.isnan(a).all() or np.isnan(b).all():
            continue
        se = np.sqrt(np.nanvar(a, ddof=1) / a.size + np.nanvar(b, ddof=1) / b.size)
        ratio = abs(np.nanmean(b) - np.nanmean(a)) / (2 * se) if se > 0 else 0.0
        ok = ratio < 1
        all_ok &= ok
        print(
            f"  {name:<44}{np.nanmean(a):>11.1f} +- {np.nanstd(a, ddof=1):<6.1f}{np.nanmean(b):>11.1f} +- "
            f"{np.nanstd(b, ddof=1):<6.1f}{ratio:>10.2f}   [within seed-to-seed variation: {'met' if ok else 'MISSED'}]"
        )
    for kind in ("brian2", "hash"):
        cpu = np.mean([r["cpu_s"] for r in results[kind]])
        print(f"  CPU per participant (binary), {kind}: {cpu:.1f} s")
    print(f"all figures within seed-to-seed variation: {'met' if all_ok else 'MISSED'}")
    print("per seed: " + json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
