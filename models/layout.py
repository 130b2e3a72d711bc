"""Anatomy of the network: populations, their sizes and the fixed wiring.

Everything here is *structure*: it decides what is compiled into the C++ standalone binary
(numbers of neurons, which neuron is connected to which, synapse types, delays). The values
that can change from one virtual participant to the next (gains, learning rates, lesions,
seeds, the trial list) are not here; they are applied at run time (:mod:`.runtime_values`).

The layout is a pure function of :class:`NetworkSize` and the number of response channels,
and the connection draw uses a fixed anatomical seed, so the same structure always gives the
same binary and one compile serves every participant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np

__all__ = [
    "POPULATIONS",
    "REGIONS",
    "REGION_OF_POPULATION",
    "SYNAPSE_KINDS",
    "NetworkSize",
    "Layout",
    "build_layout",
    "fixed_projections",
    "projection_names",
]

#: Regions reported in the outputs, in this order.
REGIONS: tuple[str, ...] = (
    "SMA_PMC",
    "M1",
    "striatum_D1",
    "striatum_D2",
    "GPe",
    "STN",
    "GPi",
    "thalamus_VL",
    "SNc",
    "mossy",
    "granule",
    "purkinje",
    "DCN",
    "IO",
)

#: Populations of spiking neurons, in the order they sit in the single neuron group.
#: ``per`` says what one block of neurons stands for: a response channel, a context pair
#: (previous two stimuli), a context item, or the whole population.
POPULATIONS: tuple[tuple[str, str], ...] = (
    ("visual", "channel"),  # visual cue cells (input layer, not a reported region)
    ("sma", "channel"),  # SMA/premotor channel cells
    ("sma_ctx", "pair"),  # SMA/pre-SMA sequence-context (transition) cells
    ("sma_inh", "all"),
    ("m1", "channel"),
    ("m1_inh", "channel"),
    ("d1", "channel"),
    ("d2", "channel"),
    ("gpe", "channel"),
    ("stn", "channel"),
    ("gpi", "channel"),
    ("vl", "channel"),
    ("cmpf", "all"),  # intralaminar thalamus (centre median-parafascicular): cue salience
    ("snc", "all"),
    ("mossy", "item"),  # context items: previous response (lag 1) and stimulus before it (lag 2)
    ("granule", "pair"),
    ("purkinje", "channel"),
    ("dcn", "channel"),
    ("io", "channel"),
)

REGION_OF_POPULATION: dict[str, str | None] = {
    "visual": None,
    "sma": "SMA_PMC",
    "sma_ctx": "SMA_PMC",
    "sma_inh": "SMA_PMC",
    "m1": "M1",
    "m1_inh": "M1",
    "d1": "striatum_D1",
    "d2": "striatum_D2",
    "gpe": "GPe",
    "stn": "STN",
    "gpi": "GPi",
    "vl": "thalamus_VL",
    "cmpf": None,  # reported through its effect on the striatum
    "snc": "SNc",
    "mossy": "mossy",
    "granule": "granule",
    "purkinje": "purkinje",
    "dcn": "DCN",
    "io": "IO",
}

#: Synapse kinds of the fixed projections: which postsynaptic variable a spike increments.
SYNAPSE_KINDS: dict[str, int] = {
    "ampa": 0,  # fast excitation (tau_ampa)
    "nmda": 1,  # slow excitation (tau_nmda), recurrent cortical integration
    "gaba": 2,  # inhibition (tau_gaba)
    "dopamine": 3,  # extracellular dopamine at striatal/cortical cells (tau_dopamine)
    "climbing": 4,  # climbing-fibre trace at Purkinje cells (tau_climbing)
}


@dataclass(frozen=True)
class NetworkSize:
    """Number of neurons per block of each population (compile-time structure).

    Parameters
    ----------
    sizes : dict
        Population name -> neurons per block (per channel, per context pair, per context
        item or in total, see :data:`POPULATIONS`).
    """

    sizes: dict[str, int] = field(
        default_factory=lambda: {
            "visual": 8,
            "sma": 16,
            "sma_ctx": 6,
            "sma_inh": 16,
            "m1": 16,
            "m1_inh": 8,
            "d1": 12,
            "d2": 12,
            "gpe": 6,
            "stn": 6,
            "gpi": 6,
            "vl": 8,
            "cmpf": 8,
            "snc": 16,
            "mossy": 4,
            "granule": 5,
            "purkinje": 8,
            "dcn": 6,
            "io": 4,
        }
    )

    def key(self) -> tuple[tuple[str, int], ...]:
        """Hashable identity of the structure."""
        return tuple(sorted(self.sizes.items()))


@dataclass
class Layout:
    """Neuron table and fixed connection table of one network structure.

    Attributes
    ----------
    n_channels : int
        Response channels (protocol positions).
    slices : dict
        Population -> slice into the neuron group.
    pop : ndarray of str
        Population of every neuron.
    channel, ctx_a, ctx_b : ndarray of int
        Channel of the neuron (-1 if none); the context item(s) it is selective for
        (``ctx_a`` = previous response, ``ctx_b`` = the stimulus before it; -1 = any).
    conn : dict of ndarray
        Fixed connections: ``pre``, ``post``, ``kind`` (:data:`SYNAPSE_KINDS`), ``proj``
        (index into ``projections``), ``delay_ms``.
    projections : list of str
        Projection names (``"sma->m1"``); their gains are parameters ``w_<pre>_<post>``.
    plastic : dict
        Plastic projections: name -> (pre indices, post indices).
    """

    n_channels: int
    size: NetworkSize
    slices: dict[str, slice]
    pop: np.ndarray
    channel: np.ndarray
    ctx_a: np.ndarray
    ctx_b: np.ndarray
    conn: dict[str, np.ndarray]
    projections: list[str]
    plastic: dict[str, tuple[np.ndarray, np.ndarray]]

    @property
    def n_neurons(self) -> int:
        """Number of spiking neurons."""
        return int(self.pop.size)

    def indices(self, population: str, channel: int | None = None) -> np.ndarray:
        """Neuron indices of a population (optionally of one channel)."""
        sl = self.slices[population]
        idx = np.arange(sl.start, sl.stop)
        if channel is None:
            return idx
        return idx[self.channel[idx] == channel]

    def region_index(self) -> np.ndarray:
        """Region number (index into :data:`REGIONS`) of every neuron, -1 if none."""
        lookup = {name: k for k, name in enumerate(REGIONS)}
        return np.array([lookup.get(REGION_OF_POPULATION[p], -1) if REGION_OF_POPULATION[p] else -1 for p in self.pop])


# Fixed projections: (pre, post, kind, wiring, probability, delay in ms).
# wiring: "same" = within a channel, "other" = to the other channels, "all" = all-to-all,
# "pair" = mossy items -> the granule cells of the pairs that contain them.
_PROJECTIONS: tuple[tuple[str, str, str, str, float, float], ...] = (
    ("visual", "sma", "ampa", "same", 0.5, 2.0),
    ("visual", "m1", "ampa", "same", 0.25, 2.0),
    ("visual", "io", "ampa", "same", 1.0, 2.0),
    ("sma", "sma", "nmda", "same", 0.4, 1.0),
    ("sma", "sma_inh", "ampa", "all", 0.3, 1.0),
    ("sma_inh", "sma", "gaba", "all", 0.4, 1.0),
    ("sma", "m1", "ampa", "same", 0.4, 2.0),
    ("sma", "m1", "nmda", "same", 0.4, 2.0),
    ("m1", "m1", "nmda", "same", 0.4, 1.0),
    ("m1", "m1_inh", "ampa", "same", 0.5, 1.0),
    ("m1_inh", "m1", "gaba", "other", 0.5, 1.0),
    ("sma", "d1", "ampa", "same", 0.5, 2.0),
    ("sma", "d2", "ampa", "same", 0.5, 2.0),
    ("d1", "gpi", "gaba", "same", 1.0, 2.0),
    ("d2", "gpe", "gaba", "same", 1.0, 2.0),
    ("gpe", "stn", "gaba", "same", 1.0, 2.0),
    ("gpe", "gpi", "gaba", "same", 1.0, 2.0),
    ("stn", "gpi", "ampa", "all", 0.5, 2.0),
    ("stn", "gpe", "ampa", "same", 1.0, 2.0),
    ("gpi", "vl", "gaba", "same", 1.0, 1.0),
    ("vl", "sma", "ampa", "same", 0.5, 2.0),
    ("vl", "m1", "ampa", "same", 0.5, 2.0),
    ("cmpf", "d1", "ampa", "all", 0.5, 2.0),
    ("cmpf", "d2", "ampa", "all", 0.5, 2.0),
    ("d1", "snc", "gaba", "all", 0.25, 1.0),
    ("snc", "d1", "dopamine", "all", 1.0, 5.0),
    ("snc", "d2", "dopamine", "all", 1.0, 5.0),
    ("snc", "sma", "dopamine", "all", 1.0, 5.0),
    ("mossy", "granule", "ampa", "pair", 1.0, 1.0),
    ("purkinje", "dcn", "gaba", "same", 1.0, 1.0),
    ("dcn", "vl", "ampa", "same", 0.75, 2.0),
    ("dcn", "io", "gaba", "same", 1.0, 2.0),
    ("io", "purkinje", "climbing", "same", 1.0, 1.0),
    # the stimulus drives the interneurons of its own M1 channel, which inhibit the other
    # channels (issue 12, session 9; last in the list, so the projections above draw the same
    # anatomy as before)
    ("visual", "m1_inh", "ampa", "same", 1.0, 2.0),
)

_ANATOMY_SEED = 20261123  # fixed: the anatomy is the same for every participant


def projection_names() -> list[str]:
    """Names of the fixed projections, ``pre->post`` (``:nmda`` suffix for slow ones)."""
    return list(fixed_projections())


def fixed_projections() -> dict[str, tuple[str, str, float, float]]:
    """Return the fixed projections by name: (synapse kind, wiring, probability, delay in ms)."""
    table = {}
    for pre, post, kind, wiring, prob, delay in _PROJECTIONS:
        name = f"{pre}->{post}" + (":nmda" if pre == "sma" and post == "m1" and kind == "nmda" else "")
        table[name] = (kind, wiring, prob, delay)
    return table


def build_layout(n_channels: int, size: NetworkSize | None = None) -> Layout:
    """Build the neuron table and the fixed wiring for ``n_channels`` response channels.

    Parameters
    ----------
    n_channels : int
        Number of response channels (positions of the protocol), 2 to 9.
    size : NetworkSize, optional
        Neurons per block; default sizes if not given.

    Returns
    -------
    Layout
    """
    size = size or NetworkSize()
    n = n_channels
    pairs = list(product(range(n), range(n)))  # (ctx_a, ctx_b)
    pops, chans, cas, cbs = [], [], [], []
    slices: dict[str, slice] = {}
    start = 0
    for name, per in POPULATIONS:
        k = size.sizes[name]
        if per == "channel":
            blocks = [(c, -1, -1) for c in range(n)]
        elif per == "pair":
            blocks = [(-1, a, b) for a, b in pairs]
        elif per == "item":  # lag-1 items then lag-2 items
            blocks = [(-1, a, -1) for a in range(n)] + [(-1, -1, b) for b in range(n)]
        else:
            blocks = [(-1, -1, -1)]
        for c, a, b in blocks:
            pops += [name] * k
            chans += [c] * k
            cas += [a] * k
            cbs += [b] * k
        slices[name] = slice(start, len(pops))
        start = len(pops)
    pop = np.array(pops)
    channel = np.array(chans, dtype=np.int32)
    ctx_a = np.array(cas, dtype=np.int32)
    ctx_b = np.array(cbs, dtype=np.int32)

    rng = np.random.default_rng(_ANATOMY_SEED)
    pre_all, post_all, kind_all, proj_all, delay_all = [], [], [], [], []
    for p_idx, (pre, post, kind, wiring, prob, delay) in enumerate(_PROJECTIONS):
        pre_idx = np.arange(slices[pre].start, slices[pre].stop)
        post_idx = np.arange(slices[post].start, slices[post].stop)
        ii, jj = np.meshgrid(pre_idx, post_idx, indexing="ij")
        ii, jj = ii.ravel(), jj.ravel()
        if wiring == "same":
            keep = channel[ii] == channel[jj]
        elif wiring == "other":
            keep = channel[ii] != channel[jj]
        elif wiring == "pair":
            keep = ((ctx_a[ii] >= 0) & (ctx_a[ii] == ctx_a[jj])) | ((ctx_b[ii] >= 0) & (ctx_b[ii] == ctx_b[jj]))
        else:
            keep = np.ones(ii.size, dtype=bool)
        keep &= ii != jj
        if prob < 1.0:
            keep &= rng.random(ii.size) < prob
        pre_all.append(ii[keep])
        post_all.append(jj[keep])
        kind_all.append(np.full(keep.sum(), SYNAPSE_KINDS[kind], dtype=np.int32))
        proj_all.append(np.full(keep.sum(), p_idx, dtype=np.int32))
        delay_all.append(np.full(keep.sum(), delay))
    conn = {
        "pre": np.concatenate(pre_all).astype(np.int32),
        "post": np.concatenate(post_all).astype(np.int32),
        "kind": np.concatenate(kind_all),
        "proj": np.concatenate(proj_all),
        "delay_ms": np.concatenate(delay_all),
    }

    def all_to_all(pre: str, post: str) -> tuple[np.ndarray, np.ndarray]:
        a = np.arange(slices[pre].start, slices[pre].stop)
        b = np.arange(slices[post].start, slices[post].stop)
        ii, jj = np.meshgrid(a, b, indexing="ij")
        return ii.ravel().astype(np.int32), jj.ravel().astype(np.int32)

    def same_channel(pre: str, post: str) -> tuple[np.ndarray, np.ndarray]:
        ii, jj = all_to_all(pre, post)
        keep = channel[ii] == channel[jj]
        return ii[keep], jj[keep]

    d1_pre, d1_post = all_to_all("sma_ctx", "d1")
    d2_pre, d2_post = all_to_all("sma_ctx", "d2")
    plastic = {
        "corticostriatal": (np.concatenate([d1_pre, d2_pre]), np.concatenate([d1_post, d2_post])),
        "parallel_fibre": all_to_all("granule", "purkinje"),
        "transition": all_to_all("sma_ctx", "sma"),
        "visuomotor": same_channel("visual", "m1"),
        "salience": all_to_all("visual", "cmpf"),
    }
    return Layout(
        n_channels=n,
        size=size,
        slices=slices,
        pop=pop,
        channel=channel,
        ctx_a=ctx_a,
        ctx_b=ctx_b,
        conn=conn,
        projections=projection_names(),
        plastic=plastic,
    )
