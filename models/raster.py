"""Spike raster of one simulated participant (``motorseq raster``), from its spikes derivative.

The spikes come from ``motorseq simulate --record-spikes``
(``derivatives/motorseq-model/sub-<p>/ses-<s>/…_desc-spikes_events.tsv.gz``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ModelError

__all__ = ["check_window", "find_spikes", "raster_figure"]


def find_spikes(root: str | Path, participant: str, session: str = "1", run: int = 1) -> Path:
    """Return the spikes derivative of a participant's run; one-line error naming what is missing."""
    folder = Path(root) / "derivatives" / "motorseq-model" / f"sub-{participant}" / f"ses-{session}"
    found = sorted(folder.rglob(f"sub-{participant}_ses-{session}_*run-{run}_desc-spikes_events.tsv.gz"))
    if not found:
        raise ModelError(
            f"{folder}: no spikes of participant {participant}, session {session}, run {run}; "
            "simulate with --record-spikes to save them"
        )
    return found[0]


def check_window(path: Path, spikes: pd.DataFrame, start_s: float, duration_s: float, run_s: float | None) -> None:
    """Refuse a time window (``--start``, ``--duration``) that is not inside the run.

    Parameters
    ----------
    path : Path
        The spikes file, for the message.
    spikes : pandas.DataFrame
        Its spikes (:func:`motorseq.models.output.read_spikes`).
    start_s, duration_s : float
        The window.
    run_s : float or None
        The run's duration (s, ``SimulatedDuration_s``); when it is not known, the run is taken to
        end at its last spike.
    """
    if not (np.isfinite(duration_s) and duration_s > 0):
        raise ModelError(f"--duration: must be a number of seconds > 0, got {duration_s!r}")
    if not (np.isfinite(start_s) and start_s >= 0):
        raise ModelError(f"--start: must be a number of seconds >= 0, got {start_s!r}")
    last = float(spikes["onset"].max()) if len(spikes) else 0.0
    if run_s is not None:
        end = max(run_s, last)  # the sidecar's duration ends at the last whole rate bin
        if start_s >= end:
            raise ModelError(f"--start: {start_s:g} s is not inside the run of {path.name} (0-{end:g} s)")
    elif start_s > last:
        raise ModelError(f"--start: {start_s:g} s is after the last spike of {path.name} ({last:g} s)")


def raster_figure(spikes: pd.DataFrame, start_s: float = 0.0, duration_s: float = 5.0, title: str = ""):
    """Draw a raster: one dot per spike, neurons grouped by population, coloured by region.

    Parameters
    ----------
    spikes : pandas.DataFrame
        ``onset`` (s), ``neuron``, ``population``, ``region`` (:func:`motorseq.models.output.read_spikes`).
    start_s, duration_s : float
        The time window shown.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    if not duration_s > 0:
        raise ModelError(f"--duration: must be > 0 s, got {duration_s!r}")
    window = spikes[(spikes["onset"] >= start_s) & (spikes["onset"] < start_s + duration_s)]
    order = spikes.groupby("population", sort=False)["neuron"].agg(["min", "max"]).sort_values("min")
    fig, ax = plt.subplots(figsize=(10, 6), layout="constrained")
    regions = list(dict.fromkeys(spikes["region"].astype(str)))
    colours = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(regions), 2)))
    for k, region in enumerate(regions):
        sub = window[window["region"].astype(str) == region]
        ax.scatter(sub["onset"], sub["neuron"], s=1.5, marker="|", color=colours[k], label=region, linewidths=0.6)
    ax.set_yticks((order["min"] + order["max"]) / 2, order.index, fontsize=6)
    for low in order["min"].iloc[1:]:
        ax.axhline(low - 0.5, color="#dddddd", linewidth=0.4)
    ax.set_xlim(start_s, start_s + duration_s)
    ax.set_ylim(order["max"].max() + 1, -1)
    ax.set_xlabel("time from the start of the run (s)")
    ax.set_title(title or f"{len(window)} spikes, {start_s:g}-{start_s + duration_s:g} s", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, markerscale=6, frameon=False, title="region")
    return fig
