#!/usr/bin/env python3
"""Structured credal sets end to end, against computations that share no code with credal.

  * Files with generators followed by /tv_balls, /contamination, /intervals and /belief
    (written by h5py, d = 1..4, exact dyadic data, ties in utility, radius/epsilon 0 and 1,
    degenerate intervals) are evaluated by `credal eval` (reference and cpu, with --upper and
    with a --memory small enough for many chunks); every structured hypothesis's lower and
    upper expectation is compared with numpy's brute-force vertex enumeration of the set's
    H-representation (all (d-1)-subsets of active constraints, solved and kept when feasible),
    argmin/argmax must be -1, and the regret stage must agree with numpy on all hypotheses.
  * The same sets written as linear constraints (a credal-constraints file) go through
    `credal convert` (floating point and --exact): the vertex files evaluate to the same
    lower and upper expectations as the structured file.
  * convert refuses an empty set (exit 65, naming the hypothesis, no output left) and
    malformed constraint files; validate and info describe structured files.

Usage: test_structured.py --credal PATH_TO_BINARY [--data DIR]; exit 77 without h5py/numpy.
"""
import argparse
import itertools
import os
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

GRID = 64.0


def dyadic_simplex(rng, d):
    """Multiples of 1/64 summing to exactly 1, some zeros."""
    q = np.zeros(d)
    left = int(GRID)
    while left > 0:
        j = int(rng.integers(d))
        n = int(rng.integers(1, left + 1))
        q[j] += n / GRID
        left -= n
    return q


def unit_edge(rng):
    r = rng.random()
    return 0.0 if r < 0.15 else 1.0 if r < 0.3 else int(rng.integers(1, 64)) / GRID


def h_rep(family, data, d):
    """(A, b) with the set = {q : A q <= b, q >= 0, sum q = 1}."""
    A, b = [], []
    if family == "tv_balls":
        c, r = data
        for s in itertools.product([-1.0, 1.0], repeat=d):
            s = np.array(s)
            A.append(s)
            b.append(2 * r + s @ c)
    elif family == "contamination":
        c, e = data
        for j in range(d):
            A.append(-np.eye(d)[j])
            b.append(-(1 - e) * c[j])
    elif family == "intervals":
        lo, hi = data
        for j in range(d):
            A.append(np.eye(d)[j]); b.append(hi[j])
            A.append(-np.eye(d)[j]); b.append(-lo[j])
    else:  # belief: q(S) >= Bel(S) for every non-empty S
        focal, mass = data
        for mask in range(1, 1 << d):
            S = np.array([(mask >> j) & 1 for j in range(d)], bool)
            bel = sum(m for a, m in zip(focal, mass) if not np.any(a.astype(bool) & ~S))
            A.append(-S.astype(float)); b.append(-bel)
    return np.array(A).reshape(-1, d), np.array(b)


def vertices(A, b, d):
    """Brute force: every choice of d-1 tight rows among A q <= b and q >= 0, with sum q = 1."""
    rows = np.vstack([A, -np.eye(d)]) if len(A) else -np.eye(d)
    rhs = np.concatenate([b, np.zeros(d)]) if len(A) else np.zeros(d)
    out = []
    for idx in itertools.combinations(range(len(rows)), d - 1):
        M = np.vstack([rows[list(idx)], np.ones(d)]) if d > 1 else np.ones((1, 1))
        y = np.concatenate([rhs[list(idx)], [1.0]]) if d > 1 else np.array([1.0])
        if abs(np.linalg.det(M)) < 1e-12:
            continue
        q = np.linalg.solve(M, y)
        if np.all(rows @ q <= rhs + 1e-9):
            out.append(q)
    return np.array(out)


def make_sets(rng, d, n):
    sets = {"tv_balls": [], "contamination": [], "intervals": [], "belief": []}
    for _ in range(n):
        sets["tv_balls"].append((dyadic_simplex(rng, d), unit_edge(rng)))
        sets["contamination"].append((dyadic_simplex(rng, d), unit_edge(rng)))
        c = dyadic_simplex(rng, d)
        if rng.random() < 0.2:
            lo = hi = c
        else:
            lo = np.floor(c * rng.random(d) * 4096) / 4096
            hi = np.ceil((c + (1 - c) * rng.random(d)) * 4096) / 4096
        sets["intervals"].append((lo, hi))
        k = int(rng.integers(1, 5))
        focal = (rng.random((k, d)) < 0.5).astype(np.uint8)
        focal[np.arange(k), rng.integers(d, size=k)] = 1
        sets["belief"].append((focal, dyadic_simplex(rng, k)))
    return sets


FAMILIES = ["tv_balls", "contamination", "intervals", "belief"]


def write_batch(path, X, offsets, U, sets, prior, dtype=np.float64):
    """The structured datasets in dtype (float32 too: the data are exact dyadic numbers)."""
    with h5py.File(path, "w") as f:
        f.attrs["schema"] = "credal-batch"
        f.attrs["version"] = 1
        f["/hypotheses/points"] = X
        f["/hypotheses/offsets"] = offsets
        f["/hypotheses/prior"] = prior
        f["/policies/utility"] = U
        f["/tv_balls/centers"] = np.array([c for c, _ in sets["tv_balls"]]).astype(dtype)
        f["/tv_balls/radius"] = np.array([r for _, r in sets["tv_balls"]]).astype(dtype)
        f["/contamination/centers"] = np.array([c for c, _ in sets["contamination"]]).astype(dtype)
        f["/contamination/epsilon"] = np.array([e for _, e in sets["contamination"]]).astype(dtype)
        f["/intervals/lower"] = np.array([lo for lo, _ in sets["intervals"]]).astype(dtype)
        f["/intervals/upper"] = np.array([hi for _, hi in sets["intervals"]]).astype(dtype)
        f["/belief/focal"] = np.vstack([a for a, _ in sets["belief"]])
        f["/belief/mass"] = np.concatenate([m for _, m in sets["belief"]]).astype(dtype)
        f["/belief/offsets"] = np.concatenate([[0], np.cumsum([len(m) for _, m in sets["belief"]])])


def write_constraints(path, reps, U, prior):
    with h5py.File(path, "w") as f:
        f.attrs["schema"] = "credal-constraints"
        f.attrs["version"] = 1
        f["/constraints/A"] = np.vstack([A for A, _ in reps])
        f["/constraints/b"] = np.concatenate([b for _, b in reps])
        f["/constraints/offsets"] = np.concatenate([[0], np.cumsum([len(b) for _, b in reps])])
        f["/policies/utility"] = U
        f["/hypotheses/prior"] = prior


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


def case(ck, credal, tmp, seed, d, n, P, dtype=np.float64):
    rng = np.random.default_rng(seed)
    name = f"seed {seed} d={d} n={n} P={P} {np.dtype(dtype).name}"
    H0 = int(rng.integers(1, 6))
    sizes = rng.integers(1, 4, size=H0)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    X = np.array([dyadic_simplex(rng, d) for _ in range(offsets[-1])])
    U = rng.integers(-2, 3, size=(P, d)).astype(float) if seed % 2 else rng.normal(size=(P, d))
    sets = make_sets(rng, d, n)
    H = H0 + 4 * n
    prior = np.full(H, 1.0 / H)
    batch = os.path.join(tmp, f"s{seed}.h5")
    write_batch(batch, X, offsets, U, sets, prior, dtype)
    rc, _, se = run([credal, "validate", batch])
    ck.check(rc == 0, f"{name}: validate rc={rc} {se[-300:]}")

    # numpy: every hypothesis's lower/upper
    lo = np.zeros((H, P)); hi = np.zeros((H, P))
    for h in range(H0):
        V = X[offsets[h]:offsets[h + 1]] @ U.T
        lo[h], hi[h] = V.min(0), V.max(0)
    h = H0
    reps = []
    for fam in FAMILIES:
        for data in sets[fam]:
            A, b = h_rep(fam, data, d)
            reps.append((A, b))
            Vx = vertices(A, b, d)
            ck.check(len(Vx) > 0, f"{name}: numpy found no vertex for {fam} (hypothesis {h})")
            V = Vx @ U.T
            lo[h], hi[h] = V.min(0), V.max(0)
            h += 1
    tol = 1e-12 * np.abs(U).max() * d + 1e-300

    outs = {}
    for backend, mem in [("reference", None), ("cpu", None), ("cpu", "12MiB")]:
        out = os.path.join(tmp, f"s{seed}-{backend}-{mem}.h5")
        cmd = [credal, "eval", batch, "-o", out, "--backend", backend, "--upper", "-f", "-q"]
        if mem:
            cmd += ["--memory", mem]
        rc, _, se = run(cmd)
        if not ck.check(rc == 0, f"{name}: eval {backend} rc={rc} {se[-300:]}"):
            continue
        with h5py.File(out) as f:
            L, Up, am, ax = f["lower"][:], f["upper"][:], f["argmin"][:], f["argmax"][:]
            reg, wr = f["regret"][:], f["policy/worst_regret"][:]
        outs[(backend, mem)] = L
        what = f"{name} {backend}{' ' + mem if mem else ''}"
        ck.check(np.all(np.abs(L - lo) <= tol + 1e-12 * np.abs(lo)),
                 f"{what}: lower differs from numpy's vertices by {np.abs(L - lo).max():.3g}")
        ck.check(np.all(np.abs(Up - hi) <= tol + 1e-12 * np.abs(hi)),
                 f"{what}: upper differs from numpy's vertices by {np.abs(Up - hi).max():.3g}")
        ck.check(np.all(am[H0:] == -1) and np.all(ax[H0:] == -1) and np.all(am[:H0] >= 0),
                 f"{what}: argmin/argmax of structured sets must be -1")
        best = L.max(1, keepdims=True)
        ck.check(np.array_equal(reg, best - L) and np.array_equal(wr, (best - L).max(0)),
                 f"{what}: regret stage inconsistent with /lower")

    # the same sets as constraints -> convert -> vertices evaluate to the same values
    cons = os.path.join(tmp, f"c{seed}.h5")
    write_constraints(cons, reps, U, prior[H0:] / prior[H0:].sum())
    for exact in (False, True):
        conv = os.path.join(tmp, f"c{seed}-{exact}.h5")
        rc, so, se = run([credal, "convert", cons, "-o", conv, "-f"] + (["--exact"] if exact else []))
        if not ck.check(rc == 0, f"{name}: convert{' --exact' if exact else ''} rc={rc} {se[-300:]}"):
            continue
        out = conv + ".out.h5"
        rc, _, se = run([credal, "eval", conv, "-o", out, "--backend", "reference", "--upper", "-f", "-q"])
        if not ck.check(rc == 0, f"{name}: eval of converted rc={rc} {se[-300:]}"):
            continue
        with h5py.File(out) as f:
            L, Up = f["lower"][:], f["upper"][:]
        ftol = tol if exact else 1e-9 * np.abs(U).max() * d
        ck.check(np.all(np.abs(L - lo[H0:]) <= ftol + 1e-12 * np.abs(lo[H0:])) and
                 np.all(np.abs(Up - hi[H0:]) <= ftol + 1e-12 * np.abs(hi[H0:])),
                 f"{name}: converted ({'exact' if exact else 'float'}) vertices evaluate "
                 f"{max(np.abs(L - lo[H0:]).max(), np.abs(Up - hi[H0:]).max()):.3g} away")


def refusals(ck, credal, tmp):
    U = np.array([[1.0, 2.0, 3.0]])
    # hypothesis 1 is empty: q_j <= 0.3 for all j
    reps = [(np.eye(3)[:1], np.array([0.5])), (np.eye(3), np.full(3, 0.3))]
    cons = os.path.join(tmp, "empty.h5")
    write_constraints(cons, reps, U, np.array([0.5, 0.5]))
    out = os.path.join(tmp, "empty-out.h5")
    for extra in ([], ["--exact"]):
        rc, _, se = run([credal, "convert", cons, "-o", out] + extra)
        ck.check(rc == 65 and "hypothesis 1" in se and "empty" in se and not os.path.exists(out)
                 and not os.path.exists(out + ".partial"),
                 f"empty set{' --exact' if extra else ''}: rc={rc} {se[-300:]}")
    bad = os.path.join(tmp, "bad.h5")
    write_constraints(bad, [(np.array([[np.nan, 0, 0]]), np.array([1.0]))], U, np.array([1.0]))
    rc, _, se = run([credal, "convert", bad, "-o", out])
    ck.check(rc == 65 and "/constraints/A" in se and "row 0" in se and "column 0" in se,
             f"NaN constraint: rc={rc} {se[-300:]}")
    with h5py.File(bad, "a") as f:
        del f["/constraints/offsets"]
        f["/constraints/offsets"] = np.array([0, 2])
    rc, _, se = run([credal, "convert", bad, "-o", out])
    ck.check(rc == 65 and "/constraints/offsets" in se, f"offsets past the rows: rc={rc} {se[-300:]}")
    # a hypothesis without constraints is the whole simplex: its d vertices
    whole = os.path.join(tmp, "whole.h5")
    write_constraints(whole, [(np.zeros((0, 3)), np.zeros(0)), (np.eye(3)[:1], np.array([0.25]))],
                      U, np.array([0.5, 0.5]))
    rc, _, se = run([credal, "convert", whole, "-o", out, "-f", "-q"])
    if ck.check(rc == 0, f"whole simplex: rc={rc} {se[-300:]}"):
        with h5py.File(out) as f:
            pts, offs = f["/hypotheses/points"][:], f["/hypotheses/offsets"][:]
        ck.check(list(offs) == [0, 3, 7] and np.array_equal(pts[:3], np.eye(3)[::-1]),
                 f"whole simplex and a cut one: offsets {list(offs)}, points {pts.tolist()}")
        os.remove(out)
    rc, _, se = run([credal, "convert", os.path.join(tmp, "missing.h5"), "-o", out])
    ck.check(rc == 66, f"missing constraints file: rc={rc}")
    rc, _, se = run([credal, "convert", cons])
    ck.check(rc == 64, f"convert without -o: rc={rc}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--credal", required=True)
    ap.add_argument("--data")
    args = ap.parse_args()
    ck = Checker()
    with tempfile.TemporaryDirectory(prefix="credal-structured-") as tmp:
        cases = [(1, 1, 3, 1), (2, 2, 5, 3), (3, 3, 8, 4), (4, 4, 6, 7), (5, 3, 12, 2),
                 (6, 4, 10, 5), (7, 2, 20, 1), (8, 1, 4, 2)]
        for seed, d, n, P in cases:
            case(ck, args.credal, tmp, seed, d, n, P)
        case(ck, args.credal, tmp, 9, 4, 8, 3, np.float32)
        refusals(ck, args.credal, tmp)
        # data/structured.h5: the numbers worked by hand in docs/math.md
        if args.data:
            sys.path.insert(0, args.data)
            from make_example import STRUCTURED_EXPECTED as want
            out = os.path.join(tmp, "structured-out.h5")
            for backend in ("reference", "cpu"):
                rc, so, se = run([args.credal, "eval", os.path.join(args.data, "structured.h5"),
                                  "-o", out, "--upper", "-f", "--backend", backend])
                if ck.check(rc == 0, f"data/structured.h5 ({backend}): rc={rc} {se[-300:]}"):
                    with h5py.File(out) as f:
                        got = {k: f[k][:] for k in want}
                        choice = dict(f["choice"].attrs)
                    for k in want:
                        ck.check(np.allclose(got[k], want[k], rtol=0, atol=1e-12),
                                 f"data/structured.h5 ({backend}) {k}: {got[k].tolist()} != {want[k]}")
                    ck.check(choice.get("maximin") == 0 and choice.get("minimax_regret") == 0 and
                             choice.get("bayes") == 0, f"data/structured.h5 choices {choice}")
        # a belief function larger than one chunk of --memory: refused with the way out
        big = os.path.join(tmp, "big-belief.h5")
        rc, _, se = run([args.credal, "gen", "-o", big, "--hypotheses", "0", "--dim", "2000",
                         "--policies", "4", "--belief", "2", "--focal-sets", "3000", "-q"])
        out = os.path.join(tmp, "big-out.h5")
        if ck.check(rc == 0, f"gen --belief: rc={rc} {se[-200:]}"):
            rc, _, se = run([args.credal, "eval", big, "-o", out, "--memory", "40MiB"])
            ck.check(rc == 64 and "belief function 0" in se and "raise --memory" in se and
                     not os.path.exists(out) and not os.path.exists(out + ".partial"),
                     f"belief function over --memory: rc={rc} {se[-300:]}")
            rc, _, se = run([args.credal, "eval", big, "-o", out, "-q"])
            ck.check(rc == 0, f"the same with the default --memory: rc={rc} {se[-300:]}")
        # info names the families
        path = os.path.join(tmp, "s3.h5")
        rc, so, _ = run([args.credal, "info", path])
        ck.check(rc == 0 and "tv balls" in so and "belief" in so and "focal sets" in so,
                 f"info of a structured file: rc={rc} {so[-300:]}")
    print(f"{ck.passed} passed, {ck.failed} failed")
    return 0 if ck.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
