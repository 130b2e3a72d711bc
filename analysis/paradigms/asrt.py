"""ASRT: triplet learning (L − H per epoch) and general skill."""

from __future__ import annotations

from typing import Any

import pandas as pd
from motorseq.analysis import measures as ms

from .common import by_group

CURVE = ("block", "rt_ms")
YLABEL = "Median RT (ms)"
EPOCH_BY_TRIAL_TYPE = True  # epoch_summary split by trial type
RT_MEASURE = True  # trials kept for RT analyses are reported


def learning_curves(cleaned: pd.DataFrame, data: Any) -> pd.DataFrame:
    """Median RT per block over all trial types."""
    return ms.learning_curves(cleaned, "block", trial_type=None)


def tables(cleaned: pd.DataFrame, data: Any, seed: int, n_boot_participant: int) -> dict[str, pd.DataFrame]:
    """Triplet learning and general skill per epoch, with their group tables."""
    trip = ms.triplet_learning(cleaned)
    skill = ms.general_skill(cleaned)
    return {
        "asrt_triplet_learning": trip,
        "asrt_triplet_learning_group": by_group(trip, "triplet_effect_ms", ["session", "epoch"]),
        "asrt_general_skill": skill,
        "asrt_general_skill_group": by_group(skill, "speedup_ms", ["session", "epoch"]),
    }


def statistics(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Test the triplet effect per epoch and session, rm-ANOVA, mixed model with groups."""
    from motorseq.analysis import stats

    out = {}
    trip = tables["asrt_triplet_learning"]
    out["asrt_triplet_tests"] = stats.effect_tests(trip, "triplet_effect_ms", ["session", "epoch"])
    per_session = trip.groupby(["participant", "session"], observed=True)["triplet_effect_ms"].mean().reset_index()
    out["asrt_triplet_tests_session"] = stats.effect_tests(per_session, "triplet_effect_ms", ["session"])
    long = trip.melt(
        id_vars=ms.ID_COLUMNS + ["epoch"],
        value_vars=["rt_H_ms", "rt_L_ms"],
        var_name="triplet_type",
        value_name="rt_ms",
    )
    long["triplet_type"] = long["triplet_type"].str[3]
    frames = []
    for ses, sub in long.groupby("session", sort=True):
        table = stats.rm_anova(sub, "rt_ms", ["epoch", "triplet_type"])
        if not table.empty:
            frames.append(table.assign(session=ses))
    if frames:
        out["asrt_rm_anova"] = pd.concat(frames, ignore_index=True)
    if long["group"].nunique() > 1:
        out["asrt_mixed_model"] = stats.mixed_model(
            long[["participant", "rt_ms", "epoch", "triplet_type", "group", "session"]],
            "rt_ms ~ C(session) + C(epoch) * C(triplet_type) * C(group)",
        )
    return out


def summary(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Triplet effect per epoch and the general-skill speed-up, per session."""
    lines = []
    g = tables["asrt_triplet_learning_group"]
    for ses, sub in g[g["group"] == "all"].groupby("session", sort=True):
        effects = ", ".join(f"e{int(r.epoch)} {r.mean:.1f} [{r.ci_low:.1f}, {r.ci_high:.1f}]" for r in sub.itertuples())
        lines.append(f"session {ses}: triplet effect L−H (ms) {effects}")
    s = tables["asrt_general_skill_group"]
    for ses, sub in s[s["group"] == "all"].groupby("session", sort=True):
        last = sub.iloc[-1]
        lines.append(
            f"session {ses}: general skill, RT epoch 1 − epoch {int(last.epoch)} = "
            f"{last['mean']:.1f} ms [{last.ci_low:.1f}, {last.ci_high:.1f}]"
        )
    return lines


def figures(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Learning curves by trial type and the triplet effects."""
    from motorseq.analysis import figures as fg

    return {
        "learning_curves": fg.learning_curve_figure(tables["block_summary"], "block", "trial_type"),
        "triplet_effects": fg.triplet_figure(tables["asrt_triplet_learning"]),
    }
