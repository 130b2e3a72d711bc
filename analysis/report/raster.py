"""The report's spike raster: one simulated participant's spikes (``simulate --record-spikes``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from motorseq.analysis.report.html import Section

__all__ = ["RASTER_SECONDS", "raster_section"]

#: Length of the window shown, from the first stimulus of the run (a few trials).
RASTER_SECONDS = 3.0
_SUFFIX = "_desc-spikes_events.tsv.gz"


def _first_stimulus_s(root: Path, spikes_path: Path) -> float:
    """Onset of the run's first stimulus (s), from its ``_beh.tsv``; 0 when it cannot be read."""
    sub, ses = spikes_path.parts[-3], spikes_path.parts[-2]
    beh = root / sub / ses / "beh" / spikes_path.name.replace(_SUFFIX, "_beh.tsv")
    try:
        onsets = pd.read_csv(beh, sep="\t", usecols=["stimulus_onset"], na_values=["n/a"])["stimulus_onset"]
    except (OSError, ValueError):
        return 0.0
    onsets = onsets.dropna()
    return float(onsets.iloc[0]) if len(onsets) else 0.0


def raster_section(root: Path) -> Section | None:
    """Draw the spike raster of the first participant whose spikes were saved; ``None`` if none were.

    The window is :data:`RASTER_SECONDS` from the run's first stimulus (``motorseq raster`` draws
    any participant and window).
    """
    found = sorted(Path(root).glob(f"derivatives/motorseq-model/sub-*/ses-*/*{_SUFFIX}"))
    if not found:
        return None
    from motorseq.analysis.report.figures import figure_to_base64
    from motorseq.models.output import read_spikes
    from motorseq.models.raster import raster_figure

    path = found[0]
    start = _first_stimulus_s(Path(root), path)
    run = path.name.removesuffix(_SUFFIX)
    fig = raster_figure(read_spikes(path), start, RASTER_SECONDS, f"{run}: {start:g}-{start + RASTER_SECONDS:g} s")
    section = Section("Spike raster", "raster")
    section.figure(
        figure_to_base64(fig),
        f"Spikes of {run} from its first stimulus, one row per neuron, grouped by population and coloured by "
        f"region ({len(found)} run(s) with saved spikes; motorseq raster draws any of them).",
        "fig-raster",
    )
    return section
