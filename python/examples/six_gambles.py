"""The README's Python example: Troffaes's six gambles under four credal sets, written from
numpy, evaluated, read back and plotted (tests/test_example.py runs it)."""
import sys

import numpy as np

import credal

out = sys.argv[1] if len(sys.argv) > 1 else "."
sets = credal.generators(
    [[[0.28, 0.72], [0.70, 0.30]],   # P(a) in [0.28, 0.70]: Troffaes's set
     [[0.5, 0.5]],                   # fair
     [[1.0, 0.0], [0.0, 1.0]],       # vacuous
     [[0.4, 0.6], [0.6, 0.4]]],      # narrow
    names=["troffaes", "fair", "vacuous", "narrow"])
gambles = np.array([[4, 0], [0, 4], [3, 2], [0.5, 3], [2.35, 2.35], [4.1, -0.3]])

r = credal.lower(sets, utility=gambles, upper=True)      # in memory, no file
print("lower, Troffaes's set:", r.lower[0])               # [1.12 1.2 2.28 1.25 2.35 0.932]

credal.write_batch(f"{out}/six.h5", sets, gambles, prior=[0.1, 0.6, 0.1, 0.2],
                   policy_names=[f"X{i}" for i in range(1, 7)], overwrite=True)
credal.evaluate(f"{out}/six.h5", f"{out}/six-out.h5", upper=True, rules="all", force=True)
res = credal.read(f"{out}/six-out.h5")
print("choices:", {k: res.policy_names[p] for k, p in res.choice.items()})
kept = res.rules["maximal"][0]                             # (H, P) masks: Troffaes's set
print("maximal, Troffaes's set:", [n for n, k in zip(res.policy_names, kept) if k])
credal.plot.summary(res).savefig(f"{out}/six.png", dpi=120)
print("figure:", f"{out}/six.png")
