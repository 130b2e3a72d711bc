"""Cheaper generated code for the synapses' spike events, with bit-identical results.

Two patches of Brian2's generated C++ code objects (applied by :mod:`.engine` after code
generation, before the build), each a rewrite whose every result is the same double:

* :func:`remember_exp`: the event-driven traces decay on each spike by
  ``exp(-(t - lastupdate)/tau)``, a scalar ``exp`` per synapse and spike (8 % of the binary's
  time). Its argument takes few distinct values (``t - lastupdate`` is a whole number of
  steps, ``tau`` is shared), so each code object remembers the results of recent arguments
  in a small table (direct-mapped by a hash of the argument's bits) and calls ``exp`` only
  for an argument not stored. ``exp`` is a pure function: the stored result of the exact same
  argument is the result of the call.
* :func:`select_target`: a fixed synapse adds its weight to one conductance chosen by its
  ``kind``, written as six updates ``x_post += w*int(kind == k)`` (five of them adding zero),
  each with a load and a store of the target neuron's variable. Rewritten as one conditional
  store per variable (``if (kind == k) x[post] = x_post + w``): ``x + w*1`` is ``x + w`` and
  ``x + w*0`` is ``x``, except a zero's sign (``-0.0 + 0.0`` is ``+0.0``), which the build
  ignores anyway (``-ffast-math`` implies ``-fno-signed-zeros``).

Each patch leaves a file alone when it does not find exactly the code it expects (another
Brian2 version); an unchanged result keeps its old time stamp (``make`` reuses its object).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

__all__ = ["EXP_CODE_OBJECTS", "SELECT_CODE_OBJECTS", "patch_source", "remember_exp", "select_target"]

#: Code objects whose spike events decay event-driven traces with ``exp``.
EXP_CODE_OBJECTS = tuple(
    f"{name}_codeobject.cpp"
    for name in (
        "corticostriatal_pre", "corticostriatal_post", "transition_pre", "transition_post",
        "visuomotor_pre", "visuomotor_post", "salience_pre",
    )
)  # fmt: skip
#: Code objects whose spike events choose their target variable by a synapse's ``kind``.
SELECT_CODE_OBJECTS = ("fixed_pre_codeobject.cpp",)

_MEMO_BITS = 10  # 1024 remembered arguments (16 kB) per code object
_MEMO = f"""
#include <cstdint>
#include <cstring>
namespace {{
// motorseq: exp of recent arguments, remembered (direct-mapped by the argument's bits); the
// table starts with exp(0) = 1 in every slot, so it needs no "empty" marker
struct _MotorseqExpMemo {{
    double arg[{1 << _MEMO_BITS}];
    double val[{1 << _MEMO_BITS}];
    _MotorseqExpMemo() {{ for (int k = 0; k < {1 << _MEMO_BITS}; k++) {{ arg[k] = 0.0; val[k] = 1.0; }} }}
}};
_MotorseqExpMemo _motorseq_exp_memo;
// not inlined, and declared const (its result depends on its argument only): the code around
// its call is compiled as around a call of exp, so -ffast-math reassociates it the same way
__attribute__((noinline, const)) double _motorseq_exp(const double x) {{
    uint64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    const uint64_t k = (bits * UINT64_C(0x9E3779B97F4A7C15)) >> {64 - _MEMO_BITS};
    if (_motorseq_exp_memo.arg[k] == x) return _motorseq_exp_memo.val[k];
    const double y = exp(x);
    _motorseq_exp_memo.arg[k] = x;
    _motorseq_exp_memo.val[k] = y;
    return y;
}}
}}
"""
_EXP_CALL = re.compile(r"(?<![\w.:])exp\(")
_SPIKE_LOOP = "_spiking_synapse_idx++)"


def remember_exp(text: str) -> str:
    """Route the ``exp`` calls of a code object's spike loop through a table of recent results.

    Returns ``text`` unchanged unless it has one spike loop, every ``exp`` call of the file is
    in it, and it has no such table yet.
    """
    head, loop, body = text.partition(_SPIKE_LOOP)
    if not loop or _SPIKE_LOOP in body or _EXP_CALL.search(head) or not _EXP_CALL.search(body):
        return text
    if "_motorseq_exp" in text:
        return text
    lines = head.splitlines(keepends=True)
    last = max((k for k, line in enumerate(lines) if line.startswith("#include")), default=None)
    if last is None:
        return text
    head = "".join([*lines[: last + 1], _MEMO, *lines[last + 1 :]])
    return head + loop + _EXP_CALL.sub("_motorseq_exp(", body)


_UPDATE = re.compile(r"^(\s*)(\w+_post) \+= w \* int_\((kind [<=]= \d+)\);\n", re.M)


def select_target(text: str) -> str:
    """Make a fixed synapse's event store only the variable its ``kind`` selects.

    Each ``x_post += w * int_(kind == k);`` with its store ``_ptr_array_..[_postsynaptic_idx]
    = x_post;`` (and no other use of ``x_post`` but its load) becomes one conditional store.
    Returns ``text`` unchanged when any update lacks exactly that shape.
    """
    head, loop, body = text.partition(_SPIKE_LOOP)
    updates = _UPDATE.findall(body)
    if not loop or not updates:
        return text
    for indent, name, condition in updates:
        store = re.compile(rf"^\s*(_ptr_array_\w+)\[_postsynaptic_idx\] = {name};\n", re.M)
        stores = store.findall(body)
        uses = re.findall(rf"\b{name}\b", body)
        if len(stores) != 1 or len(uses) != 3:  # its load, update and store
            return text
        body = store.sub("", body, count=1)
        line = f"{indent}{name} += w * int_({condition});\n"
        body = body.replace(line, f"{indent}if ({condition}) {stores[0]}[_postsynaptic_idx] = {name} + w;\n", 1)
    return head + loop + body


def patch_source(source: Path, patch: Callable[[str], str], before: tuple[str, os.stat_result] | None) -> None:
    """Apply ``patch`` (text to text) to a generated source; an unchanged result keeps its old time stamp."""
    if not source.is_file():
        return
    text = source.read_text()
    patched = patch(text)
    if patched != text:
        source.write_text(patched)
    if before is not None and patched == before[0]:
        os.utime(source, ns=(before[1].st_atime_ns, before[1].st_mtime_ns))
