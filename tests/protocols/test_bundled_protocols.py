"""Every bundled protocol validates and generates the trial list its paper describes."""

from __future__ import annotations

import numpy as np
import pytest
from motorseq.protocols import TRIAL_COLUMNS, generate_trials, list_protocols, load_protocol

BUNDLED = list_protocols()


def test_all_required_protocols_are_bundled():
    required = {"srt-nissen-bullemer-1987", "srt-classic", "srt-soc", "asrt", "ftt", "dsp", "classroom"}
    assert required <= set(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_protocol_generates_its_trials(name):
    protocol = load_protocol(name)
    trials = generate_trials(protocol, "1", seed=0)
    assert tuple(trials.columns) == TRIAL_COLUMNS
    assert len(trials) == sum(b.trials * b.repeat for b in protocol.blocks)
    assert trials["trial_index"].tolist() == list(range(1, len(trials) + 1))
    assert trials["block"].max() == protocol.n_blocks
    assert protocol.source.citation and (protocol.source.verified or protocol.source.conventional)


@pytest.mark.parametrize("name", BUNDLED)
def test_generation_is_deterministic(name):
    first = generate_trials(name, "12", seed=5)
    again = generate_trials(name, "12", seed=5)
    assert first.equals(again)


def test_seed_changes_random_trials_only():
    a = generate_trials("srt-classic", "3", seed=1)
    b = generate_trials("srt-classic", "3", seed=2)
    sequence = a["block_kind"] == "sequence"
    assert a.loc[sequence, "target"].equals(b.loc[sequence, "target"])
    assert not a.loc[~sequence, "target"].equals(b.loc[~sequence, "target"])


def test_nissen_bullemer_sequence_and_blocks():
    trials = generate_trials("srt-nissen-bullemer-1987", "1", seed=0)
    assert len(trials) == 800
    assert trials["target"].head(10).tolist() == list("4231324321")
    assert (trials.groupby("block").size() == 100).all()
    assert load_protocol("srt-nissen-bullemer-1987").response.rsi_ms == 500


def test_random_blocks_have_no_repeats_and_balanced_positions():
    trials = generate_trials("srt-classic", "4", seed=9)
    for _, block in trials[trials["block_kind"] != "sequence"].groupby("block"):
        positions = block["target"].astype(int).to_numpy()
        assert (np.diff(positions) != 0).all()
        counts = np.bincount(positions, minlength=5)[1:]
        assert counts.max() - counts.min() <= 1


def test_soc_counterbalancing_and_transfer_block():
    protocol = load_protocol("srt-soc")
    first = "-".join(map(str, protocol.sequences[0]))
    second = "-".join(map(str, protocol.sequences[1]))
    for participant, trained, transfer in (("1", first, second), ("2", second, first), ("3", first, second)):
        trials = generate_trials(protocol, participant, seed=0)
        block2 = "-".join(trials.loc[trials["block"] == 2, "target"].head(12))
        transfer_block = trials.loc[trials["block"] == 10, "target"]
        assert block2 == trained
        assert "-".join(transfer_block.head(12)) == transfer


def test_asrt_structure():
    protocol = load_protocol("asrt")
    patterns = {tuple(p) for p in protocol.sequences}
    assert len(patterns) == 6
    seen = set()
    for participant in range(1, 7):
        trials = generate_trials(protocol, str(participant), seed=0)
        block = trials[trials["block"] == 2]
        assert len(block) == 85
        assert (block["trial_type"].head(5) == "random").all()
        after = block.iloc[5:]
        assert after["trial_type"].tolist()[:4] == ["pattern", "random", "pattern", "random"]
        pattern = tuple(after.loc[after["trial_type"] == "pattern", "target"].astype(int).head(4))
        seen.add(pattern)
        assert set(trials["epoch"]) == {0, 1, 2, 3, 4}
        assert (trials.loc[trials["block_kind"] == "practice", "triplet_type"] == "n/a").all()
    assert seen == patterns


def test_ftt_and_dsp_targets_are_sequences():
    ftt = generate_trials("ftt", "1", seed=0)
    assert len(ftt) == 12 and set(ftt["target"]) == {"4-1-3-2-4"}
    assert set(ftt["correct_key"]) == {"4-1-3-2-4"}
    dsp = generate_trials("dsp", "1", seed=0)
    learning = dsp[dsp["block_kind"] == "sequence"]
    assert set(learning["sequence_id"]) == {1, 2}
    assert (learning.groupby("block")["sequence_id"].value_counts() == 24).all()
    assert (dsp.loc[dsp["block_kind"] == "random", "sequence_id"] == 0).all()
