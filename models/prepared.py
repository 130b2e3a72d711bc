"""Start a compiled network without building it again: the prepared-build cache.

A Brian2 standalone project is a compiled binary, the data files it reads at start
(``static_arrays``: connectivity, delays, initial values) and the names under which it reads
run arguments and writes its results. Once a structure has been built and compiled, these
three are stored together as a *prepared build* in the build cache (next to the compiled
binaries of :mod:`.build_cache`), and every later process runs the binary directly: it
writes the run arguments as Brian2 would (``group.var=value`` or a file in
``static_arrays``), starts ``./main`` and reads the result files with NumPy. No Brian2 object
is built and no code is generated, which is where a cached start used to spend its time.

The entry is keyed by a *structure hash* computed without Brian2: the source text of the
modules that generate the code and data (:data:`STRUCTURE_MODULES`), the structure's
arguments (channels, population sizes, time step, trial buffer, spike recording, noise
kind), the Brian2 version, the compiler (its ``--version`` text), the compiler flags and the
machine's CPU features. Any edit of those modules therefore makes a new entry, built once by
the ordinary Brian2 path. An entry is written into a temporary folder that is renamed into
place (a reader sees a complete entry or none), so concurrent processes are safe: two that
miss at once both build (the compile itself is shared through :mod:`.build_cache`'s lock) and
the second rename is dropped.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .units import require_dimension

__all__ = ["STRUCTURE_MODULES", "Prepared", "structure_key", "find", "store", "manifest_of"]

#: Modules (file names in this package) whose source determines the generated code and data.
STRUCTURE_MODULES = (
    "network.py", "noise.py", "layout.py", "engine.py", "event_code.py", "build_cache.py", "prepared.py",
)  # fmt: skip

_MANIFEST = "manifest.json"
_KEEP_ARRAY = "_static_array_"  # static_arrays files written by the build (not run arguments)


def structure_key(parts: Sequence[Any]) -> str:
    """Return the hex digest of ``parts`` (a ``repr``-able description) and the structure modules."""
    digest = hashlib.sha256(repr(tuple(parts)).encode())
    here = Path(__file__).resolve().parent
    for name in STRUCTURE_MODULES:
        digest.update(b"\0" + name.encode() + b"\0" + (here / name).read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Prepared:
    """A prepared build: where it is and what its binary reads and writes.

    Attributes
    ----------
    path : pathlib.Path
        The entry's folder (``main``, ``static_arrays/``, ``manifest.json``).
    manifest : dict
        ``variables`` (``"group.var"`` -> dtype, size, dynamic), ``timed_arrays`` (name ->
        dtype, size) and ``results`` (``"group.var"`` -> result file, dtype, columns).
    """

    path: Path
    manifest: dict

    def install(self, project_dir: Path) -> None:
        """Put the binary and its data files into ``project_dir`` (skipped when already there)."""
        from .build_cache import _install

        project_dir.mkdir(parents=True, exist_ok=True)
        marker = project_dir / "prepared.key"
        key = self.manifest["key"]
        if marker.is_file() and marker.read_text() == key and (project_dir / "main").is_file():
            return
        marker.unlink(missing_ok=True)
        arrays = project_dir / "static_arrays"
        shutil.rmtree(arrays, ignore_errors=True)
        shutil.copytree(self.path / "static_arrays", arrays)
        (project_dir / "results").mkdir(exist_ok=True)
        _install(self.path / "main", project_dir / "main")
        marker.write_text(key)

    def run(self, project_dir: Path, values: dict[str, Any], command: list[str]) -> dict[str, np.ndarray]:
        """Run the binary in ``project_dir`` with run-time ``values``; return every result array.

        ``values`` maps ``"group.var"`` and the trial-list names (TimedArrays) to values in SI
        units (plain arrays or Brian2 quantities). Raises :class:`RuntimeError` when the binary fails.
        """
        args, written = [], []
        arrays = project_dir / "static_arrays"
        try:
            for name, value in values.items():
                arg, fname = self._run_arg(name, value, arrays)
                args.append(arg)
                if fname is not None:
                    written.append(fname)
            results = project_dir / "results"
            results.mkdir(exist_ok=True)
            with open(results / "stdout.txt", "w") as out:
                code = subprocess.call(
                    [*command, "--results_dir", str(results) + os.sep, *args], cwd=project_dir, stdout=out
                )
            if code:
                raise RuntimeError(f"Project run failed (project directory: {project_dir}, exit code {code})")
        finally:
            for fname in written:
                fname.unlink(missing_ok=True)
        return self.read_results(project_dir)

    def _run_arg(self, name: str, value: Any, arrays: Path) -> tuple[str, Path | None]:
        timed = self.manifest["timed_arrays"].get(name)
        spec = timed or self.manifest["variables"].get(name)
        if spec is None:
            raise KeyError(f"run-time value {name!r}: no such variable in the compiled network")
        if "dim" in spec:  # a quantity of the variable's dimension (a bare number is dimensionless)
            from brian2.units.fundamentalunits import get_or_create_dimension

            require_dimension(name, value, get_or_create_dimension(tuple(spec["dim"])))
        data = np.asarray(value, dtype=spec["dtype"])
        if data.ndim != 1 and data.size != 1:
            raise TypeError(f"run-time value {name!r}: shape {data.shape}, expected one dimension")
        arg_name = f"{name}.values" if timed else name
        if data.size == 1:
            return f"{arg_name}={data.item()!r}", None
        if not spec["dynamic"] and data.size != spec["size"]:
            raise TypeError(f"run-time value {name!r}: {data.size} values, expected {spec['size']}")
        group = name if timed else name.replace(".", "_")
        fname = arrays / f"init_{group}_{hashlib.md5(data.data).hexdigest()}.{os.getpid()}.dat"
        data.tofile(fname)
        return f"{arg_name}=static_arrays/{fname.name}", fname

    def read_results(self, project_dir: Path) -> dict[str, np.ndarray]:
        """Read every result array named in the manifest from ``project_dir/results``."""
        out = {}
        for name, spec in self.manifest["results"].items():
            data = np.fromfile(project_dir / "results" / spec["file"], dtype=spec["dtype"])
            columns = spec.get("columns")
            out[name] = data.reshape(-1, columns) if columns else data
        return out


def find(cache: Path, key: str) -> Prepared | None:
    """Return the prepared build of ``key`` in ``cache``, or None."""
    path = cache / f"prepared-{key[:24]}"
    with contextlib.suppress(OSError, ValueError):
        manifest = json.loads((path / _MANIFEST).read_text())
        if manifest.get("key") == key and (path / "main").is_file():
            return Prepared(path, manifest)
    return None


def store(cache: Path, key: str, project_dir: Path, manifest: dict) -> Prepared:
    """Store a built and compiled project as the prepared build of ``key`` (atomically)."""
    path = cache / f"prepared-{key[:24]}"
    manifest = {**manifest, "key": key}
    tmp = cache / f".tmp-prepared-{key[:24]}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "static_arrays").mkdir(parents=True)
    for source in (project_dir / "static_arrays").iterdir():
        if source.name.startswith(_KEEP_ARRAY):
            shutil.copy2(source, tmp / "static_arrays" / source.name)
    shutil.copy2(project_dir / "main", tmp / "main")
    (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    try:
        os.rename(tmp, path)
    except OSError:  # another process stored it first (or a stale entry): keep that one
        shutil.rmtree(tmp, ignore_errors=True)
        found = find(cache, key)
        if found is not None:
            return found
        shutil.rmtree(path, ignore_errors=True)
        return store(cache, key, project_dir, manifest)
    return Prepared(path, manifest)


def manifest_of(device: Any, objects: dict[str, Any], timed_arrays: Sequence[Any], results: dict[str, Any]) -> dict:
    """Describe a built Brian2 standalone project for :class:`Prepared`.

    Parameters
    ----------
    device : brian2 CPPStandaloneDevice
        The device the network was built with.
    objects : dict
        Groups whose variables can be set at run time, by name.
    timed_arrays : sequence of TimedArray
        Trial lists replaced at run time.
    results : dict
        ``"name" -> Brian2 ArrayVariable`` of everything read after a run.
    """
    from brian2.core.variables import ArrayVariable, DynamicArrayVariable

    variables = {}
    for group_name, group in objects.items():
        for var_name, var in group.variables.items():
            if isinstance(var, ArrayVariable) and var.owner is not None and var.owner.name == group_name:
                variables[f"{group_name}.{var_name}"] = {
                    "dtype": np.dtype(var.dtype).str,
                    "size": var.size if isinstance(var.size, int) else -1,
                    "dynamic": isinstance(var, DynamicArrayVariable),
                    "dim": list(var.dim._dims),
                }
    timed = {
        t.name: {
            "dtype": np.dtype(t.values.dtype).str,
            "size": int(t.values.size),
            "dynamic": False,
            "dim": list(t.dim._dims),
        }
        for t in timed_arrays
    }
    out = {}
    for name, var in results.items():
        spec = {"file": device.get_array_filename(var), "dtype": np.dtype(var.dtype).str}
        if isinstance(var.size, tuple):
            spec["columns"] = int(var.size[1])
        out[name] = spec
    return {"variables": variables, "timed_arrays": timed, "results": out}
