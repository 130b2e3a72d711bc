"""Compile once per machine: a persistent cache of the model's compiled C++ binaries.

Every process still generates the network's C++ code in its own folder (cheap, ~2 s), but
the compiled binary comes from a cache shared by every process and command of the user:

* the cache lives in ``$MOTORSEQ_BUILD_ROOT/cache`` when that variable is set, otherwise in
  the user's cache folder (``$XDG_CACHE_HOME/motorseq/builds``, ``~/.cache/motorseq/builds``;
  ``~/Library/Caches`` on macOS);
* an entry is keyed by the digest of the generated code itself (every source file and the
  makefile: the network structure as compiled), the Brian2 version, the compiler (its
  ``--version`` text) and the compiler flags, so a change of any of these, including an
  edit of the equations, makes a new entry instead of reusing a stale binary. The static
  arrays (connectivity, initial values) are data the binary reads from its run folder at
  start, not part of it: they are left out, so files left over in a folder by an older
  build do not change the key;
* a missing entry is compiled by one process while the others wait on a file lock
  (``<entry>.lock``); the binary is copied into a temporary folder next to the entry, which
  is then renamed into place, so a reader sees a complete entry or none.

A process whose generated code hashes to an existing entry copies the cached binary into its
folder and does not compile (:attr:`CacheEntry.hit`).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CacheEntry", "cache_root", "compiler_id", "source_digest", "fetch_or_build"]

#: Environment variable of the folder under which build folders (and the cache) live.
BUILD_ROOT_ENV = "MOTORSEQ_BUILD_ROOT"

#: Files of a generated Brian2 standalone project that determine the compiled binary.
_SOURCE_SUFFIXES = (".cpp", ".h", ".hpp", ".pxd", ".c")
_SOURCE_NAMES = ("makefile", "win_makefile", "sourcefiles.txt")


def cache_root() -> Path:
    """Return the folder of the build cache.

    ``$MOTORSEQ_BUILD_ROOT/cache`` when the variable is set; otherwise ``motorseq/builds`` in
    the user's cache folder (``$XDG_CACHE_HOME``, else ``~/.cache``; ``~/Library/Caches`` on
    macOS; ``%LOCALAPPDATA%`` on Windows).
    """
    env = os.environ.get(BUILD_ROOT_ENV)
    if env:
        return Path(env).expanduser().resolve() / "cache"
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "motorseq" / "builds"


@functools.lru_cache(maxsize=8)
def compiler_id(compiler: str = "") -> str:
    """Return the first line of ``<compiler> --version`` (``c++`` or ``$CXX`` by default)."""
    cmd = compiler or os.environ.get("CXX") or "c++"
    try:
        out = subprocess.run([cmd, "--version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return f"{cmd} (unknown version)"
    first = (out.stdout or out.stderr).strip().splitlines()
    return first[0] if first else f"{cmd} (unknown version)"


def source_digest(project_dir: str | os.PathLike) -> str:
    """Return the SHA-256 of a generated project's sources and makefile.

    Files are taken in sorted order of their path relative to ``project_dir``; build
    products (objects, the binary), results and data files (``static_arrays``, read by the
    binary at start) are not included.
    """
    root = Path(project_dir)
    digest = hashlib.sha256()
    files = []
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if not path.is_file() or rel.startswith(("results/", "static_arrays/")):
            continue
        if path.suffix in _SOURCE_SUFFIXES or path.name in _SOURCE_NAMES:
            files.append(rel)
    for rel in sorted(files):
        digest.update(rel.encode() + b"\0")
        digest.update((root / rel).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    """A compiled binary in the cache, and how this process got it.

    Attributes
    ----------
    path : pathlib.Path
        The entry's folder (holds ``main`` and ``info.json``).
    key : str
        The entry's key (hex digest).
    hit : bool
        True when the binary was already compiled (this process did not compile).
    compile_s : float
        Seconds this process spent compiling (0 on a hit).
    waited_s : float
        Seconds spent waiting for another process compiling the same entry.
    """

    path: Path
    key: str
    hit: bool
    compile_s: float = 0.0
    waited_s: float = 0.0

    @property
    def binary(self) -> Path:
        """The compiled binary."""
        return self.path / "main"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[float]:
    """Hold an exclusive lock on ``path`` (created if missing); yields the seconds waited."""
    start = time.perf_counter()
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield time.perf_counter() - start
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _install(binary: Path, target: Path) -> None:
    """Copy ``binary`` to ``target`` (replaced atomically), dated 1970.

    A copy dated 1970, not a link: a ``make`` run later in the folder (by another version of
    the code sharing the build root) would take a linked binary, newer than the folder's own
    objects, as up to date and run it with its own data; with the old date it relinks its
    objects. A hard link would also let a writer in place (a linker that truncates its
    output) change the cache entry.
    """
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    shutil.copyfile(binary, tmp)
    tmp.chmod(0o755)
    os.utime(tmp, (0, 0))
    os.replace(tmp, target)


def fetch_or_build(
    project_dir: str | os.PathLike,
    compile_project: Callable[[], None],
    *,
    label: str = "net",
    extra_key: str = "",
    root: str | os.PathLike | None = None,
) -> CacheEntry:
    """Copy the cached binary of a generated project into it, compiling it first if needed.

    Parameters
    ----------
    project_dir : path
        A generated standalone project (sources written, not necessarily compiled).
    compile_project : callable
        Compiles ``project_dir`` into ``project_dir/main``; called at most once across all
        processes for one key (under the entry's lock).
    label : str
        Readable prefix of the entry's folder name (e.g. the structure hash).
    extra_key : str
        Anything else the binary depends on (Brian2 version, compiler, flags).
    root : path, optional
        Cache folder; :func:`cache_root` when omitted.

    Returns
    -------
    CacheEntry
    """
    project = Path(project_dir)
    cache = Path(root) if root is not None else cache_root()
    cache.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256((source_digest(project) + "\0" + extra_key).encode()).hexdigest()
    entry = cache / f"{label}-{key[:20]}"
    target = project / "main"
    if (entry / "main").is_file():
        _install(entry / "main", target)
        return CacheEntry(entry, key, hit=True)
    with _locked(cache / f"{entry.name}.lock") as waited:
        if (entry / "main").is_file():  # another process compiled it while we waited
            _install(entry / "main", target)
            return CacheEntry(entry, key, hit=True, waited_s=waited)
        target.unlink(missing_ok=True)  # maybe a cached binary of other sources: make must relink
        start = time.perf_counter()
        compile_project()
        compile_s = time.perf_counter() - start
        tmp = cache / f".tmp-{entry.name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        shutil.copy2(target, tmp / "main")
        info = {"key": key, "label": label, "extra_key": extra_key, "compile_s": round(compile_s, 3),
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # fmt: skip
        (tmp / "info.json").write_text(json.dumps(info, indent=1) + "\n")
        if entry.exists():  # an incomplete entry (its binary was removed by hand)
            shutil.rmtree(entry)
        os.rename(tmp, entry)
    _install(entry / "main", target)
    return CacheEntry(entry, key, hit=False, compile_s=compile_s, waited_s=waited)
