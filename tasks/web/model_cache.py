"""The spiking model's curve for a class: simulated once in a separate process, then read from a cache.

The server never runs Brian2: ``serve --class --model N`` starts ``python -m
motorseq.tasks.web.model_cache`` at low priority, which simulates N model participants on the
class's protocol (``motorseq simulate``), pools their block curve exactly as the class's is
pooled, and writes it to ``<cache>/model-curve-<protocol hash>.json``. The teacher's page shows
it as soon as the file is there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from motorseq.protocols import Protocol, protocol_hash

__all__ = ["cache_dir", "cached_curve", "start_model_curve"]


def cache_dir() -> Path:
    """``$MOTORSEQ_BUILD_ROOT/model-curves`` or ``~/.cache/motorseq/model-curves``."""
    root = os.environ.get("MOTORSEQ_BUILD_ROOT")
    base = Path(root) if root else Path.home() / ".cache" / "motorseq"
    return base / "model-curves"


def _path(protocol: Protocol) -> Path:
    return cache_dir() / f"model-curve-{protocol_hash(protocol)[:16]}.json"


def cached_curve(protocol: Protocol) -> list[dict[str, Any]] | None:
    """Return the cached model curve of ``protocol`` (``None`` if there is none yet)."""
    path = _path(protocol)
    try:
        return json.loads(path.read_text(encoding="utf-8"))["curve"]
    except (OSError, ValueError, KeyError):
        return None


def start_model_curve(protocol: Protocol, participants: int) -> subprocess.Popen | None:
    """Start simulating the model's curve in a niced child process (``None`` if it is cached)."""
    if cached_curve(protocol) is not None:
        return None
    cache_dir().mkdir(parents=True, exist_ok=True)
    spec = _path(protocol).with_suffix(".protocol.json")
    spec.write_text(json.dumps(protocol.model_dump(mode="json", by_alias=True)), encoding="utf-8")
    command = [sys.executable, "-m", "motorseq.tasks.web.model_cache", str(spec), str(participants)]
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=lambda: os.nice(10)
    )


def _build(spec: Path, participants: int) -> None:
    import yaml
    from motorseq.analysis.loaders import load_dataset
    from motorseq.protocols import parse_protocol

    from .classroom import class_figures

    protocol = parse_protocol(json.loads(spec.read_text(encoding="utf-8")), str(spec))
    with tempfile.TemporaryDirectory(prefix="motorseq-model-curve-") as folder:
        yaml_path = Path(folder) / f"{protocol.name}.yaml"
        yaml_path.write_text(yaml.safe_dump(protocol.model_dump(mode="json", by_alias=True)), encoding="utf-8")
        out = Path(folder) / "data"
        command = [sys.executable, "-m", "motorseq.protocols", "simulate", str(yaml_path), "--out", str(out)]
        command += ["--participants", str(participants), "--workers", "1", "--quiet"]
        subprocess.run(command, check=True, capture_output=True)
        trials = load_dataset([out]).trials
        listed = dict(zip(*_kinds(protocol), strict=True))
        figures = class_figures(trials[["participant", "block", "rt_ms", "correct"]], listed)
    _path(protocol).write_text(json.dumps({"curve": figures["curve"], "participants": participants}), encoding="utf-8")


def _kinds(protocol: Protocol) -> tuple[list[int], list[str]]:
    blocks, kinds = [], []
    number = 0
    for block in protocol.blocks:
        for _ in range(block.repeat):
            number += 1
            blocks.append(number)
            kinds.append(block.kind)
    return blocks, kinds


if __name__ == "__main__":
    _build(Path(sys.argv[1]), int(sys.argv[2]))
