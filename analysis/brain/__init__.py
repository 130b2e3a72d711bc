"""Meta-analytic brain map of early motor sequence learning and the model-vs-brain comparison.

Submodules (imported on demand; NiMARE and nilearn load only where used):

``brain_map``        the bundled region-level map and its sources
``atlas_centroids``  script that regenerates the map's MNI centroids from AAL3/HCPex
``ale``              coordinate-based meta-analysis (ALE, NiMARE) of user foci
``model_regions``    model populations -> map regions; phase activations from BOLD-like signals
``images``           region values -> NIfTI (ROI spheres) and glass-brain plots
``compare``          region- and voxel-level comparison metrics
"""

from motorseq.analysis.brain.brain_map import (
    MAP_REGIONS,
    REGION_SYSTEM,
    SOURCE_COLUMNS,
    consensus,
    load_map,
    load_sources,
    region_coordinates,
)

__all__ = [
    "MAP_REGIONS",
    "REGION_SYSTEM",
    "SOURCE_COLUMNS",
    "consensus",
    "load_map",
    "load_sources",
    "region_coordinates",
]
