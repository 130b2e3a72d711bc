"""Figures the model must reproduce, computed from simulated participants.

Pure functions on :class:`~motorseq.models.SimulationResult` tables plus a small process pool
(:func:`simulate_group`) used by the reproduction checks (``tests/benchmarks/
model_reproduction.py`` and the slow tests). The cohort command (:mod:`.cohort`) is the way to
produce data sets; this module only measures.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "GroupSpec",
    "simulate_group",
    "random_only",
    "block_rts",
    "srt_figures",
    "asrt_figures",
    "activity_by_block",
    "shift_ratio",
    "sequence_random_differences",
    "system_differences",
    "CORTICAL",
    "STRIATAL",
    "CEREBELLAR",
]

CORTICAL = ("SMA_PMC", "M1")
STRIATAL = ("striatum_D1", "striatum_D2")
CEREBELLAR = ("granule", "purkinje", "DCN")


@dataclass(frozen=True)
class GroupSpec:
    """A group of virtual participants: protocol name, parameter changes and how many."""

    protocol: str
    n: int = 10
    overrides: tuple[tuple[str, Any], ...] = ()
    lesion: tuple[str, float] | None = None
    random_only: bool = False
    variability: bool = False
    seed: int = 1000


def random_only(protocol: Any) -> Any:
    """Return the protocol with every block made random (the no-sequence control group)."""
    blocks = [b.model_copy(update={"kind": "random"}) if b.kind != "practice" else b for b in protocol.blocks]
    return protocol.model_copy(update={"blocks": blocks})


def _one(args: tuple[GroupSpec, int]) -> dict[str, Any]:
    from motorseq.protocols import generate_trials, load_protocol

    from .parameters import ModelParameters
    from .participant import simulate_participant

    spec, k = args
    protocol = load_protocol(spec.protocol)
    if spec.random_only:
        protocol = random_only(protocol)
    participant = f"{k + 1:02d}"
    seed = spec.seed + k
    trials = generate_trials(protocol, participant, seed=seed)
    params = ModelParameters().with_overrides(dict(spec.overrides))
    if spec.lesion:
        params = params.with_lesion(*spec.lesion)
    if spec.variability:
        params = params.draw_individual(np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,))))
    workdir = os.path.join(tempfile.gettempdir(), f"motorseq-repro-{os.getpid()}")
    res = simulate_participant(protocol, trials, params, seed=seed, workdir=workdir)
    return {
        "participant": participant,
        "trials": trials,
        "responses": res.responses,
        "activity": res.activity,
        "timings": res.timings,
        "parameters": {k: res.parameters[k] for k in ("eta_striatum", "eta_pf_ltd", "eta_transition")},
    }


def simulate_group(spec: GroupSpec, workers: int = 2) -> list[dict[str, Any]]:
    """Simulate ``spec.n`` participants in ``workers`` processes (each compiles once)."""
    jobs = [(spec, k) for k in range(spec.n)]
    if workers <= 1:
        return [_one(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_one, jobs))


def _merged(run: dict[str, Any]) -> pd.DataFrame:
    return run["trials"].merge(run["responses"], on="trial_index")


def block_rts(run: dict[str, Any]) -> pd.DataFrame:
    """Mean RT of correct responses (s), error rate and kind of every block of one run."""
    df = _merged(run)
    rows = []
    for block, sub in df.groupby("block", sort=True):
        ok = sub["correct"] == 1
        rows.append(
            {
                "block": int(block),
                "kind": sub["block_kind"].iloc[0],
                "rt": float(sub.loc[ok, "rt"].astype(float).mean()),
                "error_rate": float(1.0 - ok.mean()),
            }
        )
    return pd.DataFrame(rows)


def srt_figures(runs: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Group means of the SRT figures.

    ``first_block_rt`` is the first block after practice, ``first_practice_rt`` the practice
    block, ``last_over_first`` the last sequence block's RT over the first sequence block's,
    ``random_cost`` the random block's RT minus the mean of the sequence blocks on either side,
    ``speedup`` first minus last non-practice block, ``error_rate`` over all trials (s).
    """
    out: dict[str, list[float]] = {
        k: []
        for k in ("first_practice_rt", "first_block_rt", "last_over_first", "random_cost", "speedup", "error_rate")
    }
    for run in runs:
        b = block_rts(run)
        main = b[b["kind"] != "practice"].reset_index(drop=True)
        seq = main[main["kind"] == "sequence"]
        out["first_practice_rt"].append(float(b["rt"].iloc[0]))
        out["first_block_rt"].append(float(main["rt"].iloc[0]))
        if len(seq) >= 2:
            out["last_over_first"].append(float(seq["rt"].iloc[-1] / seq["rt"].iloc[0]))
        out["speedup"].append(float(main["rt"].iloc[0] - main["rt"].iloc[-1]))
        rnd = main.index[main["kind"] == "random"]
        if len(seq) and len(rnd) and 0 < rnd[0] < len(main) - 1:
            k = rnd[0]
            out["random_cost"].append(
                float(main["rt"].iloc[k] - 0.5 * (main["rt"].iloc[k - 1] + main["rt"].iloc[k + 1]))
            )
        df = _merged(run)
        out["error_rate"].append(float(1.0 - df["correct"].mean()))
    return {k: float(np.mean(v)) if v else float("nan") for k, v in out.items()}


def asrt_figures(runs: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Group means of the ASRT triplet effect (L minus H RT, s) in the first and last epoch."""
    first, last, err = [], [], []
    for run in runs:
        df = _merged(run)
        df = df[(df["block_kind"] != "practice") & (df["correct"] == 1) & df["triplet_type"].isin(["H", "L"])]
        epochs = sorted(df["epoch"].unique())
        for store, ep in ((first, epochs[0]), (last, epochs[-1])):
            sub = df[df["epoch"] == ep]
            m = sub.groupby("triplet_type")["rt"].apply(lambda s: s.astype(float).mean())
            store.append(float(m["L"] - m["H"]))
        err.append(float(1.0 - _merged(run)["correct"].mean()))
    return {
        "triplet_effect_first_epoch": float(np.mean(first)),
        "triplet_effect_last_epoch": float(np.mean(last)),
        "error_rate": float(np.mean(err)),
    }


def activity_by_block(run: dict[str, Any], measure: str = "mean_rate_hz") -> pd.DataFrame:
    """Mean of an activity measure per block (rows) and region (columns)."""
    act = run["activity"].merge(run["trials"][["trial_index", "block", "block_kind"]], on="trial_index")
    return act.pivot_table(index="block", columns="region", values=measure, aggfunc="mean")


def shift_ratio(runs: Sequence[dict[str, Any]], measure: str = "mean_rate_hz") -> dict[str, float]:
    """(Striatal + cerebellar) / cortical activity, first over last sequence block.

    Each system's activity is the mean over its regions of the measure, normalised by the
    participant's mean over all blocks so that systems with different rates weigh alike.
    """
    ratios, early, late = [], [], []
    for run in runs:
        tab = activity_by_block(run, measure)
        kinds = run["trials"].groupby("block")["block_kind"].first()
        seq_blocks = [b for b in tab.index if kinds[b] == "sequence"]
        norm = tab / tab.mean()
        rel = (norm[list(STRIATAL)].mean(axis=1) + norm[list(CEREBELLAR)].mean(axis=1)) / (
            2 * norm[list(CORTICAL)].mean(axis=1)
        )
        early.append(float(rel[seq_blocks[0]]))
        late.append(float(rel[seq_blocks[-1]]))
        ratios.append(float(rel[seq_blocks[0]] / rel[seq_blocks[-1]]))
    return {"first_over_last": float(np.mean(ratios)), "first": float(np.mean(early)), "last": float(np.mean(late))}


def sequence_random_differences(runs: Sequence[dict[str, Any]], measure: str = "mean_rate_hz") -> pd.Series:
    """Relative sequence-minus-random activity per region ((seq - random) / random).

    Sequence = the two sequence blocks around the random block.
    """
    rows = []
    for run in runs:
        tab = activity_by_block(run, measure)
        kinds = run["trials"].groupby("block")["block_kind"].first()
        blocks = list(tab.index)
        rnd = [b for b in blocks if kinds[b] == "random"]
        if not rnd:
            continue
        k = blocks.index(rnd[0])
        seq = tab.loc[[blocks[k - 1], blocks[k + 1]]].mean()
        rows.append((seq - tab.loc[rnd[0]]) / tab.loc[rnd[0]].abs())
    return pd.DataFrame(rows).mean().sort_values(ascending=False)


def system_differences(runs: Sequence[dict[str, Any]], measure: str = "mean_rate_hz") -> dict[str, float]:
    """Sequence-minus-random relative activity difference of each system.

    The mean over the system's regions of :func:`sequence_random_differences`: cortical
    (SMA/PMC, M1), striatal (D1, D2 MSNs) and cerebellar (granule, Purkinje, DCN).
    """
    d = sequence_random_differences(runs, measure)
    return {
        "cortical": float(d[list(CORTICAL)].mean()),
        "striatal": float(d[list(STRIATAL)].mean()),
        "cerebellar": float(d[list(CEREBELLAR)].mean()),
    }
