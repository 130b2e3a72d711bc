"""Counter-based membrane noise: one random stream per participant, whatever runs beside it.

Brian2's ``xi`` draws from one generator shared by every neuron of a process, in neuron
order, so a neuron's noise depends on everything drawn before it (other neurons, other
participants in the same network). Here the standard normal value of neuron ``n`` at time
step ``k`` of the participant with seed ``s`` is a pure function ``hash_normal(s, k, n)``:

* a 64-bit SplitMix64 finaliser (Steele et al. 2014) of ``(s, k, n)`` gives 64 random bits;
* the Gaussian is the number of set bits among 48 of them, centred (Binomial(48, 1/2), mean
  24, variance 12), plus the other 16 bits as a uniform value in (-1/2, 1/2) that fills the
  gaps between the integers, divided by ``sqrt(12 + 1/12)``: mean 0, variance 1, skewness
  0, excess kurtosis -0.04 (a normal: 0), range +-7.0.

It costs a few integer operations and a ``popcount`` (no logarithm, square root or cosine as
a Box-Muller draw needs), and needs no state, so a participant's noise is the same alone or
beside others in one network (the batched layout) and with any number of workers. The
membrane (``tau_m`` = 8-20 ms, dt = 1 ms) sums 8-20 such values per time constant, so the
tiny departures from a normal distribution are averaged out further.

Euler-Maruyama with ``xi`` adds ``noise_amp * sqrt(dt) * N(0, 1)`` per step; the equations
here add ``noise_amp * z / sqrt(dt) * dt`` with ``z = hash_normal(...)``: the same increment.

References
----------
Steele, G. L., Lea, D., & Flood, C. H. (2014). Fast splittable pseudorandom number
generators. OOPSLA 2014, 453-472.
"""

from __future__ import annotations

import os
import re

import numpy as np

__all__ = ["hash_normal", "hash_normal_function", "noise_equations", "NORMAL_SCALE", "NOISE_ENV"]

#: Environment variable choosing the noise: ``hash`` (default) or ``brian2`` (Brian2's ``xi``,
#: one generator for the whole process; kept as the reference of the equivalence check,
#: ``tests/benchmarks/noise_equivalence.py``). The choice is part of the generated code, so
#: the build cache keeps the two binaries apart.
NOISE_ENV = "MOTORSEQ_NOISE"

#: Standard deviation of popcount(48 bits) - 24 + uniform(-1/2, 1/2).
NORMAL_SCALE = float(np.sqrt(12.0 + 1.0 / 12.0))

_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_MASK = (1 << 64) - 1

_CPP = f"""
static inline uint64_t _motorseq_mix64(uint64_t z)
{{
    z = (z ^ (z >> 30)) * 0x{_M1:X}ULL;
    z = (z ^ (z >> 27)) * 0x{_M2:X}ULL;
    return z ^ (z >> 31);
}}
static inline double hash_normal(int64_t seed, int64_t step, int64_t neuron)
{{
    uint64_t x = _motorseq_mix64((uint64_t)seed * 0x{_GOLDEN:X}ULL + 0x{_GOLDEN:X}ULL);
    x = _motorseq_mix64(x ^ ((uint64_t)step * 0x{_GOLDEN:X}ULL));
    x = _motorseq_mix64(x ^ ((uint64_t)neuron + 0x{_GOLDEN:X}ULL));
    const int bits = __builtin_popcountll(x >> 16);
    const double u = ((double)(x & 0xFFFFULL) + 0.5) / 65536.0 - 0.5;
    return ((double)bits - 24.0 + u) / {NORMAL_SCALE!r};
}}
"""

_CYTHON = f"""
cdef extern from *:
    int __builtin_popcountll(unsigned long long)

cdef inline unsigned long long _motorseq_mix64(unsigned long long z):
    z = (z ^ (z >> 30)) * 0x{_M1:X}ULL
    z = (z ^ (z >> 27)) * 0x{_M2:X}ULL
    return z ^ (z >> 31)

cdef double hash_normal(long long seed, long long step, long long neuron):
    cdef unsigned long long x = _motorseq_mix64((<unsigned long long>seed) * 0x{_GOLDEN:X}ULL + 0x{_GOLDEN:X}ULL)
    x = _motorseq_mix64(x ^ ((<unsigned long long>step) * 0x{_GOLDEN:X}ULL))
    x = _motorseq_mix64(x ^ ((<unsigned long long>neuron) + 0x{_GOLDEN:X}ULL))
    cdef int bits = __builtin_popcountll(x >> 16)
    cdef double u = ((<double>(x & 0xFFFFULL)) + 0.5) / 65536.0 - 0.5
    return ((<double>bits) - 24.0 + u) / {NORMAL_SCALE!r}
"""


def _mix64(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
    return z ^ (z >> np.uint64(31))


def hash_normal(seed, step, neuron) -> np.ndarray:
    """Return the standard normal value of ``(seed, step, neuron)`` (NumPy; as the C++ code).

    Parameters
    ----------
    seed, step, neuron : int or array of int
        The participant's seed, the time step and the neuron (broadcast together).

    Returns
    -------
    ndarray of float
    """
    golden = np.uint64(_GOLDEN)
    with np.errstate(over="ignore"):
        seed, step, neuron = (np.asarray(a, dtype=np.int64).astype(np.uint64) for a in (seed, step, neuron))
        x = _mix64(seed * golden + golden)
        x = _mix64(x ^ (step * golden))
        x = _mix64(x ^ (neuron + golden))
    high = x >> np.uint64(16)
    bits = np.zeros(high.shape, dtype=np.int64)
    for shift in range(48):
        bits += ((high >> np.uint64(shift)) & np.uint64(1)).astype(np.int64)
    u = ((x & np.uint64(0xFFFF)).astype(float) + 0.5) / 65536.0 - 0.5
    return (bits - 24.0 + u) / NORMAL_SCALE


def hash_normal_function():
    """Return ``hash_normal(seed, step, neuron)`` as a Brian2 function (C++, Cython, NumPy)."""
    from brian2 import Function

    def pyfunc(seed, step, neuron):
        return hash_normal(seed, step, neuron)

    func = Function(
        pyfunc, arg_units=[1, 1, 1], arg_types=["integer", "integer", "integer"], return_unit=1,
        return_type="float", stateless=True,
    )  # fmt: skip
    func.implementations.add_implementation("cpp", _CPP)
    func.implementations.add_implementation("cython", _CYTHON)
    return func


def noise_equations(equations: str) -> str:
    """Return ``equations`` with the noise ``$MOTORSEQ_NOISE`` asks for (``hash``, the default).

    With ``brian2`` every ``<amp>*<z>/sqrt(dt)`` noise term whose ``<z>`` is a
    ``hash_normal`` subexpression becomes ``<amp>*xi`` (Brian2's white noise; the same
    increment per step) and the subexpression is dropped.

    Raises
    ------
    ValueError
        For another value of the variable.
    """
    kind = os.environ.get(NOISE_ENV, "hash")
    if kind == "hash":
        return equations
    if kind != "brian2":
        raise ValueError(f"${NOISE_ENV}: {kind!r}; allowed: 'hash', 'brian2'")
    for name in re.findall(r"^\s*(\w+) = hash_normal\(.*$", equations, flags=re.M):
        equations = re.sub(rf"^\s*{name} = hash_normal\(.*\n", "", equations, flags=re.M)
        equations = equations.replace(f"*{name}/sqrt(dt)", "*xi")
    return equations
