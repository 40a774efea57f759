#!/usr/bin/env python3
"""Interoperability test: credal-batch v1 inputs written by h5py, results read back by h5py.

For each of a set of deterministic random instances (ragged hypotheses from 1 to ~3000
generators, d from 1 to 300, P from 1 to 500, all three kinds, with and without constants,
priors and prior sets, float32/float64 and big-endian data, various offset dtypes, string
attribute styles, compressed inputs, exact ties) this script

  * writes the input with h5py,
  * checks that `credal validate` accepts it,
  * runs `credal eval IN -o OUT --backend reference|cpu [--upper] [--memory SIZE]`,
  * recomputes EVERY output dataset with numpy and compares within SPEC §6
    (float64: rtol = 1e-12, atol = 1e-12 * (max|x| * max|u| * d + max|b|)),
  * checks the index outputs (argmin/argmax, best/policy, *_hypothesis, credal_regret_prior,
    /choice attrs): an index may differ from numpy's only where the values are within that
    tolerance; indices must point at the lowest of exactly tied entries (byte-identical
    generator rows, identical policies, exact integer arithmetic);
  * checks that derived outputs are exactly consistent with the tool's own /lower
    (best = max_p lower, regret = best - lower, class_lower = min_h lower, ...);
  * checks root attributes and that the (H, P) datasets are chunked with shuffle + deflate.

Usage: test_interop.py --credal PATH_TO_BINARY [--data DATA_DIR]
Prints one line per case and finally "N passed, M failed"; exit 0 only if all passed,
77 when h5py/numpy are missing (CTest shows a skip).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import h5py
except ImportError as exc:  # pragma: no cover - environment dependent
    print(f"SKIP: h5py/numpy not importable ({exc})")
    sys.exit(77)

RTOL = 1e-12
RUN_TIMEOUT = 120  # seconds, per subprocess
MIB = 1 << 20


# --------------------------------------------------------------------------------------------
# instances
# --------------------------------------------------------------------------------------------

class Instance:
    """Arrays of one credal-batch input plus how to write it."""

    def __init__(self, name):
        self.name = name
        self.kind = "distribution"
        self.write_kind = True        # False: leave the attribute out (default distribution)
        self.X = None                 # (K_total, d) as stored (float32 or float64, any order)
        self.offsets = None           # (H+1,) as stored
        self.B = None                 # (K_total,) or None
        self.U = None                 # (P, d) as stored
        self.prior = None             # (H,) or None
        self.Z = None                 # (Q, H) or None
        self.tolerance = None         # explicit /hypotheses tolerance attr, or None
        self.attr_style = "vlen"      # "vlen" (h5py str) or "fixed" (fixed-length ASCII)
        self.version_dtype = np.int64
        self.compress = False         # gzip + shuffle + fletcher32 on the input datasets
        self.names = False            # /hypotheses/names and /policies/names
        self.vds_points = False       # /hypotheses/points as a virtual dataset inside the file
        self.exact = False            # integer data: every value exact, argmin must be numpy's
        self.notes = []

    # float64 views of what the tool reads (it converts everything to float64)
    @property
    def X64(self):
        return np.asarray(self.X, dtype=np.float64)

    @property
    def U64(self):
        return np.asarray(self.U, dtype=np.float64)

    @property
    def B64(self):
        if self.B is None:
            return np.zeros(self.X.shape[0])
        return np.asarray(self.B, dtype=np.float64)

    @property
    def off64(self):
        return np.asarray(self.offsets, dtype=np.int64)

    @property
    def H(self):
        return len(self.offsets) - 1

    def describe(self):
        X = self.X
        return (f"H={self.H} K_total={X.shape[0]} K_max={int(np.diff(self.off64).max())} "
                f"d={X.shape[1]} P={self.U.shape[0]} kind={self.kind} "
                f"points={X.dtype.str} util={self.U.dtype.str} offsets={np.asarray(self.offsets).dtype.str} "
                f"constants={'yes' if self.B is not None else 'no'} "
                f"prior={'yes' if self.prior is not None else 'no'} "
                f"Q={0 if self.Z is None else self.Z.shape[0]}"
                + (" " + " ".join(self.notes) if self.notes else ""))


def _str_attr(attrs, key, value, style):
    if style == "fixed":
        attrs.create(key, np.bytes_(value.encode("ascii")))
    else:
        attrs[key] = value


def write_instance(inst, path):
    with h5py.File(path, "w") as f:
        _str_attr(f.attrs, "schema", "credal-batch", inst.attr_style)
        f.attrs.create("version", inst.version_dtype(1))
        g = f.create_group("hypotheses")
        if inst.write_kind:
            _str_attr(g.attrs, "kind", inst.kind, inst.attr_style)
        if inst.tolerance is not None:
            g.attrs["tolerance"] = float(inst.tolerance)
        kw = dict(chunks=True, compression="gzip", shuffle=True, fletcher32=True) \
            if inst.compress else {}
        if inst.vds_points:
            src = f.create_dataset("storage/points_source", data=inst.X)
            layout = h5py.VirtualLayout(shape=inst.X.shape, dtype=inst.X.dtype)
            layout[:] = h5py.VirtualSource(src)
            g.create_virtual_dataset("points", layout)
        else:
            g.create_dataset("points", data=inst.X, **kw)
        g.create_dataset("offsets", data=inst.offsets, **kw)
        if inst.B is not None:
            g.create_dataset("constants", data=inst.B, **kw)
        if inst.prior is not None:
            g.create_dataset("prior", data=inst.prior)
        if inst.Z is not None:
            g.create_dataset("prior_set", data=inst.Z, **kw)
        p = f.create_group("policies")
        p.create_dataset("utility", data=inst.U, **kw)
        if inst.names:
            sdt = h5py.string_dtype()
            g.create_dataset("names", data=np.array([f"hyp-{h}" for h in range(inst.H)], dtype=object), dtype=sdt)
            p.create_dataset("names", data=np.array([f"pol-{q}" for q in range(inst.U.shape[0])], dtype=object), dtype=sdt)


def gen_points(rng, kind, K, d, exact=False):
    if exact:
        if kind == "measure":
            return rng.integers(0, 4, size=(K, d)).astype(np.float64)
        return rng.integers(-3, 4, size=(K, d)).astype(np.float64)
    if kind == "distribution":
        alpha = float(rng.choice([0.3, 1.0, 5.0]))
        X = rng.dirichlet(np.full(d, alpha), size=K) if d > 1 else np.ones((K, 1))
        X = X / X.sum(axis=1, keepdims=True)
        return X
    if kind == "measure":
        X = rng.random((K, d)) * float(rng.choice([1.0, 10.0]))
        X[rng.random((K, d)) < 0.1] = 0.0
        return X
    return rng.normal(0.0, float(rng.choice([1.0, 100.0])), size=(K, d))


def gen_constants(rng, kind, K, exact=False):
    if exact:
        lo = 0 if kind == "measure" else -2
        return rng.integers(lo, 3, size=K).astype(np.float64)
    if kind == "measure":
        b = rng.random(K) * 2.0
        b[rng.random(K) < 0.2] = 0.0
        return b
    return rng.normal(0.0, 1.0, size=K)


def make_instance(name, seed, *, H=None, sizes=None, kmax=10, d, P, kind="distribution",
                  constants=False, prior=False, Q=0, vacuous_prior_set=False,
                  points_dtype=np.float64, util_dtype=np.float64, offsets_dtype=np.int64,
                  dup_rows=False, dup_policies=False, exact=False, util_scale=1.0):
    rng = np.random.default_rng(seed)
    inst = Instance(name)
    inst.kind = kind
    if sizes is None:
        sizes = rng.integers(1, kmax + 1, size=H)
    sizes = np.asarray(sizes, dtype=np.int64)
    H = len(sizes)
    offsets = np.zeros(H + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(sizes)
    K = int(offsets[-1])
    X = gen_points(rng, kind, K, d, exact)
    B = gen_constants(rng, kind, K, exact) if constants else None
    if dup_rows:
        # copy earlier rows of a hypothesis onto later rows: exact ties the tool must break
        # towards the lowest generator index
        for h in range(H):
            s, e = offsets[h], offsets[h + 1]
            if e - s < 2:
                continue
            for _ in range(max(1, (e - s) // 3)):
                src = int(rng.integers(s, e - 1))
                dst = int(rng.integers(src + 1, e))
                X[dst] = X[src]
                if B is not None:
                    B[dst] = B[src]
        inst.notes.append("dup-rows")
    if exact:
        U = rng.integers(-3, 4, size=(P, d)).astype(np.float64)
        inst.exact = True
        inst.notes.append("exact-integers")
    else:
        U = rng.normal(0.0, util_scale, size=(P, d))
    if dup_policies and P >= 2:
        for _ in range(max(1, P // 4)):
            src = int(rng.integers(0, P - 1))
            dst = int(rng.integers(src + 1, P))
            U[dst] = U[src]
        inst.notes.append("dup-policies")
    inst.X = X.astype(points_dtype)
    inst.U = U.astype(util_dtype)
    inst.B = None if B is None else B.astype(points_dtype)
    inst.offsets = offsets.astype(offsets_dtype)
    fdt = np.float32 if np.dtype(points_dtype) == np.float32 else np.float64
    if prior:
        pr = rng.dirichlet(np.ones(H)) if H > 1 else np.ones(1)
        inst.prior = (pr / pr.sum()).astype(fdt)
    if vacuous_prior_set:
        inst.Z = np.eye(H, dtype=fdt)
        inst.notes.append("vacuous-prior-set")
    elif Q:
        Z = rng.dirichlet(np.ones(H), size=Q) if H > 1 else np.ones((Q, 1))
        inst.Z = (Z / Z.sum(axis=1, keepdims=True)).astype(fdt)
    return inst


def build_instances():
    """(instance, [run modes]); a run mode is a dict(upper=bool, memory=str|None, margin=int)."""
    out = []
    U, NU = dict(upper=True), dict(upper=False)

    i = make_instance("basic-distribution", 101, H=60, kmax=40, d=10, P=20, prior=True)
    out.append((i, [U, NU]))

    # one hypothesis with ~3000 generators among tiny ones; int32 offsets; payoff with constants
    i = make_instance("huge-hypothesis-3000", 102, sizes=[1, 3000, 5, 200, 1, 50], d=64, P=100,
                      kind="payoff", constants=True, Q=4, offsets_dtype=np.int32)
    i.compress = True
    i.notes.append("gzip+shuffle+fletcher32-input")
    out.append((i, [U]))

    # wide d, float32 points, uint32 offsets, prior and prior set
    i = make_instance("wide-d300-f32", 103, H=40, kmax=60, d=300, P=120, prior=True, Q=5,
                      points_dtype=np.float32, offsets_dtype=np.uint32)
    out.append((i, [U]))

    # many policies, measure kind with constants, vacuous prior set (credal = worst-case)
    i = make_instance("policies-500-measure", 104, H=200, kmax=20, d=20, P=500, kind="measure",
                      constants=True, prior=True, vacuous_prior_set=True, offsets_dtype=np.uint64)
    i.attr_style = "fixed"
    i.version_dtype = np.int32
    i.notes.append("fixed-length-string-attrs int32-version")
    out.append((i, [U]))

    i = make_instance("d1-payoff", 105, H=30, kmax=10, d=1, P=7, kind="payoff", constants=True,
                      prior=True)
    out.append((i, [U]))

    # d = 1 distributions: every row is [1.0], every value u_p exactly: all ties -> argmin 0
    i = make_instance("d1-distribution-all-ties", 106, H=3, kmax=6, d=1, P=4, Q=2)
    i.write_kind = False
    i.notes.append("kind-attr-omitted")
    out.append((i, [U]))

    i = make_instance("H1", 107, sizes=[37], d=12, P=15, prior=True, Q=1)
    out.append((i, [U]))

    i = make_instance("P1-measure", 108, H=80, kmax=15, d=9, P=1, kind="measure", prior=True, Q=3)
    out.append((i, [U, NU]))

    i = make_instance("K1-every-hypothesis", 109, sizes=[1] * 25, d=6, P=10, kind="payoff",
                      constants=True, Q=2, offsets_dtype=np.int32)
    out.append((i, [U]))

    i = make_instance("minimal-H1-K1-P1-d1", 110, sizes=[1], d=1, P=1, kind="payoff",
                      constants=True, prior=True, Q=1)
    out.append((i, [U]))

    # exact ties: duplicated generator rows and duplicated policies
    i = make_instance("ties-duplicates", 111, H=40, kmax=12, d=8, P=30, prior=True, Q=3,
                      dup_rows=True, dup_policies=True)
    out.append((i, [U]))

    # integer data: all arithmetic exact, ties everywhere; argmin/argmax must equal numpy's
    i = make_instance("ties-integer-payoff", 112, H=100, kmax=30, d=5, P=40, kind="payoff",
                      constants=True, prior=True, Q=4, exact=True, dup_policies=True)
    out.append((i, [U, NU]))

    # all float32 (points, constants, utility, priors), measure kind, int32 offsets, gzip input
    i = make_instance("all-f32-measure", 113, H=150, kmax=25, d=16, P=64, kind="measure",
                      constants=True, prior=True, Q=2, points_dtype=np.float32,
                      util_dtype=np.float32, offsets_dtype=np.int32)
    i.compress = True
    i.names = True
    i.notes.append("gzip-input names")
    out.append((i, [U]))

    # big-endian storage, explicit tolerance attr, payoff with a large utility scale
    i = make_instance("big-endian-payoff", 114, H=70, kmax=35, d=33, P=45, kind="payoff",
                      constants=True, prior=True, util_scale=1e3)
    i.X = i.X.astype(">f8")
    i.U = i.U.astype(">f8")
    i.B = i.B.astype(">f8")
    i.offsets = i.offsets.astype(">i8")
    i.tolerance = 1e-8
    i.notes.append("big-endian tolerance-attr")
    out.append((i, [U]))

    # many hypotheses under a small --memory: many chunks
    i = make_instance("many-chunks-memory", 115, H=3000, kmax=30, d=24, P=60, prior=True, Q=3,
                      offsets_dtype=np.int32)
    out.append((i, [dict(upper=False, memory="9MiB", margin=512 * 1024),
                    dict(upper=True, memory="9MiB", margin=512 * 1024)]))

    # hypotheses larger than the memory arena: evaluated in pieces of rows and merged; exact
    # ties across pieces (an all-zero row duplicated far apart is every policy's minimum)
    i = make_instance("pieces-memory-ties", 116, sizes=[3000, 2, 2500, 1, 10], d=200, P=40,
                      kind="measure", constants=True, Q=2)
    rng = np.random.default_rng(1160)
    i.U = rng.uniform(0.5, 1.5, size=i.U.shape)            # positive utilities
    X, Bc, off = i.X, i.B, i.off64
    X[off[0] + 100] = 0.0; Bc[off[0] + 100] = 0.0           # min of hypothesis 0 ...
    X[off[0] + 2900] = 0.0; Bc[off[0] + 2900] = 0.0         # ... tied exactly, far later
    X[off[0] + 5] = 50.0; Bc[off[0] + 5] = 30.0             # max of hypothesis 0 ...
    X[off[0] + 2500] = 50.0; Bc[off[0] + 2500] = 30.0       # ... tied exactly, far later
    X[off[2] + 2000] = 0.0; Bc[off[2] + 2000] = 0.0         # min of hypothesis 2 ...
    X[off[2] + 2499] = 0.0; Bc[off[2] + 2499] = 0.0
    i.notes.append("cross-piece-ties")
    i.expect = {("argmin", 0): 100, ("argmax", 0): 5, ("argmin", 2): 2000}
    out.append((i, [dict(upper=True, memory="9MiB", margin=1 * MIB)]))

    # points as a virtual dataset whose source is inside the same file (allowed by SPEC §2)
    i = make_instance("vds-same-file", 117, H=20, kmax=8, d=7, P=9, prior=True)
    i.vds_points = True
    i.notes.append("virtual-points-same-file")
    out.append((i, [U]))

    # distribution kind with constants (b_k allowed for every kind), d=2, many policies
    i = make_instance("distribution-constants", 118, H=500, kmax=6, d=2, P=250, constants=True,
                      prior=True, Q=6, offsets_dtype=np.uint32)
    out.append((i, [U]))

    # a seeded sweep of random shapes and options (each K_total * P * d stays around 1e6)
    sweep = np.random.default_rng(4096)
    kinds = ["distribution", "measure", "payoff"]
    odtypes = [np.int64, np.int32, np.uint32, np.uint64, np.int16]
    # CREDAL_TEST_SCALE (scripts/valgrind.sh: 0.2) runs the first of them only
    sweeps = max(2, round(10 * float(os.environ.get("CREDAL_TEST_SCALE", "1") or 1)))
    for n in range(sweeps):
        kind = kinds[n % 3]
        d = int(sweep.choice([1, 2, 3, 7, 16, 50, 128, 300]))
        P = int(sweep.integers(1, 201))
        H = int(sweep.integers(1, 120))
        kmax = int(max(1, min(200, 1e6 / max(1, P * d * H) * 2)))
        f32 = bool(sweep.random() < 0.3)
        i = make_instance(f"random-{n}", 200 + n, H=H, kmax=kmax, d=d, P=P, kind=kind,
                          constants=bool(sweep.random() < 0.6) and kind != "distribution",
                          prior=bool(sweep.random() < 0.6), Q=int(sweep.choice([0, 0, 1, 3, 8])),
                          points_dtype=np.float32 if f32 else np.float64,
                          util_dtype=np.float32 if f32 and sweep.random() < 0.5 else np.float64,
                          offsets_dtype=odtypes[n % len(odtypes)] if H * kmax < 30000 else np.int64,
                          dup_rows=bool(sweep.random() < 0.3),
                          dup_policies=bool(sweep.random() < 0.3))
        i.attr_style = "fixed" if sweep.random() < 0.3 else "vlen"
        i.compress = bool(sweep.random() < 0.3)
        out.append((i, [dict(upper=bool(sweep.random() < 0.7))]))
    return out


# --------------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------------

def run(cmd, timeout=RUN_TIMEOUT):
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, errors="replace", text=True)
        return p.returncode, p.stdout, p.stderr, time.monotonic() - t0
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or "", e.stderr or "", time.monotonic() - t0


def short(text, n=600):
    text = (text or "").strip()
    return text if len(text) <= n else text[:n] + " ..."


def run_eval(credal, inp, out, mode, fails, notes):
    """Runs eval; with mode['memory'], falls back to the tool's stated minimum + margin when
    the requested budget is refused as too small. Returns True when the run succeeded."""
    base = [credal, "eval", inp, "-o", out, "--backend", mode.get("backend", "reference")]
    if mode.get("upper"):
        base.append("--upper")
    mem = mode.get("memory")
    cmd = base + (["--memory", mem] if mem else [])
    rc, so, se, dt = run(cmd)
    if mem and rc == 64 and "too small" in se:
        m = re.search(r"at least (\d+) bytes", se)
        if not m:
            fails.append(f"--memory {mem} refused without a parseable minimum: {short(se)}")
            return False
        mem2 = str(int(m.group(1)) + mode.get("margin", 512 * 1024))
        notes.append(f"--memory {mem} refused as too small (min {m.group(1)} B); used {mem2} B")
        cmd = base + ["--memory", mem2]
        rc, so, se, dt = run(cmd)
    notes.append(f"eval {dt:.2f}s")
    if rc != 0:
        fails.append(f"`{' '.join(cmd)}` exited {rc}: {short(se)}")
        return False
    if os.path.exists(out + ".partial"):
        fails.append("OUT.partial left behind after a successful run")
    if mem:
        m = re.search(r"in (\d+) chunks?", so)
        if m:
            notes.append(f"{m.group(1)} chunks")
            if int(m.group(1)) < 2:
                fails.append(f"--memory run used only {m.group(1)} chunk (expected many)")
        else:
            notes.append("chunk count not printed")
    return True


# --------------------------------------------------------------------------------------------
# checking
# --------------------------------------------------------------------------------------------

def ix(t):
    """A numpy index tuple as plain ints, for messages."""
    return tuple(int(x) for x in t)


def fv(x):
    """A value for messages (plain Python scalars, full precision)."""
    x = np.asarray(x).item()
    return repr(x)


def close_report(fails, what, got, ref, atol):
    got = np.asarray(got, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if got.shape != ref.shape:
        fails.append(f"{what}: shape {got.shape}, expected {ref.shape}")
        return
    err = np.abs(got - ref)
    ok = np.isfinite(got) & (err <= atol + RTOL * np.abs(ref))
    if not ok.all():
        bad = np.argwhere(~ok)
        idx = ix(bad[0])
        fails.append(f"{what}: {len(bad)} value(s) off; first at {idx}: got {fv(got[idx])}, "
                     f"numpy {fv(ref[idx])} (atol {atol:.3g}, rtol {RTOL})")


def exact_report(fails, what, got, ref):
    got = np.asarray(got)
    ref = np.asarray(ref)
    if got.shape != ref.shape:
        fails.append(f"{what}: shape {got.shape}, expected {ref.shape}")
        return
    ok = (got == ref)
    if not ok.all():
        bad = np.argwhere(~ok)
        idx = ix(bad[0])
        fails.append(f"{what}: {len(bad)} entr(y/ies) not exactly consistent; first at {idx}: "
                     f"got {fv(got[idx])}, expected {fv(ref[idx])}")


def index_report(fails, what, idx, values, best, atol, sign, n):
    """idx (shape S) picks from values (shape S + (n,)), best the optimum (shape S).
    sign=+1 for a minimum, -1 for a maximum: the picked value must be within tolerance."""
    idx = np.asarray(idx)
    if np.any(idx < 0) or np.any(idx >= n):
        bad = np.argwhere((idx < 0) | (idx >= n))
        fails.append(f"{what}: index out of range 0..{n - 1} at {ix(bad[0])}: {fv(idx[ix(bad[0])])}")
        return
    picked = np.take_along_axis(values, idx[..., None].astype(np.int64), axis=-1)[..., 0]
    slack = (picked - best) * sign
    ok = slack <= atol + RTOL * np.abs(best)
    if not ok.all():
        bad = np.argwhere(~ok)
        j = ix(bad[0])
        fails.append(f"{what}: {len(bad)} index(es) not optimal within tolerance; first at {j}: "
                     f"index {fv(idx[j])} has value {fv(picked[j])}, optimum {fv(best[j])}")


def first_arg(values, axis, largest):
    """Lowest index of the extreme value (numpy's argmin/argmax return the first)."""
    return np.argmax(values, axis=axis) if largest else np.argmin(values, axis=axis)


def canonical_rows(inst):
    """canon[k] = first row of k's hypothesis that is byte-identical to row k (with b_k)."""
    X64 = inst.X64
    off = inst.off64
    hyp = np.repeat(np.arange(inst.H, dtype=np.float64), np.diff(off))
    key = np.ascontiguousarray(np.concatenate([hyp[:, None], inst.B64[:, None], X64], axis=1))
    v = key.view(np.dtype((np.void, key.shape[1] * 8))).ravel()
    _, first, inverse = np.unique(v, return_index=True, return_inverse=True)
    return first[np.asarray(inverse).ravel()]


def check_lower_upper(inst, out, upper, atol, fails):
    """Recomputes lower/upper per hypothesis group and checks /lower, /argmin (and /upper,
    /argmax). Returns numpy's lower (H, P)."""
    X, U, B, off = inst.X64, inst.U64, inst.B64, inst.off64
    H, P = inst.H, U.shape[0]
    sizes = np.diff(off)
    lower_np = np.empty((H, P))
    upper_np = np.empty((H, P))
    canon = canonical_rows(inst)
    t_lower = out["lower"][...]
    t_argmin = out["argmin"][...]
    t_upper = out["upper"][...] if upper else None
    t_argmax = out["argmax"][...] if upper else None
    sub = {"argmin_bad": [], "argmax_bad": [], "argmin_dup": [], "argmax_dup": [],
           "argmin_exact": [], "argmax_exact": []}
    h = 0
    while h < H:
        h1 = h
        rows = 0
        while h1 < H and (h1 == h or (rows + sizes[h1]) * P <= 2_000_000):
            rows += sizes[h1]
            h1 += 1
        r0, r1 = off[h], off[h1]
        V = X[r0:r1] @ U.T + B[r0:r1, None]
        starts = off[h:h1] - r0
        lower_np[h:h1] = np.minimum.reduceat(V, starts, axis=0)
        upper_np[h:h1] = np.maximum.reduceat(V, starts, axis=0)
        pairs = [("argmin", t_argmin, lower_np, +1)]
        if upper:
            pairs.append(("argmax", t_argmax, upper_np, -1))
        for name, tidx, ref, sign in pairs:
            A = tidx[h:h1].astype(np.int64)
            Kh = sizes[h:h1, None]
            if np.any(A < 0) or np.any(A >= Kh):
                bad = np.argwhere((A < 0) | (A >= Kh))[0]
                bad = ix(bad)
                sub[name + "_bad"].append(f"/{name}[{h + bad[0]}, {bad[1]}] = {fv(A[bad])} "
                                          f"outside 0..{int(Kh[bad[0], 0]) - 1}")
                continue
            grows = starts[:, None] + A
            picked = V[grows, np.arange(P)[None, :]]
            best = ref[h:h1]
            slack = (picked - best) * sign
            ok = slack <= atol + RTOL * np.abs(best)
            if not ok.all():
                b = ix(np.argwhere(~ok)[0])
                sub[name + "_bad"].append(
                    f"/{name}[{h + b[0]}, {b[1]}] = {fv(A[b])} has value {fv(picked[b])}, "
                    f"the {'min' if sign > 0 else 'max'} is {fv(best[b])} "
                    f"({int((~ok).sum())} such in hypotheses {h}..{h1 - 1})")
            absrow = r0 + grows
            dup = canon[absrow] != absrow
            if dup.any():
                b = ix(np.argwhere(dup)[0])
                k = int(absrow[b])
                sub[name + "_dup"].append(
                    f"/{name}[{h + b[0]}, {b[1]}] = {fv(A[b])} but generator "
                    f"{int(canon[k] - off[h + b[0]])} is an identical earlier row (lowest index "
                    f"on exact ties) ({int(dup.sum())} such in hypotheses {h}..{h1 - 1})")
            if inst.exact:
                # exact arithmetic: the tool's choice must be numpy's first extreme index
                for j in range(h, h1):
                    s, e = starts[j - h], starts[j - h] + sizes[j]
                    want = first_arg(V[s:e], 0, sign < 0)
                    got = A[j - h]
                    if np.any(got != want):
                        p = int(np.argmax(got != want))
                        sub[name + "_exact"].append(
                            f"/{name}[{j}, {p}] = {fv(got[p])}, exact first {name} is {fv(want[p])} "
                            f"(values {fv(V[s + got[p], p])} vs {fv(V[s + want[p], p])})")
                        break
        h = h1
    for k, msgs in sub.items():
        if msgs:
            fails.append(f"{k.replace('_', ' ')}: {msgs[0]}" +
                         (f" (+{len(msgs) - 1} more groups)" if len(msgs) > 1 else ""))
    close_report(fails, "/lower", t_lower, lower_np, atol)
    if upper:
        close_report(fails, "/upper", t_upper, upper_np, atol)
        if np.any(t_upper < t_lower):
            fails.append("/upper < /lower somewhere")
    for (name, h), want in getattr(inst, "expect", {}).items():
        if name == "argmax" and not upper:
            continue
        row = out[name][h]
        if np.any(row != want):
            p = int(np.argmax(row != want))
            fails.append(f"/{name}[{h}, {p}] = {fv(row[p])}, expected generator {want} (designed "
                         f"exact tie, lowest index)")
    return lower_np


def check_output(inst, inp, outpath, upper, credal_version, fails, backend="reference"):
    H, P = inst.H, inst.U.shape[0]
    d = inst.X.shape[1]
    X, U, B = inst.X64, inst.U64, inst.B64
    atol = 1e-12 * (np.max(np.abs(X)) * np.max(np.abs(U)) * d +
                    (np.max(np.abs(B)) if B.size else 0.0))
    has_prior = inst.prior is not None
    Q = 0 if inst.Z is None else inst.Z.shape[0]
    with h5py.File(outpath, "r") as out:
        # ---- root attributes
        a = out.attrs

        def sattr(key):
            v = a.get(key)
            if isinstance(v, bytes):
                v = v.decode()
            if isinstance(v, np.ndarray) and v.shape == ():
                v = v[()]
            return v
        for key, want in (("schema", "credal-result"), ("precision", "f64"),
                          ("backend", backend)):
            if sattr(key) != want:
                fails.append(f"root attr {key} = {sattr(key)!r}, expected {want!r}")
        for key in ("version", "complete"):
            v = a.get(key)
            if v is None or int(np.asarray(v).ravel()[0]) != 1:
                fails.append(f"root attr {key} = {v!r}, expected 1")
        cv = sattr("credal_version")
        if not cv or (credal_version and cv not in credal_version):
            fails.append(f"root attr credal_version = {cv!r} (credal --version says {credal_version!r})")
        inp_attr = sattr("input")
        if not inp_attr or os.path.basename(str(inp_attr)) != os.path.basename(inp):
            fails.append(f"root attr input = {inp_attr!r}, expected the input path {inp!r}")
        if sattr("device") in (None, ""):
            fails.append("root attr device missing or empty")
        el = a.get("elapsed_seconds")
        if el is None or not np.isfinite(float(np.asarray(el).ravel()[0])) or float(np.asarray(el).ravel()[0]) < 0:
            fails.append(f"root attr elapsed_seconds = {el!r}")

        # ---- presence, dtypes, shapes
        want = {"lower": ("f8", (H, P)), "regret": ("f8", (H, P)), "argmin": ("i4", (H, P)),
                "best/value": ("f8", (H,)), "best/policy": ("i", (H,)),
                "policy/class_lower": ("f8", (P,)), "policy/class_lower_hypothesis": ("i", (P,)),
                "policy/worst_regret": ("f8", (P,)), "policy/worst_regret_hypothesis": ("i", (P,))}
        absent = []
        optional = [(upper, {"upper": ("f8", (H, P)), "argmax": ("i4", (H, P))}),
                    (has_prior, {"policy/bayes_regret": ("f8", (P,))}),
                    (Q > 0, {"policy/credal_regret": ("f8", (P,)),
                             "policy/credal_regret_prior": ("i", (P,))})]
        for present, group in optional:
            if present:
                want.update(group)
            else:
                absent.extend(group)
        missing = False
        for name, (dt, shape) in want.items():
            if name not in out:
                fails.append(f"/{name} missing")
                missing = True
                continue
            ds = out[name]
            if dt == "i":        # any integer type
                kind_ok = ds.dtype.kind in "iu"
            elif dt == "i4":     # int32 (SPEC §3)
                kind_ok = ds.dtype.kind == "i" and ds.dtype.itemsize == 4
            else:                # float64 at precision f64
                kind_ok = ds.dtype.kind == "f" and ds.dtype.itemsize == 8
            if not kind_ok:
                fails.append(f"/{name} dtype {ds.dtype}, expected {dt}")
            if ds.shape != shape:
                fails.append(f"/{name} shape {ds.shape}, expected {shape}")
                missing = True
        for name in absent:
            if name in out:
                fails.append(f"/{name} present although not requested/available")
        for name in ("lower", "regret", "argmin") + (("upper", "argmax") if upper else ()):
            if name in out:
                ds = out[name]
                if ds.chunks is None or ds.compression != "gzip" or not ds.shuffle:
                    fails.append(f"/{name}: chunks={ds.chunks} compression={ds.compression} "
                                 f"shuffle={ds.shuffle}; expected chunked shuffle+deflate")
        if missing:
            return

        # ---- lower / argmin / upper / argmax against numpy
        lower_np = check_lower_upper(inst, out, upper, atol, fails)

        L = out["lower"][...]
        R = out["regret"][...]
        BV = out["best/value"][...]
        BP = out["best/policy"][...].astype(np.int64)
        CL = out["policy/class_lower"][...]
        CLH = out["policy/class_lower_hypothesis"][...].astype(np.int64)
        WR = out["policy/worst_regret"][...]
        WRH = out["policy/worst_regret_hypothesis"][...].astype(np.int64)
        for name, arr in (("regret", R), ("best/value", BV), ("policy/class_lower", CL),
                          ("policy/worst_regret", WR)):
            if not np.all(np.isfinite(arr)):
                fails.append(f"/{name} has non-finite values")
        if np.any(R < 0):
            fails.append("/regret has negative values")

        # ---- exact self-consistency with the tool's own /lower (SPEC §1 definitions)
        exact_report(fails, "/best/policy (= first argmax_p lower)", BP, first_arg(L, 1, True))
        exact_report(fails, "/best/value (= max_p lower)", BV, L.max(axis=1))
        exact_report(fails, "/regret (= best - lower)", R, BV[:, None] - L)
        exact_report(fails, "/policy/class_lower (= min_h lower)", CL, L.min(axis=0))
        exact_report(fails, "/policy/class_lower_hypothesis (= first argmin_h lower)", CLH,
                     first_arg(L, 0, False))
        exact_report(fails, "/policy/worst_regret (= max_h regret)", WR, R.max(axis=0))
        exact_report(fails, "/policy/worst_regret_hypothesis (= first argmax_h regret)", WRH,
                     first_arg(R, 0, True))

        # ---- against numpy's own recomputation
        best_np = lower_np.max(axis=1)
        regret_np = best_np[:, None] - lower_np
        close_report(fails, "/best/value", BV, best_np, atol)
        index_report(fails, "/best/policy", BP, lower_np, best_np, atol, -1, P)
        close_report(fails, "/regret", R, regret_np, atol)
        cl_np = lower_np.min(axis=0)
        close_report(fails, "/policy/class_lower", CL, cl_np, atol)
        index_report(fails, "/policy/class_lower_hypothesis", CLH, lower_np.T, cl_np, atol, +1, H)
        wr_np = regret_np.max(axis=0)
        close_report(fails, "/policy/worst_regret", WR, wr_np, atol)
        index_report(fails, "/policy/worst_regret_hypothesis", WRH, regret_np.T, wr_np, atol, -1, H)

        ch = out["choice"].attrs if "choice" in out else {}

        def choice(key):
            v = ch.get(key) if hasattr(ch, "get") else None
            return None if v is None else int(np.asarray(v).ravel()[0])

        crit = {"maximin": (CL, cl_np, -1), "minimax_regret": (WR, wr_np, +1)}
        if has_prior:
            prior = np.asarray(inst.prior, dtype=np.float64)
            BR = out["policy/bayes_regret"][...]
            bayes_np = prior @ regret_np
            close_report(fails, "/policy/bayes_regret", BR, bayes_np, atol)
            crit["bayes"] = (BR, bayes_np, +1)
        if Q:
            Z = np.asarray(inst.Z, dtype=np.float64)
            CR = out["policy/credal_regret"][...]
            CRQ = out["policy/credal_regret_prior"][...].astype(np.int64)
            S = Z @ regret_np                     # (Q, P)
            credal_np = S.max(axis=0)
            close_report(fails, "/policy/credal_regret", CR, credal_np, atol)
            index_report(fails, "/policy/credal_regret_prior", CRQ, S.T, credal_np, atol, -1, Q)
            crit["credal"] = (CR, credal_np, +1)
            if Q == H and np.array_equal(Z, np.eye(H)):
                close_report(fails, "/policy/credal_regret (vacuous prior set = worst regret)",
                             CR, WR, atol)
        for key in ("maximin", "minimax_regret", "bayes", "credal"):
            c = choice(key)
            if key not in crit:
                if c is not None and c >= 0:
                    fails.append(f"/choice attr {key} = {c} although it is not available")
                continue
            tool_vals, np_vals, sign = crit[key]
            if c is None:
                fails.append(f"/choice attr {key} missing")
                continue
            exact_report(fails, f"/choice {key} (= first arg{'max' if sign < 0 else 'min'} of the "
                         f"tool's own criterion)", np.int64(c),
                         first_arg(tool_vals, 0, sign < 0))
            best = np_vals.max() if sign < 0 else np_vals.min()
            index_report(fails, f"/choice {key}", np.array(c), np_vals, np.array(best), atol, sign, P)


# --------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--credal", required=True, help="path to the credal binary")
    ap.add_argument("--data", default=None, help="data directory (unused)")
    args = ap.parse_args()
    credal = os.path.abspath(args.credal)
    if not os.access(credal, os.X_OK):
        print(f"FAIL: {credal} is not an executable")
        print("0 passed, 1 failed")
        return 1

    rc, so, se, _ = run([credal, "--version"], timeout=30)
    credal_version = so.strip() if rc == 0 else ""

    passed = failed = 0
    t_start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="credal-interop-") as tmp:
        for inst, modes in build_instances():
            # every instance also through the fast cpu backend (same checks, same tolerances)
            modes = list(modes) + [dict(modes[0], backend="cpu")]
            inp = os.path.join(tmp, inst.name + ".h5")
            write_instance(inst, inp)
            # validate must accept every input this script writes
            vrc, vso, vse, _ = run([credal, "validate", inp])
            for n, mode in enumerate(modes):
                fails, notes = [], []
                if n == 0 and vrc != 0:
                    fails.append(f"`credal validate {inp}` exited {vrc}: {short(vse)}")
                label = inst.name + f" [{mode.get('backend', 'reference')}]" + \
                    ("" if mode.get("upper") else " (no --upper)") + \
                    (f" (--memory {mode['memory']})" if mode.get("memory") else "")
                outp = os.path.join(tmp, f"{inst.name}.{n}.out.h5")
                try:
                    if run_eval(credal, inp, outp, mode, fails, notes):
                        check_output(inst, inp, outp, bool(mode.get("upper")), credal_version,
                                     fails, mode.get("backend", "reference"))
                except Exception as exc:  # a broken output file is a failure, not a crash
                    fails.append(f"checking raised {type(exc).__name__}: {exc}")
                if fails:
                    failed += 1
                    print(f"FAIL {label}: {inst.describe()}; {'; '.join(notes)}")
                    for f in fails:
                        print(f"     - {f}")
                else:
                    passed += 1
                    print(f"ok   {label}: {inst.describe()}; {'; '.join(notes)}")
                sys.stdout.flush()
                if os.path.exists(outp):
                    os.unlink(outp)
            os.unlink(inp)
    print(f"# total {time.monotonic() - t_start:.1f}s")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
