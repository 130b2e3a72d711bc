"""Figures of the report (matplotlib, Agg); each returns a Figure."""

from __future__ import annotations

import base64
import io

import pandas as pd

__all__ = ["figure_to_base64", "glass_brain_figure", "shift_figure"]


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
    ax.plot(
        [0, 1],
        [shift["ratio_early"].mean(), shift["ratio_late"].mean()],
        "o-",
        color="black",
        lw=2.5,
        ms=9,
        label="mean",
    )
    ax.set_xticks([0, 1], ["early", "late"])
    ax.set_xlim(-0.4, 1.4)
    ax.set_ylabel("(subcortical + cerebellar) / cortical")
    ax.set_title("Early → late shift", fontsize=10)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
