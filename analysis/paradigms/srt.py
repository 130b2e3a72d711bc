"""SRT: sequence-specific learning, or probabilistic learning.

The sequence-specific effect is a random block − its neighbouring sequence blocks; for a
probabilistic SRT (probable/improbable trials within every block) improbable − probable per epoch.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from motorseq.analysis import measures as ms

from .common import by_group

CURVE = ("block", "rt_ms")
YLABEL = "Median RT (ms)"
EPOCH_BY_TRIAL_TYPE = False  # epoch_summary split by trial type
RT_MEASURE = True  # trials kept for RT analyses are reported

NO_RANDOM_BLOCK = (
    "warning: no random block in these SRT data, so the sequence-specific effect (a random block "
    "minus its neighbouring sequence blocks) cannot be computed. If probable and improbable trials "
    "are mixed within every block (a probabilistic SRT, e.g. 85/15), code trial_type as "
    "probable/improbable (a mapping's values: block) to get its measure: improbable − probable RT per epoch"
)


def is_probabilistic(trials: pd.DataFrame) -> bool:
    """SRT data with probable/improbable trials (a probabilistic SRT), not sequence/random blocks."""
    return bool(trials["trial_type"].isin(ms.PROBABILISTIC_TYPES).any())


def learning_curves(cleaned: pd.DataFrame, data: Any) -> pd.DataFrame:
    """Median RT per block of the sequence trials (probable trials in a probabilistic SRT)."""
    return ms.learning_curves(cleaned, "block", trial_type="probable" if is_probabilistic(cleaned) else "sequence")


def tables(cleaned: pd.DataFrame, data: Any, seed: int, n_boot_participant: int) -> dict[str, pd.DataFrame]:
    """Compute the probabilistic measure, or the sequence-specific effect with its group table."""
    if is_probabilistic(cleaned):
        prob = ms.probabilistic_learning(cleaned)
        return {
            "srt_probabilistic_learning": prob,
            "srt_probabilistic_learning_group": by_group(prob, "probabilistic_effect_ms", ["session", "epoch"]),
        }
    seq = ms.sequence_learning(cleaned, n_boot=n_boot_participant, seed=seed)
    per = seq.groupby(ms.ID_COLUMNS, observed=True)["sequence_effect_ms"].mean().reset_index()
    return {
        "srt_sequence_learning": seq,
        "srt_sequence_learning_group": by_group(per, "sequence_effect_ms", ["session"]),
    }


def statistics(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """One-sample tests of the effect; rm-ANOVA over sequence blocks; mixed model with groups."""
    from motorseq.analysis import stats

    if "srt_probabilistic_learning" in tables:
        prob = tables["srt_probabilistic_learning"]
        return {"srt_probabilistic_tests": stats.effect_tests(prob, "probabilistic_effect_ms", ["session", "epoch"])}
    out = {}
    seq = tables["srt_sequence_learning"]
    per = seq.groupby(ms.ID_COLUMNS, observed=True)["sequence_effect_ms"].mean().reset_index()
    out["srt_sequence_tests"] = stats.effect_tests(per, "sequence_effect_ms", ["session"])
    blocks = tables["block_summary"]
    seq_blocks = blocks[blocks["trial_type"] == "sequence"]
    if seq_blocks["block"].nunique() > 1:
        out["srt_rm_anova"] = stats.rm_anova(seq_blocks, "median_rt_ms", ["block"])
    if blocks["group"].nunique() > 1 and blocks["trial_type"].nunique() > 1:
        out["srt_mixed_model"] = stats.mixed_model(
            blocks[["participant", "median_rt_ms", "block", "trial_type", "group"]],
            "median_rt_ms ~ block + C(trial_type) * C(group)",
        )
    return out


def summary(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Report the effect per session (per epoch for a probabilistic SRT), or why there is none."""
    lines = []
    if "srt_probabilistic_learning_group" in tables:
        g = tables["srt_probabilistic_learning_group"]
        for ses, sub in g[g["group"] == "all"].groupby("session", sort=True):
            effects = ", ".join(
                f"e{int(r.epoch)} {r.mean:.1f} [{r.ci_low:.1f}, {r.ci_high:.1f}]" for r in sub.itertuples()
            )
            lines.append(f"session {ses}: probabilistic learning, improbable − probable RT (ms) {effects}")
        return lines
    if tables["srt_sequence_learning"].empty:
        lines.append(NO_RANDOM_BLOCK)
    g = tables["srt_sequence_learning_group"]
    for r in g[g["group"] == "all"].itertuples():
        lines.append(
            f"session {r.session}: sequence-specific learning {r.mean:.1f} ms "
            f"[{r.ci_low:.1f}, {r.ci_high:.1f}] (n = {r.n})"
        )
    return lines


def figures(tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Learning curves by trial type and, with a random block, sequence vs random."""
    from motorseq.analysis import figures as fg

    figs = {"learning_curves": fg.learning_curve_figure(tables["block_summary"], "block", "trial_type")}
    if not tables.get("srt_sequence_learning", pd.DataFrame()).empty:
        figs["sequence_vs_random"] = fg.sequence_vs_random_figure(
            tables["block_summary"], tables["srt_sequence_learning"]
        )
    return figs
