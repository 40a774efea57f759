#!/usr/bin/env python3
"""The whole credal-MDP job of issue #18, per backend, end to end (file to file):

    python3 bench/mdp_job.py [--credal build/credal] [--hypotheses 20] [--policies 100]
                             [--states 50000] [--actions 4] [--successors 10] [--horizon 100]
                             [--backends cpu,reference] [--threads 0] [--json PATH] [--keep]

1. `credal gen --mdp` writes the input: H hypotheses of interval sets over one random structure
   (S states, A actions, K successors each), P deterministic policies, the reach objective
   with a horizon of T steps (the property bench/compare_storm.py sets against Storm), seed 1.
2. For each backend, once: `credal eval IN -o OUT --backend B [--threads N] --quiet`, its wall
   time around the process (warm page cache), and the result's /optimal/value and /lower,
   which every backend must give bit for bit (else exit 1).
3. Printed per backend: the wall time, hypotheses per second, the Bellman steps run (per
   hypothesis: T for the optimum and T per policy) and transitions per second (a policy's step
   reads the N / A transitions of its choices, the optimum's all N), and the ratio to the
   slowest backend. --hypotheses 2 gives a tenth of the job (each hypothesis costs the same).

Exit status: 0 ok, 1 a run failed or the backends disagree, 2 usage.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--credal", default=os.path.join(REPO, "build", "credal"))
    ap.add_argument("--hypotheses", type=int, default=20)
    ap.add_argument("--policies", type=int, default=100)
    ap.add_argument("--states", type=int, default=50000)
    ap.add_argument("--actions", type=int, default=4)
    ap.add_argument("--successors", type=int, default=10)
    ap.add_argument("--horizon", type=int, default=100)
    ap.add_argument("--backends", default="cpu,reference")
    ap.add_argument("--threads", type=int, default=0, help="0: every core")
    ap.add_argument("--json")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if min(a.hypotheses, a.policies, a.states, a.actions, a.successors, a.horizon) < 1:
        print("mdp_job: sizes must be >= 1", file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="credal-mdp-job-")
    inp = os.path.join(tmp, "job.h5")
    try:
        r = subprocess.run([a.credal, "gen", "--mdp", "-o", inp, "--states", str(a.states),
                            "--actions", str(a.actions), "--successors", str(a.successors),
                            "--hypotheses", str(a.hypotheses), "--policies", str(a.policies),
                            "--objective", "reach", "--horizon", str(a.horizon), "--seed", "1",
                            "--quiet"], capture_output=True, text=True)
        if r.returncode:
            print(f"mdp_job: gen failed: {r.stderr}", file=sys.stderr)
            return 1
        N = a.states * a.actions * a.successors
        steps = a.hypotheses * a.horizon * (1 + a.policies)
        transitions = a.hypotheses * a.horizon * (N + a.policies * N // a.actions)
        rows, first = [], None
        for backend in a.backends.split(","):
            out = os.path.join(tmp, f"out-{backend}.h5")
            cmd = [a.credal, "eval", inp, "-o", out, "--backend", backend, "--quiet", "--force"]
            if a.threads:
                cmd += ["--threads", str(a.threads)]
            t0 = time.perf_counter()
            r = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if r.returncode:
                print(f"mdp_job: {backend} failed: {r.stderr}", file=sys.stderr)
                return 1
            with h5py.File(out, "r") as f:
                got = (f["optimal/value"][()], f["lower"][()], f.attrs["device"])
            if first is None:
                first = got
            elif not (np.array_equal(first[0], got[0]) and np.array_equal(first[1], got[1])):
                print(f"mdp_job: {backend} differs from {rows[0]['backend']}", file=sys.stderr)
                return 1
            rows.append({"backend": backend, "device": str(got[2]), "seconds": wall,
                         "hypotheses_per_s": a.hypotheses / wall, "steps": steps,
                         "transitions_per_s": transitions / wall})
        slowest = max(row["seconds"] for row in rows)
        print(f"credal-mdp job: H={a.hypotheses} hypotheses x P={a.policies} policies, S={a.states} "
              f"states, A={a.actions} actions, K={a.successors} successors (N={N}), reach within "
              f"T={a.horizon} steps; {steps} Bellman steps, {transitions:.3g} transitions")
        print(f"  {'backend':10} {'wall s':>9} {'hyp/s':>8} {'transitions/s':>14} {'speed-up':>9}  device")
        for row in rows:
            print(f"  {row['backend']:10} {row['seconds']:9.2f} {row['hypotheses_per_s']:8.3f} "
                  f"{row['transitions_per_s']:14.3g} {slowest / row['seconds']:8.2f}x  {row['device']}")
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"args": vars(a), "rows": rows}, f, indent=1)
        return 0
    finally:
        if a.keep:
            print(f"files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
