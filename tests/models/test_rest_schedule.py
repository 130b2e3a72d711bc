"""Where the model rests: before the first trial, at the protocol's breaks, after the last trial."""

from __future__ import annotations

import numpy as np
import pytest
from motorseq.models.runtime_values import rest_schedule


def test_rest_at_start_each_break_and_end():
    blocks = np.array([1, 1, 2, 2, 2, 3, 4])
    pauses = rest_schedule(blocks, 30.0)
    assert pauses.tolist() == [30.0, 0.0, 30.0, 0.0, 0.0, 30.0, 30.0, 30.0]


def test_breaks_every_second_block_and_protocol_minimum():
    blocks = np.repeat([1, 2, 3, 4, 5], 2)
    pauses = rest_schedule(blocks, 10.0, every_blocks=2, min_s=25.0)
    # a break after blocks 2 and 4 only (trials 4 and 8 start blocks 3 and 5), at least 25 s
    assert np.flatnonzero(pauses[1:-1]).tolist() == [3, 7]
    assert pauses[4] == pauses[8] == 25.0
    assert pauses[0] == pauses[-1] == 10.0


def test_breaks_follow_block_numbers_when_the_list_starts_mid_session():
    blocks = np.array([3, 3, 4, 4, 5])  # e.g. a resumed run: breaks after blocks 2, 4, ...
    pauses = rest_schedule(blocks, 10.0, every_blocks=2)
    assert pauses.tolist() == [10.0, 0.0, 0.0, 0.0, 10.0, 10.0]


def test_no_rest_when_rest_is_zero_and_empty_list():
    assert not rest_schedule(np.array([1, 1, 2]), 0.0).any()
    assert rest_schedule(np.array([], dtype=int), 30.0).tolist() == [0.0]


@pytest.mark.parametrize("n", [1, 5])
def test_one_value_more_than_trials(n):
    assert rest_schedule(np.ones(n, dtype=int), 1.0).size == n + 1
