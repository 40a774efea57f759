#!/usr/bin/env python3
"""Malformed inputs: every one must be refused cleanly by both `credal eval` and `credal validate`.

Each case starts from a small valid credal-batch v1 file written with h5py (or from raw bytes)
and breaks one thing. For each, both

    credal eval BAD -o OUT        and        credal validate BAD

must exit 65 (bad data) or 66 (cannot open: missing, not HDF5, unreadable) as the case
expects, print on stderr a message naming the dataset (e.g. "/hypotheses/points") and, where
the problem is at an index, the index (hypothesis / row / column), never dump HDF5's raw error
stack, and leave neither OUT nor OUT.partial behind. One case puts the bad value in the last
hypothesis of a file evaluated in many chunks (--memory); one checks that `credal validate`
lists every problem of a file that has several.

Usage: test_malformed.py --credal PATH_TO_BINARY [--data DATA_DIR]
Prints one line per case (eval and validate together count as one) and finally
"N passed, M failed"; exit 0 only if all passed, 77 when h5py/numpy are missing.
"""
import argparse
import os
import shutil
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

RUN_TIMEOUT = 60
MIB = 1 << 20

PTS = r"/hypotheses/points"
OFF = r"/hypotheses/offsets"
CON = r"/hypotheses/constants"
PRI = r"/hypotheses/prior(?!_set)"
PRS = r"/hypotheses/prior_set"
UTL = r"/policies/utility"
HYP = r"/hypotheses(?!/)"


# --------------------------------------------------------------------------------------------
# the valid base file and a writer for variants of it
# --------------------------------------------------------------------------------------------

# H = 4 hypotheses with 3, 2, 4, 1 generators (rows 0-2, 3-4, 5-8, 9), d = 3, P = 5, Q = 2
SIZES = [3, 2, 4, 1]


def base_spec():
    rng = np.random.default_rng(20240611)
    offsets = np.concatenate([[0], np.cumsum(SIZES)]).astype(np.int64)
    K = int(offsets[-1])
    X = rng.dirichlet(np.ones(3), size=K)
    X /= X.sum(axis=1, keepdims=True)
    prior = np.array([0.1, 0.2, 0.3, 0.4])
    Z = np.array([[0.25, 0.25, 0.25, 0.25], [0.7, 0.1, 0.1, 0.1]])
    return {
        "root_attrs": {"schema": "credal-batch", "version": np.int64(1)},
        "hyp_attrs": {"kind": "distribution"},
        "datasets": {
            "/hypotheses/points": X,
            "/hypotheses/offsets": offsets,
            "/hypotheses/constants": rng.uniform(0.0, 0.5, size=K),
            "/hypotheses/prior": prior,
            "/hypotheses/prior_set": Z,
            "/policies/utility": rng.normal(size=(5, 3)),
        },
        "groups": ["/hypotheses", "/policies"],
        "create_kw": {},   # dataset path -> extra h5py create_dataset keyword arguments
        "hooks": [],       # callables(h5py.File) run last, inside the open file
    }


def _set_attr(attrs, key, value):
    if isinstance(value, str):
        attrs[key] = value
    else:
        attrs.create(key, value)


def write_spec(path, spec):
    with h5py.File(path, "w") as f:
        for k, v in spec["root_attrs"].items():
            _set_attr(f.attrs, k, v)
        for g in spec["groups"]:
            f.require_group(g)
        if "/hypotheses" in f and isinstance(f["/hypotheses"], h5py.Group):
            for k, v in spec["hyp_attrs"].items():
                _set_attr(f["/hypotheses"].attrs, k, v)
        for name, data in spec["datasets"].items():
            kw = spec["create_kw"].get(name, {})
            parent = name.rsplit("/", 1)[0]
            if parent:
                f.require_group(parent)
            if data is None:
                f.create_dataset(name, **kw)
            else:
                f.create_dataset(name, data=data, **kw)
        for hook in spec["hooks"]:
            hook(f)
    return path


# --------------------------------------------------------------------------------------------
# cases
# --------------------------------------------------------------------------------------------

CASES = []


def case(name, rc=(65,), pats=(), eval_pats=None, validate_pats=None, validate_rc=None,
         probe=False):
    """Registers fn(ctx) -> path | (path, extra_eval_args, notes, fails). probe: the case needs
    the structure probe (CREDAL_NO_PROBE is dropped for it)."""
    def deco(fn):
        CASES.append(dict(name=name, fn=fn, rc=set(rc), pats=list(pats), probe=probe,
                          validate_rc=set(rc if validate_rc is None else validate_rc),
                          eval_pats=list(pats if eval_pats is None else eval_pats),
                          validate_pats=list(pats if validate_pats is None else validate_pats)))
        return fn
    return deco


class Ctx:
    def __init__(self, tmp, credal, n):
        self.tmp = tmp
        self.credal = credal
        self.dir = os.path.join(tmp, f"case{n:02d}")
        os.makedirs(self.dir)

    def path(self, name="input.h5"):
        return os.path.join(self.dir, name)

    def write(self, spec, name="input.h5"):
        return write_spec(self.path(name), spec)


def mutate(fn):
    """A case body that edits the base spec in place."""
    def build(ctx):
        spec = base_spec()
        fn(spec)
        return ctx.write(spec)
    return build


def ds(spec, name):
    return spec["datasets"][name]


# ---- files that cannot be opened -----------------------------------------------------------

NOT_HDF5 = r"not an? HDF5|HDF5 (file|format|signature)|not in HDF5|unknown file format"

case("missing file", rc=(66,), pats=[r"no such file|does not exist|not found"])(
    lambda ctx: ctx.path("does-not-exist.h5"))


@case("empty file", rc=(66,), pats=[r"input\.h5", NOT_HDF5])
def _(ctx):
    open(ctx.path(), "wb").close()
    return ctx.path()


@case("text file", rc=(66,), pats=[r"input\.h5", NOT_HDF5])
def _(ctx):
    with open(ctx.path(), "w") as f:
        f.write("schema,credal-batch\nversion,1\n" * 50)
    return ctx.path()


@case("truncated HDF5 file", rc=(65, 66), pats=[r"input\.h5"])
def _(ctx):
    spec = base_spec()
    # make the file large enough that half of it cuts through data and metadata
    spec["datasets"]["/hypotheses/names"] = np.array([f"h{i}" * 500 for i in range(4)], dtype="S")
    p = ctx.write(spec)
    size = os.path.getsize(p)
    with open(p, "r+b") as f:
        f.truncate(size // 2)
    return p


@case("directory as input", rc=(66,), pats=[r"input\.h5", r"directory"])
def _(ctx):
    os.mkdir(ctx.path())
    return ctx.path()


# ---- root attributes ----------------------------------------------------------------------

case("missing schema attr", pats=[r"schema"])(
    mutate(lambda s: s["root_attrs"].pop("schema")))
case("wrong schema string", pats=[r"schema", r"credal-result"])(
    mutate(lambda s: s["root_attrs"].update(schema="credal-result")))
case("schema attr is an integer", pats=[r"schema"])(
    mutate(lambda s: s["root_attrs"].update(schema=np.int64(1))))
case("version 2", pats=[r"version", r"\b2\b"])(
    mutate(lambda s: s["root_attrs"].update(version=np.int64(2))))
case("missing version attr", pats=[r"version"])(
    mutate(lambda s: s["root_attrs"].pop("version")))


# ---- groups and required datasets ---------------------------------------------------------

@case("missing /hypotheses group", pats=[HYP])
def _(ctx):
    spec = base_spec()
    spec["datasets"] = {"/policies/utility": ds(spec, "/policies/utility")}
    spec["groups"] = ["/policies"]
    return ctx.write(spec)


@case("/hypotheses is a dataset", pats=[HYP])
def _(ctx):
    spec = base_spec()
    spec["datasets"] = {"/hypotheses": np.zeros(3), "/policies/utility": ds(spec, "/policies/utility")}
    spec["groups"] = ["/policies"]
    return ctx.write(spec)


@case("missing /policies group", pats=[r"/policies"])
def _(ctx):
    spec = base_spec()
    del spec["datasets"]["/policies/utility"]
    spec["groups"] = ["/hypotheses"]
    return ctx.write(spec)


case("missing /hypotheses/points", pats=[PTS])(
    mutate(lambda s: s["datasets"].pop("/hypotheses/points")))
case("/hypotheses/points is a group", pats=[PTS])(
    mutate(lambda s: (s["datasets"].pop("/hypotheses/points"),
                      s["groups"].append("/hypotheses/points"))))
case("points rank 1", pats=[PTS, r"rank"])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/points": ds(s, "/hypotheses/points").ravel()})))
case("points integer dtype", pats=[PTS])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/points": (ds(s, "/hypotheses/points") > 0.3).astype(np.int32)})))
case("points string dtype", pats=[PTS])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/points": ds(s, "/hypotheses/points").astype("S12")})))
case("points float16 dtype", pats=[PTS])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/points": ds(s, "/hypotheses/points").astype(np.float16)})))
case("zero dimension d=0", pats=[r"/hypotheses/points|/policies/utility"])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/points": np.zeros((10, 0)),
                                           "/policies/utility": np.zeros((5, 0))})))
case("missing /policies/utility", pats=[UTL])(
    mutate(lambda s: s["datasets"].pop("/policies/utility")))
case("zero policies (0, d)", pats=[UTL])(
    mutate(lambda s: s["datasets"].update({"/policies/utility": np.zeros((0, 3))})))
case("utility d mismatch (P, d+1)", pats=[UTL])(
    mutate(lambda s: s["datasets"].update({"/policies/utility": np.ones((5, 4))})))
case("utility rank 3", pats=[UTL, r"rank"])(
    mutate(lambda s: s["datasets"].update({"/policies/utility": np.ones((5, 3, 1))})))


@case("points shape whose size product overflows", pats=[PTS, r"overflow|too large|too big"])
def _(ctx):
    spec = base_spec()
    spec["datasets"]["/hypotheses/points"] = None
    spec["create_kw"]["/hypotheses/points"] = dict(shape=(2 ** 40, 2 ** 30), dtype="f8",
                                                   chunks=(1, 1024))
    spec["datasets"]["/hypotheses/offsets"] = np.array([0, 2 ** 40], dtype=np.int64)
    spec["datasets"].pop("/hypotheses/constants")
    spec["datasets"].pop("/hypotheses/prior")
    spec["datasets"].pop("/hypotheses/prior_set")
    return ctx.write(spec)


# ---- offsets ------------------------------------------------------------------------------

def set_offsets(values, dtype=np.int64):
    return mutate(lambda s: s["datasets"].update({"/hypotheses/offsets": np.array(values, dtype=dtype)}))


case("offsets float dtype", pats=[OFF])(set_offsets([0, 3, 5, 9, 10], np.float64))
case("offsets rank 2", pats=[OFF])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/offsets": ds(s, "/hypotheses/offsets").reshape(5, 1)})))
case("offsets[0] != 0", pats=[OFF, r"offsets\[0\]|hypothesis 0\b"])(set_offsets([1, 3, 5, 9, 10]))
case("offsets decreasing", pats=[OFF, r"offsets\[2\]|hypothesis 1\b"])(set_offsets([0, 5, 3, 9, 10]))
case("empty hypothesis (equal offsets)", pats=[OFF, r"hypothesis 1\b"])(set_offsets([0, 3, 3, 9, 10]))
case("offsets[H] != K_total", pats=[OFF, r"offsets\[4\]"])(set_offsets([0, 3, 5, 9, 12]))
case("offsets with a single entry (H = 0)", pats=[OFF])(set_offsets([0]))
case("uint64 offsets beyond int64", pats=[OFF, r"offsets\[4\]"])(
    set_offsets([0, 3, 5, 9, 2 ** 63 + 5], np.uint64))


# ---- values -------------------------------------------------------------------------------

def set_value(name, index, value):
    def fn(s):
        a = ds(s, name).copy()
        a[index] = value
        s["datasets"][name] = a
    return mutate(fn)


# row 6 = hypothesis 2, generator 1
case("NaN in points", pats=[PTS, r"hypothesis 2\b", r"column 1\b", r"row 6\b|generator 1\b",
                            r"!generator (?!1\b)\d+", r"!row (?!6\b)\d+"])(
    set_value("/hypotheses/points", (6, 1), np.nan))
case("+inf in utility", pats=[UTL, r"(policy|row) 3\b", r"column 2\b"])(
    set_value("/policies/utility", (3, 2), np.inf))
# row 3 = hypothesis 1, generator 0 (row still sums to 1)
case("distribution row with a negative entry",
     pats=[PTS, r"hypothesis 1\b", r"column 0\b", r"row 3\b|generator 0\b"])(
    set_value("/hypotheses/points", 3, [-0.2, 0.7, 0.5]))
# row 9 = hypothesis 3, generator 0
case("distribution row summing to 1.1", pats=[PTS, r"hypothesis 3\b", r"row 9\b|generator 0\b"])(
    mutate(lambda s: ds(s, "/hypotheses/points").__setitem__(9, ds(s, "/hypotheses/points")[9] * 1.1)))


def measure(fn):
    def g(s):
        s["hyp_attrs"]["kind"] = "measure"
        fn(s)
    return mutate(g)


# row 4 = hypothesis 1, generator 1
case("measure kind with a negative constant",
     pats=[CON, r"hypothesis 1\b", r"row 4\b|generator 1\b"])(
    measure(lambda s: ds(s, "/hypotheses/constants").__setitem__(4, -0.5)))
# row 7 = hypothesis 2, generator 2
case("measure kind with a negative entry",
     pats=[PTS, r"hypothesis 2\b", r"column 2\b", r"row 7\b|generator 2\b"])(
    measure(lambda s: ds(s, "/hypotheses/points").__setitem__((7, 2), -0.3)))
case("unknown kind 'banana'", pats=[HYP, r"kind", r"banana"])(
    mutate(lambda s: s["hyp_attrs"].update(kind="banana")))
case("constants wrong length", pats=[CON])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/constants": np.zeros(11)})))
case("constants rank 2", pats=[CON])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/constants": np.zeros((10, 1))})))
case("constants NaN", pats=[CON, r"hypothesis 2\b", r"row 7\b|generator 2\b"])(
    set_value("/hypotheses/constants", 7, np.nan))
case("prior wrong length", pats=[PRI])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/prior": np.full(5, 0.2)})))
case("prior negative", pats=[PRI, r"hypothesis 1\b"])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/prior": np.array([0.6, -0.1, 0.3, 0.2])})))
case("prior summing to 0.9", pats=[PRI, r"0\.9"])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/prior": np.array([0.1, 0.2, 0.3, 0.3])})))
case("prior NaN", pats=[PRI, r"hypothesis 2\b"])(
    set_value("/hypotheses/prior", 2, np.nan))
case("prior_set row off the simplex", pats=[PRS, r"row 1\b"])(
    set_value("/hypotheses/prior_set", (1, 0), 0.9))
case("prior_set negative entry", pats=[PRS, r"row 0\b", r"hypothesis 3\b"])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/prior_set": np.array(
        [[0.5, 0.3, 0.3, -0.1], [0.7, 0.1, 0.1, 0.1]])})))
case("prior_set wrong shape (Q, H+1)", pats=[PRS])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/prior_set": np.full((2, 5), 0.2)})))
case("tolerance attr negative", pats=[HYP, r"tolerance"])(
    mutate(lambda s: s["hyp_attrs"].update(tolerance=np.float64(-1e-9))))
case("tolerance attr NaN", pats=[HYP, r"tolerance"])(
    mutate(lambda s: s["hyp_attrs"].update(tolerance=np.float64(np.nan))))


# ---- links, storage, filters --------------------------------------------------------------

@case("external link for /hypotheses/points (target valid)", pats=[PTS, r"external"])
def _(ctx):
    spec = base_spec()
    other = ctx.write(base_spec(), "other.h5")      # a valid file that exists
    spec["datasets"].pop("/hypotheses/points")
    spec["hooks"].append(lambda f: f["/hypotheses"].__setitem__(
        "points", h5py.ExternalLink(other, "/hypotheses/points")))
    return ctx.write(spec)


@case("soft link for /policies/utility", pats=[UTL, r"soft|link"])
def _(ctx):
    spec = base_spec()
    spec["datasets"]["/stash/utility"] = spec["datasets"].pop("/policies/utility")
    spec["hooks"].append(lambda f: f["/policies"].__setitem__(
        "utility", h5py.SoftLink("/stash/utility")))
    return ctx.write(spec)


@case("external raw storage for /hypotheses/points", pats=[PTS, r"external"])
def _(ctx):
    spec = base_spec()
    X = ds(spec, "/hypotheses/points")
    raw = ctx.path("points.raw")
    X.astype("<f8").tofile(raw)
    spec["datasets"]["/hypotheses/points"] = None
    spec["create_kw"]["/hypotheses/points"] = dict(shape=X.shape, dtype="<f8",
                                                   external=[(raw, 0, h5py.h5f.UNLIMITED)])
    return ctx.write(spec)


@case("virtual dataset mapping another file", pats=[PTS, r"virtual|another file|other file"])
def _(ctx):
    spec = base_spec()
    X = ds(spec, "/hypotheses/points")
    other = ctx.write(base_spec(), "other.h5")

    def vds(f):
        layout = h5py.VirtualLayout(shape=X.shape, dtype="<f8")
        layout[:] = h5py.VirtualSource(other, "/hypotheses/points", shape=X.shape)
        f["/hypotheses"].create_virtual_dataset("points", layout)
    spec["datasets"].pop("/hypotheses/points")
    spec["hooks"].append(vds)
    return ctx.write(spec)


@case("unknown filter (h5py LZF) on /hypotheses/points", pats=[PTS, r"filter"])
def _(ctx):
    spec = base_spec()
    spec["create_kw"]["/hypotheses/points"] = dict(compression="lzf", chunks=(5, 3))
    return ctx.write(spec)


# ---- structured sets: H = 4 generator hypotheses, then 2 TV balls (4, 5), 2 contaminated
# sets (6, 7), 2 interval sets (8, 9) and 2 belief functions (10, 11; focal rows 0-1, 2-4) ----

def structured_spec():
    spec = base_spec()
    c = np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])
    spec["datasets"].update({
        "/tv_balls/centers": c.copy(), "/tv_balls/radius": np.array([0.1, 0.4]),
        "/contamination/centers": c[::-1].copy(), "/contamination/epsilon": np.array([0.0, 0.3]),
        "/intervals/lower": np.array([[0.1, 0.2, 0.3], [0.0, 0.0, 0.5]]),
        "/intervals/upper": np.array([[0.5, 0.4, 0.6], [1.0, 0.5, 0.5]]),
        "/belief/focal": np.array([[1, 0, 0], [1, 1, 1], [0, 1, 1], [1, 0, 1], [0, 0, 1]], np.uint8),
        "/belief/mass": np.array([0.4, 0.6, 0.5, 0.25, 0.25]),
        "/belief/offsets": np.array([0, 2, 5], np.int64),
    })
    spec["datasets"]["/hypotheses/prior"] = np.full(12, 1.0 / 12)
    spec["datasets"]["/hypotheses/prior_set"] = np.vstack([np.full(12, 1.0 / 12), np.eye(12)[0]])
    return spec


def structured(fn):
    def build(ctx):
        spec = structured_spec()
        fn(spec)
        return ctx.write(spec)
    return build


def set_structured(name, index, value):
    def fn(s):
        a = ds(s, name).copy()
        a[index] = value
        s["datasets"][name] = a
    return structured(fn)


# ---- files on which libhdf5 itself crashes or hangs (found by fuzzing, tests/fuzz/findings):
# the structure pass runs in a child process, so credal refuses them instead of dying ----
FINDINGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz", "findings")
HDF5_FAILED = r"HDF5 library (failed \((signal \d+|exit status \d+)|did not finish reading)"


def finding(name):
    def build(ctx):
        shutil.copy(os.path.join(FINDINGS, name), ctx.path())
        return ctx.path()
    return build


for _name in ("hdf5-oopen-divide-by-zero.h5", "hdf5-segv-in-validate.h5",
              "hdf5-vlen-heap-memcpy.h5", "hdf5-vlen-attribute-hang.h5"):
    case(f"libhdf5 fails on {_name}", pats=[r"input\.h5", HDF5_FAILED, r"damaged"],
         probe=True)(finding(_name))


# a fixed dataset claiming chunks larger than itself: libhdf5 1.10 reads past its own buffer
case("libhdf5 overflows on hdf5-chunk-larger-than-dataset.h5",
     pats=[UTL, r"chunk dimension 1 is 4099", r"fixed maximum 3", r"damaged"])(
    finding("hdf5-chunk-larger-than-dataset.h5"))


# ---- hostile sizes: refused before anything that large is allocated ----
case("/policies/utility in chunks of 128 MiB", pats=[UTL, r"chunks of 134217728 bytes", r"67108864"])(
    mutate(lambda s: (s["datasets"].__setitem__("/policies/utility", None),
                      s["create_kw"].__setitem__("/policies/utility",
                                                 dict(shape=(16384, 1024), dtype="f8",
                                                      chunks=(16384, 1024), compression="gzip")))))
# 60 million policies: 1.4 GB claimed by a file of a few kilobytes (never written: fill value)
case("/policies/utility claiming 1.4 GB (more than --memory)", rc=(64,), validate_rc=(0,),
     eval_pats=[UTL, r"60000000, 3", r"more than --memory"], validate_pats=[])(
    mutate(lambda s: (s["datasets"].__setitem__("/policies/utility", None),
                      s["create_kw"].__setitem__("/policies/utility",
                                                 dict(shape=(60000000, 3), dtype="f8",
                                                      chunks=(65536, 3), compression="gzip",
                                                      fillvalue=0.5)))))


case("prior shorter than generators + structured sets",
     pats=[r"/hypotheses/prior\b", r"4 entries", r"H = 12"])(
    structured(lambda s: s["datasets"].__setitem__("/hypotheses/prior", np.full(4, 0.25))))
case("TV radius above 1", pats=[r"/tv_balls/radius\[1\]", r"hypothesis 5\b", r"1\.5", r"\[0, 1\]"])(
    set_structured("/tv_balls/radius", 1, 1.5))
case("negative epsilon", pats=[r"/contamination/epsilon\[0\]", r"hypothesis 6\b", r"-0\.1"])(
    set_structured("/contamination/epsilon", 0, -0.1))
case("NaN radius", pats=[r"/tv_balls/radius\[0\]", r"NaN"])(
    set_structured("/tv_balls/radius", 0, np.nan))
case("TV center off the simplex", pats=[r"/tv_balls/centers", r"tv ball 1\b", r"hypothesis 5\b", r"sums to 1\.2"])(
    set_structured("/tv_balls/centers", (1, 0), 0.8))
case("contamination center with a negative entry",
     pats=[r"/contamination/centers", r"hypothesis 7\b", r"column 2\b", r"-0\.5"])(
    set_structured("/contamination/centers", 1, [0.7, 0.8, -0.5]))
case("interval lower above upper",
     pats=[r"/intervals/lower", r"interval set 0\b", r"hypothesis 8\b", r"column 1\b", r"lower 0\.45 > upper 0\.4"])(
    set_structured("/intervals/lower", (0, 1), 0.45))
case("interval lower bounds summing above 1 (empty set)",
     pats=[r"/intervals/lower", r"hypothesis 9\b", r"sum to 1\.1", r"empty"])(
    set_structured("/intervals/lower", 1, [0.3, 0.3, 0.5]))
case("interval upper bounds summing below 1 (empty set)",
     pats=[r"/intervals/upper", r"hypothesis 8\b", r"sum to 0\.9", r"empty"])(
    set_structured("/intervals/upper", 0, [0.2, 0.3, 0.4]))
case("belief focal entry not 0 or 1",
     pats=[r"/belief/focal", r"belief function 1\b", r"hypothesis 11\b", r"focal set 0\b", r"row 2\b", r"column 1\b"])(
    set_structured("/belief/focal", (2, 1), 2))
case("belief empty focal set",
     pats=[r"/belief/focal", r"belief function 0\b", r"focal set 1\b", r"empty"])(
    set_structured("/belief/focal", 1, [0, 0, 0]))
case("belief masses summing to 0.9",
     pats=[r"/belief/mass", r"belief function 1\b", r"hypothesis 11\b", r"sum to 0\.9"])(
    set_structured("/belief/mass", 2, 0.4))
case("belief negative mass", pats=[r"/belief/mass", r"belief function 0\b", r"-0\.1"])(
    structured(lambda s: s["datasets"].__setitem__("/belief/mass", np.array([-0.1, 1.1, 0.5, 0.25, 0.25]))))
case("belief offsets past the focal rows", pats=[r"/belief/offsets", r"offsets\[2\] = 6", r"/belief/focal has 5 rows"])(
    set_structured("/belief/offsets", 2, 6))
case("TV centers with the wrong d", pats=[r"/tv_balls/centers", r"d = 4", r"d = 3"])(
    structured(lambda s: s["datasets"].__setitem__("/tv_balls/centers", np.full((2, 4), 0.25))))
case("TV radius missing", pats=[r"/tv_balls/radius", r"missing"])(
    structured(lambda s: s["datasets"].pop("/tv_balls/radius")))
case("intervals upper with another shape", pats=[r"/intervals/upper", r"shape \(3, 3\)"])(
    structured(lambda s: s["datasets"].__setitem__("/intervals/upper", np.full((3, 3), 0.5))))
case("points without offsets beside structured sets", pats=[r"/hypotheses/points", r"without /hypotheses/offsets"])(
    structured(lambda s: s["datasets"].pop("/hypotheses/offsets")))


@case("soft link for the /hypotheses group", pats=[HYP, r"soft|link"])
def _(ctx):
    spec = base_spec()
    spec["datasets"] = {k.replace("/hypotheses/", "/real/"): v for k, v in spec["datasets"].items()}
    spec["groups"] = ["/policies"]
    spec["hooks"].append(lambda f: (f["/real"].attrs.__setitem__("kind", "distribution"),
                                    f.__setitem__("hypotheses", h5py.SoftLink("/real"))))
    return ctx.write(spec)


@case("external link for the /policies group (target valid)", pats=[r"/policies", r"external"])
def _(ctx):
    spec = base_spec()
    other = ctx.write(base_spec(), "other.h5")
    spec["datasets"].pop("/policies/utility")
    spec["groups"] = ["/hypotheses"]
    spec["hooks"].append(lambda f: f.__setitem__("policies", h5py.ExternalLink(other, "/policies")))
    return ctx.write(spec)


# ---- more dtypes and attribute types ------------------------------------------------------

case("prior integer dtype", pats=[PRI])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/prior": np.array([1, 0, 0, 0], dtype=np.int32)})))
case("prior_set rank 1", pats=[PRS])(
    mutate(lambda s: s["datasets"].update({"/hypotheses/prior_set": np.full(4, 0.25)})))
case("kind attr is an integer", pats=[HYP, r"kind"])(
    mutate(lambda s: s["hyp_attrs"].update(kind=np.int64(0))))
case("version attr is a string", pats=[r"version"])(
    mutate(lambda s: s["root_attrs"].update(version="1")))
case("+inf in points (payoff kind)", pats=[PTS, r"hypothesis 0\b", r"column 2\b"])(
    mutate(lambda s: (s["hyp_attrs"].update(kind="payoff"),
                      ds(s, "/hypotheses/points").__setitem__((2, 2), np.inf))))


# ---- sizes checked before anything is allocated (declared, never-written datasets) --------

@case("more than 2^31 hypotheses (offsets never written)", pats=[OFF])
def _(ctx):
    spec = base_spec()
    spec["datasets"]["/hypotheses/offsets"] = None
    spec["create_kw"]["/hypotheses/offsets"] = dict(shape=(2 ** 31 + 2,), dtype="i8",
                                                    chunks=(1 << 16,))
    spec["datasets"].pop("/hypotheses/prior")
    spec["datasets"].pop("/hypotheses/prior_set")
    return ctx.write(spec)


@case("one hypothesis with more than 2^31 generators", pats=[OFF, r"hypothesis 0\b"])
def _(ctx):
    spec = base_spec()
    spec["datasets"]["/hypotheses/points"] = None
    spec["create_kw"]["/hypotheses/points"] = dict(shape=(2 ** 40, 3), dtype="f8",
                                                   chunks=(4096, 3))
    spec["datasets"]["/hypotheses/offsets"] = np.array([0, 2 ** 40], dtype=np.int64)
    for k in ("/hypotheses/constants", "/hypotheses/prior", "/hypotheses/prior_set"):
        spec["datasets"].pop(k)
    return ctx.write(spec)


@case("more than 2^31 policies (utility never written)", pats=[UTL])
def _(ctx):
    spec = base_spec()
    spec["datasets"]["/policies/utility"] = None
    spec["create_kw"]["/policies/utility"] = dict(shape=(2 ** 31 + 1, 3), dtype="f8",
                                                  chunks=(4096, 3))
    return ctx.write(spec)


# ---- finite inputs whose values overflow float64 in <x_k, u_p> ----------------------------
# The engine refuses a lower expectation that is not finite ("never a silent NaN"); validate
# checks the inputs only, so it may accept these files.

@case("-inf lower expectation from overflow", pats=[r"hypothesis 2\b", r"policy \d+"],
      validate_rc=(0, 65))
def _(ctx):
    spec = base_spec()
    spec["hyp_attrs"]["kind"] = "payoff"
    X = ds(spec, "/hypotheses/points")
    X[6] = [1e300, 0.0, 0.0]                      # hypothesis 2, generator 1
    U = ds(spec, "/policies/utility")
    U[:, 0] = -1e10                               # <x, u> = -1e310 = -inf for every policy
    return ctx.write(spec)


@case("NaN from overflow (inf - inf) in a non-first generator",
      pats=[r"hypothesis 2\b", r"policy \d+"], validate_rc=(0, 65))
def _(ctx):
    spec = base_spec()
    spec["hyp_attrs"]["kind"] = "payoff"
    X = ds(spec, "/hypotheses/points")
    X[7] = [1e300, 1e300, 0.0]                    # hypothesis 2, generator 2 (not its first)
    U = ds(spec, "/policies/utility")
    U[:, 0] = 1e10
    U[:, 1] = -1e10                               # 1e310 - 1e310 = inf - inf = NaN
    return ctx.write(spec)


# ---- a NaN deep inside a hypothesis too large for the memory budget (read in pieces) ------

def _pieces_spec(bad):
    rng = np.random.default_rng(777)
    sizes, d, P = [10, 4000, 5], 300, 4
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    K = int(offsets[-1])
    X = rng.dirichlet(np.ones(d), size=K)
    X /= X.sum(axis=1, keepdims=True)
    if bad:
        X[offsets[1] + 3500, 7] = np.nan          # hypothesis 1, generator 3500, column 7
    return {
        "root_attrs": {"schema": "credal-batch", "version": np.int64(1)},
        "hyp_attrs": {"kind": "distribution"},
        "datasets": {"/hypotheses/points": X, "/hypotheses/offsets": offsets,
                     "/policies/utility": rng.normal(size=(P, d))},
        "groups": ["/hypotheses", "/policies"], "create_kw": {}, "hooks": [],
    }


@case("NaN inside a hypothesis read in pieces (--memory)",
      pats=[PTS, r"hypothesis 1\b", r"column 7\b", r"row 3510\b|generator 3500\b",
            r"!generator (?!3500\b)\d+", r"!row (?!3510\b)\d+"])
def _(ctx):
    notes, fails = [], []
    bad = ctx.write(_pieces_spec(bad=True))
    good = ctx.write(_pieces_spec(bad=False), "good.h5")
    mem = memory_for(ctx, good, "9MiB", 256 * 1024, notes, fails)
    # hypothesis 1 alone holds 4000 * 300 * 8 bytes = 9.6 MB of points: more than any budget
    # of about 9 MiB leaves after the HDF5 allowance, so it is evaluated in pieces
    return bad, ["--memory", mem], notes, fails


def memory_for(ctx, good, mem, margin, notes, fails, min_chunks=None):
    """A --memory value the tool accepts for `good`, starting from `mem`: when the tool refuses
    `mem` as too small, its stated minimum plus margin. Checks the valid twin evaluates."""
    out = ctx.path("probe.h5")
    rc, so, se, _ = run([ctx.credal, "eval", good, "-o", out, "--memory", mem])
    if rc == 64 and "too small" in se:
        m = re.search(r"at least (\d+) bytes", se)
        if m:
            notes.append(f"--memory {mem} refused as too small (min {m.group(1)} B)")
            mem = str(int(m.group(1)) + margin)
            rc, so, se, _ = run([ctx.credal, "eval", good, "-o", out, "--memory", mem])
    if rc != 0:
        fails.append(f"the valid twin did not evaluate with --memory {mem}: rc {rc}: {short(se)}")
    else:
        m = re.search(r"in (\d+) chunks?", so)
        if m:
            notes.append(f"valid twin: {m.group(1)} chunks at --memory {mem}")
            if min_chunks and int(m.group(1)) < min_chunks:
                fails.append(f"the valid twin used only {m.group(1)} chunk(s); the case does not "
                             f"exercise chunked evaluation")
    if os.path.exists(out):
        os.unlink(out)
    return mem


# ---- a bad value in the last hypothesis of a file evaluated in many chunks ----------------

def _big_spec(bad):
    rng = np.random.default_rng(4242)
    H, d, P = 2000, 40, 4
    sizes = rng.integers(5, 36, size=H)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    K = int(offsets[-1])
    X = rng.dirichlet(np.ones(d), size=K)
    X /= X.sum(axis=1, keepdims=True)
    if bad:
        X[K - 1, 5] = np.nan       # hypothesis 1999, its last generator, column 5
    return {
        "root_attrs": {"schema": "credal-batch", "version": np.int64(1)},
        "hyp_attrs": {"kind": "distribution"},
        "datasets": {"/hypotheses/points": X, "/hypotheses/offsets": offsets,
                     "/hypotheses/prior": np.full(H, 1.0 / H),
                     "/policies/utility": rng.normal(size=(P, d))},
        "groups": ["/hypotheses", "/policies"], "create_kw": {}, "hooks": [],
    }, int(sizes[-1]) - 1, K - 1


_BIG_G, _BIG_K = _big_spec(bad=False)[1:]


# ---- names the schema does not define (typos), and labels of the wrong length -------------
# Each would otherwise change the run silently: a family dropped, the prior or the tolerance
# ignored. Refused (65) by name with the nearest known one; --allow-unknown (below) goes on.

def add_dataset(name, data):
    return mutate(lambda s: s["datasets"].__setitem__(name, data))


def add_attr(obj, key, value):
    return mutate(lambda s: s["hooks"].append(lambda f: f[obj].attrs.__setitem__(key, value)))


case("/tv_ball instead of /tv_balls", pats=[r"/tv_ball\b", r"did you mean /tv_balls\?"])(
    add_dataset("/tv_ball/centers", np.full((1, 3), 1 / 3)))
case("/hypotheses/priors instead of prior",
     pats=[r"/hypotheses/priors", r"did you mean /hypotheses/prior\?"])(
    add_dataset("/hypotheses/priors", np.full(4, 0.25)))
case("tolerance on /hypotheses/points instead of /hypotheses",
     pats=[PTS, r"'tolerance'", r"belongs on /hypotheses"])(
    add_attr("/hypotheses/points", "tolerance", 1e-3))
case("root attribute 'tolerence' (a typo)", pats=[r"'tolerence'", r"did you mean 'tolerance'"])(
    add_attr("/", "tolerence", 1e-3))
case("/hypotheses attribute 'knd'", pats=[HYP, r"'knd'", r"did you mean 'kind'"])(
    add_attr("/hypotheses", "knd", "payoff"))
case("/policies/names of the wrong length", pats=[r"/policies/names", r"2 names for 5 policies"])(
    add_dataset("/policies/names", np.array([b"a", b"b"])))
case("/hypotheses/names of the wrong length",
     pats=[r"/hypotheses/names", r"5 names for 4 hypotheses"])(
    add_dataset("/hypotheses/names", np.array([b"a", b"b", b"c", b"d", b"e"])))
case("/policies/names not strings", pats=[r"/policies/names", r"not strings"])(
    add_dataset("/policies/names", np.arange(5)))

# ---- messages that say what to do ----------------------------------------------------------
case("numpy bool offsets", pats=[OFF, r"numpy bool", r"astype\(np\.int64\)"])(
    mutate(lambda s: s["datasets"].__setitem__("/hypotheses/offsets",
                                                np.array([False, True, True, True, True]))))
case("probabilities rounded to 3 digits: the tolerance attribute is named",
     pats=[PTS, r"rounded probabilities\? the /hypotheses attribute 'tolerance'"])(
    mutate(lambda s: s["datasets"].__setitem__(
        "/hypotheses/points", np.round(np.vstack([[0.3333, 0.3333, 0.3334]] * 9 +
                                                 [[1 / 3, 1 / 3, 1 / 3]]), 3))))
case("prior rounded to 2 digits: the tolerance attribute is named",
     pats=[PRI, r"rounded probabilities\?"])(
    mutate(lambda s: s["datasets"].__setitem__("/hypotheses/prior",
                                               np.array([0.33, 0.33, 0.33, 0.0]))))


@case("NaN in the last hypothesis, many chunks (--memory)",
      pats=[PTS, r"hypothesis 1999\b", r"column 5\b", rf"row {_BIG_K}\b|generator {_BIG_G}\b",
            rf"!generator (?!{_BIG_G}\b)\d+", rf"!row (?!{_BIG_K}\b)\d+"])
def _(ctx):
    notes, fails = [], []
    spec, g, k = _big_spec(bad=True)
    bad = ctx.write(spec)
    good = ctx.write(_big_spec(bad=False)[0], "good.h5")
    mem = memory_for(ctx, good, "9MiB", 256 * 1024, notes, fails, min_chunks=3)
    return bad, ["--memory", mem], notes, fails


# ---- several problems in one file: validate lists each ------------------------------------

@case("several problems (validate lists each)",
      eval_pats=[r"/hypotheses/(points|prior)"],
      validate_pats=[PTS, r"hypothesis 0\b", r"hypothesis 3\b", r"column 2\b", r"column 0\b",
                     PRI, r"\b3 problems\b"])
def _(ctx):
    spec = base_spec()
    X = ds(spec, "/hypotheses/points")
    X[1, 2] = np.nan      # hypothesis 0, generator 1, column 2
    X[9, 0] = np.nan      # hypothesis 3, generator 0, column 0
    spec["datasets"]["/hypotheses/prior"] = np.array([0.1, 0.2, 0.3, 0.3])   # sums to 0.9
    return ctx.write(spec)


# --------------------------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------------------------

def run(cmd, timeout=RUN_TIMEOUT, probe=False):
    env = dict(os.environ, CREDAL_PROBE_TIMEOUT="5")  # the hanging finding: refused in 5 s
    if probe:  # the files libhdf5 crashes on need the structure probe, whatever the caller says
        env.pop("CREDAL_NO_PROBE", None)
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           errors="replace", text=True, env=env)
        return p.returncode, p.stdout, p.stderr, False
    except subprocess.TimeoutExpired as e:
        def txt(b):
            return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
        return None, txt(e.stdout), txt(e.stderr), True


def short(text, n=700):
    text = (text or "").strip().replace("\n", " | ")
    return text if len(text) <= n else text[:n] + " ..."


def check_run(what, rc, so, se, timed_out, want_rc, pats, fails):
    if timed_out:
        fails.append(f"{what}: timed out after {RUN_TIMEOUT}s")
        return
    if rc is None or rc < 0:
        fails.append(f"{what}: killed by signal {-rc if rc else '?'} (crash); stderr: {short(se)}")
        return
    if rc not in want_rc:
        fails.append(f"{what}: exit {rc}, expected {'/'.join(map(str, sorted(want_rc)))}; "
                     f"stderr: {short(se)}")
    # the validate header names the file being checked; the problems are what counts
    body = "\n".join(l for l in se.splitlines() if not l.startswith("credal validate: checking "))
    if rc == 0:
        return
    if not body.strip():
        fails.append(f"{what}: no message on stderr")
        return
    # "!regex": a wrong index must not be named (e.g. a generator number relative to a piece)
    missing = [p for p in pats if not p.startswith("!") and not re.search(p, body, re.IGNORECASE)]
    wrong = [p[1:] for p in pats if p.startswith("!") and re.search(p[1:], body, re.IGNORECASE)]
    if missing:
        fails.append(f"{what}: stderr does not match {missing}; stderr: {short(body)}")
    if wrong:
        fails.append(f"{what}: stderr names a wrong index (matches {wrong}); stderr: {short(body)}")
    if "HDF5-DIAG" in se or "Traceback" in se or "Sanitizer" in se:
        fails.append(f"{what}: raw HDF5 error stack / crash report on stderr: {short(se)}")


def write_corpus(directory, credal):
    """Every case's input (and the valid base file) into directory, for scripts/fuzz.sh."""
    os.makedirs(directory, exist_ok=True)
    written = 0
    with tempfile.TemporaryDirectory(prefix="credal-corpus-") as tmp:
        shutil.copy(Ctx(tmp, credal, 0).write(base_spec()), os.path.join(directory, "base.h5"))
        for n, c in enumerate(CASES, start=1):
            try:
                r = c["fn"](Ctx(tmp, credal, n))
            except Exception:  # a case that needs more than a file: skip it
                continue
            path = r[0] if isinstance(r, tuple) else r
            if path and os.path.isfile(path) and os.path.getsize(path) <= 1 << 20:
                shutil.copy(path, os.path.join(directory, f"malformed-{n:03d}.h5"))
                written += 1
    print(f"{written} malformed inputs written to {directory}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--credal", required=True, help="path to the credal binary")
    ap.add_argument("--data", default=None, help="data directory (unused)")
    ap.add_argument("--write-corpus", metavar="DIR",
                    help="write every case's input file into DIR (a fuzzing corpus) and exit")
    args = ap.parse_args()
    if args.write_corpus:
        return write_corpus(args.write_corpus, os.path.abspath(args.credal))
    credal = os.path.abspath(args.credal)
    if not os.access(credal, os.X_OK):
        print(f"FAIL: {credal} is not an executable")
        print("0 passed, 1 failed")
        return 1

    passed = failed = 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="credal-malformed-") as tmp:
        # sanity: the base file itself is valid, so every failure below is the mutation's
        ctx = Ctx(tmp, credal, 0)
        base = ctx.write(base_spec())
        out = ctx.path("out.h5")
        fails = []
        rc, so, se, to = run([credal, "validate", base])
        if rc != 0:
            fails.append(f"validate on the valid base file: exit {rc}: {short(se)}")
        rc, so, se, to = run([credal, "eval", base, "-o", out])
        if rc != 0 or not os.path.exists(out):
            fails.append(f"eval on the valid base file: exit {rc}: {short(se)}")
        if fails:
            failed += 1
            print("FAIL base file is valid")
            for f in fails:
                print(f"     - {f}")
        else:
            passed += 1
            print("ok   base file is valid (validate 0, eval 0)")

        for n, c in enumerate(CASES, start=1):
            ctx = Ctx(tmp, credal, n)
            fails, notes, extra = [], [], []
            try:
                r = c["fn"](ctx)
                if isinstance(r, tuple):
                    path, extra, notes, fails = r
                else:
                    path = r
            except Exception as exc:
                failed += 1
                print(f"FAIL {c['name']}: building the input raised {type(exc).__name__}: {exc}")
                continue
            out = ctx.path("out.h5")
            rc, so, se, to = run([credal, "eval", path, "-o", out] + list(extra), probe=c["probe"])
            check_run("eval", rc, so, se, to, c["rc"], c["eval_pats"], fails)
            eval_msg = short(se, 160)
            for leftover in (out, out + ".partial"):
                if os.path.lexists(leftover):
                    fails.append(f"eval left {os.path.basename(leftover)} behind")
            rc2, so2, se2, to2 = run([credal, "validate", path], probe=c["probe"])
            check_run("validate", rc2, so2, se2, to2, c["validate_rc"],
                      c["validate_pats"] if rc2 != 0 else [], fails)
            for leftover in (out, out + ".partial"):
                if os.path.lexists(leftover) and not any("left" in f for f in fails):
                    fails.append(f"validate created {os.path.basename(leftover)}")
            if fails:
                failed += 1
                print(f"FAIL {c['name']}" + (f" ({'; '.join(notes)})" if notes else ""))
                for f in fails:
                    print(f"     - {f}")
            else:
                passed += 1
                print(f"ok   {c['name']}: eval {rc}, validate {rc2}: {eval_msg}"
                      + (f" ({'; '.join(notes)})" if notes else ""))
            sys.stdout.flush()
    print(f"# {len(CASES)} malformed inputs, total {time.monotonic() - t0:.1f}s")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
