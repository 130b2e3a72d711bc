"""Deterministic trial lists: protocol + participant + seed → one row per trial."""

from __future__ import annotations

import math
import operator
import zlib

import numpy as np
import pandas as pd

from .errors import OptionError
from .labels import participant_number
from .registry import load_protocol
from .schema import Block, Protocol
from .triplets import code_triplets

#: Largest seed (seeds are 32-bit so that every random number generator downstream takes them).
MAX_SEED = 2**32 - 1

__all__ = [
    "MAX_SEED",
    "TRIAL_COLUMNS",
    "assigned_sequence",
    "balanced_random_positions",
    "check_seed",
    "generate_trials",
    "trial_rng",
]

TRIAL_COLUMNS = (
    "block",
    "block_kind",
    "epoch",
    "trial",
    "trial_index",
    "trial_type",
    "triplet_type",
    "target",
    "correct_key",
    "sequence_id",
)


def check_seed(seed: object, option: str = "--seed") -> int:
    """Return ``seed`` as an int from 0 to :data:`MAX_SEED`, or raise :class:`OptionError`."""
    try:
        value = None if isinstance(seed, bool) else operator.index(seed)
    except TypeError:
        value = None
    if value is None or not 0 <= value <= MAX_SEED:
        text = str(seed)
        text = text if len(text) <= 30 else f"{text[:30]}... ({len(text)} characters)"
        raise OptionError(f"{option} {text}: a seed is a whole number from 0 to {MAX_SEED}")
    return value


def trial_rng(protocol: Protocol, participant: str | int, seed: int) -> np.random.Generator:
    """Return the generator that draws every random element of one participant's trial list."""
    key = [int(seed), participant_number(participant), zlib.crc32(protocol.name.encode())]
    return np.random.default_rng(np.random.SeedSequence(key))


def assigned_sequence(protocol: Protocol, participant: str | int, which: str = "assigned") -> int:
    """Return the 0-based index of the sequence a participant practises (or transfers to).

    Participant *p* gets ``sequences[(p - 1) % n]`` (counterbalancing by participant number);
    ``which="other"`` gives the next one, used for transfer blocks.
    """
    n = len(protocol.sequences)
    index = (participant_number(participant) - 1) % n
    return (index + 1) % n if which == "other" else index


def balanced_random_positions(
    n_trials: int, n_positions: int, rng: np.random.Generator, previous: int = 0
) -> np.ndarray:
    """Random positions with equal counts (±1) and no immediate repetition.

    Parameters
    ----------
    n_trials : int
        Length of the list.
    n_positions : int
        Positions are 1..n_positions.
    rng : numpy.random.Generator
        Source of randomness.
    previous : int
        Position shown just before the list (0 for none): the first trial differs from it.
    """
    base, extra = divmod(n_trials, n_positions)
    counts = np.full(n_positions, base)
    counts[rng.permutation(n_positions)[:extra]] += 1
    for _ in range(1000):
        left = counts.copy()
        out = np.empty(n_trials, dtype=np.int64)
        last = previous
        for i in range(n_trials):
            remaining = n_trials - i
            weights = left.astype(float)
            if 1 <= last <= n_positions:
                weights[last - 1] = 0.0
            forced = np.flatnonzero(left * 2 > remaining + 1)  # must be placed now or never fits
            if forced.size and weights[forced[0]] > 0:
                choice = forced[0]
            elif weights.sum() == 0:
                break
            else:
                choice = rng.choice(n_positions, p=weights / weights.sum())
            out[i] = choice + 1
            left[choice] -= 1
            last = choice + 1
        else:
            return out
    raise RuntimeError(f"could not draw {n_trials} balanced random positions without repetition")


def _expand(blocks: list[Block]) -> list[Block]:
    return [block for block in blocks for _ in range(block.repeat)]


def _epochs(protocol: Protocol, kinds: list[str]) -> list[int]:
    per_epoch = protocol.asrt.blocks_per_epoch if protocol.paradigm == "asrt" and protocol.asrt else 1
    epochs, learning = [], 0
    for kind in kinds:
        if kind == "practice":
            epochs.append(0)
        else:
            learning += 1
            epochs.append(math.ceil(learning / per_epoch))
    return epochs


def _single_stimulus_block(
    protocol: Protocol, block: Block, participant: str | int, rng: np.random.Generator, previous: int
) -> tuple[np.ndarray, list[str], int]:
    """Positions, trial types and sequence id of one SRT or ASRT block."""
    n = len(protocol.positions)
    if block.kind in ("random", "practice"):
        if protocol.paradigm == "asrt":
            positions = rng.integers(1, n + 1, size=block.trials)
        else:
            positions = balanced_random_positions(block.trials, n, rng, previous)
        return positions, ["random"] * block.trials, 0
    index = assigned_sequence(protocol, participant, block.sequence)
    sequence = np.asarray(protocol.sequences[index])
    if block.kind == "sequence":
        positions = np.resize(sequence, block.trials)
        return positions, ["sequence"] * block.trials, index + 1
    # pattern-alternating (ASRT): warm-up random trials, then P r P r ...
    warmup = protocol.asrt.warmup_random if protocol.asrt else 0
    rest = block.trials - warmup
    k = np.arange(rest)
    pattern = sequence[(k // 2) % sequence.size]
    random = rng.integers(1, n + 1, size=rest)
    alternating = np.where(k % 2 == 0, pattern, random)
    positions = np.concatenate([rng.integers(1, n + 1, size=warmup), alternating])
    types = ["random"] * warmup + ["pattern" if i % 2 == 0 else "random" for i in range(rest)]
    return positions, types, index + 1


def _multi_key_block(
    protocol: Protocol, block: Block, participant: str | int, rng: np.random.Generator
) -> tuple[list[str], list[str], list[int]]:
    """Targets (``"1-3-2"``), trial types and sequence ids of one DSP or FTT block."""
    n = len(protocol.positions)
    if protocol.assignment == "all":
        ids = list(range(len(protocol.sequences)))
    else:
        ids = [assigned_sequence(protocol, participant, block.sequence)]
    length = len(protocol.sequences[ids[0]])
    if block.kind in ("random", "practice") and protocol.paradigm == "dsp":
        targets = ["-".join(str(x) for x in balanced_random_positions(length, n, rng)) for _ in range(block.trials)]
        return targets, ["random"] * block.trials, [0] * block.trials
    order = np.resize(np.asarray(ids), block.trials)
    order = rng.permutation(order) if len(ids) > 1 else order
    targets = ["-".join(str(x) for x in protocol.sequences[i]) for i in order]
    return targets, ["sequence"] * block.trials, [int(i) + 1 for i in order]


def generate_trials(protocol: Protocol | str, participant: str | int, seed: int | None = None) -> pd.DataFrame:
    """Generate one participant's trial list.

    The same protocol, participant and seed always give the same list: every random draw
    comes from one generator seeded by (seed, participant number, protocol name).

    Parameters
    ----------
    protocol : Protocol or str
        The protocol or the name of a bundled one.
    participant : str or int
        The participant label (a BIDS label); its number chooses the counterbalanced sequence.
    seed : int, optional
        Seed of the random elements; the protocol's ``seed`` by default.

    Returns
    -------
    pandas.DataFrame
        One row per trial with the columns of :data:`TRIAL_COLUMNS` (see ``protocols/README.md``).
    """
    protocol = load_protocol(protocol)
    seed = protocol.seed if seed is None else check_seed(seed)
    rng = trial_rng(protocol, participant, seed)
    blocks = _expand(protocol.blocks)
    keys = protocol.keys
    frames = []
    previous = 0
    for number, block in enumerate(blocks, start=1):
        if protocol.paradigm in ("srt", "asrt"):
            positions, types, sequence_id = _single_stimulus_block(protocol, block, participant, rng, previous)
            previous = int(positions[-1])
            targets = [str(int(p)) for p in positions]
            correct_keys = [keys[int(p) - 1] for p in positions]
            ids = [sequence_id if t != "random" else 0 for t in types]
        else:
            targets, types, ids = _multi_key_block(protocol, block, participant, rng)
            correct_keys = ["-".join(keys[int(x) - 1] for x in t.split("-")) for t in targets]
        frames.append(
            pd.DataFrame(
                {
                    "block": number,
                    "block_kind": block.kind,
                    "trial": np.arange(1, len(targets) + 1),
                    "trial_type": types,
                    "target": targets,
                    "correct_key": correct_keys,
                    "sequence_id": ids,
                }
            )
        )
    trials = pd.concat(frames, ignore_index=True)
    epochs = dict(zip(range(1, len(blocks) + 1), _epochs(protocol, [b.kind for b in blocks]), strict=True))
    trials["epoch"] = trials["block"].map(epochs).astype("int64")
    trials["trial_index"] = np.arange(1, len(trials) + 1)
    if protocol.paradigm == "asrt":
        pattern = protocol.sequences[assigned_sequence(protocol, participant)]
        codes = code_triplets(trials["target"].astype(int).to_numpy(), pattern, trials["block"].to_numpy())
        practice = (trials["block_kind"] == "practice").to_numpy()
        codes[practice] = "n/a"
        trials["triplet_type"] = codes.astype(str)
    else:
        trials["triplet_type"] = "n/a"
    trials = trials[list(TRIAL_COLUMNS)]
    return trials.astype(
        {"block": "int64", "epoch": "int64", "trial": "int64", "trial_index": "int64", "sequence_id": "int64"}
    )
