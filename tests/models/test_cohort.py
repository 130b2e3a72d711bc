"""Cohort bookkeeping without the model: ids, seeds, option parsing, jobs, build slots."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
from motorseq.models.cli import parse_assignments
from motorseq.models.cohort import (
    CohortError,
    CohortSpec,
    build_jobs,
    build_slot,
    participant_ids,
    participant_seed,
)
from motorseq.protocols import load_protocol


def test_participant_ids_are_zero_padded_bids_labels():
    assert participant_ids(3) == ["01", "02", "03"]
    assert participant_ids(100)[:2] == ["001", "002"] and participant_ids(100)[-1] == "100"
    for bad in (0, -2, 2.5, True):
        with pytest.raises(CohortError, match="participants"):
            participant_ids(bad)


def test_participant_seeds_are_the_cohort_seedsequence_children():
    children = np.random.SeedSequence(42).spawn(5)
    expected = [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
    assert [participant_seed(42, i) for i in range(5)] == expected
    assert len(set(expected)) == 5
    assert participant_seed(43, 0) != participant_seed(42, 0)


def test_parse_assignments_reads_numbers_and_refuses_malformed_items():
    assert parse_assignments(["dopamine=0.2", "n=3", "mode=fast"], "--lesion") == {
        "dopamine": 0.2,
        "n": 3,
        "mode": "fast",
    }
    assert parse_assignments(None, "--param") == {}
    with pytest.raises(CohortError, match=r"--param: expected name=value, got 'eta'"):
        parse_assignments(["eta"], "--param")
    with pytest.raises(CohortError, match="given twice"):
        parse_assignments(["a=1", "a=2"], "--param")


def test_jobs_carry_per_participant_seeds_and_overrides(tmp_path):
    protocol = load_protocol("srt-classic")
    spec = CohortSpec(
        protocol=protocol,
        out=tmp_path,
        n_participants=3,
        seed=7,
        overrides={"x": 1.0},
        lesions={"dopamine": 0.2},
        participant_overrides={"02": {"x": 2.0, "y": 3.0}},
    )
    jobs = build_jobs(spec)
    assert [j.participant for j in jobs] == ["01", "02", "03"]
    assert [j.seed for j in jobs] == [participant_seed(7, i) for i in range(3)]
    assert jobs[0].overrides == {"x": 1.0} and jobs[1].overrides == {"x": 2.0, "y": 3.0}
    assert all(j.lesions == {"dopamine": 0.2} for j in jobs)
    assert jobs[0].out == str(tmp_path.resolve())
    with pytest.raises(CohortError, match=r"participant_overrides: no participant\(s\) \['07'\]"):
        build_jobs(CohortSpec(protocol=protocol, out=tmp_path, n_participants=3, participant_overrides={"07": {}}))


def test_build_slots_are_never_shared_by_two_live_processes(tmp_path):
    code = (
        "import sys, time\n"
        "from motorseq.models.cohort import build_slot\n"
        f"with build_slot({str(tmp_path)!r}) as slot:\n"
        "    print(slot.name, flush=True)\n"
        "    time.sleep(30)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "slot-0"
        with build_slot(tmp_path) as slot:
            assert slot.name == "slot-1"  # slot-0 is locked by the other process
        with build_slot(tmp_path) as slot:
            assert slot.name == "slot-1"  # this process prefers the slot it used last
    finally:
        holder.kill()
        holder.wait(timeout=10)
    deadline = time.monotonic() + 10
    while True:  # the lock dies with its process: slot-0 is free again for a new process
        probe = subprocess.run(
            [sys.executable, "-c", code.replace("time.sleep(30)", "pass")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if probe.stdout.strip() == "slot-0" or time.monotonic() > deadline:
            break
    assert probe.stdout.strip() == "slot-0"


def test_participant_parameters_draw_individuals_reproducibly_and_options_win(tmp_path):
    from motorseq.models import VARIABLE_PARAMETERS
    from motorseq.models.cohort import participant_parameters

    protocol = load_protocol("srt-classic")

    def params(**options):
        spec = CohortSpec(protocol=protocol, out=tmp_path, n_participants=3, seed=9, **options)
        return [participant_parameters(job).to_dict() for job in build_jobs(spec)]

    plain = params(variability=False)
    assert plain[0] == plain[1] == plain[2]  # no variability: everyone has the defaults
    varied = params(variability=True)
    assert varied == params(variability=True)  # same cohort seed, same individuals
    assert params() == varied  # a cohort is a sample of people: individual draws by default
    for name in VARIABLE_PARAMETERS:
        values = [p[name] for p in varied]
        assert len(set(values)) == 3, name  # every participant differs
        assert all(v > 0 for v in values)
    other_seed = [
        participant_parameters(job).to_dict()
        for job in build_jobs(CohortSpec(protocol=protocol, out=tmp_path, n_participants=1, seed=10, variability=True))
    ]
    assert other_seed[0] != varied[0]
    # --param and --lesion are applied after the individual draw, so they hold for everyone
    fixed = params(variability=True, overrides={"eta_striatum": 0.0002}, lesions={"dopamine": 0.2})
    assert {p["eta_striatum"] for p in fixed} == {0.0002}
    assert {p["lesion_dopamine"] for p in fixed} == {0.2}
    assert len({p["eta_transition"] for p in fixed}) == 3
