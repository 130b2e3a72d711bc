"""Find, load and validate protocol files: bundled ones by name, others by path."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import ProtocolError
from .labels import shown
from .schema import Protocol
from .yaml_loader import read_yaml_file

__all__ = ["load_protocol", "list_protocols", "protocol_path", "protocol_hash", "parse_protocol"]


def _bundled() -> dict[str, Path]:
    folder = resources.files("motorseq.protocols")
    return {Path(entry.name).stem: Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".yaml")}


def list_protocols() -> list[str]:
    """Return the names of the bundled protocols, sorted."""
    return sorted(_bundled())


def protocol_path(name_or_path: str | Path) -> Path:
    """Return the file of a bundled protocol name, or the given path if it is a file.

    Raises
    ------
    ProtocolError
        If it is neither a bundled name nor an existing file.
    """
    bundled = _bundled()
    if str(name_or_path) in bundled:
        return bundled[str(name_or_path)]
    path = Path(name_or_path)
    if path.is_file():
        return path
    raise ProtocolError(
        f"{name_or_path}: no such protocol file or bundled protocol (bundled: {', '.join(sorted(bundled))})"
    )


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _one_line(source: str, error: ValidationError) -> str:
    first = error.errors()[0]
    message = first["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    loc = first["loc"]
    text = f"{source}: {_field(loc)}: {message}"
    if loc and first["type"] not in ("missing",) and "input" in first:
        given = first["input"]
        if not isinstance(given, (dict, list)):
            as_text = repr(given)
            text += f" (got {shown(given) if isinstance(given, str) else as_text[:60]})"
    if not loc and ": " in message:
        text = f"{source}: {message}"
    more = error.error_count() - 1
    if more:
        text += f" [and {more} more problem{'s' if more > 1 else ''}]"
    return " ".join(text.split())


def parse_protocol(data: Any, source: str = "<protocol>") -> Protocol:
    """Validate a protocol given as a mapping (already parsed YAML).

    Parameters
    ----------
    data : object
        The parsed document.
    source : str
        Name used in error messages (usually the file path).

    Returns
    -------
    Protocol
        The validated protocol.
    """
    if not isinstance(data, dict):
        raise ProtocolError(f"{source}: (top level): a protocol is a mapping of fields, got {type(data).__name__}")
    try:
        return Protocol.model_validate(data)
    except ValidationError as error:
        raise ProtocolError(_one_line(source, error)) from None


def load_protocol(name_or_path: str | Path | Protocol) -> Protocol:
    """Load and validate a protocol.

    Parameters
    ----------
    name_or_path : str, Path or Protocol
        A bundled protocol name (see :func:`list_protocols`), a YAML file, or a protocol
        (returned as it is).

    Returns
    -------
    Protocol
        The validated protocol.

    Raises
    ------
    ProtocolError
        With one line ``file: field: problem`` when the file is missing, not YAML, or invalid.
    """
    if isinstance(name_or_path, Protocol):
        return name_or_path
    path = protocol_path(name_or_path)
    data = read_yaml_file(path, "protocol")
    return parse_protocol(data, str(path))


def protocol_hash(protocol: Protocol) -> str:
    """Return the SHA-256 of the protocol's canonical JSON form (stable across key order)."""
    canonical = json.dumps(protocol.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
