"""Shared fixtures: tiny seeded motorseq BIDS data sets written with the real RunWriter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "asrt_tacs" / "asrt_tacs_trials.csv.gz"


def small_srt_protocol(folder: Path) -> Path:
    """srt-classic with 24-trial blocks (practice, 4 sequence, random, sequence)."""
    from motorseq.protocols import load_protocol

    data = load_protocol("srt-classic").model_dump(mode="json", by_alias=True)
    data["name"] = "srtsmall"
    data["blocks"] = [
        {"kind": "practice", "trials": 12, "label": "practice"},
        {"kind": "sequence", "trials": 24, "repeat": 4},
        {"kind": "random", "trials": 24, "label": "random"},
        {"kind": "sequence", "trials": 24, "label": "return"},
    ]
    path = folder / "srtsmall.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def write_srt_cohort(
    root: Path, protocol_path: Path, n: int, seed: int, source: str, random_cost: float, start: int = 1
) -> Path:
    """Write ``n`` participants whose RT falls over blocks and rises by ``random_cost`` on random trials."""
    from motorseq.protocols import generate_trials, load_protocol
    from motorseq.protocols.io import RunWriter

    protocol = load_protocol(protocol_path)
    rng = np.random.default_rng(seed)
    for k in range(start, start + n):
        label = f"{k:02d}"
        trials = generate_trials(protocol, label, seed=k)
        speed = rng.normal(0, 20)
        src = {"Type": source} if source == "human" else {"Type": "model", "Parameters": {"synthetic": True}}
        with RunWriter(root, protocol, label, "1", 1, seed=k, source=src, group="young") as writer:
            onset = 0.0
            for row in trials.itertuples(index=False):
                rt_ms = 300 + 150 * np.exp(-0.4 * (row.block - 2)) + speed + rng.normal(0, 25)
                if row.trial_type == "random" and row.block_kind != "practice":
                    rt_ms += random_cost
                correct = int(rng.random() > 0.05)
                writer.write_trial(
                    {
                        **row._asdict(),
                        "stimulus_onset": onset,
                        "response": row.correct_key if correct else "x",
                        "response_position": int(row.target) if correct else None,
                        "rt": rt_ms / 1000.0,
                        "correct": correct,
                        "n_presses": 1,
                        "n_errors": 1 - correct,
                    }
                )
                onset += rt_ms / 1000.0 + 0.25
    return root


@pytest.fixture(scope="session")
def srt_people(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("srt_people")
    return write_srt_cohort(folder / "bids", small_srt_protocol(folder), n=6, seed=11, source="human", random_cost=60.0)


@pytest.fixture(scope="session")
def srt_model(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("srt_model")
    return write_srt_cohort(folder / "bids", small_srt_protocol(folder), n=4, seed=12, source="model", random_cost=45.0)


@pytest.fixture(scope="session")
def srt_no_random(tmp_path_factory) -> Path:
    """Three participants of the small SRT protocol whose random block is a sequence block."""
    folder = tmp_path_factory.mktemp("srt_no_random")
    protocol = small_srt_protocol(folder)
    data = yaml.safe_load(protocol.read_text(encoding="utf-8"))
    data["blocks"] = [
        {**b, "kind": "sequence", "label": "more"} if b["kind"] == "random" else b for b in data["blocks"]
    ]
    protocol.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return write_srt_cohort(folder / "bids", protocol, n=3, seed=5, source="human", random_cost=0.0)


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not REAL_DATA.is_file():
        pytest.skip(f"real ASRT data not found at {REAL_DATA} (../shared is absent)")
    return REAL_DATA


def write_dsp_cohort(root: Path, n: int, seed: int) -> Path:
    """DSP runs with key presses: IKIs of 150 ms except a 400 ms pause before press 4 (a chunk boundary)."""
    from motorseq.protocols import generate_trials, load_protocol
    from motorseq.protocols.io import RunWriter

    protocol = load_protocol("dsp")
    rng = np.random.default_rng(seed)
    for k in range(1, n + 1):
        label = f"{k:02d}"
        trials = generate_trials(protocol, label, seed=k)
        with RunWriter(root, protocol, label, "1", 1, seed=k) as writer:
            onset = 0.0
            for row in trials.itertuples(index=False):
                keys = row.correct_key.split("-")
                speed = 1.0 + 0.6 * np.exp(-0.5 * (row.block - 2)) if row.trial_type == "sequence" else 1.6
                gaps = np.full(len(keys), 150.0) * speed
                gaps[0] = 450.0
                if row.trial_type == "sequence":
                    gaps[3] = 400.0 * speed
                times = np.cumsum(gaps + rng.normal(0, 10, len(keys))) / 1000.0
                presses = [
                    {"onset": onset + t, "key": key, "position": int(p), "rt": t, "correct": 1}
                    for t, key, p in zip(times, keys, row.target.split("-"), strict=True)
                ]
                writer.write_trial(
                    {
                        **row._asdict(),
                        "stimulus_onset": onset,
                        "response": keys[0],
                        "response_position": int(row.target.split("-")[0]),
                        "rt": times[0],
                        "correct": 1,
                        "n_presses": len(keys),
                        "execution_time": times[-1],
                        "n_errors": 0,
                    },
                    presses,
                )
                onset += times[-1] + 1.0
    return root


def write_ftt_cohort(root: Path, n: int, seed: int) -> Path:
    """FTT runs: correct sequences per 30 s rise from about 10 to 16 over the 12 trials."""
    from motorseq.protocols import generate_trials, load_protocol
    from motorseq.protocols.io import RunWriter

    protocol = load_protocol("ftt")
    rng = np.random.default_rng(seed)
    for k in range(1, n + 1):
        label = f"{k:02d}"
        trials = generate_trials(protocol, label, seed=k)
        with RunWriter(root, protocol, label, "1", 1, seed=k) as writer:
            for i, row in enumerate(trials.itertuples(index=False)):
                count = int(round(16 - 6 * np.exp(-0.35 * i) + rng.normal(0, 0.7)))
                writer.write_trial(
                    {
                        **row._asdict(),
                        "stimulus_onset": 60.0 * i,
                        "rt": 0.5,
                        "correct": None,
                        "n_presses": 5 * count + 2,
                        "n_correct_sequences": count,
                        "n_errors": int(rng.integers(0, 3)),
                    }
                )
    return root


@pytest.fixture(scope="session")
def dsp_people(tmp_path_factory) -> Path:
    return write_dsp_cohort(tmp_path_factory.mktemp("dsp") / "bids", n=4, seed=21)


@pytest.fixture(scope="session")
def ftt_people(tmp_path_factory) -> Path:
    return write_ftt_cohort(tmp_path_factory.mktemp("ftt") / "bids", n=5, seed=31)


def write_asrt_cohort(
    root: Path, n: int, seed: int, triplet_ms: float, source: str = "human", blocks: int = 10
) -> Path:
    """ASRT runs (bundled protocol, first ``blocks`` learning blocks): L triplets ``triplet_ms`` slower."""
    from motorseq.protocols import generate_trials, load_protocol
    from motorseq.protocols.io import RunWriter

    protocol = load_protocol("asrt")
    rng = np.random.default_rng(seed)
    for k in range(1, n + 1):
        label = f"{k:02d}"
        trials = generate_trials(protocol, label, seed=k)
        trials = trials[trials["block"] <= blocks + 1]
        src = {"Type": source} if source == "human" else {"Type": "model", "Parameters": {"synthetic": True}}
        with RunWriter(root, protocol, label, "1", 1, seed=k, source=src) as writer:
            onset = 0.0
            for row in trials.itertuples(index=False):
                rt_ms = 380 + 100 * np.exp(-0.2 * (row.block - 2)) + rng.normal(0, 30)
                rt_ms += triplet_ms if row.triplet_type == "L" else 0.0
                writer.write_trial(
                    {
                        **row._asdict(),
                        "stimulus_onset": onset,
                        "response": row.correct_key,
                        "response_position": int(row.target),
                        "rt": rt_ms / 1000.0,
                        "correct": 1,
                        "n_presses": 1,
                        "n_errors": 0,
                    }
                )
                onset += rt_ms / 1000.0 + 0.12
            writer.close("aborted")  # a run stopped early: its complete rows are still analysed
    return root


@pytest.fixture(scope="session")
def asrt_people(tmp_path_factory) -> Path:
    return write_asrt_cohort(tmp_path_factory.mktemp("asrt_people") / "bids", n=4, seed=41, triplet_ms=25.0, blocks=6)


@pytest.fixture(scope="session")
def asrt_model(tmp_path_factory) -> Path:
    return write_asrt_cohort(
        tmp_path_factory.mktemp("asrt_model") / "bids", n=3, seed=42, triplet_ms=10.0, source="model", blocks=6
    )
