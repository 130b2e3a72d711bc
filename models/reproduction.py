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
    "srt_participant_figures",
    "asrt_epoch_table",
    "dsp_figures",
    "ftt_figures",
    "ftt_micro_gains",
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
        "presses": res.presses,
        "weights": {name: res.weights[name] for name in ("corticostriatal", "parallel_fibre", "transition")},
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


def first_trial_figures(runs: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Errors and median RT of the first trial of every block against the other trials.

    The first trial of a block follows a rest; a network that holds a response through the
    rest presses that key as soon as the stimulus comes (a fast error).

    Parameters
    ----------
    runs : sequence of dict
        Runs from :func:`simulate_group`.

    Returns
    -------
    dict
        ``first_errors`` and ``other_errors`` (fractions over all participants' trials),
        ``first_median_rt`` and ``other_median_rt`` (s, all responses), ``n_first``.
    """
    df = pd.concat([_merged(run).assign(participant=k) for k, run in enumerate(runs)], ignore_index=True)
    first = ~df.duplicated(["participant", "block"])
    answered = df["rt"].astype(float) > 0
    return {
        "first_errors": float(1.0 - df.loc[first, "correct"].mean()),
        "other_errors": float(1.0 - df.loc[~first, "correct"].mean()),
        "first_median_rt": float(df.loc[first & answered, "rt"].astype(float).median()),
        "other_median_rt": float(df.loc[~first & answered, "rt"].astype(float).median()),
        "n_first": int(first.sum()),
    }


def srt_participant_figures(run: dict[str, Any]) -> dict[str, float]:
    """SRT figures of one participant (RTs in s, rates as fractions).

    ``first_block_rt`` is the first block after practice, ``first_practice_rt`` the practice
    block, ``last_over_first`` the last sequence block's RT over the first sequence block's,
    ``random_cost`` the random block's RT minus the mean of the sequence blocks on either side
    (``random_cost_pct``: the same in percent of ``first_block_rt``), ``speedup`` first minus
    last non-practice block, ``error_rate`` over all trials, ``random_errors`` and
    ``sequence_errors`` the error rates of the random block and of the two sequence blocks
    around it.
    """
    nan = float("nan")
    b = block_rts(run)
    main = b[b["kind"] != "practice"].reset_index(drop=True)
    seq = main[main["kind"] == "sequence"]
    out = {
        "first_practice_rt": float(b["rt"].iloc[0]),
        "first_block_rt": float(main["rt"].iloc[0]),
        "last_over_first": float(seq["rt"].iloc[-1] / seq["rt"].iloc[0]) if len(seq) >= 2 else nan,
        "speedup": float(main["rt"].iloc[0] - main["rt"].iloc[-1]),
        "random_cost": nan,
        "random_cost_pct": nan,
        "random_errors": nan,
        "sequence_errors": nan,
        "error_rate": float(1.0 - _merged(run)["correct"].mean()),
    }
    rnd = main.index[main["kind"] == "random"]
    if len(seq) and len(rnd) and 0 < rnd[0] < len(main) - 1:
        k = rnd[0]
        cost = float(main["rt"].iloc[k] - 0.5 * (main["rt"].iloc[k - 1] + main["rt"].iloc[k + 1]))
        out["random_cost"] = cost
        out["random_cost_pct"] = 100.0 * cost / out["first_block_rt"]
        out["random_errors"] = float(main["error_rate"].iloc[k])
        out["sequence_errors"] = float(0.5 * (main["error_rate"].iloc[k - 1] + main["error_rate"].iloc[k + 1]))
    return out


def srt_figures(runs: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Group means of :func:`srt_participant_figures`, plus the spread of first-block RT.

    ``first_block_rt_cv`` is the between-participant coefficient of variation of the first
    block's RT and ``random_cost_pct_sd`` the between-participant SD of ``random_cost_pct``
    (both NaN with fewer than two participants).
    """
    per = pd.DataFrame([srt_participant_figures(run) for run in runs])
    out = {k: float(per[k].mean()) if per[k].notna().any() else float("nan") for k in per.columns}
    first = per["first_block_rt"]
    out["first_block_rt_cv"] = float(first.std(ddof=1) / first.mean()) if len(first) >= 2 else float("nan")
    out["random_cost_pct_sd"] = float(per["random_cost_pct"].std(ddof=1)) if len(per) >= 2 else float("nan")
    return out


def asrt_epoch_table(run: dict[str, Any]) -> pd.DataFrame:
    """Per epoch of one ASRT run: median RT and first-press accuracy of H and L triplets.

    Learning blocks only, H and L triplets only; RTs are medians of trials whose first press
    was correct (``correct == 1``), as the shared ASRT reference figures are computed
    (``../shared/README.md``). Columns ``rt_H``, ``rt_L`` (s), ``acc_H``, ``acc_L``
    (fractions), ``triplet_effect`` (``rt_L - rt_H``) and ``accuracy`` (all learning trials).
    """
    df = _merged(run)
    learn = df[df["block_kind"] != "practice"]
    hl = learn[learn["triplet_type"].isin(["H", "L"])]
    ok = hl[hl["correct"] == 1]
    rt = ok.groupby(["epoch", "triplet_type"])["rt"].apply(lambda s: float(s.astype(float).median())).unstack()
    acc = hl.groupby(["epoch", "triplet_type"])["correct"].mean().unstack()
    tab = pd.DataFrame(
        {"rt_H": rt["H"], "rt_L": rt["L"], "acc_H": acc["H"], "acc_L": acc["L"]}, index=rt.index.astype(int)
    )
    tab["triplet_effect"] = tab["rt_L"] - tab["rt_H"]
    tab["accuracy"] = learn.groupby("epoch")["correct"].mean().to_numpy()
    return tab


def asrt_figures(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Group figures of ASRT triplet learning (RTs in s).

    ``triplet_effect_first_epoch``/``_last_epoch``: group mean of L - H; ``by_epoch``: the
    group means of :func:`asrt_epoch_table` per epoch, with ``triplet_effect_sd`` the
    between-participant SD of L - H; ``triplet_effect_growth_se``: standard error of each
    participant's last-epoch minus first-epoch L - H (the paired growth); ``error_rate`` over
    all trials.
    """
    tables = [asrt_epoch_table(run) for run in runs]
    stacked = pd.concat(tables, keys=range(len(tables)), names=["participant", "epoch"])
    by_epoch = stacked.groupby(level="epoch").mean()
    by_epoch["triplet_effect_sd"] = (
        stacked["triplet_effect"].groupby(level="epoch").std(ddof=1) if len(tables) >= 2 else float("nan")
    )
    growth = np.array([t["triplet_effect"].iloc[-1] - t["triplet_effect"].iloc[0] for t in tables])
    growth_se = float(growth.std(ddof=1) / np.sqrt(len(growth))) if len(growth) >= 2 else float("nan")
    return {
        "triplet_effect_growth_se": growth_se,
        "triplet_effect_first_epoch": float(by_epoch["triplet_effect"].iloc[0]),
        "triplet_effect_last_epoch": float(by_epoch["triplet_effect"].iloc[-1]),
        "by_epoch": by_epoch,
        "error_rate": float(np.mean([1.0 - _merged(run)["correct"].mean() for run in runs])),
    }


def dsp_figures(runs: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Group means of the DSP figures (s).

    ``last_over_first``: mean execution time of correct sequences in the last sequence block
    over the first; ``first_iki``: median interval from the first to the second press of
    correct sequences, ``other_iki``: median of the later intervals (sequence blocks).
    """
    ratios, first, other = [], [], []
    for run in runs:
        df = _merged(run)
        seq = df[(df["block_kind"] == "sequence") & (df["correct"] == 1)]
        by_block = seq.groupby("block")["execution_time"].apply(lambda s: float(s.astype(float).mean()))
        ratios.append(float(by_block.iloc[-1] / by_block.iloc[0]))
        presses = run["presses"].sort_values(["trial_index", "rt"])
        presses = presses[presses["trial_index"].isin(seq["trial_index"])]
        gaps = presses.groupby("trial_index")["rt"].diff()
        rank = presses.groupby("trial_index").cumcount()
        first.append(float(gaps[rank == 1].median()))
        other.append(float(gaps[rank >= 2].median()))
    return {"last_over_first": float(np.mean(ratios)), "first_iki": float(np.mean(first)),
            "other_iki": float(np.mean(other))}  # fmt: skip


def ftt_figures(runs: Sequence[dict[str, Any]], n_early: int = 3) -> dict[str, float]:
    """Group means of correct sequences per tapping period: first, last, early and later gain.

    ``early_gain``: trial ``n_early + 1`` minus trial 1 (the first ``n_early`` steps);
    ``late_gain``: the last trial minus trial ``n_early + 1`` (all later steps);
    ``gain_difference_se``: standard error of the per-participant ``early - late`` (paired; a
    period's count varies by 2-3 sequences between participants, so with 10 participants the
    difference of the two gains has an SE of about one sequence).
    """
    first, last, early, late = [], [], [], []
    for run in runs:
        df = _merged(run).sort_values("trial_index")
        n = df["n_correct_sequences"].astype(float).to_numpy()
        first.append(n[0])
        last.append(n[-1])
        early.append(n[n_early] - n[0])
        late.append(n[-1] - n[n_early])
    diff = np.asarray(early) - np.asarray(late)
    se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) >= 2 else float("nan")
    return {"first": float(np.mean(first)), "last": float(np.mean(last)), "early_gain": float(np.mean(early)),
            "late_gain": float(np.mean(late)), "gain_difference_se": se}  # fmt: skip


def ftt_micro_gains(runs: Sequence[dict[str, Any]], edge: int = 10) -> dict[str, float]:
    """Group means of the micro-online and micro-offline gains in inter-tap interval (ms).

    The inter-tap intervals of each tapping period, scored by
    :func:`motorseq.analysis.phases.micro_gains` (the function that analyses people, Bönstrup et
    al. 2019): the speed-up within the periods (micro-online) and across the rests between them
    (micro-offline), summed over the session, speed-up positive. A period's intervals start at
    the one ending at its third tap: the rest clears the model's context, so the second tap has
    no second-order context (a start-up cost of ~100 ms that is not learning).

    Parameters
    ----------
    runs : sequence of dict
        Participants of :func:`simulate_group` for an FTT protocol (their ``presses``).
    edge : int
        Intervals averaged at the start and at the end of each period.

    Raises
    ------
    ValueError
        A run without key presses (not a finger-tapping run).
    """
    from motorseq.analysis.phases import micro_gains

    frames = []
    for run in runs:
        if run.get("presses") is None:
            who = run.get("participant")
            raise ValueError(f"ftt_micro_gains: participant {who} has no key presses (not an FTT run)")
        presses = run["presses"].sort_values("onset")
        iti = presses.groupby("trial_index")["onset"].diff() * 1000.0
        iti[presses.groupby("trial_index").cumcount() < 2] = np.nan
        frames.append(
            pd.DataFrame(
                {
                    "participant": run["participant"],
                    "session": 1,
                    "block": presses["trial_index"].to_numpy(),
                    "trial": np.arange(len(presses)),
                    "iti_ms": iti.to_numpy(),
                }
            ).dropna()
        )
    gains = micro_gains(pd.concat(frames), "iti_ms", lower_is_better=True, edge=edge)
    return {"micro_online": float(gains["micro_online"].mean()), "micro_offline": float(gains["micro_offline"].mean())}


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


def region_first_over_last(runs: Sequence[dict[str, Any]], measure: str = "mean_rate_hz") -> pd.Series:
    """Each region's activity in the first over the last sequence block, mean over participants."""
    rows = []
    for run in runs:
        tab = activity_by_block(run, measure)
        kinds = run["trials"].groupby("block")["block_kind"].first()
        seq_blocks = [b for b in tab.index if kinds[b] == "sequence"]
        rows.append(tab.loc[seq_blocks[0]] / tab.loc[seq_blocks[-1]])
    return pd.DataFrame(rows).mean()


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


def context_reliability(trials: pd.DataFrame, n_channels: int = 4) -> np.ndarray:
    """How reliably each context predicts each target in the non-practice trials.

    Returns ``p[a, b, c]``: the share of trials with target ``c`` among those whose previous
    target is ``a`` and the one before it ``b`` (the model's context: previous response,
    stimulus before it; targets stand for the responses), within blocks. Contexts never seen
    are NaN.
    """
    target = trials["target"].astype(int).to_numpy() - 1
    block = trials["block"].to_numpy()
    learning = (trials["block_kind"] != "practice").to_numpy()
    counts = np.zeros((n_channels,) * 3)
    same = (block[2:] == block[1:-1]) & (block[1:-1] == block[:-2]) & learning[2:]
    np.add.at(counts, (target[1:-1][same], target[:-2][same], target[2:][same]), 1)
    total = counts.sum(axis=2, keepdims=True)
    with np.errstate(invalid="ignore"):
        return np.where(total > 0, counts / total, np.nan)


#: reliability classes of a (context, channel) pair: never follows, rarely, at chance,
#: ASRT high-frequency (62.5 %), deterministic
RELIABILITY_BINS = (-0.01, 0.05, 0.2, 0.4, 0.8, 1.0)


def weights_by_reliability(run: dict[str, Any], projection: str = "corticostriatal", post: str = "d1") -> pd.DataFrame:
    """Mean final plastic weight (fraction of maximum) by how reliably the context predicts the channel.

    The mechanism behind the behavioural effects: a route whose weights grow with the
    reliability of a transition separates a deterministic sequence (SRT) from a 62.5 %
    contingency (ASRT high-frequency triplets); one that learns both alike does not.

    Parameters
    ----------
    run : dict
        One participant of :func:`simulate_group` (its ``weights`` and ``trials``).
    projection : str
        ``"corticostriatal"``, ``"parallel_fibre"`` or ``"transition"``.
    post : str
        Target population (``"d1"``, ``"d2"``, ``"purkinje"``, ``"sma"``).

    Returns
    -------
    DataFrame
        One row per reliability class seen: ``reliability`` (interval), ``weight``, ``n``.
    """
    from .layout import build_layout

    layout = build_layout(4)
    pre, post_idx = layout.plastic[projection]
    weights = np.asarray(run["weights"][projection])[: pre.size]
    keep = layout.pop[post_idx] == post
    pre, post_idx, weights = pre[keep], post_idx[keep], weights[keep]
    a, b, c = layout.ctx_a[pre], layout.ctx_b[pre], layout.channel[post_idx]
    ok = (a >= 0) & (b >= 0) & (c >= 0)
    p = context_reliability(run["trials"], layout.n_channels)[a[ok], b[ok], c[ok]]
    seen = ~np.isnan(p)
    table = pd.DataFrame({"reliability": pd.cut(p[seen], RELIABILITY_BINS), "weight": weights[ok][seen]})
    out = table.groupby("reliability", observed=True)["weight"].agg(weight="mean", n="size").reset_index()
    return out
