"""Parts of the task that need no display: specs, scoring, shortening, start checks, imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
from motorseq.protocols import RunExistsError, generate_trials, load_protocol
from motorseq.protocols.io import RunWriter, run_paths
from motorseq.tasks.errors import KeyboardBackendError, ResumeError, SimulationSpecError, TaskError
from motorseq.tasks.paradigms.ftt import score_taps
from motorseq.tasks.resume import check_can_start, verify_same_trials
from motorseq.tasks.shorten import shorten_protocol
from motorseq.tasks.simulate_input import ResponseModel, parse_simulation_spec


def test_spec_defaults_and_units():
    assert parse_simulation_spec(None) == ResponseModel()
    assert parse_simulation_spec("default") == ResponseModel()
    model = parse_simulation_spec("mu=300, sigma=20ms,tau=0.05s,error=0.1,hold=30,seed=9,escape_at=4")
    assert model.mu == pytest.approx(0.3)
    assert model.sigma == pytest.approx(0.02)
    assert model.tau == pytest.approx(0.05)
    assert model.error == 0.1 and model.seed == 9 and model.escape_at == 4
    assert model.hold == pytest.approx(0.03)


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ("mu=fast", "mu"),
        ("error=1.5", "error"),
        ("seed=-1", "seed"),
        ("speed=3", "speed"),
        ("mu", "mu"),
        ("hold=300,ipi=200", "hold"),
    ],
)
def test_bad_spec_names_the_field(spec, field):
    with pytest.raises(SimulationSpecError) as info:
        parse_simulation_spec(spec)
    message = str(info.value)
    assert "\n" not in message
    assert field in message and "--simulate-responses" in message


def test_ftt_scoring_counts_sequences_and_errors():
    seq = ["4", "1", "3", "2", "4"]
    taps = seq + seq + ["4", "1", "2"] + seq + ["4"]
    flags, n = score_taps(taps, seq)
    assert n == 3
    assert len(flags) == len(taps)
    assert flags.count(0) == 1  # only the '2' after '4 1' was wrong
    assert flags[12] == 0
    # a wrong tap that is the first key restarts the sequence from its second element
    flags, n = score_taps(["4", "1", "4", "1", "3", "2", "4"], seq)
    assert (flags, n) == ([1, 1, 0, 1, 1, 1, 1], 1)


def test_shorten_protocol_caps_and_stays_valid():
    asrt = shorten_protocol(load_protocol("asrt"), max_trials_per_block=3, max_blocks=3)
    assert [b.trials for b in asrt.blocks] == [3, 6]  # practice capped at 3; warm-up 5 + 1 kept
    assert asrt.n_blocks == 3
    assert "SHORTENED" in asrt.description
    ftt = shorten_protocol(load_protocol("ftt"), max_trials_per_block=2, max_trial_seconds=2.5)
    assert ftt.ftt.tap_s == 2.5 and ftt.ftt.rest_s == 2.5 and ftt.blocks[0].trials == 2
    full = load_protocol("srt-classic")
    assert shorten_protocol(full) is full
    with pytest.raises(TaskError):
        shorten_protocol(full, max_blocks=0)


@pytest.mark.parametrize(
    ("protocol", "caps", "message"),
    [
        ("ftt", {"max_trial_seconds": float("nan")}, r"^--max-trial-seconds: nan is not a positive, finite number"),
        ("ftt", {"max_trial_seconds": float("inf")}, r"^--max-trial-seconds: inf is not a positive, finite number"),
        ("srt-classic", {"max_trial_seconds": -2.0}, r"^--max-trial-seconds: -2\.0 is not a positive"),
        ("srt-classic", {"max_trials_per_block": 0}, r"^--max-trials-per-block: 0 is not a whole number of 1 or more"),
    ],
)
def test_shorten_refuses_caps_that_are_not_positive_finite_numbers(protocol, caps, message):
    with pytest.raises(TaskError, match=message):
        shorten_protocol(load_protocol(protocol), **caps)


def test_shorten_changes_and_mentions_only_what_a_cap_actually_shortens():
    full = load_protocol("srt-classic")
    most = max(b.trials for b in full.blocks)
    assert shorten_protocol(full, max_trials_per_block=most, max_blocks=full.n_blocks, max_trial_seconds=5) is full
    ftt = load_protocol("ftt")
    assert shorten_protocol(ftt, max_trial_seconds=ftt.ftt.tap_s + ftt.ftt.rest_s) is ftt
    short = shorten_protocol(full, max_trials_per_block=most, max_blocks=2)
    assert short.description.endswith("SHORTENED: first 2 blocks.") and short.n_blocks == 2


def test_start_checks_never_overwrite_and_resume_only_same_list(tmp_path):
    protocol = shorten_protocol(load_protocol("srt-soc"), max_trials_per_block=4, max_blocks=2)
    paths = run_paths(tmp_path, "3", "1", protocol.name, 1)
    with pytest.raises(ResumeError, match="nothing to resume"):
        check_can_start(paths, resume=True)
    check_can_start(paths, resume=False)
    trials = generate_trials(protocol, "3", 0)
    writer = RunWriter(tmp_path, protocol, "3", "1", 1, seed=0)
    for row in trials.iloc[:3].to_dict("records"):
        writer.write_trial({**row, "stimulus_onset": 1.0, "rt": 0.3, "correct": 1, "n_presses": 1, "n_errors": 0})
    writer.close("interrupted")
    with pytest.raises(RunExistsError, match="never overwritten"):
        check_can_start(paths, resume=False)
    check_can_start(paths, resume=True)
    assert verify_same_trials(paths, trials) == 3
    other = generate_trials(protocol, "4", 0)  # participant 4 has the other SOC sequence
    with pytest.raises(ResumeError, match="another trial list"):
        verify_same_trials(paths, other)


def test_a_run_that_cannot_be_resumed_is_refused_before_the_window_opens(tmp_path, monkeypatch):
    import json

    from motorseq.protocols import DataFileError
    from motorseq.tasks.session import RunOptions, run_session

    protocol = shorten_protocol(load_protocol("srt-soc"), max_trials_per_block=4, max_blocks=2)
    writer = RunWriter(tmp_path, protocol, "3", "1", 1, seed=0)
    for row in generate_trials(protocol, "3", 0).iloc[:3].to_dict("records"):
        writer.write_trial({**row, "stimulus_onset": 1.0, "rt": 0.3, "correct": 1, "n_presses": 1, "n_errors": 0})
    writer.close("aborted")
    sidecar = json.loads(writer.paths.sidecar.read_text())
    writer.paths.sidecar.write_text(json.dumps({**sidecar, "Extra": {"Segments": {}}}))
    before = {p: p.read_bytes() for p in writer.paths.folder.iterdir()}
    monkeypatch.delenv("DISPLAY", raising=False)  # a window would fail with DisplayError
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    options = RunOptions("srt-soc", "3", data=tmp_path, resume=True, seed=0, max_trials_per_block=4, max_blocks=2)
    with pytest.raises(DataFileError, match=r"_beh\.json: Extra\.Segments: expected a list"):
        run_session(options)
    assert {p: p.read_bytes() for p in writer.paths.folder.iterdir()} == before  # still aborted, not rewritten


def test_missing_psychtoolbox_gives_install_hint(monkeypatch):
    from motorseq.tasks.keyboard import require_psychtoolbox

    monkeypatch.setitem(sys.modules, "psychtoolbox", None)  # import fails as if not installed
    with pytest.raises(KeyboardBackendError) as info:
        require_psychtoolbox()
    message = str(info.value)
    assert "libjack" in message and "pip install psychtoolbox" in message and "\n" not in message


def test_no_display_is_a_clear_error(monkeypatch):
    from motorseq.tasks.errors import DisplayError
    from motorseq.tasks.window import require_display

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(DisplayError, match="xvfb-run"):
        require_display()


def test_importing_tasks_does_not_import_psychopy():
    code = (
        "import sys, motorseq.tasks, motorseq.tasks.cli, motorseq.tasks.session, motorseq.tasks.simulate_input;"
        "print('psychopy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
