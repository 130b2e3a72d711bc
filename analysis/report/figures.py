"""Figures of the report (matplotlib, Agg); each returns a Figure."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd

__all__ = ["figure_to_base64", "glass_brain_figure", "learning_curve_figure",
           "sequence_effect_figure", "shift_figure"]

_KIND_COLOUR = {"practice": "#999999", "sequence": "#1f77b4", "random": "#d62728",
                "pattern-alternating": "#2ca02c"}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def figure_to_base64(fig, dpi: int = 100) -> str:
    """PNG of a figure as a base64 string (the figure is closed)."""
    plt = _plt()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def learning_curve_figure(blocks: pd.DataFrame):
    """Mean correct RT per block: each participant (thin) and the group mean ± SEM.

    Parameters
    ----------
    blocks : pandas.DataFrame
        ``participant``, ``block``, ``block_kind``, ``rt_ms`` (and optionally ``source``).
    """
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for _, grp in blocks.groupby("participant"):
        grp = grp.sort_values("block")
        ax.plot(grp["block"], grp["rt_ms"], color="#bbbbbb", lw=0.8, zorder=1)
    group = blocks.groupby(["block", "block_kind"])["rt_ms"].agg(["mean", "sem", "count"]).reset_index()
    ax.plot(group["block"], group["mean"], color="black", lw=1.5, zorder=2)
    for kind, grp in group.groupby("block_kind"):
        ax.errorbar(grp["block"], grp["mean"], yerr=grp["sem"].fillna(0), fmt="o", ms=7,
                    color=_KIND_COLOUR.get(kind, "#555555"), label=kind, zorder=3, capsize=3)
    ax.set_xlabel("block")
    ax.set_ylabel("mean RT of correct trials (ms)")
    ax.set_xticks(sorted(blocks["block"].unique()))
    ax.legend(frameon=False, fontsize=8)
    n = blocks["participant"].nunique()
    ax.set_title(f"Learning curves (n = {n}; grey: participants, black: mean ± SEM)", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def sequence_effect_figure(effects: pd.DataFrame):
    """Sequence-specific effect per participant (random minus neighbouring sequence blocks)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(3.6, 3.6))
    values = effects["effect_ms"].to_numpy(float)
    rng = np.random.default_rng(0)  # jitter only; fixed so the figure is reproducible
    ax.scatter(rng.uniform(-0.1, 0.1, len(values)), values, color="#d62728", zorder=3)
    ax.bar([0], [values.mean()], width=0.5, color="#f4b6b6", zorder=1)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks([0], ["random − sequence"])
    ax.set_xlim(-0.6, 0.6)
    ax.set_ylabel("RT difference (ms)")
    ax.set_title(f"Sequence-specific learning\nmean {values.mean():.0f} ms", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def glass_brain_figure(values: pd.Series, title: str, vmax: float | None = None):
    """Glass brain of region values painted into ROI spheres (nilearn)."""
    from motorseq.analysis.brain.images import plot_glass_brain, region_image

    return plot_glass_brain(region_image(values), title=title, vmax=vmax)


def shift_figure(shift: pd.DataFrame):
    """Per-participant (subcortical + cerebellar) / cortical activity ratio, early vs late."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(3.6, 3.6))
    for _, row in shift.iterrows():
        ax.plot([0, 1], [row["ratio_early"], row["ratio_late"]], "o-", color="#555555", alpha=0.7)
    ax.plot([0, 1], [shift["ratio_early"].mean(), shift["ratio_late"].mean()], "o-", color="black",
            lw=2.5, ms=9, label="mean")
    ax.set_xticks([0, 1], ["early", "late"])
    ax.set_xlim(-0.4, 1.4)
    ax.set_ylabel("(subcortical + cerebellar) / cortical")
    ax.set_title("Early → late shift", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
