#!/usr/bin/env python3
"""The decision rules end to end (SPEC §9 goal): `credal eval --rules ...` against the plain
evaluation of the same file, from the file to the file, side by side in one run.

    python3 bench/compare_rules.py --credal build/credal [--hypotheses 1000 --points 100
        --dim 32 --policies 64] [--repeats 7]

Generates the input with `credal gen` (seed 1), then runs, interleaved `repeats` times, the
plain evaluation and `--rules` with: the interval rules alone (gamma_maximin, gamma_maximax,
hurwicz, interval_dominance), maximal, set_regret, e_admissible and all. Prints each median
wall time (a fresh process each time, as a user runs it) and its ratio to the plain run."""
import argparse
import os
import statistics
import subprocess
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--credal", required=True)
ap.add_argument("--hypotheses", type=int, default=1000)
ap.add_argument("--points", type=int, default=100)
ap.add_argument("--dim", type=int, default=32)
ap.add_argument("--policies", type=int, default=64)
ap.add_argument("--repeats", type=int, default=7)
a = ap.parse_args()

tmp = tempfile.mkdtemp(prefix="credal-rules-bench-")
inp = os.path.join(tmp, "in.h5")
subprocess.run([a.credal, "gen", "-o", inp, "--hypotheses", str(a.hypotheses), "--points",
                str(a.points), "--dim", str(a.dim), "--policies", str(a.policies), "--seed", "1",
                "--quiet"], check=True)
modes = {
    "plain": [],
    "interval rules": ["--rules", "gamma_maximin,gamma_maximax,hurwicz,interval_dominance"],
    "maximal": ["--rules", "maximal"],
    "set_regret": ["--rules", "set_regret"],
    "e_admissible": ["--rules", "e_admissible"],
    "all": ["--rules", "all"],
}
times = {m: [] for m in modes}
for _ in range(a.repeats):
    for m, extra in modes.items():
        t0 = time.perf_counter()
        subprocess.run([a.credal, "eval", inp, "-o", os.path.join(tmp, "out.h5"), "--force",
                        "--quiet", *extra], check=True)
        times[m].append(time.perf_counter() - t0)
base = statistics.median(times["plain"])
print(f"credal eval, H={a.hypotheses} x {a.points} generators, d={a.dim}, P={a.policies}, "
      f"{os.cpu_count()} cores, median of {a.repeats}")
for m in modes:
    t = statistics.median(times[m])
    print(f"  {m:16s} {t * 1000:8.1f} ms  {t / base:5.2f}x plain")
for f in os.listdir(tmp):
    os.unlink(os.path.join(tmp, f))
os.rmdir(tmp)
