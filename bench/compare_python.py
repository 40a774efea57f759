#!/usr/bin/env python3
"""credal.lower (the Python package) against the bare C call it wraps, side by side in one run:
the overhead of the binding (shape checks, output allocation, ctypes) at SPEC §11's shape,
H = 2,000 hypotheses x 200 generators, d = 64, P = 256 (issue #19's goal: under 5%).

    python3 bench/compare_python.py [--repeat 7] [--backend cpu]

Prints the median of each, interleaved run by run, and their ratio."""
import argparse
import ctypes as C
import statistics
import time

import numpy as np

import credal
from credal import _lib
from credal.compute import BACKENDS

ap = argparse.ArgumentParser()
ap.add_argument("--repeat", type=int, default=7)
ap.add_argument("--backend", default="cpu")
ap.add_argument("--hypotheses", type=int, default=2000)
ap.add_argument("--generators", type=int, default=200)
ap.add_argument("--dim", type=int, default=64)
ap.add_argument("--policies", type=int, default=256)
a = ap.parse_args()

rng = np.random.default_rng(0)
H, K, d, P = a.hypotheses, a.generators, a.dim, a.policies
points = rng.dirichlet(np.ones(d), H * K)
offsets = np.arange(0, H * K + 1, K, dtype=np.int64)
utility = rng.normal(size=(P, d))

# the bare call: the batch and outputs made once, outside the timing
lo, lo_k = np.empty((H, P)), np.empty((H, P), dtype=np.int32)
ptr = lambda x: x.ctypes.data_as(C.c_void_p)
batch = _lib.Batch(H, d, P, ptr(offsets), ptr(points), None, ptr(utility))
backend = BACKENDS[a.backend]


def bare():
    _lib.check(_lib.lower_f64(backend, C.byref(batch), ptr(lo), ptr(lo_k), None, None))


def wrapped():
    return credal.lower(points, offsets, utility, backend=a.backend)


np.testing.assert_array_equal(wrapped().lower, (bare(), lo)[1])  # the same numbers
times = {"C call": [], "credal.lower": []}
for _ in range(a.repeat):
    for name, f in (("C call", bare), ("credal.lower", wrapped)):
        t = time.perf_counter()
        f()
        times[name].append(time.perf_counter() - t)
med = {k: statistics.median(v) for k, v in times.items()}
print(f"H={H} K={K} d={d} P={P}, backend {a.backend}, {a.repeat} runs each, interleaved "
      f"(credal {credal.__version__}, {credal.library_path})")
for k, v in times.items():
    print(f"  {k:13s} median {med[k] * 1e3:9.2f} ms   "
          f"(min {min(v) * 1e3:.2f}, max {max(v) * 1e3:.2f})")
print(f"  overhead: credal.lower / C call = {med['credal.lower'] / med['C call']:.4f}")
