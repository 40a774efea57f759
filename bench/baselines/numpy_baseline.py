#!/usr/bin/env python3
"""The numpy baseline for `credal eval --backend cpu`: what a competent user would write in an
afternoon instead of credal.

    python3 bench/baselines/numpy_baseline.py IN.h5 OUT.h5 [--upper] [--check CREDAL_OUT.h5] [-v]

It reads the whole credal-batch input into memory with h5py (no streaming, no chunking: the
way such a user would), computes

    V      = X @ U.T (+ b)                                  # one BLAS GEMM, (K_total, P)
    all hypotheses of K rows:  argmin = V.reshape(H, K, P).argmin(axis=1), lower = the
                               values it points at (np.take_along_axis)
    any sizes (or --general):  lower  = np.minimum.reduceat(V, offsets[:-1], axis=0),
                               argmin = first row of each segment where V == repeat(lower)

and then the regret stage of SPEC §1 with plain numpy (best value/policy, regret, class lower,
worst-case regret, Bayesian regret with /hypotheses/prior, credal-prior regret with
/hypotheses/prior_set, the /choice attributes), and writes the datasets of SPEC §3 with h5py.

Precision: everything is computed in float64 (float32 inputs are widened), as credal's default
`--precision f64`; output attribute `precision` = "f64".

Output layout: the same as credal's writer (docs/schema.md), so that the write cost is
comparable: every dataset chunked (an (H, P) dataset in chunks of min(P, 32768) columns times
as many rows as make about 32,768 elements; a 1-D dataset in chunks of up to 32,768) and
compressed with shuffle + gzip (deflate) level 1. The file is written in place (no .partial
and rename), `complete` is set to 1 last.

The baseline does not validate its input the way `credal validate` does (a user's afternoon
script would not); it only refuses the structured groups of SPEC §2 that it does not handle.

--check CREDAL_OUT.h5 re-reads the OUT.h5 just written and compares it with a credal result
for the same input under SPEC §6: values within |got - ref| <= atol + rtol*|ref| (float64:
rtol = 1e-12, atol = 1e-12 * (max|x| * max|u| * d + max|b|); float32 results: 1e-4 and 1e-5);
every index (argmin, argmax, best/policy, *_hypothesis, credal_regret_prior, /choice) equal, or
else credal's index must attain a value within that tolerance of the optimum (a near tie). It
prints a summary and exits 1 on any mismatch.

Exit status: 0 ok, 1 --check found a mismatch, 2 usage, 65 an input this script cannot handle.
"""
import argparse
import os
import sys
import time

import h5py
import numpy as np

CHUNK_ELEMENTS = 32768  # as credal's result writer (io/result_writer.c)
GZIP = dict(compression="gzip", compression_opts=1, shuffle=True)


# ----------------------------------------------------------------------------- compute

def read_input(path):
    with h5py.File(path, "r") as f:
        for g in ("tv_balls", "contamination", "intervals"):
            if g in f:
                print(f"numpy_baseline: {path}: /{g} (structured credal sets) is not handled "
                      "by this baseline", file=sys.stderr)
                sys.exit(65)
        hyp = f["hypotheses"]
        inp = {
            "X": hyp["points"][...],
            "offsets": hyp["offsets"][...].astype(np.int64),
            "b": hyp["constants"][...] if "constants" in hyp else None,
            "U": f["policies/utility"][...],
            "prior": hyp["prior"][...] if "prior" in hyp else None,
            "prior_set": hyp["prior_set"][...] if "prior_set" in hyp else None,
        }
    # credal's default precision is f64: widen float32 inputs (no copy when already float64)
    for k in ("X", "b", "U", "prior", "prior_set"):
        if inp[k] is not None:
            inp[k] = inp[k].astype(np.float64, copy=False)
    return inp


def segment_argmin(V, lower, offsets):
    """Index within its hypothesis of the first row attaining lower[h, p] (lowest on ties)."""
    starts, sizes = offsets[:-1], np.diff(offsets)
    # any sizes: local row index where V equals its segment's minimum, else a large number,
    # then the segment minimum of those indices is the first match
    is_min = V == np.repeat(lower, sizes, axis=0)
    local = (np.arange(V.shape[0], dtype=np.int64) - np.repeat(starts, sizes)).astype(np.int32)
    cand = np.where(is_min, local[:, None], np.int32(np.iinfo(np.int32).max))
    del is_min
    return np.minimum.reduceat(cand, starts, axis=0)


def segment_argmax(V, upper, offsets):
    starts, sizes = offsets[:-1], np.diff(offsets)
    is_max = V == np.repeat(upper, sizes, axis=0)
    local = (np.arange(V.shape[0], dtype=np.int64) - np.repeat(starts, sizes)).astype(np.int32)
    cand = np.where(is_max, local[:, None], np.int32(np.iinfo(np.int32).max))
    del is_max
    return np.minimum.reduceat(cand, starts, axis=0)


def compute(inp, upper=False, general=False, times=None):
    times = {} if times is None else times
    X, U, b, offsets = inp["X"], inp["U"], inp["b"], inp["offsets"]
    starts = offsets[:-1]
    res = {}

    t = time.perf_counter()
    V = X @ U.T                                    # (K_total, P)
    if b is not None:
        V += b[:, None]
    times["gemm"] = time.perf_counter() - t

    t = time.perf_counter()
    sizes = np.diff(offsets)
    if (sizes == sizes[0]).all() and not general:
        # every hypothesis has K rows: a (H, K, P) view, numpy's argmin (first occurrence on
        # ties) and the values it points at. On this shape that is 2-3x faster than
        # np.minimum.reduceat, which the general path below uses.
        Vr = V.reshape(len(sizes), int(sizes[0]), V.shape[1])
        am = Vr.argmin(axis=1)
        res["lower"] = np.take_along_axis(Vr, am[:, None, :], axis=1)[:, 0, :]
        res["argmin"] = am.astype(np.int32)
        if upper:
            ax = Vr.argmax(axis=1)
            res["upper"] = np.take_along_axis(Vr, ax[:, None, :], axis=1)[:, 0, :]
            res["argmax"] = ax.astype(np.int32)
    else:
        res["lower"] = np.minimum.reduceat(V, starts, axis=0)   # (H, P)
        res["argmin"] = segment_argmin(V, res["lower"], offsets)
        if upper:
            res["upper"] = np.maximum.reduceat(V, starts, axis=0)
            res["argmax"] = segment_argmax(V, res["upper"], offsets)
    lower = res["lower"]
    del V
    times["reduce"] = time.perf_counter() - t

    t = time.perf_counter()
    best_policy = lower.argmax(axis=1)
    best = lower[np.arange(lower.shape[0]), best_policy]
    regret = best[:, None] - lower
    res["best/value"] = best
    res["best/policy"] = best_policy.astype(np.int32)
    res["regret"] = regret
    res["policy/class_lower_hypothesis"] = lower.argmin(axis=0).astype(np.int32)
    res["policy/class_lower"] = lower.min(axis=0)
    res["policy/worst_regret_hypothesis"] = regret.argmax(axis=0).astype(np.int32)
    res["policy/worst_regret"] = regret.max(axis=0)
    choice = {
        "maximin": int(res["policy/class_lower"].argmax()),
        "minimax_regret": int(res["policy/worst_regret"].argmin()),
    }
    if inp["prior"] is not None:
        res["policy/bayes_regret"] = inp["prior"] @ regret
        choice["bayes"] = int(res["policy/bayes_regret"].argmin())
    if inp["prior_set"] is not None:
        R = inp["prior_set"] @ regret                # (Q, P)
        res["policy/credal_regret_prior"] = R.argmax(axis=0).astype(np.int32)
        res["policy/credal_regret"] = R.max(axis=0)
        choice["credal"] = int(res["policy/credal_regret"].argmin())
    res["choice"] = choice
    times["regret"] = time.perf_counter() - t
    return res


# ----------------------------------------------------------------------------- write

def chunks_for(shape):
    if len(shape) == 1:
        return (max(1, min(shape[0], CHUNK_ELEMENTS)),)
    H, P = shape
    cols = max(1, min(P, CHUNK_ELEMENTS))
    return (max(1, min(H, max(1, CHUNK_ELEMENTS // cols))), cols)


def blas_name():
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:
        return "unknown BLAS"


def write_output(path, inp_path, res, elapsed):
    with h5py.File(path, "w") as f:
        f.attrs["schema"] = "credal-result"
        f.attrs["version"] = np.int64(1)
        f.attrs["complete"] = np.int64(0)
        f.attrs["backend"] = "numpy"
        f.attrs["device"] = f"numpy {np.__version__} ({blas_name()}), {os.cpu_count()} CPUs"
        f.attrs["precision"] = "f64"
        f.attrs["credal_version"] = "none (numpy baseline)"
        f.attrs["input"] = inp_path
        for name, data in res.items():
            if name == "choice":
                continue
            f.create_dataset(name, data=data, chunks=chunks_for(data.shape), **GZIP)
        g = f.create_group("choice")
        for k, v in res["choice"].items():
            g.attrs[k] = np.int64(v)
        f.attrs["elapsed_seconds"] = np.float64(elapsed)
        f.attrs["complete"] = np.int64(1)


# ----------------------------------------------------------------------------- check

class Checker:
    def __init__(self, inp, precision):
        X, U, b = inp["X"], inp["U"], inp["b"]
        d = X.shape[1]
        scale = float(np.abs(X).max()) * float(np.abs(U).max()) * d
        if b is not None and b.size:
            scale += float(np.abs(b).max())
        self.rtol, s = (1e-4, 1e-5) if precision == "f32" else (1e-12, 1e-12)
        self.atol = s * scale
        self.failures = 0
        self.lines = []

    def close(self, got, ref):
        got, ref = np.asarray(got, np.float64), np.asarray(ref, np.float64)
        return np.abs(got - ref) <= self.atol + self.rtol * np.abs(ref)  # NaN -> False

    def fail(self, msg):
        self.failures += 1
        if self.failures <= 20:
            self.lines.append("  MISMATCH " + msg)

    def values(self, name, ours, theirs):
        ok = self.close(theirs, ours)
        bad = np.flatnonzero(~ok.ravel())
        for i in bad[:5]:
            idx = tuple(int(j) for j in np.unravel_index(i, ours.shape))
            t, o = float(theirs[idx]), float(ours[idx])
            self.fail(f"/{name}{list(idx)}: credal {t!r} numpy {o!r} "
                      f"(|diff| {abs(t - o):.3g}, atol {self.atol:.3g})")
        if len(bad) > 5:
            self.fail(f"/{name}: {len(bad)} values out of tolerance in all")
        return len(bad)

    def indices(self, name, ours, theirs, value_at, optimum):
        """Where the indices differ, credal's must attain a value within tolerance of the
        optimum: value_at(positions, indices) gives the value its index attains there."""
        diff = np.flatnonzero((ours != theirs).ravel())
        if len(diff) == 0:
            return 0, 0
        pos = np.unravel_index(diff, ours.shape)
        got = value_at(pos, theirs[pos])
        ok = self.close(got, optimum[pos])
        for j in np.flatnonzero(~ok)[:5]:
            p = tuple(int(a[j]) for a in pos)
            self.fail(f"/{name}{list(p)}: credal {int(theirs[p])} numpy {int(ours[p])} "
                      f"(credal's attains {float(got[j])!r}, optimum {float(optimum[p])!r})")
        nbad = int((~ok).sum())
        if nbad > 5:
            self.fail(f"/{name}: {nbad} indices that are not near ties in all")
        return nbad, len(diff) - nbad


def run_check(inp, ours_path, credal_path):
    with h5py.File(credal_path, "r") as fc, h5py.File(ours_path, "r") as fo:
        precision = fc.attrs.get("precision", "f64")
        precision = precision.decode() if isinstance(precision, bytes) else str(precision)
        ck = Checker(inp, precision)
        if fc.attrs.get("schema") not in ("credal-result", b"credal-result"):
            ck.fail(f"{credal_path}: root attr schema is {fc.attrs.get('schema')!r}")
        if int(fc.attrs.get("version", -1)) != 1:
            ck.fail(f"{credal_path}: root attr version is {fc.attrs.get('version')!r}")
        if int(fc.attrs.get("complete", 0)) != 1:
            ck.fail(f"{credal_path}: root attr complete is {fc.attrs.get('complete')!r}, not 1")

        def names(f):
            out = []
            f.visititems(lambda n, o: out.append(n) if isinstance(o, h5py.Dataset) else None)
            return set(out)
        nc, no = names(fc), names(fo)
        for n in sorted(nc - no):
            if n in ("upper", "argmax"):
                ck.fail(f"/{n} in credal's output: run this baseline with --upper to check it")
            else:
                ck.fail(f"/{n} is in credal's output but not computed by the baseline")
        for n in sorted(no - nc):
            ck.fail(f"/{n} is missing from credal's output")
        common = sorted(nc & no)
        O = {n: fo[n][...] for n in common}
        C = {n: fc[n][...] for n in common}
        for n in common:
            if O[n].shape != C[n].shape:
                ck.fail(f"/{n}: shape {C[n].shape} in credal's output, {O[n].shape} expected")
        common = [n for n in common if O[n].shape == C[n].shape]
        for n in common:
            want = np.int32 if n in ("argmin", "argmax", "best/policy") or n.endswith(
                ("_hypothesis", "_prior")) else None
            if want is not None and C[n].dtype != want:
                ck.fail(f"/{n}: dtype {C[n].dtype} in credal's output, int32 expected")

        counts = {}
        for n in common:
            if np.issubdtype(O[n].dtype, np.floating):
                counts[n] = (ck.values(n, O[n], C[n]), 0)

        X, U, b, offsets = inp["X"], inp["U"], inp["b"], inp["offsets"]
        sizes = np.diff(offsets)

        def gen_value(pos, k):
            h, p = pos
            k = np.asarray(k, np.int64)
            inside = (k >= 0) & (k < sizes[h])
            rows = offsets[h] + np.where(inside, k, 0)
            v = np.einsum("ij,ij->i", X[rows], U[p])
            if b is not None:
                v = v + b[rows]
            return np.where(inside, v, np.nan)

        def take(arr, axis_len):
            def f(pos, k):
                k = np.asarray(k, np.int64)
                inside = (k >= 0) & (k < axis_len)
                return np.where(inside, arr(pos, np.where(inside, k, 0)), np.nan)
            return f

        lower, regret = O.get("lower"), O.get("regret")
        H, P = lower.shape if lower is not None else (0, 0)
        idx_checks = []
        if "argmin" in common:
            idx_checks.append(("argmin", gen_value, O["lower"]))
        if "argmax" in common and "upper" in O:
            idx_checks.append(("argmax", gen_value, O["upper"]))
        if "best/policy" in common and lower is not None:
            idx_checks.append(("best/policy", take(lambda pos, k: lower[pos[0], k], P),
                               O["best/value"]))
        if "policy/class_lower_hypothesis" in common and lower is not None:
            idx_checks.append(("policy/class_lower_hypothesis",
                               take(lambda pos, k: lower[k, pos[0]], H),
                               O["policy/class_lower"]))
        if "policy/worst_regret_hypothesis" in common and regret is not None:
            idx_checks.append(("policy/worst_regret_hypothesis",
                               take(lambda pos, k: regret[k, pos[0]], H),
                               O["policy/worst_regret"]))
        if "policy/credal_regret_prior" in common and inp["prior_set"] is not None:
            R = inp["prior_set"] @ regret
            idx_checks.append(("policy/credal_regret_prior",
                               take(lambda pos, k: R[k, pos[0]], R.shape[0]),
                               O["policy/credal_regret"]))
        for n, value_at, opt in idx_checks:
            counts[n] = ck.indices(n, O[n], C[n], value_at, opt)

        # /choice attrs
        oc = dict(fo["choice"].attrs) if "choice" in fo else {}
        cc = dict(fc["choice"].attrs) if "choice" in fc else {}
        crit = {"maximin": ("policy/class_lower", max), "minimax_regret": ("policy/worst_regret", min),
                "bayes": ("policy/bayes_regret", min), "credal": ("policy/credal_regret", min)}
        ties = 0
        before = ck.failures
        for k in sorted(set(oc) | set(cc)):
            if k not in cc or k not in oc:
                ck.fail(f"/choice attr {k}: {'missing from credal' if k not in cc else 'unexpected'}"
                        f" in credal's output")
                continue
            if int(cc[k]) == int(oc[k]):
                continue
            ds = crit.get(k, (None,))[0]
            if ds is None or ds not in O:
                ck.fail(f"/choice attr {k}: credal {cc[k]} numpy {oc[k]}")
                continue
            vals = O[ds]
            c = int(cc[k])
            if 0 <= c < len(vals) and ck.close(vals[c], vals[int(oc[k])]):
                ties += 1
            else:
                ck.fail(f"/choice attr {k}: credal {c} numpy {int(oc[k])}, not a near tie")
        choice_ok = ck.failures == before

    print(f"check {ours_path} against {credal_path}: precision {precision}, "
          f"rtol {ck.rtol:g}, atol {ck.atol:.3g}")
    for n in sorted(counts):
        a, t = counts[n]
        extra = f", {t} differing near ties" if t else ""
        print(f"  /{n:34s} {'ok' if a == 0 else f'{a} bad'}{extra}")
    print(f"  /choice attrs {sorted(cc)}: {'ok' if choice_ok else 'see below'}"
          + (f", {ties} differing near ties" if ties else ""))
    for line in ck.lines:
        print(line)
    print("check: " + ("PASS" if ck.failures == 0 else f"FAIL ({ck.failures} problems)"))
    return ck.failures == 0


# ----------------------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="credal-batch input (IN.h5)")
    ap.add_argument("output", help="credal-result output to write (OUT.h5; overwritten)")
    ap.add_argument("--upper", action="store_true", help="also /upper and /argmax")
    ap.add_argument("--check", metavar="CREDAL_OUTPUT.h5",
                    help="compare with credal's result for the same input (SPEC §6); exit 1 on mismatch")
    ap.add_argument("--general", action="store_true",
                    help="use the ragged (reduceat) path even when all hypotheses have K rows")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the time of each phase")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    times = {}
    inp = read_input(args.input)
    times["read"] = time.perf_counter() - t0
    res = compute(inp, upper=args.upper, general=args.general, times=times)
    t = time.perf_counter()
    write_output(args.output, args.input, res, time.perf_counter() - t0)
    times["write"] = time.perf_counter() - t
    if args.verbose:
        H, P = res["lower"].shape
        print(f"numpy_baseline: {H} hypotheses, {inp['X'].shape[0]} generators, "
              f"d={inp['X'].shape[1]}, {P} policies: "
              + ", ".join(f"{k} {v:.3f} s" for k, v in times.items())
              + f", total {time.perf_counter() - t0:.3f} s", file=sys.stderr)
    if args.check:
        return 0 if run_check(inp, args.output, args.check) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
