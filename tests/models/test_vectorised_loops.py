"""Cheaper compiled model (issue 14): vectorised element loops (only safe ones) and a precompiled header."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from motorseq.models.engine import _COMPILE_ARGS, _SIMD_EXP, _SIMD_PRAGMA, _has_vector_exp, _vectorise_loop

# the shape of Brian2's generated code objects (2.9): includes, scalar code, one element loop
HEAD = '#include "objects.h"\n#include<cmath>\n#include<climits>\n\nvoid _run_x()\n{\n    const int _N = 712;\n'
LOOP = "    for(int _idx=0; _idx<_N; _idx++)\n    {\n"
STATE_UPDATE = (
    "        double v = _ptr_array_neurons_v[_idx];\n"
    "        const int32_t k = _ptr_array_controller_key[0];\n"
    "        v = v + 0.1*(k - v);\n"
    "        _ptr_array_neurons_v[_idx] = v;\n"
)
DOPAMINE = (
    "        const int32_t _postsynaptic_idx = _ptr_array_syn__synaptic_post[_idx];\n"
    "        const double da_post = _ptr_array_neurons_da[_postsynaptic_idx];\n"
    "        double w = _ptr_array_syn_w[_idx];\n"
    "        w += da_post*exp(-_ptr_array_syn_lastupdate[_idx]);\n"
    "        _ptr_array_syn_w[_idx] = w;\n"
)
SCATTER = (
    "        const int32_t _postsynaptic_idx = _ptr_array_syn__synaptic_post[_idx];\n"
    "        _ptr_array_neurons_ge[_postsynaptic_idx] += _ptr_array_syn_w[_idx];\n"
)
TAIL = "    }\n}\n"


def _code(body: str) -> str:
    return HEAD + LOOP + body + TAIL


def test_a_state_update_gets_the_simd_pragma_and_nothing_else(tmp_path):
    source = tmp_path / "neurons_stateupdater_codeobject.cpp"
    source.write_text(_code(STATE_UPDATE))
    _vectorise_loop(source, None)
    assert source.read_text() == HEAD + _SIMD_PRAGMA + LOOP + STATE_UPDATE + TAIL


@pytest.mark.skipif(not _has_vector_exp(), reason="libmvec: glibc on x86-64")
def test_a_loop_calling_exp_gets_the_vector_exp_after_the_includes(tmp_path):
    source = tmp_path / "corticostriatal_dopamine_codeobject.cpp"
    source.write_text(_code(DOPAMINE))
    _vectorise_loop(source, None)
    text = source.read_text()
    assert text.count(_SIMD_PRAGMA + LOOP) == 1
    assert text.index(_SIMD_EXP) == text.index("#include<climits>\n") + len("#include<climits>\n")


def test_a_loop_writing_another_element_is_left_scalar(tmp_path):
    source = tmp_path / "fixed_pre_codeobject.cpp"
    source.write_text(_code(SCATTER))
    _vectorise_loop(source, None)
    assert source.read_text() == _code(SCATTER)


def test_regenerated_code_keeps_its_time_stamp(tmp_path):
    source = tmp_path / "neurons_stateupdater_codeobject.cpp"
    source.write_text(_code(STATE_UPDATE))
    _vectorise_loop(source, None)
    os.utime(source, ns=(1_000_000_000, 1_000_000_000))
    before = (source.read_text(), source.stat())
    source.write_text(_code(STATE_UPDATE))  # Brian2 writes the unpatched code again
    _vectorise_loop(source, before)
    assert source.read_text() == before[0]
    assert source.stat().st_mtime_ns == 1_000_000_000
    _vectorise_loop(source, before)  # applied twice: one pragma
    assert source.read_text().count(_SIMD_PRAGMA) == 1


@pytest.mark.skipif(shutil.which("g++") is None or not _has_vector_exp(), reason="needs g++, glibc on x86-64")
def test_the_compiler_vectorises_the_marked_loops(tmp_path):
    # the arrays the loop reads without __restrict (as Brian2 declares the controller's)
    # keep it scalar unless it is marked; marked, it is vectorised, exp included
    decl = (
        "double* __restrict _ptr_array_neurons_v; double* __restrict _ptr_array_neurons_da;\n"
        "int32_t* _ptr_array_controller_key; double* __restrict _ptr_array_syn_w;\n"
        "double* __restrict _ptr_array_syn_lastupdate; int32_t* __restrict _ptr_array_syn__synaptic_post;\n"
    )
    for name, body in (("state", STATE_UPDATE), ("dopamine", DOPAMINE)):
        source = tmp_path / f"{name}.cpp"
        source.write_text(_code(body).replace('#include "objects.h"\n', "#include<cstdint>\n" + decl))
        _vectorise_loop(source, None)
        flags = [a for a in _COMPILE_ARGS if a != "-w"]
        proc = subprocess.run(
            ["g++", "-c", *flags, "-fopt-info-vec-optimized", str(source), "-o", str(tmp_path / f"{name}.o")],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert "loop vectorized" in proc.stderr, (name, proc.stderr)


MAKEFILE = """OPTIMISATIONS = -w -O2 -include motorseq_pch.h
CXXFLAGS = -c $(OPTIMISATIONS) -I.
main: a.o b.o
\t$(CXX) a.o b.o -o main
%.o : %.cpp makefile
\t$(CXX) $(CXXFLAGS) -H $< -o $@ 2>> headers.log
"""


@pytest.mark.skipif(shutil.which("g++") is None or shutil.which("make") is None, reason="needs g++ and make")
def test_the_sources_are_compiled_with_the_precompiled_header_which_is_then_removed(tmp_path):
    from motorseq.models.engine import _PCH, _compile_with_header, _write_header

    (tmp_path / "makefile").write_text(MAKEFILE)
    (tmp_path / "objects.h").write_text("#ifndef OBJ_H\n#define OBJ_H\n#include<vector>\nint f();\n#endif\n")
    (tmp_path / "brianlib").mkdir()
    (tmp_path / "brianlib" / "common_math.h").write_text("")
    (tmp_path / "brianlib" / "stdint_compat.h").write_text("#include<cstdint>\n")
    (tmp_path / "a.cpp").write_text('#include "objects.h"\nint f() { return 1; }\n')
    (tmp_path / "b.cpp").write_text('#include "objects.h"\nint main() { return f() - 1; }\n')
    _write_header(tmp_path)
    seen = {}

    def compile_project():
        seen["gch"] = (tmp_path / f"{_PCH}.gch").is_file()
        subprocess.run(["make"], cwd=tmp_path, check=True, capture_output=True)

    _compile_with_header(tmp_path, compile_project)
    assert seen["gch"]  # precompiled before the sources were compiled
    log = (tmp_path / "headers.log").read_text()
    assert log.count(f"! ./{_PCH}.gch") + log.count(f"! {_PCH}.gch") == 2  # both sources used it ("!": valid PCH)
    assert not (tmp_path / f"{_PCH}.gch").exists()
    assert subprocess.run([str(tmp_path / "main")]).returncode == 0
