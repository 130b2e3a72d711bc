"""Bad-input sweep: several hundred malformed inputs through the installed ``motorseq`` command.

Run: ``.venv/bin/python tests/benchmarks/bad_input_sweep.py [--jobs 2] [--only AREA] [--list]``

Every case builds its own copy of a small dataset (or protocol, foci file, map), runs one
``motorseq`` command in a subprocess and classifies the outcome:

* ``clean``: exit 2 and one error line naming the file or field (a Click usage error naming the
  option counts too), or, for an input that is merely unusual, exit 0 with the correct result;
* ``traceback``: a Python traceback, or an exit status that is neither 0 nor 2 (``Aborted!``);
* ``wrong``: exit 0 for a bad input, an error that does not name the file or field, or a hang;
* ``lost``: a file that existed before the command changed or vanished (counted first).

Nothing here needs a display; ``simulate`` cases stop after a few seconds (a bad ``--param``
must be refused before any simulation starts, so a case still running then is ``wrong``).
The printed table lists counts per area, then each non-clean case, then the targets.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[2]
MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))
TIMEOUT_S = 120.0
SIMULATE_TIMEOUT_S = 15.0


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Case:
    """One bad input: the command to run in a fresh folder and what a clean answer names."""

    area: str
    name: str
    setup: Callable[[Path], list[str]]
    """Builds the inputs in the case folder; returns the command's arguments."""
    names: tuple[str, ...] = ()
    """A clean error line names one of these (file or field)."""
    ok: Callable[[Path, str], bool] | None = None
    """For an unusual but valid input: exit 0 is clean when this holds for (folder, output)."""
    timeout: float = TIMEOUT_S
    watch: tuple[str, ...] = ()
    """Files (relative to the case folder) that must not change; a dataset folder's files are watched too."""


@dataclass
class Outcome:
    case: Case
    kind: str
    rc: int | None
    detail: str
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


# -- base inputs, built once ------------------------------------------------------------------


def build_bases(base: Path) -> dict[str, Path]:
    """Small SRT people dataset, an ASRT participant, a model dataset, foci, a protocol."""
    analysis = _load("analysis_conftest", REPO / "tests" / "analysis" / "conftest.py")
    model_fixture = _load("model_fixture", REPO / "tests" / "brain" / "model_fixture.py")
    (base / "srt").mkdir(parents=True)
    srt = analysis.write_srt_cohort(
        base / "srt" / "bids", analysis.small_srt_protocol(base / "srt"), n=3, seed=3, source="human", random_cost=60
    )
    asrt = analysis.write_asrt_cohort(base / "asrt" / "bids", n=1, seed=4, triplet_ms=20.0, blocks=2)
    model = model_fixture.write_model_dataset(base / "model" / "data", n_participants=3)
    rng = np.random.default_rng(7)
    lines = ["//Reference=MNI"]
    for i in range(6):
        lines += [f"// Study{i}: sequence > baseline", "// Subjects=16"]
        for centre in ([-24, 2, 2], [26, -60, -25]):
            x, y, z = np.array(centre) + rng.normal(0, 3, 3)
            lines.append(f"{x:.1f}\t{y:.1f}\t{z:.1f}")
        lines.append("")
    foci = base / "foci.txt"
    foci.write_text("\n".join(lines))
    return {"srt": srt, "asrt": asrt, "model": model, "foci": foci}


BASES: dict[str, Path] = {}


def copy_base(name: str, folder: Path) -> Path:
    target = folder / name
    shutil.copytree(BASES[name], target, symlinks=True)
    return target


def beh_of(root: Path, label: str = "02") -> Path:
    return next((root / f"sub-{label}").rglob("*_beh.tsv"))


def sidecar_of(root: Path, label: str = "02") -> Path:
    beh = beh_of(root, label)
    return beh.with_name(beh.name.replace("_beh.tsv", "_beh.json"))


def set_cell(path: Path, column: str, row: int, value: str) -> None:
    lines = path.read_text().split("\n")
    index = lines[0].split("\t").index(column)
    cells = lines[row].split("\t")
    cells[index] = value
    lines[row] = "\t".join(cells)
    path.write_text("\n".join(lines))


# -- data files: validate-data and analyze ---------------------------------------------------


def _data_damages() -> list[tuple[str, Callable[[Path], Path], str]]:
    """(name, damage(root) -> damaged file, field the message names); every one is bad data."""
    out: list[tuple[str, Callable[[Path], Path], str]] = []

    def cell(column: str, value: str, row: int = 30):
        def damage(root: Path) -> Path:
            set_cell(beh_of(root), column, row, value)
            return beh_of(root)

        return (f"{column}={value!r}", damage, column)

    for value in ("inf", "-inf", "1e308", "-1", "-0.001", "abc", "2.5", "1e9", "0x10"):
        out.append(cell("rt", value))
    for value in ("2", "-1", "0.5", "yes"):
        out.append(cell("correct", value))
    for value in ("0", "-1", "1.5", "inf", "n/a", "99999999999999999999", "1e400"):
        out.append(cell("block", value))
    for value in ("0", "n/a"):
        out.append(cell("trial", value))
    for value in ("5", "0", "n/a"):
        out.append(cell("trial_index", value))
    for value in ("warmup", "n/a"):
        out.append(cell("block_kind", value))
    for value in ("both", "n/a"):
        out.append(cell("trial_type", value))
    for value in ("-1", "inf", "nan1"):
        out.append(cell("stimulus_onset", value))
    out.append(cell("triplet_type", "X"))
    out.append(cell("execution_time", "inf"))

    def rows(keep: int):
        def damage(root: Path) -> Path:
            path = beh_of(root)
            path.write_text("".join(path.read_text().splitlines(keepends=True)[: keep + 1]))
            return path

        return damage

    def text(transform: Callable[[str], str]):
        def damage(root: Path) -> Path:
            path = beh_of(root)
            path.write_text(transform(path.read_text()))
            return path

        return damage

    def raw(transform: Callable[[bytes], bytes]):
        def damage(root: Path) -> Path:
            path = beh_of(root)
            path.write_bytes(transform(path.read_bytes()))
            return path

        return damage

    def sidecar(transform: Callable[[dict], object] | None = None, raw_text: str | None = None):
        def damage(root: Path) -> Path:
            path = sidecar_of(root)
            if raw_text is not None:
                path.write_text(raw_text)
            else:
                path.write_text(json.dumps(transform(json.loads(path.read_text()))))
            return path

        return damage

    def drop_column(name: str):
        def transform(content: str) -> str:
            lines = [line.split("\t") for line in content.split("\n")]
            index = lines[0].index(name)
            return "\n".join("\t".join(c[:index] + c[index + 1 :]) if len(c) > index else "\t".join(c) for c in lines)

        return transform

    out += [
        ("complete run truncated to 40 rows", rows(40), "TrialsWritten"),
        ("complete run, header only", rows(0), "trial row"),
        ("complete run, last row cut", text(lambda t: t[:-25]), "cut off"),
        ("0-byte trial file", text(lambda t: ""), "empty"),
        ("binary trial file", raw(lambda b: bytes(range(256)) * 20), "_beh.tsv"),
        ("NUL byte in a row", raw(lambda b: b[:3000] + b"\x00" + b[3001:]), "_beh.tsv"),
        ("Latin-1 byte", raw(lambda b: b[:3000] + b"\xe9" + b[3001:]), "UTF-8"),
        (
            "a row with a field too many",
            text(lambda t: t.replace("\n", "\tx\n", 5).replace("\tx\n", "\n", 4)),
            "fields",
        ),
        ("a row with a field too few", text(lambda t: t.replace("\t", "", 200)), "_beh.tsv"),
        ("column rt missing", text(drop_column("rt")), "rt"),
        ("column block missing", text(drop_column("block")), "block"),
        (
            "header repeated in the middle",
            text(
                lambda t: t.replace("\n", "\n" + t.split("\n")[0] + "\n", 20).replace(
                    "\n" + t.split("\n")[0] + "\n", "\n", 19
                )
            ),
            "_beh.tsv",
        ),
        ("duplicated row", text(lambda t: "\n".join(t.split("\n")[:10] + t.split("\n")[9:])), "trial_index"),
        (
            "rows swapped",
            text(lambda t: "\n".join(t.split("\n")[:5] + [t.split("\n")[6], t.split("\n")[5]] + t.split("\n")[7:])),
            "trial_index",
        ),
        ("sidecar is a list", sidecar(lambda s: [1, 2]), "JSON object"),
        ("sidecar is a string", sidecar(lambda s: "complete"), "JSON object"),
        ("sidecar Protocol is a number", sidecar(lambda s: {**s, "Protocol": 5}), "Protocol"),
        ("sidecar Protocol.paradigm missing", sidecar(lambda s: {**s, "Protocol": {}}), "paradigm"),
        (
            "sidecar paradigm unknown type",
            sidecar(lambda s: {**s, "Protocol": {**s["Protocol"], "paradigm": 7}}),
            "paradigm",
        ),
        ("sidecar RunStatus unknown", sidecar(lambda s: {**s, "RunStatus": "done"}), "RunStatus"),
        ("sidecar TrialsWritten text", sidecar(lambda s: {**s, "TrialsWritten": "many"}), "TrialsWritten"),
        ("sidecar TrialsWritten wrong", sidecar(lambda s: {**s, "TrialsWritten": 999}), "TrialsWritten"),
        ("sidecar Source a list", sidecar(lambda s: {**s, "Source": ["human"]}), "Source"),
        ("sidecar Participant other", sidecar(lambda s: {**s, "Participant": "99"}), "Participant"),
        (
            "sidecar timeout NaN-free but rt over it",
            sidecar(
                lambda s: {
                    **s,
                    "Protocol": {**s["Protocol"], "response": {**s["Protocol"]["response"], "timeout_ms": 100}},
                }
            ),
            "rt",
        ),
        ("sidecar not JSON", sidecar(raw_text="{not json"), "JSON"),
        ("sidecar empty", sidecar(raw_text=""), "JSON"),
        ("sidecar Infinity", sidecar(raw_text='{"TrialsWritten": Infinity}'), "TrialsWritten"),
    ]

    def participants(content: bytes):
        def damage(root: Path) -> Path:
            (root / "participants.tsv").write_bytes(content)
            return root / "participants.tsv"

        return damage

    out += [
        ("participants.tsv binary", participants(bytes(range(256))), "participants.tsv"),
        (
            "participants.tsv bad id",
            participants(b"participant_id\tsource\tgroup\nsub-01\thuman\ta\n\thuman\tb\n"),
            "participants.tsv",
        ),
        ("participants.tsv ragged", participants(b"participant_id\tgroup\nsub-01\ta\tb\tc\n"), "participants.tsv"),
    ]
    return out


def data_cases() -> list[Case]:
    cases = []
    for name, damage, field_name in _data_damages():
        for command in ("validate-data", "analyze"):

            def setup(folder: Path, damage=damage, command=command) -> list[str]:
                root = copy_base("srt", folder)
                damage(root)
                if command == "analyze":
                    return [
                        "analyze",
                        str(root),
                        "--out",
                        str(folder / "out"),
                        "--no-figures",
                        "--n-boot",
                        "20",
                        "--n-boot-participant",
                        "0",
                    ]
                return ["validate-data", str(root)]

            cases.append(Case("data", f"{command}: {name}", setup, names=(field_name,)))

    def mixed(folder: Path) -> list[str]:
        root = copy_base("srt", folder)
        shutil.copytree(BASES["asrt"] / "sub-01", root / "sub-09")
        for path in sorted((root / "sub-09").rglob("*")):
            if path.is_file():
                new = path.with_name(path.name.replace("sub-01", "sub-09"))
                path.rename(new)
                if new.name.endswith("_beh.json"):
                    new.write_text(json.dumps({**json.loads(new.read_text()), "Participant": "09"}))
        return ["analyze", str(root), "--out", str(folder / "out"), "--no-figures", "--n-boot", "20"]

    def temp_folder(folder: Path) -> list[str]:
        root = copy_base("srt", folder)
        shutil.copytree(root / "sub-01", root / ".sub-01_ses-1_run-1.tmp-host-1-abcdef12" / "sub-01")
        return ["analyze", str(root), "--out", str(folder / "out"), "--no-figures", "--n-boot", "20"]

    def temp_ok(folder: Path, output: str) -> bool:
        return "3 participant(s)" in output and f"{3 * 156} trials" in output

    def temp_validate(folder: Path) -> list[str]:
        root = copy_base("srt", folder)
        shutil.copytree(root / "sub-01", root / ".sub-01_ses-1_run-1.tmp-host-1-abcdef12" / "sub-01")
        return ["validate-data", str(root)]

    cases += [
        Case("data", "analyze: 3 SRT + 1 ASRT participant", mixed, names=("--paradigm",)),
        Case("data", "analyze: a killed worker's temp folder", temp_folder, ok=temp_ok),
        Case(
            "data",
            "validate-data: a killed worker's temp folder",
            temp_validate,
            ok=lambda folder, output: "3 run(s) valid" in output,
        ),
        Case(
            "data", "validate-data: no such path", lambda f: ["validate-data", str(f / "nowhere")], names=("nowhere",)
        ),
        Case(
            "data",
            "validate-data: empty folder",
            lambda f: (f / "e").mkdir() or ["validate-data", str(f / "e")],
            names=("e",),
        ),
        Case(
            "data",
            "validate-data: a file that is not a run",
            lambda f: (f / "x.tsv").write_text("a\tb\n1\t2\n") and ["validate-data", str(f / "x.tsv")],
            names=("x.tsv",),
        ),
    ]
    return cases


# -- other formats and analyze options ------------------------------------------------------------


def _jspsych(rows: int = 40, rt: str | None = None) -> str:
    lines = ["subject,session,isPractice,block,trialNumber,trialType,correctPos,sequence,firstResponse,rt"]
    for i in range(1, rows + 1):
        value = rt if (rt is not None and i == 20) else str(400 + i)
        lines.append(f"1,1,0,{1 + i // 20},{i},{'P' if i % 2 else 'R'},{i % 4 + 1},1-2-3-4,{i % 4 + 1},{value}")
    return "\n".join(lines) + "\n"


def format_cases() -> list[Case]:
    def file_case(name: str, content: bytes | str, field_name: str | None = None, options: tuple = ()) -> Case:
        def setup(folder: Path) -> list[str]:
            path = folder / name
            if isinstance(content, str):
                path.write_text(content)
            else:
                path.write_bytes(content)
            return ["analyze", str(path), "--out", str(folder / "out"), "--no-figures", *options]

        return Case("formats", f"analyze {name}", setup, names=(name,) if field_name is None else (field_name, name))

    good = _jspsych().encode()
    return [
        file_case("empty.csv", b""),
        file_case("binary.csv", bytes(range(256)) * 8),
        file_case("cut.csv.gz", gzip.compress(good)[:-30]),
        file_case("half.csv.gz", gzip.compress(good)[: len(gzip.compress(good)) // 2]),
        file_case("notgz.csv.gz", b"plain text"),
        file_case("empty.csv.gz", b""),
        file_case("utf16junk.csv", b"\xff\xfe" + bytes(range(1, 255))),
        file_case("header_only.csv", _jspsych(0)),
        file_case("inf_rt.csv", _jspsych(rt="inf"), "rt"),
        file_case("neg_rt.csv", _jspsych(rt="-5"), "rt"),
        file_case("huge_rt.csv", _jspsych(rt="1e308"), "rt"),
        file_case("text_rt.csv", _jspsych(rt="fast"), "rt"),
        file_case("no_rt.csv", _jspsych().replace(",rt\n", ",rtx\n", 1), "no_rt.csv"),
        file_case("ms_as_s.csv", _jspsych().replace(",4", ",0.4"), "rt"),
        file_case("unknown.csv", "a,b,c\n1,2,3\n"),
        file_case("x.csv", _jspsych(), "nope", ("--format", "nope")),
        file_case("y.csv", _jspsych(), "missing.yaml", ("--format", "missing.yaml")),
    ]


def option_cases() -> list[Case]:
    def analyze(
        options: list[str],
        names: tuple[str, ...],
        prepare: Callable[[Path], None] | None = None,
        watch: tuple[str, ...] = (),
    ) -> Case:
        def setup(folder: Path) -> list[str]:
            root = copy_base("srt", folder)
            if prepare:
                prepare(folder)
            return ["analyze", str(root), "--no-figures", *[o.format(folder=folder) for o in options]]

        return Case("options", "analyze " + " ".join(options).replace("{folder}/", ""), setup, names=names, watch=watch)

    def blocker(folder: Path) -> None:
        (folder / "blocker").write_text("keep")

    def full(folder: Path) -> None:
        (folder / "full").mkdir()
        (folder / "full" / "keep.txt").write_text("keep")

    return [
        analyze(["--out", "{folder}/o", "--n-boot", "0"], ("--n-boot",)),
        analyze(["--out", "{folder}/o", "--n-boot", "-5"], ("--n-boot",)),
        analyze(["--out", "{folder}/o", "--n-boot-participant", "-1"], ("--n-boot-participant",)),
        analyze(["--out", "{folder}/o", "--n-boot", "many"], ("--n-boot",)),
        analyze(["--out", "{folder}/blocker"], ("blocker",), blocker, ("blocker",)),
        analyze(["--out", "{folder}/blocker/sub"], ("blocker",), blocker, ("blocker",)),
        analyze(["--out", "{folder}/full"], ("full",), full, ("full/keep.txt",)),
        analyze(["--out", "{folder}/o", "--format", "nope"], ("nope",)),
        analyze(["--out", "{folder}/o", "--paradigm", "dsp"], ("--paradigm",)),
        analyze(["--out", "{folder}/o", "--first-trials", "-3"], ("--first-trials",)),
        analyze(["--out", "{folder}/o", "--outlier-sd", "nan"], ("--outlier-sd",)),
        analyze(["--out", "{folder}/o", "--anticipation-ms", "inf"], ("--anticipation-ms",)),
        analyze(["--out", "{folder}/o", "--seed", "-1"], ("--seed",)),
        Case(
            "options",
            "analyze nowhere",
            lambda f: ["analyze", str(f / "nowhere"), "--out", str(f / "o")],
            names=("nowhere",),
        ),
    ]


# -- report, compare-brain, ale -------------------------------------------------------------


def report_cases() -> list[Case]:
    def report(
        options: list[str],
        names: tuple[str, ...],
        prepare: Callable[[Path, Path], None] | None = None,
        watch: tuple[str, ...] = (),
        ok: Callable[[Path, str], bool] | None = None,
        label: str = "",
    ) -> Case:
        def setup(folder: Path) -> list[str]:
            root = copy_base("model", folder)
            if prepare:
                prepare(folder, root)
            return ["report", str(root), "--perm", "5", *[o.format(folder=folder) for o in options]]

        return Case(
            "report",
            label or "report " + " ".join(options).replace("{folder}/", ""),
            setup,
            names=names,
            watch=watch,
            ok=ok,
            timeout=300,
        )

    def existing(folder: Path, root: Path) -> None:
        (folder / "old.html").write_text("keep")

    def junk(folder: Path, root: Path) -> None:
        (folder / "junk.nii.gz").write_bytes(b"\x1f\x8b junk")

    def flat(folder: Path, root: Path) -> None:
        import nibabel as nib

        nib.Nifti1Image(np.zeros((4, 4), dtype="float32"), np.eye(4)).to_filename(folder / "flat.nii.gz")

    def no_bold(folder: Path, root: Path) -> None:
        next(root.glob("derivatives/motorseq-model/sub-02/ses-*/*_desc-bold_timeseries.tsv")).unlink()

    def empty_activity(folder: Path, root: Path) -> None:
        next(root.glob("derivatives/motorseq-model/sub-02/ses-*/*_desc-regions_activity.tsv")).write_text("")

    def empty_bold(folder: Path, root: Path) -> None:
        next(root.glob("derivatives/motorseq-model/sub-02/ses-*/*_desc-bold_timeseries.tsv")).write_text("")

    def bad_foci(folder: Path, root: Path) -> None:
        (folder / "foci.txt").write_text(BASES["foci"].read_text().replace("Subjects=16", "Subjects=-5", 1))

    def block(folder: Path, root: Path) -> None:
        (folder / "blocker").write_text("keep")

    def stated(folder: Path, output: str) -> bool:
        page = (folder / "r.html").read_text() if (folder / "r.html").is_file() else ""
        return "leave out 1 model participant(s)" in output and "2 in the brain statistics" in page

    return [
        report(["--out", "{folder}/model/participants.tsv"], ("exists",), watch=("model/participants.tsv",)),
        report(["--out", "{folder}/old.html"], ("exists",), existing, ("old.html",)),
        report(["--out", "{folder}"], ("folder",)),
        report(["--out", "{folder}/blocker/r.html"], ("blocker",), block, ("blocker",)),
        report(["--out", "{folder}/r.html", "--ale", "{folder}/junk.nii.gz"], ("junk.nii.gz",), junk),
        report(["--out", "{folder}/r.html", "--ale", "{folder}/flat.nii.gz"], ("flat.nii.gz",), flat),
        report(["--out", "{folder}/r.html", "--ale", "{folder}/none.nii.gz"], ("none.nii.gz",)),
        report(
            ["--out", "{folder}/r.html", "--foci", "{folder}/foci.txt", "--ale-iters", "2"], ("Subjects",), bad_foci
        ),
        report(["--out", "{folder}/r.html", "--blocks", "0"], ("--blocks",)),
        report(["--out", "{folder}/r.html", "--perm", "0"], ("--perm",)),
        report(["--out", "{folder}/r.html"], (), no_bold, ok=stated, label="report with one BOLD file missing"),
        report(["--out", "{folder}/r.html"], ("activity",), empty_activity, label="report with an empty activity TSV"),
        report(["--out", "{folder}/r.html"], ("bold",), empty_bold, label="report with an empty BOLD TSV"),
        Case(
            "report",
            "report of a missing folder",
            lambda f: ["report", str(f / "nowhere"), "--out", str(f / "r")],
            names=("nowhere",),
        ),
        Case(
            "compare-brain",
            "compare-brain without model runs",
            lambda f: ["compare-brain", str(copy_base("srt", f)), "--out", str(f / "o")],
            names=("srt",),
        ),
        Case(
            "compare-brain",
            "compare-brain --early abc",
            lambda f: ["compare-brain", str(copy_base("model", f)), "--out", str(f / "o"), "--early", "abc"],
            names=("--early",),
        ),
        Case(
            "compare-brain",
            "compare-brain --ale junk",
            lambda f: (
                (f / "junk.nii").write_bytes(b"junk")
                and ["compare-brain", str(copy_base("model", f)), "--out", str(f / "o"), "--ale", str(f / "junk.nii")]
            ),
            names=("junk.nii",),
        ),
    ]


def ale_cases() -> list[Case]:
    def foci(name: str, transform: Callable[[str], str], names: tuple[str, ...], options: tuple = ()) -> Case:
        def setup(folder: Path) -> list[str]:
            path = folder / "foci.txt"
            path.write_text(transform(BASES["foci"].read_text()))
            return ["ale", str(path), "--out", str(folder / "o"), "--iters", "2", *options]

        return Case("ale", f"ale: {name}", setup, names=names, timeout=300)

    return [
        foci("Subjects = -5", lambda t: t.replace("Subjects=16", "Subjects=-5", 1), ("Subjects",)),
        foci("Subjects = 0", lambda t: t.replace("Subjects=16", "Subjects=0", 1), ("Subjects",)),
        foci("Subjects = many", lambda t: t.replace("Subjects=16", "Subjects=many", 1), ("Subjects",)),
        foci("Subjects = 1.5", lambda t: t.replace("Subjects=16", "Subjects=1.5", 1), ("Subjects",)),
        foci("Subjects missing", lambda t: t.replace("// Subjects=16\n", "", 1), ("foci.txt",)),
        foci(
            "NaN coordinate",
            lambda t: t.replace("\n", "\nnan\t1\t2\n", 3).replace("\nnan\t1\t2\n", "\n", 2),
            ("foci.txt",),
        ),
        foci(
            "inf coordinate",
            lambda t: t.replace("\n", "\ninf\t1\t2\n", 4).replace("\ninf\t1\t2\n", "\n", 3),
            ("foci.txt",),
        ),
        foci("coordinate 1e6", lambda t: t + "\n// S9\n// Subjects=3\n1e6 0 0\n", ("foci.txt",)),
        foci("two numbers", lambda t: t + "\n// S9\n// Subjects=3\n1 2\n", ("foci.txt",)),
        foci("no reference line", lambda t: t.replace("//Reference=MNI\n", ""), ("foci.txt",)),
        foci("unknown space", lambda t: t.replace("MNI", "Mars"), ("foci.txt",)),
        foci("empty file", lambda t: "", ("foci.txt",)),
        foci("one experiment", lambda t: "\n".join(t.split("\n")[:7]), ("experiment",)),
        foci("experiment without foci", lambda t: t + "\n// S9\n// Subjects=3\n", ("foci.txt",)),
        foci("--iters 0", lambda t: t, ("--iters",), ("--iters", "0")),
        foci("--alpha 2", lambda t: t, ("alpha",), ("--alpha", "2")),
        foci("--voxel-thresh 0", lambda t: t, ("voxel_thresh",), ("--voxel-thresh", "0")),
        Case(
            "ale",
            "ale: binary file",
            lambda f: (
                (f / "foci.txt").write_bytes(bytes(range(256)))
                and ["ale", str(f / "foci.txt"), "--out", str(f / "o"), "--iters", "2"]
            ),
            names=("foci.txt",),
        ),
        Case(
            "ale",
            "ale: missing file",
            lambda f: ["ale", str(f / "none.txt"), "--out", str(f / "o")],
            names=("none.txt",),
        ),
    ]


# -- protocols and trial lists -------------------------------------------------------------------

_ALIAS_BOMB = (
    "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
)

_MUTATIONS: list[tuple[str, list, object, str]] = [
    ("paradigm unknown", ["paradigm"], "xyz", "paradigm"),
    ("paradigm missing", ["paradigm"], None, "paradigm"),
    ("name with spaces", ["name"], "my protocol", "name"),
    ("name 300 characters", ["name"], "a" * 300, "name"),
    ("name with a slash", ["name"], "a/b", "name"),
    ("title missing", ["title"], None, "title"),
    ("positions one", ["positions"], [{"key": "d"}], "positions"),
    ("position key invalid", ["positions", 0, "key"], "Left Arrow!", "positions"),
    ("duplicate keys", ["positions", 1, "key"], "d", "positions"),
    ("sequence position 9", ["sequences", 0, 0], 9, "sequences"),
    ("sequence a string", ["sequences", 0], "3423", "sequences"),
    ("sequence repeat", ["sequences", 0], [1, 1, 2, 3], "sequences"),
    ("no blocks", ["blocks"], [], "blocks"),
    ("block kind typo", ["blocks", 1, "kind"], "seqence", "blocks"),
    ("block trials 0", ["blocks", 1, "trials"], 0, "blocks"),
    ("block trials text", ["blocks", 1, "trials"], "many", "blocks"),
    ("block trials true", ["blocks", 1, "trials"], True, "blocks"),
    ("block trials 2e9", ["blocks", 1, "trials"], 2_000_000_000, "blocks"),
    ("block repeat -2", ["blocks", 1, "repeat"], -2, "blocks"),
    ("block repeat huge", ["blocks", 1, "repeat"], 10**12, "blocks"),
    ("unknown block field", ["blocks", 1, "trails"], 96, "blocks"),
    ("rule unknown", ["response", "rule"], "any-press", "response"),
    ("rsi negative", ["response", "rsi_ms"], -250, "response"),
    ("rsi inf", ["response", "rsi_ms"], float("inf"), "response"),
    ("rsi nan", ["response", "rsi_ms"], float("nan"), "response"),
    ("timeout 0", ["response", "timeout_ms"], 0, "response"),
    ("timeout text", ["response", "timeout_ms"], "soon", "response"),
    ("response missing", ["response"], None, "response"),
    ("unknown top field", ["colour"], "red", "colour"),
    ("placeholder unknown", ["texts", "welcome"], "Press {nope} to start", "texts"),
    ("placeholder unclosed", ["texts", "welcome"], "Press {keys to start", "texts"),
    ("assignment unknown", ["assignment"], "whatever", "assignment"),
    ("positions not a list", ["positions"], "dfjk", "positions"),
    ("sequences empty", ["sequences"], [], "sequences"),
    ("blocks a mapping", ["blocks"], {"kind": "sequence"}, "blocks"),
    ("breaks every -1", ["breaks", "every_blocks"], -1, "breaks"),
    ("source not a mapping", ["source"], "paper", "source"),
]


def _mutated(path_in: list, value: object) -> str:
    data = yaml.safe_load((REPO / "protocols" / "classroom.yaml").read_text())
    target = data
    for key in path_in[:-1]:
        target = target[key]
    if value is None:
        target.pop(path_in[-1], None)
    else:
        target[path_in[-1]] = value
    return yaml.safe_dump(data, sort_keys=False)


def protocol_cases() -> list[Case]:
    texts: list[tuple[str, str | bytes, str]] = [(n, _mutated(p, v), f) for n, p, v, f in _MUTATIONS]
    texts += [
        ("empty file", "", "bad.yaml"),
        ("not YAML", "name: [unclosed\n", "bad.yaml"),
        ("a YAML list", "- 1\n- 2\n", "bad.yaml"),
        ("binary", bytes(range(256)), "bad.yaml"),
        ("alias bomb", _ALIAS_BOMB, "bad.yaml"),
        ("tabs for indentation", "name: x\n\tparadigm: srt\n", "bad.yaml"),
    ]
    cases = []
    for name, text, field_name in texts:
        for command in ("protocols validate", "protocols show", "trials"):

            def setup(folder: Path, text=text, command=command) -> list[str]:
                path = folder / "bad.yaml"
                if isinstance(text, bytes):
                    path.write_bytes(text)
                else:
                    path.write_text(text)
                if command == "trials":
                    return ["trials", str(path), "--participant", "01"]
                return [*command.split(), str(path)]

            cases.append(Case("protocols", f"{command}: {name}", setup, names=(field_name, "bad.yaml"), timeout=60))
    return cases


def id_cases() -> list[Case]:
    def trials(
        participant: str,
        extra: tuple = (),
        names: tuple[str, ...] = ("participant",),
        prepare: Callable[[Path], None] | None = None,
        watch: tuple[str, ...] = (),
        label: str = "",
    ) -> Case:
        def setup(folder: Path) -> list[str]:
            if prepare:
                prepare(folder)
            return ["trials", "classroom", "--participant", participant, *[e.format(folder=folder) for e in extra]]

        return Case(
            "ids/paths",
            label or f"trials -p {participant[:20]!r} {' '.join(extra)}".replace("{folder}/", ""),
            setup,
            names=names,
            watch=watch,
            timeout=60,
        )

    def existing(folder: Path) -> None:
        (folder / "t.tsv").write_text("keep")

    def dangling(folder: Path) -> None:
        (folder / "link.tsv").symlink_to(folder / "elsewhere" / "target.tsv")

    def blocker(folder: Path) -> None:
        (folder / "blocker").write_text("keep")

    return [
        trials(""),
        trials("a b"),
        trials("../x"),
        trials("sub-01"),
        trials("01\t"),
        trials("01\n02"),
        trials("é1"),
        trials("1" * 5000, label="trials -p <5000 digits>"),
        trials("-1"),
        trials("01", ("--seed", "-1"), ("--seed",)),
        trials("01", ("--seed", "abc"), ("--seed",)),
        trials("01", ("--seed", "1" * 40), ("--seed",)),
        trials("01", ("--out", "{folder}/t.tsv"), ("t.tsv",), existing, ("t.tsv",)),
        trials("01", ("--out", "{folder}/link.tsv"), ("link.tsv",), dangling),
        trials("01", ("--out", "{folder}"), ("--out",)),
        trials("01", ("--out", "{folder}/blocker/t.tsv"), ("blocker",), blocker, ("blocker",)),
        Case("ids/paths", "trials of a missing protocol", lambda f: ["trials", "nope", "-p", "01"], names=("nope",)),
        Case("ids/paths", "protocols show nope", lambda f: ["protocols", "show", "nope"], names=("nope",)),
        Case(
            "ids/paths",
            "protocols validate missing file",
            lambda f: ["protocols", "validate", str(f / "none.yaml")],
            names=("none.yaml",),
        ),
    ]


# -- simulate: --param and --lesion values (must be refused before any simulation) ----------------


def simulate_cases() -> list[Case]:
    def simulate(options: list[str], names: tuple[str, ...]) -> Case:
        def setup(folder: Path) -> list[str]:
            return [
                "simulate",
                "classroom",
                "--participants",
                "1",
                "--out",
                str(folder / "sim"),
                "--workers",
                "1",
                "--quiet",
                "--build-dir",
                str(folder / "build"),
                *options,
            ]

        return Case("simulate", "simulate " + " ".join(options), setup, names=names, timeout=SIMULATE_TIMEOUT_S)

    return [
        simulate(["--param", "tau_ampa_ms=0"], ("tau_ampa_ms",)),
        simulate(["--param", "tau_ampa_ms=-5"], ("tau_ampa_ms",)),
        simulate(["--param", "eta_striatum=inf"], ("eta_striatum",)),
        simulate(["--param", "eta_striatum=1e400"], ("eta_striatum",)),
        simulate(["--param", "threshold_mv=nan"], ("threshold_mv",)),
        simulate(["--param", "tau_ampa_ms=abc"], ("tau_ampa_ms",)),
        simulate(["--param", "nope=1"], ("nope",)),
        simulate(["--param", "noequals"], ("noequals", "--param")),
        simulate(["--param", "=3"], ("--param",)),
        simulate(["--lesion", "dopamine=-1"], ("dopamine",)),
        simulate(["--lesion", "dopamine=2"], ("dopamine",)),
        simulate(["--lesion", "dopamine=nan"], ("dopamine",)),
        simulate(["--lesion", "nope=0.5"], ("nope",)),
        simulate(["--lesion", "dopamine=abc"], ("dopamine",)),
    ]


# -- running and classifying -----------------------------------------------------------------------


def _snapshot(folder: Path, watch: tuple[str, ...]) -> dict[str, str]:
    """Hashes of the watched files and of every file in the copied datasets."""
    paths = [folder / w for w in watch]
    for name in ("srt", "model"):
        if (folder / name).is_dir():
            paths += [p for p in (folder / name).rglob("*") if p.is_file() and not p.name.startswith(".motorseq")]
    out = {}
    for path in paths:
        if path.is_dir():
            out |= {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in path.rglob("*") if p.is_file()}
        elif path.is_file():
            out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def classify(case: Case, folder: Path, rc: int | None, stdout: str, stderr: str, before: dict, after: dict) -> tuple:
    output = stdout + stderr
    changed = [p for p in before if before[p] != after.get(p)]
    if changed:
        return "lost", f"changed or removed: {Path(changed[0]).relative_to(folder)}"
    if rc is None:
        return "wrong", "still running at the time limit (not refused up front)"
    if "Traceback (most recent call last)" in output:
        last = [line for line in output.splitlines() if line.strip()][-1]
        return "traceback", last[:160]
    if rc not in (0, 2):
        last = (_error_lines(output) or ["(no output)"])[-1]
        return "traceback", f"exit {rc}: {last[:150]}"
    if rc == 0:
        if case.ok is not None and case.ok(folder, output):
            return "clean", ""
        return "wrong", "exit 0" + (" without the expected result" if case.ok else " for bad input")
    lines = _error_lines(stderr)
    usage = "Usage:" in stderr
    text = " ".join(lines)
    if case.ok is not None:
        return "wrong", f"refused a valid input: {text[:150]}"
    if not usage and len(lines) != 1:
        return "wrong", f"exit 2 with {len(lines)} error lines: {text[:150]}"
    if case.names and not any(name in text for name in case.names):
        return "wrong", f"exit 2 but does not name {' / '.join(case.names)}: {text[:150]}"
    return "clean", ""


def run_case(case: Case, work: Path, index: int) -> Outcome:
    folder = work / f"case{index:04d}"
    folder.mkdir()
    try:
        args = case.setup(folder)
    except Exception as error:  # noqa: BLE001 - a broken case must not stop the sweep
        return Outcome(case, "setup-failed", None, f"{type(error).__name__}: {error}")
    before = _snapshot(folder, case.watch)
    env = {**os.environ, "COLUMNS": "200", "MOTORSEQ_BUILD_ROOT": str(work / "build")}
    start = time.perf_counter()
    process = subprocess.Popen(
        [MOTORSEQ, *args],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=case.timeout)
        rc = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        rc = None
    seconds = time.perf_counter() - start
    kind, detail = classify(case, folder, rc, stdout, stderr, before, _snapshot(folder, case.watch))
    shutil.rmtree(folder, ignore_errors=True)
    return Outcome(case, kind, rc, detail, seconds)


def all_cases() -> list[Case]:
    return (
        data_cases()
        + format_cases()
        + option_cases()
        + report_cases()
        + ale_cases()
        + protocol_cases()
        + id_cases()
        + simulate_cases()
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="Cases run at once (the machine has 2 cores).")
    parser.add_argument("--only", default=None, help="Only this area (data, formats, options, report, ...).")
    parser.add_argument("--list", action="store_true", help="List the cases and exit.")
    args = parser.parse_args()
    cases = all_cases()
    if args.only:
        cases = [c for c in cases if c.area == args.only]
    if args.list:
        for case in cases:
            print(f"{case.area}: {case.name}")
        print(f"{len(cases)} cases")
        return 0
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="motorseq-sweep-") as tmp:
        work = Path(tmp)
        BASES.update(build_bases(work / "bases"))
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            outcomes = list(pool.map(lambda item: run_case(item[1], work, item[0]), enumerate(cases)))
    elapsed = time.perf_counter() - start
    kinds = ("clean", "traceback", "wrong", "lost", "setup-failed")
    by_area: dict[str, Counter] = defaultdict(Counter)
    for outcome in outcomes:
        by_area[outcome.case.area][outcome.kind] += 1
    total = Counter(o.kind for o in outcomes)
    print(f"bad-input sweep: {len(outcomes)} cases in {elapsed:.0f} s ({args.jobs} at a time), motorseq at {MOTORSEQ}")
    print(f"{'area':<14}{'tried':>7}" + "".join(f"{k:>11}" for k in kinds[:-1]))
    for area, counts in by_area.items():
        print(f"{area:<14}{sum(counts.values()):>7}" + "".join(f"{counts[k]:>11}" for k in kinds[:-1]))
    print(f"{'total':<14}{len(outcomes):>7}" + "".join(f"{total[k]:>11}" for k in kinds[:-1]))
    if total["setup-failed"]:
        print(f"setup failed (cases not run): {total['setup-failed']}")
    print("\nnot clean:")
    for outcome in outcomes:
        if outcome.kind != "clean":
            print(f"  {outcome.kind:<10} {outcome.case.area}: {outcome.case.name}: {outcome.detail}")
    print()
    mine = ("data", "formats", "options", "report", "compare-brain", "ale")
    targets = [
        ("corpus of at least 300 bad inputs", len(outcomes) >= 300, f"{len(outcomes)}"),
        ("no traceback", total["traceback"] == 0, f"{total['traceback']}"),
        ("no wrong result", total["wrong"] == 0, f"{total['wrong']}"),
        ("no lost data", total["lost"] == 0, f"{total['lost']}"),
        (
            "data and analysis areas all clean",
            all(by_area[a]["clean"] == sum(by_area[a].values()) for a in mine if a in by_area),
            ", ".join(f"{a} {by_area[a]['clean']}/{sum(by_area[a].values())}" for a in mine if a in by_area),
        ),
    ]
    for label, met, value in targets:
        print(f"{label}: {value} [target {label}: {'met' if met else 'MISSED'}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
