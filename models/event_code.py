"""Cheaper generated code for spike events, thresholds and meters, with bit-identical results.

Five patches of Brian2's generated C++ project (applied by :mod:`.engine` after code
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
* :func:`cheaper_slot`: Brian2's spike queue puts each synapse of a spiking neuron with a
  heterogeneous delay (the fixed synapses) into the slot ``(offset + delay) % size``, an
  integer division per synapse (10 % of the binary's time with the push). The slot is now
  computed as ``offset + delay`` and divided only when it reaches ``size``: the same integer
  for every input (``offset`` and ``delay`` are below ``size``), synapses in the same order.
* :func:`skip_quiet_blocks`: the spike threshold tests every neuron in a scalar loop with a
  branch per neuron (7 % of the binary's time for 712 neurons, ~9 of which spike per step).
  The loop now first tests 8 neurons at once (``v > v_th`` of each, or-ed, no branch) and
  runs the original body only for a block where one of them is above threshold: a skipped
  block is one where the original body would have found no spike.
* :func:`sum_in_register`: the regional meters sum every neuron's count into its region
  (a summed variable, every 10 ms) through memory, each addition waiting for the previous
  one's store. The running sum of a region now stays in a register while consecutive
  synapses have the same target (written back when the target changes, reloaded when it
  comes back): the same additions in the same order.

Each patch leaves a file alone when it does not find exactly the code it expects (another
Brian2 version); :func:`apply` patches a generated project.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "EXP_CODE_OBJECTS", "SELECT_CODE_OBJECTS", "SPIKE_QUEUE", "SUM_CODE_OBJECTS", "THRESHOLD_CODE_OBJECTS", "apply",
    "cheaper_slot", "generated_source", "patches", "remember_exp", "select_target", "skip_quiet_blocks", "snapshot",
    "sum_in_register",
]  # fmt: skip

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
#: Code objects of the spike thresholds ``v > v_th`` of refractory neuron groups.
THRESHOLD_CODE_OBJECTS = ("neurons_spike_thresholder_codeobject.cpp", "timer_spike_thresholder_codeobject.cpp")
#: Code objects of the regional meters' summed variables.
SUM_CODE_OBJECTS = (
    "metering_summed_variable_spk_post_codeobject.cpp", "metering_summed_variable_syn_tot_post_codeobject.cpp",
)  # fmt: skip
#: Brian2's spike queue (a header of the project's copy of brianlib).
SPIKE_QUEUE = "brianlib/spikequeue.h"

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


_UPDATE = re.compile(r"^( *)(\w+_post) \+= w \* int_\((kind [<=]= \d+)\);\n", re.M)


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


_SLOT = "queue[(offset+delay)%queue.size()].push_back(synaptic_index);"
_CHEAPER_SLOT = (
    "size_t _motorseq_slot = offset+delay;  // motorseq: divide only past the end (same slot)\n"
    "{indent}if (_motorseq_slot >= queue.size()) _motorseq_slot %= queue.size();\n"
    "{indent}queue[_motorseq_slot].push_back(synaptic_index);"
)


def cheaper_slot(text: str) -> str:
    """Compute the spike queue's slot of a delayed synapse without a division (same slot).

    ``offset + delay`` is converted to ``size_t`` as in the original expression, and taken
    modulo ``queue.size()`` only when it is not already below it, so every input gives the
    original's slot. Returns ``text`` unchanged unless it has exactly one such line.
    """
    if text.count(_SLOT) != 1:
        return text
    start = text.index(_SLOT)
    indent = text[text.rindex("\n", 0, start) + 1 : start]
    return text.replace(_SLOT, _CHEAPER_SLOT.format(indent=indent))


_THRESHOLD_HEAD = "\n    for(size_t _idx=0; _idx<N; _idx++)\n    {\n"
_THRESHOLD_TAIL = "\n    }\n"
_THRESHOLD_COND = re.compile(r"^\s*_cond = \((\w+) > (\w+)\) && (?:true|false);$", re.M)
_BLOCK = 8


def skip_quiet_blocks(text: str) -> str:
    """Test a refractory group's threshold ``v > v_th`` 8 elements at a time before the loop body.

    Returns ``text`` unchanged unless it has exactly the threshold loop Brian2 generates for a
    group with refractoriness and the condition ``v > v_th`` (a scalar threshold).
    """
    if text.count(_THRESHOLD_HEAD) != 1 or "_motorseq_any" in text:
        return text
    start = text.index(_THRESHOLD_HEAD)
    end = text.index(_THRESHOLD_TAIL, start)
    body = text[start + len(_THRESHOLD_HEAD) : end + 1]
    conditions = _THRESHOLD_COND.findall(body)  # both branches: the same "v > th"
    if len(conditions) != 2 or len(set(conditions)) != 1 or body.count("_cond =") != 2:
        return text
    if "if(!not_refractory)" not in body:
        return text
    v, th = conditions[0]
    load = re.search(rf"^\s*const double {v} = (_ptr_array_\w+)\[_idx\];$", body, re.M)
    if load is None or not re.search(rf"^\s*const double {th} = _ptr_array_\w+\[0\];$", text[:start], re.M):
        return text
    body = "".join(f"    {line}" if line.strip() else line for line in body.splitlines(keepends=True))
    loop = (
        f"\n    for(size_t _block=0; _block<N; _block+={_BLOCK})  // motorseq: skip blocks without a spike\n"
        "    {\n"
        f"        const size_t _block_end = _block+{_BLOCK} <= N ? _block+{_BLOCK} : N;\n"
        f"        if(_block_end == _block+{_BLOCK})\n"
        "        {\n"
        "            int _motorseq_any = 0;\n"
        f"            for(size_t _k=0; _k<{_BLOCK}; _k++)\n"
        f"                _motorseq_any |= ({load[1]}[_block+_k] > {th});\n"
        "            if(!_motorseq_any) continue;\n"
        "        }\n"
        "        for(size_t _idx=_block; _idx<_block_end; _idx++)\n"
        "        {\n"
        f"{body}"
        "        }\n"
        "    }\n"
    )
    return text[:start] + loop + text[end + len(_THRESHOLD_TAIL) :]


_SUM_HEAD = re.compile(r"^    for\(int _idx=0; _idx<_ptr_array_\w+_N\[0\]; _idx\+\+\)\n    \{\n", re.M)
_SUM_ADD = re.compile(r"^( *)(_ptr_array_\w+)\[(_ptr_array_\w+__synaptic_post)\[_idx\]\] \+= _synaptic_var;\n", re.M)


def sum_in_register(text: str) -> str:
    """Keep a summed variable's running sum in a register while the target stays the same.

    Returns ``text`` unchanged unless it has exactly one summing loop of Brian2's shape whose
    only store is the addition to the target.
    """
    heads = list(_SUM_HEAD.finditer(text))
    if len(heads) != 1 or "_motorseq_acc" in text:
        return text
    start = heads[0].end()
    end = text.index("\n    }\n", start) + 1
    body = text[start:end]
    adds = list(_SUM_ADD.finditer(body))
    if len(adds) != 1 or body.count("] =") or body.count("+=") != 1:
        return text
    indent, target, post = adds[0].groups()
    accumulate = (
        f"{indent}const int32_t _motorseq_target = {post}[_idx];\n"
        f"{indent}if(_motorseq_target != _motorseq_at)  // motorseq: the running sum stays in a register\n"
        f"{indent}{{\n"
        f"{indent}    if(_motorseq_at >= 0) {target}[_motorseq_at] = _motorseq_acc;\n"
        f"{indent}    _motorseq_at = _motorseq_target;\n"
        f"{indent}    _motorseq_acc = {target}[_motorseq_at];\n"
        f"{indent}}}\n"
        f"{indent}_motorseq_acc += _synaptic_var;\n"
    )
    body = body[: adds[0].start()] + accumulate + body[adds[0].end() :]
    head = heads[0].group(0)
    return (
        text[: heads[0].start()]
        + "    int32_t _motorseq_at = -1;\n    double _motorseq_acc = 0.0;\n"
        + head
        + body
        + "    }\n"
        + f"    if(_motorseq_at >= 0) {target}[_motorseq_at] = _motorseq_acc;\n"
        + text[end + len("    }\n") :]
    )


def generated_source(code_dir: Path, name: str) -> Path:
    """Return the generated source of code object ``name`` (``X_codeobject.cpp``) in ``code_dir``.

    Brian2 names a code object ``X_codeobject_1`` (``_2``, ...) when an object named
    ``X_codeobject`` is still alive in the process: a second network built in one process
    while the first is kept (another structure, or a test comparing two builds). The source
    with the plain name is returned when it exists, else the one numbered suffix found, else
    the plain name (a folder not generated yet).
    """
    plain = code_dir / name
    if plain.exists() or not code_dir.is_dir():
        return plain
    stem = name.removesuffix(".cpp")
    numbered = [p for p in code_dir.glob(f"{stem}_*.cpp") if p.stem[len(stem) + 1 :].isdigit()]
    return numbered[0] if len(numbered) == 1 else plain


def patches(project_dir: Path) -> list[tuple[Path, Callable[[str], str]]]:
    """Return the sources of a generated standalone project to patch, each with its patch."""
    code = project_dir / "code_objects"
    return [
        *((generated_source(code, name), remember_exp) for name in EXP_CODE_OBJECTS),
        *((generated_source(code, name), select_target) for name in SELECT_CODE_OBJECTS),
        *((generated_source(code, name), skip_quiet_blocks) for name in THRESHOLD_CODE_OBJECTS),
        *((generated_source(code, name), sum_in_register) for name in SUM_CODE_OBJECTS),
        (project_dir / SPIKE_QUEUE, cheaper_slot),
    ]


Snapshot = list[tuple[str, os.stat_result] | None]


def snapshot(project_dir: Path) -> Snapshot:
    """Read the patched sources as a previous build in ``project_dir`` left them (before generating)."""
    return [(p.read_text(), p.stat()) if p.is_file() else None for p, _ in patches(project_dir)]


def apply(project_dir: Path, before: Snapshot) -> None:
    """Patch the freshly generated sources of ``project_dir`` (``before``: :func:`snapshot`).

    A source whose result equals the previous build's keeps its old time stamp, so ``make``
    reuses its object. Brian2's makefile does not make objects depend on brianlib's headers
    (its ``make.deps`` names the targets without their folder), so when a patched header
    differs from the previous build's, every object file of the project is deleted and the
    build compiles everything (otherwise objects with the old spike queue would be linked).
    """
    for (source, patch), old in zip(patches(project_dir), before, strict=True):
        if not source.is_file():
            continue
        text = source.read_text()
        patched = patch(text)
        if patched != text:
            source.write_text(patched)
        if old is not None and patched == old[0]:
            os.utime(source, ns=(old[1].st_atime_ns, old[1].st_mtime_ns))
        elif old is not None and source.suffix == ".h":
            for obj in project_dir.rglob("*.o"):
                obj.unlink()
