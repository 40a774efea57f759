#!/usr/bin/env python3
"""MPI runs (an MPI build: -DCREDAL_MPI=ON) against one process, through mpirun.

  * `mpirun -np 2` and `-np 3` give every dataset (the decision rules' too), attribute-free, and every choice of a
    one-process run bit for bit, on an input of ragged generators and structured sets with a
    prior and a prior set, with --upper, on the cpu (float64 and float32) and reference
    backends;
  * SIGTERM to mpirun at several points, each run continued with `--resume` and the same number
    of processes, ends with the uninterrupted output;
  * `--resume` with another number of processes than the interrupted run's is refused;
  * a bad value in one rank's share fails every rank with 65, one message naming the
    hypothesis, and leaves no output, partial or scratch file;
  * credal-mdp inputs: -np 2 and 3 against one process (every dataset and attribute), SIGTERM
    and --resume, and a bad hypothesis on another rank than 0.

Usage: test_mpi.py --credal PATH (an MPI build) [--mpirun mpirun]; exit 77 without mpirun,
h5py or numpy.
"""
import argparse
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

from checker import Checker  # tests/checker.py, beside this script

try:
    import numpy as np
    import h5py
except ImportError as exc:  # pragma: no cover
    print(f"SKIP: h5py/numpy not importable ({exc})")
    sys.exit(77)

DATASETS = ["lower", "argmin", "upper", "argmax", "regret", "best/value", "best/policy",
            "policy/class_lower", "policy/class_lower_hypothesis", "policy/worst_regret",
            "policy/worst_regret_hypothesis", "policy/bayes_regret", "policy/credal_regret",
            "policy/credal_regret_prior"]


RULES = ["gamma_maximin", "gamma_maximax", "hurwicz", "interval_dominance", "maximal",
         "e_admissible", "set_regret"]


def same(a, b):
    """The first dataset or choice that differs, or None."""
    with h5py.File(a, "r") as x, h5py.File(b, "r") as y:
        names = DATASETS + ([f"rules/{k}" for k in RULES] + [f"rules/class/{k}" for k in RULES]
                            if "rules" in x else [])
        for name in names:
            if name not in x and name not in y:  # --outputs policy: no (H, P) datasets
                continue
            if name not in y or name not in x or not np.array_equal(x[name][:], y[name][:]):
                return name
        if x.attrs["outputs"] != y.attrs["outputs"]:
            return "outputs attribute"
        for name in ("names/policies", "names/hypotheses"):
            if (name in x) != (name in y) or (name in x and list(x[name]) != list(y[name])):
                return name
        if "rules" in x and dict(x["rules"].attrs) != dict(y["rules"].attrs):
            return "rules attributes"
        if dict(x["choice"].attrs) != dict(y["choice"].attrs):
            return "choice"
        if "resume" in y:
            return "/resume left in the output"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--credal", required=True)
    ap.add_argument("--mpirun", default="mpirun")
    ap.add_argument("--data")
    args = ap.parse_args()
    mpirun = shutil.which(args.mpirun)
    if not mpirun:
        print("SKIP: mpirun not found")
        return 77
    ck = Checker()
    mpi = [mpirun, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none"]

    def run(cmd, **kw):
        return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)

    with tempfile.TemporaryDirectory(prefix="credal-mpi-") as tmp:
        inp = os.path.join(tmp, "in.h5")
        r = run([args.credal, "gen", "-o", inp, "--hypotheses", "4000", "--points", "30",
                 "--ragged", "--dim", "24", "--policies", "40", "--prior", "--prior-set", "3",
                 "--tv-balls", "700", "--contamination", "300", "--intervals", "300",
                 "--belief", "400", "--seed", "11", "-q"])
        if not ck.check(r.returncode == 0, f"gen: {r.stderr}"):
            return 1
        for backend, extra in (("cpu", []), ("reference", []), ("cpu", ["--precision", "f32"]),
                               ("cpu", ["--rules", "all", "--memory", "32MiB"]),
                               ("cpu", ["--rules", "all", "--memory", "32MiB", "--outputs", "policy"])):
            common = ["--backend", backend, "--upper", "-q", "--memory", "20MiB", *extra]
            backend += ("-f32" if "--precision" in extra else "-policy" if "--outputs" in extra
                        else "-rules" if extra else "")
            ref = os.path.join(tmp, f"one-{backend}.h5")
            r = run([args.credal, "eval", inp, "-o", ref, *common])
            ck.check(r.returncode == 0, f"one process ({backend}): {r.stderr}")
            for n in (1, 2, 3):
                out = os.path.join(tmp, f"np{n}-{backend}.h5")
                r = run(mpi + ["-np", str(n), args.credal, "eval", inp, "-o", out, *common])
                if ck.check(r.returncode == 0, f"-np {n} ({backend}): rc={r.returncode} {r.stderr[-500:]}"):
                    diff = same(ref, out)
                    ck.check(diff is None, f"-np {n} ({backend}) differs from one process in {diff}")
                    left = glob.glob(out + ".*")
                    ck.check(not left, f"-np {n} left {left}")

        # SIGTERM at several points, resumed with the same number of processes (a larger input)
        big = os.path.join(tmp, "big.h5")
        r = run([args.credal, "gen", "-o", big, "--hypotheses", "50000", "--points", "150",
                 "--ragged", "--dim", "32", "--policies", "48", "--prior", "--prior-set", "2",
                 "--tv-balls", "2000", "--seed", "12", "-q"])
        common = ["--backend", "reference", "--upper", "-q", "--memory", "24MiB"]
        ref = os.path.join(tmp, "big-one.h5")
        r = run([args.credal, "eval", big, "-o", ref, *common])
        ck.check(r.returncode == 0, f"one process (big): {r.stderr}")
        out = os.path.join(tmp, "resumed.h5")
        interrupted = 0
        for delay in (1.0, 1.0, 1.0, 1.0, 300):
            p = subprocess.Popen(mpi + ["-np", "2", args.credal, "eval", big, "-o", out, "--resume",
                                        *common], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
            try:
                p.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGTERM)
            _, err = p.communicate(timeout=300)
            if os.path.exists(out):
                break
            interrupted += 1
            ck.check(glob.glob(out + ".rank*of2*"), f"interrupted, but no share kept: {err[-300:]}")
        ck.check(interrupted >= 1, "never interrupted: the input is too small")
        print(f"     -np 2: {interrupted} SIGTERMs, each run continued with --resume")
        if ck.check(os.path.exists(out), "the resumed run did not finish"):
            diff = same(ref, out)
            ck.check(diff is None, f"resumed MPI run differs in {diff} ({interrupted} interruptions)")
            ck.check(not glob.glob(out + ".*"), f"left {glob.glob(out + '.*')}")
        inp_small = inp
        inp = big

        # --resume with another number of processes is refused
        out = os.path.join(tmp, "other-n.h5")
        p = subprocess.Popen(mpi + ["-np", "2", args.credal, "eval", inp, "-o", out, *common],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            p.wait(timeout=0.9)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGTERM)
        p.communicate(timeout=300)
        if glob.glob(out + ".rank*of2*"):
            r = run(mpi + ["-np", "3", args.credal, "eval", inp, "-o", out, "--resume", *common])
            ck.check(r.returncode == 65 and "another number of processes" in r.stderr,
                     f"-np 3 --resume over -np 2 shares: rc={r.returncode} {r.stderr[-300:]}")
            r = run(mpi + ["-np", "3", args.credal, "eval", inp, "-o", out, "--force", *common])
            ck.check(r.returncode == 0 and not glob.glob(out + ".*"),
                     f"--force over another run's shares: rc={r.returncode} {r.stderr[-300:]}")

        # a bad value in the last rank's share
        bad = os.path.join(tmp, "bad.h5")
        shutil.copy(inp_small, bad)
        with h5py.File(bad, "a") as f:
            pts = f["/hypotheses/points"]
            k = pts.shape[0] - 5
            row = pts[k]
            row[0] = np.nan
            pts[k] = row
        out = os.path.join(tmp, "bad-out.h5")
        r = run(mpi + ["-np", "3", args.credal, "eval", bad, "-o", out, "-q", "--backend", "cpu"])
        ck.check(r.returncode != 0 and r.stderr.count("/hypotheses/points") == 1 and
                 re.search(r"hypothesis 39\d\d, generator \d+ \(row %d\)" % k, r.stderr) and
                 not glob.glob(out + "*"),
                 f"NaN in rank 2's share: rc={r.returncode} left={glob.glob(out + '*')} {r.stderr[-500:]}")
        mdp_cases(ck, mpi, run, args.credal, tmp)
    print(f"{ck.passed} passed, {ck.failed} failed")
    return 0 if ck.failed == 0 else 1


def same_mdp(a, b):
    """The first dataset (every one, /optimal and /convergence included) or attribute of a
    credal-mdp result that differs, or None."""
    with h5py.File(a, "r") as x, h5py.File(b, "r") as y:
        names = []
        x.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        for name in names:
            if name not in y or not np.array_equal(x[name][()], y[name][()]):
                return name
        for group in ("choice", "convergence"):
            if dict(x[group].attrs) != dict(y[group].attrs):
                return group + " attributes"
        if "resume" in y or y.attrs["complete"] != 1:
            return "an unfinished output"
    return None


def mdp_cases(ck, mpi, run, credal, tmp):
    """credal-mdp inputs: the ranks share the hypotheses, rank 0 records them in order: the
    output of one process bit for bit; SIGTERM and --resume; a bad hypothesis on another rank."""
    mdp = os.path.join(tmp, "mdp.h5")
    r = run([credal, "gen", "--mdp", "-o", mdp, "--states", "3000", "--actions", "3",
             "--successors", "6", "--hypotheses", "7", "--policies", "5", "--prior",
             "--prior-set", "2", "-q"])
    if not ck.check(r.returncode == 0, f"gen --mdp: {r.stderr}"):
        return
    for backend in ("cpu", "reference"):
        common = ["--backend", backend, "--upper", "-q", "--threads", "1"]
        ref = os.path.join(tmp, f"mdp-one-{backend}.h5")
        r = run([credal, "eval", mdp, "-o", ref, *common])
        ck.check(r.returncode == 0, f"mdp one process ({backend}): {r.stderr}")
        for n in (2, 3):
            out = os.path.join(tmp, f"mdp-np{n}-{backend}.h5")
            r = run(mpi + ["-np", str(n), credal, "eval", mdp, "-o", out, *common])
            if ck.check(r.returncode == 0, f"mdp -np {n} ({backend}): {r.stderr[-500:]}"):
                diff = same_mdp(ref, out)
                ck.check(diff is None, f"mdp -np {n} ({backend}) differs in {diff}")
                ck.check(not glob.glob(out + ".*"), f"mdp -np {n} left {glob.glob(out + '.*')}")
    # SIGTERM, then --resume (with another number of processes: the hypotheses are the state);
    # the reference backend, whose run outlasts the delays on any machine the cpu's may not
    ref = os.path.join(tmp, "mdp-one-reference.h5")
    out = os.path.join(tmp, "mdp-resumed.h5")
    common = ["--backend", "reference", "--upper", "-q", "--threads", "1"]
    interrupted = 0
    for delay in (0.8, 0.8, 300):
        p = subprocess.Popen(mpi + ["-np", "2", credal, "eval", mdp, "-o", out, "--resume", *common],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGTERM)  # mpirun, the process started here
        _, err = p.communicate(timeout=300)
        if os.path.exists(out):
            break
        interrupted += 1
        ck.check(os.path.exists(out + ".partial"), f"mdp interrupted, no partial kept: {err[-300:]}")
    ck.check(interrupted >= 1, "mdp: never interrupted (the input is too small)")
    print(f"     mdp -np 2: {interrupted} SIGTERMs, each run continued with --resume")
    if ck.check(os.path.exists(out), "the resumed mdp run did not finish"):
        diff = same_mdp(ref, out)
        ck.check(diff is None, f"resumed mdp run differs in {diff}")
    # a bad value in a hypothesis rank 1 evaluates: every rank stops, 65, nothing left
    bad = os.path.join(tmp, "mdp-bad.h5")
    shutil.copy(mdp, bad)
    with h5py.File(bad, "a") as f:
        lower = f["/hypotheses/lower"]
        row = lower[4]
        row[3] = 0.9  # above its upper bound
        lower[4] = row
    out = os.path.join(tmp, "mdp-bad-out.h5")
    r = run(mpi + ["-np", "3", credal, "eval", bad, "-o", out, "-q"])
    ck.check(r.returncode == 65 and "hypothesis 4" in r.stderr and not glob.glob(out + "*"),
             f"mdp bad value on rank 1: rc={r.returncode} left={glob.glob(out + '*')} {r.stderr[-500:]}")


if __name__ == "__main__":
    sys.exit(main())
