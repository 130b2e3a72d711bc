"""`simulate --record-spikes` saves every spike as a BIDS derivative; `motorseq raster` draws them (issue 16)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread
from motorseq.models.layout import build_layout
from motorseq.models.output import _write_spikes, read_spikes, spikes_run_duration
from motorseq.models.results import spike_table
from motorseq.protocols.cli import app
from motorseq.protocols.errors import DataFileError
from typer.testing import CliRunner

BUILD_ROOT = Path(
    os.environ.get("MOTORSEQ_TEST_BUILD_ROOT", Path(tempfile.gettempdir()) / f"motorseq-test-build-{os.getuid()}")
)
MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))
STEM = "sub-01_ses-1_task-srtclassic_run-1_desc-spikes_events"


def _spikes_dataset(root: Path) -> Path:
    """A derivative written by the real writer from spikes of the real layout (2 s, 4 channels)."""
    layout = build_layout(4)
    rng = np.random.default_rng(0)
    n = 20000
    table = spike_table(layout, rng.integers(0, layout.n_neurons, n), np.sort(rng.uniform(0, 2.0, n)))
    folder = root / "derivatives" / "motorseq-model" / "sub-01" / "ses-1"
    _write_spikes(folder / f"{STEM}.tsv.gz", table)
    return root


def test_spike_table_names_population_channel_and_region():
    layout = build_layout(4)
    m1 = layout.indices("m1", channel=2)
    table = spike_table(layout, np.array([m1[0], 0]), np.array([0.5, 0.2]))
    assert table["time_s"].tolist() == [0.2, 0.5]  # in time order
    row = table.iloc[1]
    assert row["population"] == "m1" and row["channel"] == 3 and row["neuron"] == m1[0]
    assert row["region"] != "n/a"


def test_spikes_derivative_is_a_bids_events_table(tmp_path):
    root = _spikes_dataset(tmp_path)
    path = next(root.rglob("*_desc-spikes_events.tsv.gz"))
    header = gzip.open(path, "rt").readline().rstrip("\n").split("\t")
    assert header == ["onset", "duration", "neuron", "population", "channel", "region"]
    spikes = read_spikes(path)
    assert len(spikes) == 20000 and (spikes["duration"] == 0).all() and spikes["onset"].is_monotonic_increasing
    assert "n/a" in set(spikes["region"]) and spikes["region"].notna().all()


def test_raster_command_draws_a_participant(tmp_path):
    root = _spikes_dataset(tmp_path / "data")
    out = tmp_path / "raster.png"
    result = CliRunner().invoke(app, ["raster", str(root), "--participant", "01", "--out", str(out), "--duration", "1"])
    assert result.exit_code == 0, result.output
    image = imread(out)
    assert image.shape[0] > 500 and image.shape[1] > 1000
    assert (image[..., :3] < 0.9).any()  # something is drawn
    again = CliRunner().invoke(app, ["raster", str(root), "--participant", "01", "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output


def test_raster_without_recorded_spikes_says_how_to_get_them(tmp_path):
    result = CliRunner().invoke(app, ["raster", str(tmp_path), "--participant", "02", "--out", str(tmp_path / "r.png")])
    assert result.exit_code == 2
    assert "simulate with --record-spikes" in " ".join(result.output.split())


@pytest.mark.slow
def test_simulate_record_spikes_end_to_end(tmp_path):
    """A real (tiny) simulation with --record-spikes; compiles its own network (~3 min the first time)."""
    out = tmp_path / "data"
    args = [
        "simulate",
        "srt-classic",
        "--out",
        str(out),
        "--max-blocks",
        "2",
        "--max-trials-per-block",
        "6",
        "--participants",
        "1",
        "--seed",
        "5",
        "--workers",
        "1",
        "--build-dir",
        str(BUILD_ROOT),
        "--quiet",
        "--record-spikes",
    ]
    result = subprocess.run([MOTORSEQ, *args], capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr
    path = next(out.rglob("*_desc-spikes_events.tsv.gz"))
    spikes = read_spikes(path)
    assert len(spikes) > 10000 and {"m1", "d1", "purkinje"} <= set(spikes["population"])
    sidecar = next(out.rglob("sub-01_ses-1_task-srtclassic_run-1_beh.json")).read_text()
    assert "desc-spikes_events.tsv.gz" in sidecar
    raster = subprocess.run(
        [MOTORSEQ, "raster", str(out), "--participant", "01", "--out", str(tmp_path / "r.png")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert raster.returncode == 0, raster.stderr


def _spikes_file(root: Path) -> Path:
    return next(_spikes_dataset(root).rglob("*_desc-spikes_events.tsv.gz"))


def _rewrite(path: Path, edit) -> None:
    """Replace the spikes file by ``edit(text)``, gzipped again (a whole gzip stream)."""
    text = gzip.open(path, "rt").read()
    with gzip.open(path, "wt") as fh:
        fh.write(edit(text))


def _raster(root: Path, out: Path, *extra: str):
    return CliRunner().invoke(app, ["raster", str(root), "--participant", "01", "--out", str(out), *extra])


def _one_error_line(result) -> str:
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: ")
    return line


def test_read_spikes_refuses_a_truncated_gzip_stream(tmp_path):
    path = _spikes_file(tmp_path / "data")
    path.write_bytes(path.read_bytes()[:20000])
    with pytest.raises(DataFileError, match=r"damaged gzip file"):
        read_spikes(path)
    out = tmp_path / "r.png"
    line = _one_error_line(_raster(tmp_path / "data", out))  # was a bare "Aborted.", exit 1
    assert str(path) in line and not out.exists()


def test_read_spikes_refuses_a_file_cut_short(tmp_path):
    path = _spikes_file(tmp_path / "data")
    _rewrite(path, lambda text: text[:100000])  # a partial last line
    with pytest.raises(DataFileError, match=r"the last line is cut short"):
        read_spikes(path)
    _rewrite(path, lambda text: text[: text.rindex("\n", 0, 50000) + 1])  # whole lines: only the count tells
    with pytest.raises(
        DataFileError, match=r"spike\(s\), but its sidecar .*_desc-spikes_events.json records Count 20000"
    ):
        read_spikes(path)
    path.with_name(path.name.replace(".tsv.gz", ".json")).unlink()
    with pytest.raises(DataFileError, match=r"_desc-spikes_events.json: missing"):
        read_spikes(path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace("\n0.", "\nabc", 1), r":2: onset: 'abc.*' is not a number"),
        (lambda t: t.split("\n", 1)[1], r":1: header: .*missing onset"),
        (lambda t: t.replace("onset\t", "", 1), r":1: header: .*missing onset"),
        (
            lambda t: "\n".join(t.split("\n")[:5]) + "\n1.0\t0.000000\t3\n" + "\n".join(t.split("\n")[5:]),
            r":6: channel: nothing is not a whole number",
        ),
        (lambda t: t.replace("\t0.000000\t", "\t0.5\t", 1), r":2: duration: '0.5' is not 0"),
    ],
)
def test_read_spikes_names_the_line_and_column_of_a_bad_value(tmp_path, edit, message):
    path = _spikes_file(tmp_path / "data")
    _rewrite(path, edit)
    with pytest.raises(DataFileError, match=message) as info:
        read_spikes(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_read_spikes_checks_the_last_spike_against_the_run_duration(tmp_path):
    root = tmp_path / "data"
    path = _spikes_file(root)  # spikes up to 2 s
    beh = root / "sub-01" / "ses-1" / "beh" / STEM.replace("_desc-spikes_events", "_beh.json")
    beh.parent.mkdir(parents=True)
    beh.write_text(json.dumps({"Extra": {"SimulatedDuration_s": 1.9}}))  # the last whole rate bin ends at 1.9 s
    assert spikes_run_duration(path) == 1.9
    assert len(read_spikes(path)) == 20000
    beh.write_text(json.dumps({"Extra": {"SimulatedDuration_s": 1.5}}))
    with pytest.raises(DataFileError, match=r"onset: '1\.6.*' is after the end of the run \(1\.5 s\)"):
        read_spikes(path)


def test_raster_refuses_a_window_outside_the_run_and_a_bad_label(tmp_path):
    root = _spikes_dataset(tmp_path / "data")
    out = tmp_path / "r.png"
    line = _one_error_line(_raster(root, out, "--start", "1e9"))
    assert "--start: 1e+09 s is after the last spike" in line and not out.exists()
    beh = root / "sub-01" / "ses-1" / "beh" / STEM.replace("_desc-spikes_events", "_beh.json")
    beh.parent.mkdir(parents=True)
    beh.write_text(json.dumps({"Extra": {"SimulatedDuration_s": 1.95}}))
    line = _one_error_line(_raster(root, out, "--start", "30"))
    assert "--start: 30 s is not inside the run" in line and not out.exists()
    assert _raster(root, out, "--start", "1.5").exit_code == 0 and out.exists()
    result = CliRunner().invoke(app, ["raster", str(root), "--participant", "../x", "--out", str(tmp_path / "x.png")])
    line = _one_error_line(result)
    assert "--participant label '../x' is not allowed" in line and "sub-" not in line
