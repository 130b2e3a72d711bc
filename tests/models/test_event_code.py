"""Cheaper spike-event code (issue 14): each patch of the generated code gives bit-identical results.

The code snippets have the shape of Brian2's generated code objects (2.9); the compiled tests
run the original and the patched code side by side on the same data and compare every bit.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from motorseq.models.engine import _COMPILE_ARGS
from motorseq.models.event_code import (
    apply,
    cheaper_slot,
    remember_exp,
    select_target,
    skip_quiet_blocks,
    snapshot,
    sum_in_register,
)

needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="needs g++")

INCLUDES = "#include<cmath>\n#include<cstdint>\n#include<cstring>\n#include<cstdio>\n#include<vector>\n"
SPIKE_LOOP = "        for(int _spiking_synapse_idx=0; _spiking_synapse_idx<n; _spiking_synapse_idx++)\n        {\n"

# the event-driven trace of a plastic synapse (corticostriatal_post)
TRACE = (
    "void NAME(const double t, const double _lio_1, const double _lio_2, const int n, const int* spikes,\n"
    "          double* _ptr_apre, double* _ptr_elig, double* _ptr_lastupdate)\n{\n"
    "    {\n" + SPIKE_LOOP + "            const size_t _idx = spikes[_spiking_synapse_idx];\n"
    "            double apre = _ptr_apre[_idx];\n"
    "            double elig = _ptr_elig[_idx];\n"
    "            double lastupdate = _ptr_lastupdate[_idx];\n"
    "            const double _apre = apre * exp(_lio_1 * (- (t - lastupdate)));\n"
    "            const double _elig = elig * exp(_lio_2 * (- (t - lastupdate)));\n"
    "            apre = _apre + 1.0;\n"
    "            elig = _elig + 0.25 * apre;\n"
    "            lastupdate = t;\n"
    "            _ptr_apre[_idx] = apre;\n"
    "            _ptr_elig[_idx] = elig;\n"
    "            _ptr_lastupdate[_idx] = lastupdate;\n"
    "        }\n    }\n}\n"
)

# a fixed synapse adds its weight to the conductance its kind selects (fixed_pre)
FIXED = (
    "#ifndef INT_\n#define INT_\ninline int int_(bool value) { return value ? 1 : 0; }\n#endif\n"
    "void NAME(const int n, const int* spikes, const int32_t* _ptr_array_fixed__synaptic_post,\n"
    "          const int32_t* _ptr_array_fixed_kind, const double* _ptr_array_fixed_w, double* _ptr_array_neurons_ge,\n"
    "          double* _ptr_array_neurons_gi, double* _ptr_array_neurons_syn)\n{\n"
    "    {\n" + SPIKE_LOOP + "            const size_t _idx = spikes[_spiking_synapse_idx];\n"
    "            const int32_t _postsynaptic_idx = _ptr_array_fixed__synaptic_post[_idx];\n"
    "            double ge_post = _ptr_array_neurons_ge[_postsynaptic_idx];\n"
    "            double gi_post = _ptr_array_neurons_gi[_postsynaptic_idx];\n"
    "            const int32_t kind = _ptr_array_fixed_kind[_idx];\n"
    "            double syn_post = _ptr_array_neurons_syn[_postsynaptic_idx];\n"
    "            const double w = _ptr_array_fixed_w[_idx];\n"
    "            ge_post += w * int_(kind == 0);\n"
    "            gi_post += w * int_(kind == 2);\n"
    "            syn_post += w * int_(kind <= 2);\n"
    "            _ptr_array_neurons_ge[_postsynaptic_idx] = ge_post;\n"
    "            _ptr_array_neurons_gi[_postsynaptic_idx] = gi_post;\n"
    "            _ptr_array_neurons_syn[_postsynaptic_idx] = syn_post;\n"
    "\n        }\n    }\n}\n"
)

# the threshold of a group with refractoriness (neurons_spike_thresholder)
THRESHOLD = (
    "long NAME(const size_t N, const double* _ptr_array_neurons_v_th, const double* _ptr_array_neurons_v,\n"
    "          char* _ptr_array_neurons_not_refractory, int32_t* _ptr_array_neurons__spikespace)\n{\n"
    "    const double v_th = _ptr_array_neurons_v_th[0];\n"
    "    long _count = 0;\n"
    "    for(size_t _idx=0; _idx<N; _idx++)\n"
    "    {\n"
    "        const size_t _vectorisation_idx = _idx;\n"
    "                \n"
    "        const char not_refractory = _ptr_array_neurons_not_refractory[_idx];\n"
    "        const double v = _ptr_array_neurons_v[_idx];\n"
    "        char _cond;\n"
    "        if(!not_refractory)\n"
    "            _cond = (v > v_th) && false;\n"
    "        else \n"
    "            _cond = (v > v_th) && true;\n"
    "\n"
    "        if(_cond) {\n"
    "            _ptr_array_neurons__spikespace[_count++] = _idx;\n"
    "            _ptr_array_neurons_not_refractory[_idx] = false;\n"
    "        }\n"
    "    }\n"
    "    _ptr_array_neurons__spikespace[N] = _count;\n"
    "    return _count;\n"
    "}\n"
)

# a summed variable: every neuron's value added to its region (metering_summed_variable_..._post)
SUM = (
    "void NAME(int32_t* _ptr_array_metering_N, const int32_t* _ptr_array_metering__synaptic_pre,\n"
    "          const int32_t* _ptr_array_metering__synaptic_post, const double* _ptr_array_neurons_syn,\n"
    "          double* _ptr_array_meter_syn_tot)\n{\n"
    "    for (int _target_idx=0; _target_idx<14; _target_idx++)\n    {\n"
    "        _ptr_array_meter_syn_tot[_target_idx + 0] = 0;\n    }\n"
    "    for(int _idx=0; _idx<_ptr_array_metering_N[0]; _idx++)\n"
    "    {\n"
    "        // vector code\n"
    "        const size_t _vectorisation_idx = _idx;\n"
    "        const int32_t _presynaptic_idx = _ptr_array_metering__synaptic_pre[_idx];\n"
    "        const double syn_pre = _ptr_array_neurons_syn[_presynaptic_idx];\n"
    "        const double _synaptic_var = syn_pre;\n"
    "\n"
    "        _ptr_array_meter_syn_tot[_ptr_array_metering__synaptic_post[_idx]] += _synaptic_var;\n"
    "    }\n"
    "\n}\n"
)

SLOT = (
    "void NAME(std::vector<std::vector<int32_t>>& queue, const int offset, const int* delays, const int n)\n{\n"
    "    for(int idx_indices=0; idx_indices<n; idx_indices++)\n    {\n"
    "        const int synaptic_index = idx_indices;\n"
    "        int delay = delays[synaptic_index];\n"
    "        queue[(offset+delay)%queue.size()].push_back(synaptic_index);\n"
    "    }\n}\n"
)


def _both(template: str, patch) -> tuple[str, str]:
    original = INCLUDES + template.replace("NAME", "original")
    patched = patch(INCLUDES + template.replace("NAME", "patched"))
    return original, patched


def _run(tmp_path, code: str) -> str:
    source, binary = tmp_path / "check.cpp", tmp_path / "check"
    source.write_text(code)
    flags = [a for a in _COMPILE_ARGS if a not in ("-w", "-std=c++17")]
    subprocess.run(["g++", *flags, "-std=c++17", str(source), "-o", str(binary)], check=True, capture_output=True)
    proc = subprocess.run([str(binary)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_the_trace_exp_calls_go_through_the_remembered_results_and_only_they():
    original, patched = _both(TRACE, remember_exp)
    loop = patched.partition("_spiking_synapse_idx++)")[2]
    assert loop.count("_motorseq_exp(") == 2 and " exp(" not in loop
    assert patched.index("struct _MotorseqExpMemo") > patched.index("#include<vector>")
    assert remember_exp(patched) == patched  # applied twice: one table
    no_loop = original.replace("_spiking_synapse_idx++)", "_k++)")
    assert remember_exp(no_loop) == no_loop  # not the expected shape: left alone


@needs_gxx
def test_remembered_exp_gives_the_same_traces_bit_for_bit(tmp_path):
    # 2000 synapses, 3000 steps with random spikes: arguments repeat (same lastupdate) and
    # collide in the table; every trace must equal the one computed with exp itself
    original, patched = _both(TRACE, remember_exp)
    main = """
int main() {
    const int n = 2000;
    std::vector<double> a1(n, 0.0), e1(n, 0.0), l1(n, 0.0), a2(n, 0.0), e2(n, 0.0), l2(n, 0.0);
    std::vector<int> spikes;
    uint64_t state = 12345;
    for (int step = 1; step <= 3000; step++) {
        const double t = step * 0.0001;
        spikes.clear();
        for (int k = 0; k < n; k++) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            if ((state >> 33) % 97 == 0) spikes.push_back(k);
        }
        original(t, 50.0, 1.0 / 0.7, spikes.size(), spikes.data(), a1.data(), e1.data(), l1.data());
        patched(t, 50.0, 1.0 / 0.7, spikes.size(), spikes.data(), a2.data(), e2.data(), l2.data());
    }
    if (std::memcmp(a1.data(), a2.data(), n * 8) || std::memcmp(e1.data(), e2.data(), n * 8)) return 1;
    std::printf("%.17g\\n", a1[7] + e1[11]);
    return 0;
}
"""
    assert float(_run(tmp_path, original + patched + main)) != 0.0


def test_a_fixed_synapse_stores_only_its_kinds_conductance():
    _, patched = _both(FIXED, select_target)
    loop = patched.partition("_spiking_synapse_idx++)")[2]
    assert "if (kind == 0) _ptr_array_neurons_ge[_postsynaptic_idx] = ge_post + w;" in loop
    assert "if (kind <= 2) _ptr_array_neurons_syn[_postsynaptic_idx] = syn_post + w;" in loop
    assert "= ge_post;" not in loop and "int_(kind" not in loop
    # a variable used once more than its load, update and store: the file is left alone
    used = INCLUDES + FIXED.replace("            _ptr_array_neurons_ge[_postsynaptic_idx] = ge_post;\n",
                                    "            _ptr_array_neurons_ge[_postsynaptic_idx] = ge_post;\n"
                                    "            gi_post += ge_post;\n")  # fmt: skip
    assert select_target(used) == used


@needs_gxx
def test_fixed_synapse_events_give_the_same_conductances_bit_for_bit(tmp_path):
    original, patched = _both(FIXED, select_target)
    main = """
int main() {
    const int n = 5000, m = 50;
    std::vector<int32_t> post(n), kind(n);
    std::vector<double> w(n), g1(3 * m, 0.0), g2(3 * m, 0.0);
    std::vector<int> spikes;
    uint64_t state = 99;
    for (int k = 0; k < n; k++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        post[k] = (state >> 33) % m; kind[k] = (state >> 20) % 5; w[k] = ((state >> 40) % 1000) * 0.00137 + 0.1;
    }
    for (int step = 0; step < 200; step++) {
        spikes.clear();
        for (int k = step % 7; k < n; k += 7) spikes.push_back(k);
        original(spikes.size(), spikes.data(), post.data(), kind.data(), w.data(), &g1[0], &g1[m], &g1[2 * m]);
        patched(spikes.size(), spikes.data(), post.data(), kind.data(), w.data(), &g2[0], &g2[m], &g2[2 * m]);
        for (auto& g : g1) g *= 0.97;
        for (auto& g : g2) g *= 0.97;
    }
    return std::memcmp(g1.data(), g2.data(), g1.size() * 8) != 0;
}
"""
    _run(tmp_path, original + patched + main)


def test_the_threshold_tests_blocks_before_the_original_body():
    _, patched = _both(THRESHOLD, skip_quiet_blocks)
    assert "_motorseq_any |= (_ptr_array_neurons_v[_block+_k] > v_th);" in patched
    assert "                _cond = (v > v_th) && true;\n" in patched  # the body, one level deeper
    assert skip_quiet_blocks(patched) == patched
    other = INCLUDES + THRESHOLD.replace("(v > v_th) && true", "(v > 0.5 * v_th) && true")
    assert skip_quiet_blocks(other) == other  # two different conditions: left alone


@needs_gxx
def test_the_threshold_finds_the_same_spikes_in_the_same_order(tmp_path):
    original, patched = _both(THRESHOLD, skip_quiet_blocks)
    main = """
int main() {
    for (size_t n : {5, 8, 13, 712}) {
        std::vector<double> v(n), th = {0.8};
        std::vector<char> r1(n, 1), r2(n, 1);
        std::vector<int32_t> s1(n + 1, -1), s2(n + 1, -1);
        uint64_t state = n;
        for (int step = 0; step < 500; step++) {
            for (size_t k = 0; k < n; k++) {
                state = state * 6364136223846793005ULL + 1442695040888963407ULL;
                v[k] = ((state >> 33) % 1000) / 820.0;  // ~2.4 % above threshold
                if (step % 3 == 0) { r1[k] = r2[k] = 1; }
            }
            const long c1 = original(n, th.data(), v.data(), r1.data(), s1.data());
            const long c2 = patched(n, th.data(), v.data(), r2.data(), s2.data());
            if (c1 != c2 || s1 != s2 || r1 != r2) return 1;
        }
    }
    return 0;
}
"""
    _run(tmp_path, original + patched + main)


@needs_gxx
def test_the_spike_queue_slot_is_the_same_without_the_division(tmp_path):
    original, patched = _both(SLOT, cheaper_slot)
    assert "_motorseq_slot" in patched and cheaper_slot(patched) == patched
    main = """
int main() {
    for (int size = 1; size < 40; size++) {
        for (int offset = 0; offset < size; offset++) {
            std::vector<int> delays;
            for (int d = 0; d < size; d++) delays.push_back(d);
            delays.push_back(0); delays.push_back(size - 1);
            std::vector<std::vector<int32_t>> q1(size), q2(size);
            original(q1, offset, delays.data(), delays.size());
            patched(q2, offset, delays.data(), delays.size());
            if (q1 != q2) return 1;
        }
    }
    return 0;
}
"""
    _run(tmp_path, original + patched + main)


@needs_gxx
def test_sums_kept_in_a_register_are_the_same_bit_for_bit(tmp_path):
    original, patched = _both(SUM, sum_in_register)
    assert patched.count("_motorseq_acc += _synaptic_var;") == 1 and sum_in_register(patched) == patched
    main = """
int main() {
    const int n = 712;
    std::vector<int32_t> pre(n), post(n), count = {n};
    std::vector<double> syn(n), s1(14), s2(14);
    uint64_t state = 7;
    for (int order = 0; order < 2; order++) {  // regions in runs, then in random order
        for (int k = 0; k < n; k++) {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            pre[k] = k; post[k] = order == 0 ? k * 14 / n : (state >> 33) % 14;
            syn[k] = ((state >> 20) % 100000) * 1.37e-3 - 40.0;
        }
        original(count.data(), pre.data(), post.data(), syn.data(), s1.data());
        patched(count.data(), pre.data(), post.data(), syn.data(), s2.data());
        if (std::memcmp(s1.data(), s2.data(), 14 * 8)) return 1;
    }
    return 0;
}
"""
    _run(tmp_path, original + patched + main)


def test_a_changed_patched_header_makes_the_project_compile_everything(tmp_path):
    queue = tmp_path / "brianlib" / "spikequeue.h"
    queue.parent.mkdir()
    objects = tmp_path / "code_objects"
    objects.mkdir()
    queue.write_text(INCLUDES + SLOT.replace("NAME", "push"))
    (objects / "a.o").write_bytes(b"old")
    apply(tmp_path, snapshot(tmp_path))  # built before without the patch: the objects must go
    assert "_motorseq_slot" in queue.read_text()
    assert not (objects / "a.o").exists()
    (objects / "a.o").write_bytes(b"new")
    os.utime(queue, ns=(1_000_000_000, 1_000_000_000))
    before = snapshot(tmp_path)
    queue.write_text(INCLUDES + SLOT.replace("NAME", "push"))  # Brian2 copies its header again
    apply(tmp_path, before)
    assert (objects / "a.o").exists()  # same patched header: objects kept, old time stamp
    assert queue.stat().st_mtime_ns == 1_000_000_000


def test_a_code_object_renamed_by_brian2_in_a_second_build_is_still_found(tmp_path):
    from motorseq.models.event_code import generated_source

    code = tmp_path / "code_objects"
    assert generated_source(code, "neurons_stateupdater_codeobject.cpp") == code / "neurons_stateupdater_codeobject.cpp"
    code.mkdir()
    # a second network in one process: Brian2 numbers the names of objects still alive
    (code / "neurons_stateupdater_codeobject_1.cpp").write_text("")
    (code / "neurons_stateupdater_codeobject_1.h").write_text("")
    (code / "neurons_stateupdater_codeobject_extra.cpp").write_text("")
    found = generated_source(code, "neurons_stateupdater_codeobject.cpp")
    assert found == code / "neurons_stateupdater_codeobject_1.cpp"
    (code / "neurons_stateupdater_codeobject.cpp").write_text("")
    assert generated_source(code, "neurons_stateupdater_codeobject.cpp").name == "neurons_stateupdater_codeobject.cpp"
