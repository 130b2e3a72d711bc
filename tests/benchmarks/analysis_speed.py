"""Benchmark: 1000 participants x 1000 trials through load -> clean -> measures -> fits.

Target (issue 5): at most 10 s on the development machine (2 cores). Prints the time of each
stage. Two inputs are timed:

1. ``jspsych-asrt``: one CSV of 1,000,000 ASRT trials (20 blocks x 50 trials per participant)
   in the layout of the jsPsych ASRT export; triplet types are recomputed from the pattern.
2. ``motorseq``: 1000 BIDS runs (``_beh.tsv`` + sidecar) of an SRT protocol, read with the
   validating reader of ``motorseq.protocols.io``.

The data are generated first (not timed) with ``np.random.default_rng(seed)``.

Run::

    python tests/benchmarks/analysis_speed.py [--participants 1000] [--trials 1000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_jspsych(path: Path, n_participants: int, n_trials: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    block_len = 50
    n_blocks = n_trials // block_len
    trial = np.tile(np.arange(1, block_len + 1), n_blocks)
    block = np.repeat(np.arange(1, n_blocks + 1), block_len)
    patterns = np.array(["1234", "1243", "1324", "1342", "1423", "1432"])
    frames = []
    for p in range(n_participants):  # generation only (not timed)
        pat = patterns[p % 6]
        digits = np.array([int(c) for c in pat])
        is_pattern = (trial % 2) == 0
        k = np.cumsum(is_pattern) - 1
        pos = np.where(is_pattern, digits[k % 4], rng.integers(1, 5, n_trials))
        first = (rng.random(n_trials) > 0.05).astype(int)
        rt = 380 + 120 * np.exp(-0.15 * (block - 1)) + rng.normal(0, 40, n_trials)
        frames.append(
            pd.DataFrame(
                {
                    "subject": 1000 + p,
                    "session": 1,
                    "group": "A" if p % 2 else "B",
                    "isPractice": 0,
                    "block": block,
                    "epoch": (block - 1) // 5 + 1,
                    "trialNumber": trial,
                    "trialType": np.where(is_pattern, "P", "R"),
                    "sequence": int(pat),
                    "correctPos": pos,
                    "firstResponse": first,
                    "rt": np.round(rt, 3),
                    "trial_index": np.arange(1, n_trials + 1),
                }
            )
        )
    pd.concat(frames, ignore_index=True).to_csv(path, index=False)


def make_bids(root: Path, n_participants: int, n_trials: int, seed: int) -> None:
    from motorseq.protocols import generate_trials, load_protocol
    from motorseq.protocols.io import RunWriter

    data = load_protocol("srt-classic").model_dump(mode="json", by_alias=True)
    data["name"] = "srtbench"
    data["blocks"] = [
        {"kind": "sequence", "trials": 100, "repeat": n_trials // 100 - 1},
        {"kind": "random", "trials": 100, "label": "random"},
    ]
    proto_path = root.parent / "srtbench.yaml"
    import yaml

    proto_path.write_text(yaml.safe_dump(data, sort_keys=False))
    protocol = load_protocol(proto_path)
    trials = generate_trials(protocol, "1", seed=0)
    with RunWriter(root, protocol, "0000", "1", 1, seed=0) as writer:  # one real run: the template
        writer.write_trial({**trials.iloc[0].to_dict(), "stimulus_onset": 0.0, "rt": 0.4, "correct": 1})
    template = root / "sub-0000" / "ses-1" / "beh"
    sidecar = json.loads(next(template.glob("*_beh.json")).read_text())
    header = next(template.glob("*_beh.tsv")).read_text().splitlines()[0].split("\t")
    rng = np.random.default_rng(seed)
    for p in range(1, n_participants + 1):
        label = f"{p:04d}"
        folder = root / f"sub-{label}" / "ses-1" / "beh"
        folder.mkdir(parents=True)
        rt = 0.35 + 0.15 * np.exp(-0.3 * (trials["block"].to_numpy() - 1)) + rng.normal(0, 0.04, len(trials))
        rt += np.where(trials["trial_type"] == "random", 0.05, 0.0)
        table = trials.assign(
            stimulus_onset=np.cumsum(rt + 0.25),
            response=trials["correct_key"],
            response_position=trials["target"],
            rt=np.round(rt, 4),
            correct=(rng.random(len(trials)) > 0.05).astype(int),
            n_presses=1,
            n_errors=0,
        )
        for col in header:
            if col not in table:
                table[col] = "n/a"
        stem = f"sub-{label}_ses-1_task-srtbench_run-1"
        table[header].to_csv(folder / f"{stem}_beh.tsv", sep="\t", index=False, na_rep="n/a", lineterminator="\n")
        written = sidecar | {"Participant": label, "TrialsWritten": len(trials)}
        (folder / f"{stem}_beh.json").write_text(json.dumps(written))
    import shutil

    shutil.rmtree(root / "sub-0000")


def run(paths, fmt: str, n_boot: int, n_boot_participant: int) -> dict[str, float]:
    """Time each stage; wall-clock seconds and, in brackets, this process's CPU seconds."""
    from motorseq.analysis import measures as ms
    from motorseq.analysis.cleaning import clean
    from motorseq.analysis.fits import fit_learning_curves
    from motorseq.analysis.loaders import load_dataset

    times: dict[str, tuple[float, float]] = {}
    clock = (time.perf_counter(), time.process_time())

    def lap(name: str) -> None:
        nonlocal clock
        now = (time.perf_counter(), time.process_time())
        times[name] = (now[0] - clock[0], now[1] - clock[1])
        clock = now

    start = clock
    data = load_dataset(paths, fmt)
    lap("load")
    cleaned = clean(data.trials, warmup_trials=int(data.conventions.get("warmup_trials", 0)))
    lap("clean")
    ms.block_summary(cleaned)
    ms.epoch_summary(cleaned)
    curves = ms.learning_curves(cleaned, "block", trial_type="sequence" if data.paradigm == "srt" else None)
    if data.paradigm == "asrt":
        ms.triplet_learning(cleaned)
        ms.general_skill(cleaned)
    else:
        ms.sequence_learning(cleaned, n_boot=n_boot_participant, seed=0)
    lap("measures")
    fit_learning_curves(curves, "block", n_boot=n_boot, n_boot_participant=n_boot_participant, seed=0)
    lap("fits (2 models, bootstrap)")
    times["total"] = (time.perf_counter() - start[0], time.process_time() - start[1])
    return {"times": times, "trials": len(data.trials), "participants": data.trials["participant"].nunique()}


def report(name: str, res: dict) -> None:
    print(f"{name}: {res['participants']} participants, {res['trials']} trials")
    for stage, (wall, cpu) in res["times"].items():
        print(f"  {stage:<28} {wall:6.2f} s wall  ({cpu:5.2f} s CPU)")
    if res["participants"] == 1000 and res["trials"] == 1_000_000:
        total = res["times"]["total"][0]
        verdict = "met" if total <= 10.0 else "MISSED"
        print(f"{name}: total {total:.2f} s wall [target total <= 10 s for 1000 participants x 1000 trials: {verdict}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--n-boot-participant", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--formats", default="jspsych-asrt,motorseq", help="comma-separated: jspsych-asrt, motorseq")
    args = parser.parse_args()
    import motorseq.analysis.pipeline  # noqa: F401  (import time is not data time)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        formats = args.formats.split(",")
        csv = tmp / "asrt.csv"
        t = time.perf_counter()
        if "jspsych-asrt" not in formats:
            csv = None
        if csv is not None:
            make_jspsych(csv, args.participants, args.trials, args.seed)
            print(f"generated jsPsych ASRT CSV ({csv.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.1f} s")
            report("jspsych-asrt", run([csv], "jspsych-asrt", args.n_boot, args.n_boot_participant))
        if "motorseq" not in formats:
            return
        root = tmp / "bids"
        t = time.perf_counter()
        make_bids(root, args.participants, args.trials, args.seed)
        print(f"generated {args.participants} motorseq BIDS runs in {time.perf_counter() - t:.1f} s")
        report("motorseq", run([root], "motorseq", args.n_boot, args.n_boot_participant))


if __name__ == "__main__":
    main()
