"""The simulation bank: growth, resume/skip, failures, a killed run; and the priors file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from motorseq.models.fit import FitError, draw, load_priors, read_bank, run_bank
from motorseq.models.parameter_ranges import parameter_range

MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))


def quadratic(params, seed, index):
    """A cheap simulator: deterministic statistics of the parameters and the seed."""
    rng = np.random.default_rng(seed)
    return {"rt": params["non_decision_ms"] + 200 + rng.normal(0, 5), "lh": 1000 * params["eta_striatum"]}


class FailOn:
    """Raise for some simulation indices (a model run that goes wrong)."""

    def __init__(self, bad):
        self.bad = set(bad)

    def __call__(self, params, seed, index):
        if index in self.bad:
            raise RuntimeError(f"dynamics went non-finite in simulation {index}")
        return quadratic(params, seed, index)


class Interrupt:
    """Stop the whole run at one index, as a kill does (BaseException: not caught per simulation)."""

    def __init__(self, at):
        self.at = at

    def __call__(self, params, seed, index):
        if index == self.at:
            raise KeyboardInterrupt
        return quadratic(params, seed, index)


@pytest.fixture(scope="module")
def priors():
    return load_priors()


def test_default_priors_have_nine_parameters_inside_their_physical_ranges(priors):
    assert priors.names == [
        "eta_striatum", "eta_pf_ltd", "eta_transition", "lesion_dopamine",
        "readout_noise_hz", "readout_threshold_hz", "non_decision_ms", "cue_drive_mv", "non_decision_sd_ms",
    ]  # fmt: skip
    for name, p in priors.parameters.items():
        low, high, _ = parameter_range(name)
        assert low <= p.low < p.high <= high and len(p.reason) > 30
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a linear prior from 0 (non_decision_sd_ms) takes no log
        draws = priors.sample(np.random.default_rng(0), 2000)
    assert draws[:, -1].min() >= 0 and draws[:, -1].max() <= 300
    eta = draws[:, 0]
    assert eta.min() >= 0.0008 and eta.max() <= 0.018
    # log-uniform: as many draws below the geometric mean as above it
    assert abs(np.mean(eta < np.sqrt(0.0008 * 0.018)) - 0.5) < 0.05
    np.testing.assert_allclose(priors.from_unit(priors.to_unit(draws)), draws, rtol=1e-12)


def test_bad_priors_file_is_one_line_naming_file_and_field(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("parameters:\n  eta_striatum: {low: 0.01, high: 0.001, reason: x}\n")
    with pytest.raises(FitError, match=r"p\.yaml: parameters\.eta_striatum.*low"):
        load_priors(bad)
    bad.write_text("parameters:\n  no_such: {low: 0, high: 1, reason: x}\n")
    with pytest.raises(FitError, match=r"p\.yaml: parameters\.no_such: not a scalar model parameter"):
        load_priors(bad)
    bad.write_text("parameters:\n  non_decision_ms: {low: 10, high: 5000, reason: x}\n")
    with pytest.raises(FitError, match=r"non_decision_ms: \[10, 5000\] leaves the physical range 0 to 1000"):
        load_priors(bad)
    # a parameter given twice is refused, not resolved to the second range
    bad.write_text(
        "parameters:\n  eta_striatum: {low: 0.001, high: 0.01, reason: x}\n"
        "  eta_striatum: {low: 0.002, high: 0.02, reason: y}\n"
    )
    with pytest.raises(
        FitError, match=r"p\.yaml:3: not valid YAML \(key 'eta_striatum' given twice \(first on line 2\)"
    ):
        load_priors(bad)
    # yes/no is not a number (YAML reads `true` as a bool, pydantic would take it as 1.0)
    bad.write_text("parameters:\n  eta_striatum: {low: true, high: 0.01, reason: x}\n")
    with pytest.raises(FitError, match=r"parameters\.eta_striatum\.low: .*expected a number, found True"):
        load_priors(bad)
    # a box with a corner the model refuses would fail draw after draw while the bank grows
    bad.write_text("parameters:\n  reset_mv: {low: 5, high: 30, reason: x}\n")
    with pytest.raises(FitError, match=r"refuses the corner of the priors at reset_mv 30: reset_mv: 30 must be below"):
        load_priors(bad)
    bad.write_text("parameters:\n  dt_ms: {low: 0.5, high: 1, reason: x}\n")
    with pytest.raises(FitError, match=r"parameters\.dt_ms: sets the compiled network's structure"):
        load_priors(bad)


def test_bank_grows_and_skips_finished_simulations(tmp_path, priors):
    out = tmp_path / "bank"
    first = run_bank(out, 7, priors, quadratic, seed=3, batch_size=3)
    assert (first.done, first.skipped, first.failed, first.total) == (7, 0, 0, 7)
    assert first.per_hour > 0
    before = read_bank(out)
    files = sorted((out / "parts").iterdir())
    assert len(files) == 3  # batches of 3, 3, 1
    again = run_bank(out, 7, priors, quadratic, seed=3, batch_size=3)
    assert (again.done, again.skipped) == (0, 7)
    assert sorted((out / "parts").iterdir()) == files  # nothing rewritten
    grown = run_bank(out, 10, priors, quadratic, seed=3, batch_size=3)
    assert (grown.done, grown.skipped, grown.total) == (3, 7, 10)
    after = read_bank(out)
    assert after["sim"].tolist() == list(range(10))
    pd.testing.assert_frame_equal(after.iloc[:7].reset_index(drop=True), before)
    # simulation i's parameters do not depend on the bank size or the order of runs
    assert after.loc[8, "theta.non_decision_ms"] == draw(priors, 3, 8)["non_decision_ms"]
    assert after.loc[8, "x.rt"] == pytest.approx(draw(priors, 3, 8)["non_decision_ms"] + 200, abs=25)
    other = run_bank(tmp_path / "other", 10, priors, quadratic, seed=4, batch_size=5)
    assert other.total == 10
    assert not np.allclose(read_bank(tmp_path / "other")["theta.eta_striatum"], after["theta.eta_striatum"])


def test_a_failing_simulation_is_recorded_and_the_others_finish(tmp_path, priors):
    out = tmp_path / "bank"
    result = run_bank(out, 6, priors, FailOn({2, 4}), batch_size=2)
    assert (result.done, result.failed, result.total) == (4, 2, 4)
    table = read_bank(out, status=None)
    failed = table[table["status"] == "failed"]
    assert failed["sim"].tolist() == [2, 4]
    assert failed["error"].str.fullmatch(r"RuntimeError: dynamics went non-finite in simulation [24]").all()
    assert failed["theta.eta_striatum"].notna().all()  # the parameters that failed are kept
    assert (run_bank(out, 6, priors, FailOn({2, 4})).done, read_bank(out)["sim"].tolist()) == (0, [0, 1, 3, 5])
    retried = run_bank(out, 6, priors, quadratic, retry_failed=True)
    assert (retried.done, retried.skipped) == (2, 4)
    assert read_bank(out)["sim"].tolist() == list(range(6))


def test_an_interrupted_run_keeps_every_finished_batch(tmp_path, priors):
    out = tmp_path / "bank"
    with pytest.raises(KeyboardInterrupt):
        run_bank(out, 10, priors, Interrupt(at=5), batch_size=2)
    assert read_bank(out)["sim"].tolist() == [0, 1, 2, 3]  # the batch of 4-5 was in progress
    (out / "parts" / ".part-0000004-0000005-dead.parquet.tmp").write_bytes(b"half a file")
    done = run_bank(out, 10, priors, quadratic, batch_size=2)
    assert (done.done, done.skipped) == (6, 4)
    assert not list((out / "parts").glob(".*.tmp"))
    assert read_bank(out)["sim"].tolist() == list(range(10))


def test_a_killed_bank_process_loses_nothing_finished(tmp_path):
    out = tmp_path / "bank"
    script = textwrap.dedent(
        f"""
        import time
        from motorseq.models.fit import load_priors, run_bank
        def slow(params, seed, index):
            if index >= 3:
                time.sleep(60)
            return {{"a": params["cue_drive_mv"]}}
        run_bank({str(out)!r}, 8, load_priors(), slow)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list((out / "parts").glob("part-*"))) < 3:
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert read_bank(out)["sim"].tolist() == [0, 1, 2]
    resumed = run_bank(out, 5, load_priors(), lambda p, s, i: {"a": p["cue_drive_mv"]})
    assert (resumed.done, resumed.skipped) == (2, 3)


def test_a_bank_made_with_other_priors_is_refused(tmp_path, priors):
    out = tmp_path / "bank"
    run_bank(out, 2, priors, quadratic)
    narrow = load_priors({"parameters": {"non_decision_ms": {"low": 100, "high": 200, "reason": "narrow"}}})
    with pytest.raises(
        FitError,
        match=r"json: priors\.parameters\.non_decision_ms\.low: recorded 80\.0, this run 100\.0; use another --out",
    ):
        run_bank(out, 4, narrow, quadratic)
    with pytest.raises(FitError, match=r"bank\.json: seed: recorded 0, this run 1"):
        run_bank(out, 4, priors, quadratic, seed=1)
    assert len(read_bank(out)) == 2


def test_a_bank_of_another_protocol_or_model_code_is_refused(tmp_path, priors):
    from motorseq.models.fit import model_description
    from motorseq.protocols import load_protocol
    from motorseq.tasks.shorten import shorten_protocol

    asrt = load_protocol("asrt")
    described = model_description("asrt", shorten_protocol(asrt, max_blocks=6), 6, None)
    assert set(described["code"]) == {"motorseq", "brian2", "ModelCodeSHA256"}
    run_bank(tmp_path / "bank", 2, priors, quadratic, description=described)
    retuned = {**described, "code": {**described["code"], "ModelCodeSHA256": "0" * 64}}
    with pytest.raises(
        FitError, match=r"bank\.json: simulator\.code\.ModelCodeSHA256: recorded \"[0-9a-f]{64}\", this run \"0000"
    ):
        run_bank(tmp_path / "bank", 3, priors, quadratic, description=retuned)
    longer = model_description("asrt", shorten_protocol(asrt, max_blocks=8), 8, None)
    with pytest.raises(FitError, match=r"bank\.json: simulator\.protocol_hash: recorded"):
        run_bank(tmp_path / "bank", 3, priors, quadratic, description=longer)
    assert run_bank(tmp_path / "bank", 3, priors, quadratic, description=described).done == 1


def test_bank_cli_refuses_bad_input_in_one_line(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("parameters: [1, 2]\n")
    run = subprocess.run(
        [MOTORSEQ, "bank", "asrt", "--out", str(tmp_path / "b"), "--priors", str(bad), "--workers", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr.strip() == f"error: {bad}: parameters: Input should be a valid dictionary"
    assert not (tmp_path / "b").exists()
    run = subprocess.run(
        [MOTORSEQ, "bank", "ftt", "--out", str(tmp_path / "b"), "--workers", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and "paradigm 'ftt': banks are built for srt and asrt" in run.stderr


def test_parts_of_another_bank_copied_into_parts_are_refused_not_dropped(tmp_path, priors):
    import shutil

    mine, other = tmp_path / "mine", tmp_path / "other"
    run_bank(mine, 4, priors, quadratic, seed=0)
    run_bank(other, 6, priors, quadratic, seed=1)
    assert len(read_bank(mine)) == 4
    copied = sorted((other / "parts").glob("part-0000000-*"))[0]
    shutil.copy(copied, mine / "parts")  # simulation 0 of both banks: other seed, other parameters
    with pytest.raises(FitError) as error:
        read_bank(mine)
    message = str(error.value)
    assert "\n" not in message and copied.name in message and "simulation 0 has another seed" in message
    assert len(list((mine / "parts").glob("part-*"))) == 5  # nothing removed
    (mine / "parts" / copied.name).unlink()
    beyond = sorted((other / "parts").glob("part-0000005-*"))[0]
    shutil.copy(beyond, mine / "parts")  # simulation 5: only in the copied part, but not this bank's draw
    with pytest.raises(FitError, match=rf"{beyond.name}: simulation 5 has a seed or parameters that .*bank\.json"):
        read_bank(mine)
    (mine / "parts" / beyond.name).unlink()
    again = sorted((mine / "parts").glob("part-0000002-*"))[0]
    shutil.copy(again, mine / "parts" / again.name.replace(again.name[-16:-8], "deadbeef"))  # the same batch twice
    table = read_bank(mine)
    assert table["sim"].tolist() == [0, 1, 2, 3]
    assert table.loc[2, "theta.eta_striatum"] == draw(priors, 0, 2)["eta_striatum"]


def test_a_broken_bank_is_one_line_naming_bank_json_and_the_field_or_the_part(tmp_path, priors):
    import json
    import shutil

    from motorseq.models.fit.run import fit_command

    good = tmp_path / "good"
    run_bank(good, 4, priors, quadratic)
    manifest = json.loads((good / "bank.json").read_text())

    def refused(bank: Path) -> str:
        with pytest.raises(FitError) as error:
            fit_command([], bank, tmp_path / f"fit-{bank.name}", check=True, folds=2)
        assert "\n" not in str(error.value)
        return str(error.value)

    def bank_with(name: str, text: str, parts: bool = True) -> Path:
        folder = tmp_path / name
        if parts:
            shutil.copytree(good / "parts", folder / "parts")
        folder.mkdir(exist_ok=True)
        (folder / "bank.json").write_text(text)
        return folder

    no_priors = bank_with("nopriors", json.dumps({k: v for k, v in manifest.items() if k != "priors"}))
    assert refused(no_priors) == (
        f"{no_priors}/bank.json: priors: missing (a bank made by motorseq bank records the priors it drew from)"
    )
    listed = bank_with("list", "[1, 2]")
    assert (
        refused(listed) == f"{listed}/bank.json: expected a JSON object (format, seed, priors, simulator), got a list"
    )
    bad = json.loads(json.dumps(manifest))
    bad["priors"]["parameters"]["eta_striatum"]["low"] = 1.0
    bad_priors = bank_with("badpriors", json.dumps(bad))
    assert refused(bad_priors) == (
        f"{bad_priors}/bank.json: priors.parameters.eta_striatum: Value error, low (1.0) must be below high (0.018)"
    )
    no_parts = bank_with("noparts", json.dumps(manifest), parts=False)
    assert refused(no_parts) == f"{no_parts}/parts: no finished simulations (grow the bank with motorseq bank)"
    # a part of a bank drawn from other priors (no value for most parameters): named, not "NaN/Inf in NPE loss"
    narrow = load_priors({"parameters": {"non_decision_ms": {"low": 100, "high": 200, "reason": "narrow"}}})
    run_bank(tmp_path / "narrow", 6, narrow, quadratic)
    stray = sorted((tmp_path / "narrow" / "parts").glob("part-0000005-*"))[0]
    mixed = bank_with("mixed", json.dumps(manifest))
    shutil.copy(stray, mixed / "parts")
    assert refused(mixed).startswith(f"{mixed}/parts/{stray.name}: simulation 5 has a seed or parameters that")
    run = subprocess.run(
        [MOTORSEQ, "fit", "--check", "--bank", str(listed), "--out", str(tmp_path / "cli")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip() == (
        f"error: {listed}/bank.json: expected a JSON object (format, seed, priors, simulator), got a list"
    )
