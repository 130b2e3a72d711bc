"""Does a change of the model's code change its behaviour? (issue 14; prints figures)

Simulates the same participants (srt-classic, same seeds, default parameters, no individual
draws) with the installed code and with the code of a git revision (exported with
``git archive`` into a temporary folder that comes first on ``PYTHONPATH``), each in its
own process, and reports per seed whether the trial table (onsets, responses, RTs) is
*byte-identical* (and whether the activity table and the final plastic weights are); where
it is not, the figures of :mod:`noise_equivalence` (median and SD of correct RTs, error
rate, learning curve, sequence-specific learning) are compared against the seed-to-seed
spread (``[within seed-to-seed variation: met]`` when the means differ by less than twice
the standard error of the difference).

Run::

    nice -n 10 .venv/bin/python tests/benchmarks/change_equivalence.py --before main [--seeds 1 2 3] [--blocks 8]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from noise_equivalence import _CHILD  # noqa: E402

_HASHES = r"""
import hashlib
out[-1]["table"] = hashlib.sha256(res.responses.to_csv(index=False).encode()).hexdigest()[:16]
out[-1]["activity"] = hashlib.sha256(res.activity.to_csv(index=False).encode()).hexdigest()[:16]
_digest = hashlib.sha256()
for _name in sorted(res.weights):
    _digest.update(_name.encode() + np.ascontiguousarray(res.weights[_name]).tobytes())
out[-1]["weights"] = _digest.hexdigest()[:16]
"""
# the child of noise_equivalence, with the trial table's digest added to each seed's result
_CHILD_WITH_HASH = _CHILD.replace(
    '    out.append({"seed": seed, "cpu_s": cpu, "figures": figures})\n',
    '    out.append({"seed": seed, "cpu_s": cpu, "figures": figures})\n'
    + "".join(f"    {line}\n" for line in _HASHES.strip().splitlines()),
)
_PACKAGES = {"protocols": "protocols", "tasks": "tasks", "models": "models", "analysis": "analysis"}


def export_revision(revision: str, folder: Path) -> Path:
    """Export ``revision`` of this repository as an importable ``motorseq`` package under ``folder``."""
    repo = Path(__file__).resolve().parents[2]
    source = folder / "source"
    source.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(repo), "archive", revision], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    package = folder / "path" / "motorseq"
    package.mkdir(parents=True)
    for name, path in _PACKAGES.items():
        shutil.copytree(source / path, package / name)
    return folder / "path"


def run(seeds: list[int], blocks: int, workdir: str, pythonpath: str | None) -> list[dict]:
    """Simulate ``seeds`` in a fresh process (``pythonpath`` first on the import path when given)."""
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD_WITH_HASH, json.dumps(seeds), str(blocks), workdir],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"no result\n{proc.stderr[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="main", help="git revision to compare the installed code with")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--blocks", type=int, default=8, help="first N blocks of srt-classic (8: all)")
    args = parser.parse_args(argv)
    build = os.environ.get("MOTORSEQ_BUILD_ROOT", tempfile.gettempdir())
    print(
        f"change equivalence: installed code vs {args.before}; srt-classic, first {args.blocks} blocks, seeds "
        f"{args.seeds}; load average {os.getloadavg()[0]:.1f} (shared machine)"
    )
    folder = Path(tempfile.mkdtemp(prefix="change-eq-"))
    try:
        path = export_revision(args.before, folder)
        before = run(args.seeds, args.blocks, str(Path(build) / "change-eq-before"), str(path))
        after = run(args.seeds, args.blocks, str(Path(build) / "change-eq-after"), None)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    identical = [a["table"] == b["table"] for a, b in zip(before, after, strict=True)]
    for a, b, same in zip(after, before, identical, strict=True):
        others = ", ".join(
            f"{what} {'bit-identical' if a.get(key) == b.get(key) else 'differ'}"
            for key, what in (("activity", "activity table"), ("weights", "final plastic weights"))
        )
        print(f"  seed {a['seed']}: trial table {'byte-identical' if same else 'DIFFERS'}; {others}")
    print(f"  {'figure':<44}{'before':>20}{'after':>20}{'diff / 2 SE':>14}")
    for name in before[0]["figures"]:
        a = np.array([r["figures"][name] for r in before])
        b = np.array([r["figures"][name] for r in after])
        se = np.sqrt(np.nanvar(a, ddof=1) / a.size + np.nanvar(b, ddof=1) / b.size) if a.size > 1 else 0.0
        diff = abs(np.nanmean(b) - np.nanmean(a))
        ratio = diff / (2 * se) if se > 0 else (0.0 if diff == 0 else np.inf)
        print(
            f"  {name:<44}{np.nanmean(a):>11.1f} +- {np.nanstd(a, ddof=1):<6.1f}{np.nanmean(b):>11.1f} +- "
            f"{np.nanstd(b, ddof=1):<6.1f}{ratio:>10.2f}   "
            f"[within seed-to-seed variation: {'met' if ratio < 1 else 'MISSED'}]"
        )
    for label, results in (("before", before), ("after", after)):
        print(f"  CPU per participant (binary), {label}: {np.mean([r['cpu_s'] for r in results]):.1f} s")
    print(f"all trial tables byte-identical: {'yes' if all(identical) else 'no'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
