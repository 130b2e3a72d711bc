"""A YAML loader for protocol files that cannot be made to build huge objects.

``yaml.safe_load`` expands aliases (``*a``) into shared references, so a few lines of anchors
can stand for 10^8 values that validation then walks; deep nesting exhausts the recursion
limit, and a 5000-digit integer raises a plain ``ValueError``. This loader refuses anchors
and aliases, nesting deeper than :data:`MAX_DEPTH` and integers longer than
:data:`MAX_INT_DIGITS`, while the document is composed: before any Python object is built. It
also refuses a mapping key given twice, which ``yaml.safe_load`` resolves silently to the last.
Every refusal is a :class:`yaml.YAMLError` with the line it happened on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import ScalarNode

__all__ = ["load_yaml", "ProtocolLoader", "MAX_FILE_BYTES", "MAX_DEPTH", "MAX_INT_DIGITS"]

#: Largest protocol file read (the bundled ones are 2-4 kB).
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of mappings and lists (a protocol needs 4).
MAX_DEPTH = 20
#: Longest integer literal, in characters.
MAX_INT_DIGITS = 30


class ProtocolLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without anchors, aliases, deep nesting or giant integers."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Compose the next node, refusing anchors, aliases and deep nesting (PyYAML hook)."""
        event = self.peek_event()
        if isinstance(event, AliasEvent) or (isinstance(event, (ScalarEvent, CollectionStartEvent)) and event.anchor):
            raise yaml.composer.ComposerError(
                None,
                None,
                "YAML anchors and aliases (&name, *name) are not allowed in a protocol: write the values out",
                event.start_mark,
            )
        if isinstance(event, CollectionStartEvent):
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    raise yaml.composer.ComposerError(
                        None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark
                    )
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        """Build a mapping, refusing a key given twice (PyYAML keeps the last one silently)."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if isinstance(key_node, ScalarNode):
                    key = key_node.value
                    if key in seen:
                        raise ConstructorError(
                            None,
                            None,
                            f"key '{key}' given twice (first on line {seen[key].line + 1}): keep one",
                            key_node.start_mark,
                        )
                    seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: ScalarNode) -> int:
        """Build an integer, refusing one longer than :data:`MAX_INT_DIGITS` (PyYAML hook)."""
        if len(str(node.value)) > MAX_INT_DIGITS:
            raise ConstructorError(
                None, None, f"integer {str(node.value)[:20]}... is longer than {MAX_INT_DIGITS} digits", node.start_mark
            )
        return super().construct_yaml_int(node)


ProtocolLoader.add_constructor("tag:yaml.org,2002:int", ProtocolLoader.construct_yaml_int)


def load_yaml(text: str) -> Any:
    """Parse one YAML document with :class:`ProtocolLoader`.

    Raises
    ------
    yaml.YAMLError
        Not YAML, or anchors, aliases, deep nesting or a giant integer.
    """
    return yaml.load(text, Loader=ProtocolLoader)


def read_yaml_file(path: Path, kind: str) -> Any:
    """Read a YAML file of at most :data:`MAX_FILE_BYTES` with :func:`load_yaml`.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    kind : str
        What the file should be (``"protocol"``, ``"study"``), for the messages.

    Raises
    ------
    ProtocolError
        One line ``file[:line]: problem`` when the file is too large, unreadable or not YAML.
    """
    from .errors import ProtocolError

    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise ProtocolError(f"{path}: (top level): larger than {MAX_FILE_BYTES // 1000} kB; not a {kind} file")
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProtocolError(f"{path}: cannot be read: {error}") from None
    try:
        return load_yaml(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ProtocolError(" ".join(f"{path}{where}: not valid YAML: {problem}".split())) from None
