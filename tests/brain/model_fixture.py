"""A constructed model dataset in the model's output format, for tests of the brain comparison
and the report (imported by the conftest files of tests/brain and tests/report).

Trial files are written by the real ``RunWriter`` from the real ``srt-classic`` trial list; the
BOLD-like signals are constructed so the expected answers are known: striatal and cerebellar
populations respond most in the first sequence blocks and less later, cortex the reverse, and
the striatum responds less in the random block than in the sequence blocks around it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from motorseq.models.layout import REGIONS as POPS  # the model's reported regions, in its order

SUBCORTICAL = {"striatum_D1", "striatum_D2", "GPe", "GPi", "thalamus_VL", "granule", "purkinje", "DCN"}


def write_model_dataset(root: Path, n_participants: int = 4, seed: int = 0, rest_s: float = 12.0) -> Path:
    """Write ``n_participants`` constructed model runs of srt-classic under ``root``."""
    from motorseq.protocols import generate_trials, load_protocol
    from motorseq.protocols.io import RunWriter

    protocol = load_protocol("srt-classic")
    rng = np.random.default_rng(seed)
    for p in range(1, n_participants + 1):
        label = f"{p:02d}"
        trials = generate_trials(protocol, label, seed=seed + p)
        n_seq_blocks = int((trials.groupby("block")["block_kind"].first() == "sequence").sum())
        t, rows = rest_s, []
        seq_no = 0
        for _block, grp in trials.groupby("block", sort=True):
            kind = grp["block_kind"].iloc[0]
            seq_no += kind == "sequence"
            for _, tr in grp.iterrows():
                base = 0.50 if kind != "sequence" else 0.50 - 0.025 * seq_no
                rt = float(base + rng.normal(0, 0.03))
                row = tr.to_dict()
                row.update(
                    {
                        "stimulus_onset": round(t, 4),
                        "rt": round(rt, 4),
                        "response": row["correct_key"],
                        "response_position": int(row["target"]),
                        "correct": 1,
                        "n_presses": 1,
                        "n_errors": 0,
                    }
                )
                rows.append(row)
                t += rt + 0.25
            t += rest_s
        writer = RunWriter(
            root, protocol, label, seed=seed + p, source={"Type": "model", "Parameters": {"constructed": True}}
        )
        with writer:
            for row in rows:
                writer.write_trial(
                    row,
                    [
                        {
                            "onset": row["stimulus_onset"] + row["rt"],
                            "duration": "n/a",
                            "key": row["response"],
                            "position": row["response_position"],
                            "rt": row["rt"],
                            "correct": 1,
                        }
                    ],
                )
        beh = pd.DataFrame(rows)
        _write_derivatives(root, writer.paths.beh, beh, n_seq_blocks, rng, t + 30.0)
    return root


def _write_derivatives(
    root: Path,
    beh_path: Path,
    beh: pd.DataFrame,
    n_seq: int,
    rng: np.random.Generator,
    duration: float,
    dt: float = 0.5,
) -> None:
    times = np.arange(0.0, duration, dt)
    rate = {pop: np.full(len(times), 5.0) for pop in POPS}
    seq_no = 0
    for _block, grp in beh.groupby("block", sort=True):
        kind = grp["block_kind"].iloc[0]
        seq_no += kind == "sequence"
        start, end = grp["stimulus_onset"].min(), grp["stimulus_onset"].max() + grp["rt"].iloc[-1]
        sel = (times >= start) & (times < end)
        progress = (seq_no - 1) / max(n_seq - 1, 1)  # 0 in the first sequence block, 1 in the last
        for pop in POPS:
            if pop in SUBCORTICAL:
                level = 9.0 - 3.0 * progress
                if kind == "random" and pop.startswith("striatum"):
                    level -= 2.0
            else:
                level = 7.0 + 2.0 * progress
            rate[pop][sel] = level
    hrf_t = np.arange(0, 32, dt)
    from scipy.stats import gamma

    hrf = gamma.pdf(hrf_t, 6) - gamma.pdf(hrf_t, 16) / 6
    hrf /= hrf.sum()
    bold = {"time_s": times}
    for pop in POPS:
        bold[pop] = np.convolve(rate[pop], hrf)[: len(times)] + rng.normal(0, 0.02, len(times))
    sub, ses = beh_path.parts[-4], beh_path.parts[-3]
    deriv = root / "derivatives" / "motorseq-model" / sub / ses
    deriv.mkdir(parents=True, exist_ok=True)
    stem = beh_path.name[: -len("_beh.tsv")]
    pd.DataFrame(bold).round(5).to_csv(deriv / f"{stem}_desc-bold_timeseries.tsv", sep="\t", index=False)
    act = [
        {"trial_index": int(ti), "region": pop, "mean_rate_hz": 5.0, "synaptic_input": 1.0}
        for ti in beh["trial_index"]
        for pop in POPS
    ]
    pd.DataFrame(act).to_csv(deriv / f"{stem}_desc-regions_activity.tsv", sep="\t", index=False)
