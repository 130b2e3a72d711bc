"""The persistent build cache: one compile per machine, safe for concurrent processes.

The lock and rename logic is checked with real processes on a small stand-in project (a
shell script "compiled" by copying, slowly); the CLI test checks that a second real
``motorseq simulate`` takes the compiled network from the cache and does not compile.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from motorseq.models.build_cache import cache_root, fetch_or_build, source_digest

MOTORSEQ = str(Path(sys.executable).with_name("motorseq"))


def _project(folder: Path, body: str = "echo hello") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.cpp").write_text(f"// {body}\n")
    (folder / "makefile").write_text("all: main\n")
    (folder / "static_arrays").mkdir(exist_ok=True)
    (folder / "static_arrays" / "_static_array_x").write_bytes(b"\x01\x02")
    return folder


def _slow_compile(folder: Path, log: Path):
    def compile_project() -> None:
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\n")
        time.sleep(1.0)  # long enough for the other processes to arrive while it compiles
        main = folder / "main"
        main.write_text("#!/bin/sh\n" + (folder / "main.cpp").read_text()[3:])
        main.chmod(0o755)

    return compile_project


def _fetch(args):
    folder, cache, log = (Path(a) for a in args)
    entry = fetch_or_build(folder, _slow_compile(folder, log), label="net-test", root=cache)
    return entry.hit, str(entry.path), (folder / "main").read_bytes()


def test_concurrent_processes_compile_an_entry_once_and_all_use_it(tmp_path):
    cache, log = tmp_path / "cache", tmp_path / "compiles.log"
    args = [(str(_project(tmp_path / f"worker{k}")), str(cache), str(log)) for k in range(4)]
    with mp.get_context("spawn").Pool(4) as pool:
        results = pool.map(_fetch, args)
    assert len(log.read_text().split()) == 1  # one process compiled, three waited for it
    assert sorted(hit for hit, _, _ in results) == [False, True, True, True]
    entries = {path for _, path, _ in results}
    assert len(entries) == 1
    entry = Path(entries.pop())
    assert {binary for _, _, binary in results} == {(entry / "main").read_bytes()}
    assert sorted(p.name for p in entry.iterdir()) == ["info.json", "main"]
    assert not [p for p in cache.iterdir() if p.name.startswith(".tmp")]  # built in a temporary, then renamed
    out = subprocess.run([str(tmp_path / "worker3" / "main")], capture_output=True, text=True, check=True)
    assert out.stdout == "hello\n"


def test_a_make_in_a_folder_cannot_overwrite_the_cached_binary(tmp_path):
    """The binary is copied (a writer in place cannot change the entry) and dated 1970 (make relinks)."""
    cache, log = tmp_path / "cache", tmp_path / "compiles.log"
    first, second = _project(tmp_path / "first"), _project(tmp_path / "second")
    fetch_or_build(first, _slow_compile(first, log), label="net", root=cache)
    entry = fetch_or_build(second, _slow_compile(second, log), label="net", root=cache)
    assert entry.hit and not (second / "main").is_symlink()
    assert (second / "main").stat().st_mtime == 0  # older than any object: make relinks
    with open(second / "main", "w") as f:  # what a linker of another code version would do
        f.write("#!/bin/sh\necho other\n")
    assert (entry.path / "main").read_text() == "#!/bin/sh\necho hello\n"


def test_other_sources_or_compiler_make_a_new_entry_and_the_same_sources_a_hit(tmp_path):
    cache, log = tmp_path / "cache", tmp_path / "compiles.log"
    a = _project(tmp_path / "a")
    first = fetch_or_build(a, _slow_compile(a, log), label="net", extra_key="gcc 12", root=cache)
    same = _project(tmp_path / "elsewhere")  # same code in another folder: the folder is not in the key
    again = fetch_or_build(same, _slow_compile(same, log), label="net", extra_key="gcc 12", root=cache)
    other_compiler = fetch_or_build(same, _slow_compile(same, log), label="net", extra_key="gcc 13", root=cache)
    b = _project(tmp_path / "b", body="echo changed")
    changed = fetch_or_build(b, _slow_compile(b, log), label="net", extra_key="gcc 12", root=cache)
    assert (first.hit, again.hit, other_compiler.hit, changed.hit) == (False, True, False, False)
    assert first.path == again.path
    assert len({first.path, other_compiler.path, changed.path}) == 3
    assert len(log.read_text().split()) == 3
    assert first.compile_s >= 1.0 and again.compile_s == 0.0


def test_data_files_and_build_products_are_not_part_of_the_key(tmp_path):
    folder = _project(tmp_path / "p")
    before = source_digest(folder)
    (folder / "results").mkdir()
    (folder / "results" / "_array_neurons_v_123").write_bytes(b"\x00" * 8)
    (folder / "static_arrays" / "init_neurons_v_abc.dat").write_bytes(b"\x00" * 8)
    (folder / "static_arrays" / "_static_array_left_by_an_older_build").write_bytes(b"\x03")
    (folder / "main.o").write_bytes(b"\x7fELF")
    assert source_digest(folder) == before
    (folder / "code_objects").mkdir()
    (folder / "code_objects" / "neurons_stateupdater_codeobject.cpp").write_text("// v += dt\n")
    assert source_digest(folder) != before


def test_cache_folder_is_under_the_build_root_or_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("MOTORSEQ_BUILD_ROOT", str(tmp_path / "root"))
    assert cache_root() == (tmp_path / "root").resolve() / "cache"
    monkeypatch.delenv("MOTORSEQ_BUILD_ROOT")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert cache_root() == tmp_path / "xdg" / "motorseq" / "builds"


def _entry_named_in(stderr: str) -> Path:
    match = re.search(r"network: (?:cached build (\S+) \(no compile\)|compiled in \d+ s, cached in (\S+))", stderr)
    assert match, stderr
    return Path(match.group(1) or match.group(2))


def test_a_second_simulate_takes_the_network_from_the_cache_without_compiling(tmp_path):
    # the cache of this machine (the one the other model tests use): the first run compiles
    # only if nothing did before
    base = ["simulate", "srt-classic", "--participants", "1", "--workers", "1", "--max-blocks", "1"]
    base += ["--max-trials-per-block", "4"]
    first = subprocess.run([MOTORSEQ, *base, "--out", str(tmp_path / "a")], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    entry = _entry_named_in(first.stderr)
    assert (entry / "main").is_file() and entry.parent == cache_root()
    stamp = (entry / "main").stat().st_mtime_ns
    entries = sorted(entry.parent.iterdir())
    second = subprocess.run([MOTORSEQ, *base, "--out", str(tmp_path / "b")], capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert f"network: cached build {entry} (no compile)" in second.stderr
    assert "compiled in" not in second.stderr
    assert sorted(entry.parent.iterdir()) == entries
    assert (entry / "main").stat().st_mtime_ns == stamp
