#!/usr/bin/env python3
"""Side by side: credal's robust value iteration on a credal (interval) MDP against Storm's
(stormpy 2.x, interval MDP, `Pmax=? [F<=T "target"]` with ROBUST uncertainty resolution: the
agent maximises, nature minimises; the same finite-horizon reachability as credal's `reach`).

    python3 bench/compare_storm.py [--credal build/credal] [--lib build/libcredal.so]
                                   [--states 50000] [--actions 4] [--successors 10]
                                   [--horizon 100] [--seed 1] [--repeats 5]
                                   [--storm-build umb|builder] [--json PATH] [--keep] ...

1. `credal gen --mdp --objective reach --hypotheses 1 --policies 1` writes one model; it is
   read back with h5py (structure, hypothesis 0's intervals, target).
2. The same model is built in Storm: by default as a UMB archive written from the numpy
   arrays and loaded with stormpy.build_model_from_umb (a plain tar, about 0.2 s at 50k
   states); --storm-build builder uses SparseMatrixBuilder[Interval] instead (slower: one
   Python object per transition). Labels "target" and "init" (state 0).
3. Once, untimed: credal's optimal values of all states (credal_mdp_optimal_f64 through
   ctypes on libcredal.so) against Storm's values of all states. Both run exactly T robust
   Bellman steps, so they must agree to 1e-9 (--tolerance); else exit 1, nothing timed.
4. Timed, alternately, --repeats times each, one thread each (Storm as bundled with stormpy
   is single-threaded; credal with --threads 1 and the single-threaded C call):
   (a) the solve only: time.perf_counter around the ctypes call credal_mdp_optimal_f64
       (values of all states and the (T, S) optimal choices) and around
       stormpy.model_checking (which includes Storm's graph preprocessing); both models
       are built beforehand, in this process;
   (b) end to end from the file: wall time of the process `credal eval IN -o OUT --backend
       cpu --threads 1 --quiet --force` (read, validate, optimal values and the one policy's
       value, write) and of `python3 compare_storm.py --storm-end-to-end IN` (start Python,
       import stormpy, read with h5py, build the Storm model, model-check for the initial
       state). The input file is in the OS page cache: warm-cache timings.
   Medians are reported, the ratio Storm/credal, per-step time (solve / T), transitions N
   and the machine. Timings are only indicative on a busy machine: the CPUs kept busy by
   other processes are sampled before the timed runs and printed.

Exit status: 0 ok, 1 the check or a run failed, 2 usage.
"""
import argparse
import ctypes as C
import io
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PROP = 'Pmax=? [F<={T} "target"]'


def die(msg, code=1):
    print(f"compare_storm: {msg}", file=sys.stderr)
    sys.exit(code)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def busy_cores(seconds=2.0):
    """CPUs busy with other processes while this script sleeps (/proc/stat), or None."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]
    try:
        t0, i0 = sample()
        time.sleep(seconds)
        t1, i1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return (1 - (i1 - i0) / max(1, t1 - t0)) * (os.cpu_count() or 1)


# ---- the model: read from the credal-mdp file -----------------------------------------------

def read_model(path):
    import h5py
    with h5py.File(path, "r") as f:
        g = f["mdp"]
        if g.attrs.get("objective") not in ("reach", b"reach") or int(g.attrs.get("horizon", 0)) < 1:
            die(f"{path}: needs objective reach with a finite horizon")
        return dict(choice_offsets=np.ascontiguousarray(g["choice_offsets"][:], np.int64),
                    successor_offsets=np.ascontiguousarray(g["successor_offsets"][:], np.int64),
                    successors=np.ascontiguousarray(g["successors"][:], np.int64),
                    lower=np.ascontiguousarray(f["hypotheses/lower"][0], np.float64),
                    upper=np.ascontiguousarray(f["hypotheses/upper"][0], np.float64),
                    target=np.ascontiguousarray(g["target"][:], np.uint8),
                    horizon=int(g.attrs["horizon"]))


# ---- Storm -----------------------------------------------------------------------------------

def _bits(mask):
    """A bitvector as UMB stores it: little-endian bits in uint64 words."""
    mask = np.asarray(mask, bool)
    pad = np.zeros((-len(mask)) % 64, bool)
    return np.packbits(np.concatenate([mask, pad]), bitorder="little").tobytes()


def write_umb(path, m):
    """The interval MDP as a UMB archive (the layout stormpy.io.export_to_umb writes)."""
    S, Cn, N = len(m["choice_offsets"]) - 1, len(m["successor_offsets"]) - 1, len(m["successors"])
    init = np.zeros(S, bool)
    init[0] = True
    labels = {"target": m["target"] != 0}  # Storm labels the initial states "init" itself
    files = {"state-to-choices.bin": m["choice_offsets"].astype("<u8").tobytes(),
             "state-is-initial.bin": _bits(init),
             "choice-to-branches.bin": m["successor_offsets"].astype("<u8").tobytes(),
             "branch-to-target.bin": m["successors"].astype("<u8").tobytes(),
             "branch-to-probability.bin": np.column_stack([m["lower"], m["upper"]]).astype("<f8").tobytes()}
    for name, mask in labels.items():
        files[f"annotations/aps/{name}/states/values.bin"] = _bits(mask)
    aps = {n: {"alias": n, "applies-to": ["states"], "type": {"size": 1, "type": "bool"}} for n in labels}
    index = {"annotations": {"aps": aps}, "file-data": {"tool": "compare_storm.py"},
             "format-revision": 0, "format-version": 1,
             "transition-system": {"#branch-actions": 0, "#branches": N, "#choice-actions": 0,
                                   "#choices": Cn, "#initial-states": 1, "#observations": 0,
                                   "#players": 1, "#states": S, "time": "discrete",
                                   "branch-probability-type": {"size": 128, "type": "double-interval"}}}
    with tarfile.open(path, "w") as tf:
        for name, data in {"index.json": json.dumps(index).encode(), **files}.items():
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            tf.addfile(ti, io.BytesIO(data))


def storm_build(m, how, workdir):
    import stormpy
    import stormpy.developer as dev
    dev.set_log_level(dev.LogLevel.ERR)  # no WARN about the UMB archive's missing valuations
    if how == "umb":
        path = os.path.join(workdir, "model.umb")
        write_umb(path, m)
        try:
            return stormpy.build_model_from_umb(path)
        finally:
            os.remove(path)
    import stormpy.developer.storage as st
    from stormpy import datastructures as ds, models as M
    I = stormpy.Interval
    co, so = m["choice_offsets"], m["successor_offsets"]
    S, Cn, N = len(co) - 1, len(so) - 1, len(m["successors"])
    rows = np.repeat(np.arange(Cn), np.diff(so))
    b = ds.SparseMatrixBuilder[I](rows=Cn, columns=S, entries=N, force_dimensions=False,
                                  has_custom_row_grouping=True, row_groups=S)
    b.add_next_values(rows.tolist(), m["successors"].tolist(),
                      [I(lo, hi) for lo, hi in zip(m["lower"].tolist(), m["upper"].tolist())],
                      co[:-1].tolist())
    lab = st.StateLabeling(S)
    for name, states in (("init", [0]), ("target", np.flatnonzero(m["target"]).tolist())):
        lab.add_label(name)
        lab.set_states(name, st.BitVector(S, states))
    return M.SparseMdp[I](M.SparseModelComponents[I](transition_matrix=b.build(), state_labeling=lab))


def storm_check(model, horizon, only_initial):
    """(seconds of stormpy.model_checking, the result)."""
    import stormpy
    env = stormpy.Environment()  # interval models: always robust VI; say so (no fallback warning)
    env.solver().min_max().method = stormpy.environments.MinMaxMethod.VALUE_ITERATION
    prop = stormpy.parse_properties(PROP.format(T=horizon))[0]
    t = time.perf_counter()
    r = stormpy.model_checking(model, prop, only_initial_states=only_initial, environment=env,
                               uncertainty_resolution_mode=stormpy.UncertaintyResolutionMode.ROBUST)
    return time.perf_counter() - t, r


def storm_end_to_end(path, how):
    """The hidden mode timed in (b): everything Storm needs, from the file to the value."""
    t0 = time.perf_counter()
    import stormpy  # noqa: F401
    t1 = time.perf_counter()
    m = read_model(path)
    t2 = time.perf_counter()
    model = storm_build(m, how, os.path.dirname(os.path.abspath(path)))
    t3 = time.perf_counter()
    check, r = storm_check(model, m["horizon"], True)
    print(json.dumps({"value0": r.get_value(0), "import": t1 - t0,
                      "read": t2 - t1, "build": t3 - t2, "check": check}))
    return 0


# ---- credal through ctypes --------------------------------------------------------------------

class MDP(C.Structure):  # credal_mdp, include/credal.h
    _fields_ = [("states", C.c_int64), ("choice_offsets", C.POINTER(C.c_int64)),
                ("successor_offsets", C.POINTER(C.c_int64)), ("successors", C.POINTER(C.c_int64)),
                ("lower", C.POINTER(C.c_double)), ("upper", C.POINTER(C.c_double)),
                ("objective", C.c_int), ("reward", C.POINTER(C.c_double)),
                ("discount", C.c_double), ("target", C.POINTER(C.c_uint8)),
                ("avoid", C.POINTER(C.c_uint8)), ("horizon", C.c_int64), ("epsilon", C.c_double),
                ("sets", C.c_int), ("nominal", C.POINTER(C.c_double)),
                ("radius", C.POINTER(C.c_double))]


def credal_solver(lib_path, m):
    """A function solve() -> (seconds of the C call, values (S,)) for the model m."""
    lib = C.CDLL(lib_path)
    lib.credal_mdp_optimal_f64.argtypes = [C.POINTER(MDP), C.POINTER(C.c_double), C.POINTER(C.c_int32),
                                           C.POINTER(C.c_int64), C.POINTER(C.c_double)]
    lib.credal_last_error.restype = C.c_char_p
    S, T = len(m["choice_offsets"]) - 1, m["horizon"]
    ptr = lambda a, t: a.ctypes.data_as(C.POINTER(t))  # noqa: E731
    mdp = MDP(S, ptr(m["choice_offsets"], C.c_int64), ptr(m["successor_offsets"], C.c_int64),
              ptr(m["successors"], C.c_int64), ptr(m["lower"], C.c_double), ptr(m["upper"], C.c_double),
              1, None, 0.0, ptr(m["target"], C.c_uint8), None, T, 1e-9, 0, None, None)
    value, optimal = np.zeros(S), np.zeros(T * S, np.int32)

    def solve():
        t = time.perf_counter()
        rc = lib.credal_mdp_optimal_f64(C.byref(mdp), ptr(value, C.c_double), ptr(optimal, C.c_int32), None, None)
        dt = time.perf_counter() - t
        if rc:
            die(f"credal_mdp_optimal_f64: {lib.credal_last_error().decode()}")
        return dt, value.copy()
    return solve


def run_timed(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode:
        die(f"{shlex.join(cmd)} failed (exit {r.returncode}):\n{r.stdout}{r.stderr}")
    return wall, r.stdout


# ---- the comparison ----------------------------------------------------------------------------

def compare(args, credal, lib, workdir):
    import stormpy
    import stormpy.info
    inp, out = os.path.join(workdir, "mdp.h5"), os.path.join(workdir, "credal-out.h5")
    gen = [credal, "gen", "--mdp", "-o", inp, "--force", "--quiet", "--states", str(args.states),
           "--actions", str(args.actions), "--successors", str(args.successors), "--hypotheses", "1",
           "--policies", "1", "--objective", "reach", "--horizon", str(args.horizon), "--seed", str(args.seed)]
    print(f"generating: {shlex.join(gen)}", flush=True)
    run_timed(gen)
    m = read_model(inp)
    S, Cn, N, T = len(m["choice_offsets"]) - 1, len(m["successor_offsets"]) - 1, len(m["successors"]), m["horizon"]
    print(f"  S={S} states, C={Cn} choices, N={N} transitions, T={T} steps, {int(m['target'].sum())} targets; "
          f"lower bounds: min {m['lower'].min():.3g}, {int((m['lower'] == 0).sum())} zero")
    t = time.perf_counter()
    model = storm_build(m, args.storm_build, workdir)
    print(f"  Storm model ({args.storm_build}): {model.nr_states} states, {model.nr_choices} choices, "
          f"{model.nr_transitions} transitions, built in {time.perf_counter() - t:.2f} s", flush=True)
    if (model.nr_states, model.nr_choices, model.nr_transitions) != (S, Cn, N) or \
            not {"init", "target"} <= set(model.labeling.get_labels()):
        die("Storm's model does not have the file's sizes and labels")
    solve = credal_solver(lib, m)

    # --- the check, untimed
    _, v_credal = solve()
    _, r = storm_check(model, T, False)
    v_storm = np.array(r.get_value_vector(), np.float64)
    diff = float(np.abs(v_credal - v_storm).max())
    ok = diff <= args.tolerance
    print(f"check: max |credal - Storm| over all {S} states = {diff:.3g} (tolerance {args.tolerance:g}), "
          f"value(0) = {v_credal[0]:.12f}: {'ok' if ok else 'FAILED'}", flush=True)
    if not ok:
        die("credal and Storm disagree; nothing timed")

    busy = busy_cores()
    print(f"timing ({args.repeats} alternate runs each; CPUs busy with other processes: "
          f"{'n/a' if busy is None else f'{busy:.2f}'} of {os.cpu_count()}) ...", flush=True)
    t_cs, t_ss = [], []
    for _ in range(args.repeats):
        t_cs.append(solve()[0])
        t_ss.append(storm_check(model, T, False)[0])
    del model
    credal_cmd = [credal, "eval", inp, "-o", out, "--backend", "cpu", "--threads", "1", "--quiet", "--force"]
    storm_cmd = [sys.executable, os.path.abspath(__file__), "--storm-end-to-end", inp, "--storm-build", args.storm_build]
    t_ce, t_se, parts = [], [], []
    for _ in range(args.repeats):
        t_ce.append(run_timed(credal_cmd)[0])
        wall, stdout = run_timed(storm_cmd)
        t_se.append(wall)
        parts.append(json.loads(stdout.strip().splitlines()[-1]))
    import h5py
    with h5py.File(out, "r") as f:
        v0_eval = float(f["optimal/value"][0])
    v0_e2e = parts[-1]["value0"]
    if abs(v0_eval - v0_e2e) > args.tolerance or abs(v0_eval - v_credal[0]) > args.tolerance:
        die(f"end to end: credal eval's value(0) {v0_eval!r}, Storm's {v0_e2e!r}, the C call's {v_credal[0]!r}")
    busy_after = busy_cores()

    med = lambda xs: statistics.median(xs)  # noqa: E731
    res = {"states": S, "choices": Cn, "transitions": N, "horizon": T, "repeats": args.repeats,
           "max_abs_diff": diff, "value0": float(v_credal[0]), "storm_build": args.storm_build,
           "solve": {"credal": med(t_cs), "storm": med(t_ss), "credal_all": t_cs, "storm_all": t_ss},
           "end_to_end": {"credal": med(t_ce), "storm": med(t_se), "credal_all": t_ce, "storm_all": t_se,
                          "storm_parts": {k: med([p[k] for p in parts]) for k in ("import", "read", "build", "check")}},
           "machine": {"nproc": os.cpu_count(), "cpu": cpu_model(), "stormpy": stormpy.__version__,
                       "storm": stormpy.info.storm_version(),
                       "python": platform.python_version(), "busy_before": busy, "busy_after": busy_after}}
    print(f"\ncredal vs Storm: robust Pmax F<={T} (agent max, nature min), S={S}, C={Cn}, N={N} transitions, "
          f"one thread each")
    print(f"  {'':22s}{'credal':>10s}{'Storm':>10s}{'Storm/credal':>14s}")
    for key, label in (("solve", "solve (median)"), ("end_to_end", "end to end (median)")):
        c, s = res[key]["credal"], res[key]["storm"]
        print(f"  {label:22s}{c:9.3f}s{s:9.3f}s{s / c:13.2f}x")
    c, s = res["solve"]["credal"], res["solve"]["storm"]
    print(f"  {'per step (solve / T)':22s}{c / T * 1e3:8.2f}ms{s / T * 1e3:8.2f}ms"
          f"   ({c / T / N * 1e9:.1f} vs {s / T / N * 1e9:.1f} ns per transition per step)")
    p = res["end_to_end"]["storm_parts"]
    print(f"  Storm end to end: import stormpy {p['import']:.2f} s, h5py read {p['read']:.2f} s, "
          f"build ({args.storm_build}) {p['build']:.2f} s, model checking {p['check']:.2f} s")
    print(f"  check: max |credal - Storm| over all states {diff:.3g}; value(0) {v_credal[0]:.12f}")
    print("commands:")
    print(f"  credal: {shlex.join(credal_cmd)}")
    print(f"  Storm:  {shlex.join(storm_cmd)}")
    b = lambda x: "n/a" if x is None else f"{x:.2f}"  # noqa: E731
    print(f"machine: nproc {os.cpu_count()}, CPU {cpu_model()}, stormpy {stormpy.__version__} "
          f"(Storm {res['machine']['storm']}), python {platform.python_version()}; CPUs busy with "
          f"other processes before timing {b(busy)}, after {b(busy_after)}"
          + ("" if max(busy or 0, busy_after or 0) < 0.2 else "  -- WARNING: not idle, timings indicative"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
        print(f"figures written to {args.json}")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--states", type=int, default=50000, metavar="S")
    ap.add_argument("--actions", type=int, default=4, metavar="A")
    ap.add_argument("--successors", type=int, default=10, metavar="K")
    ap.add_argument("--horizon", type=int, default=100, metavar="T")
    ap.add_argument("--seed", default="1", help="credal gen --seed (default 1)")
    ap.add_argument("--repeats", type=int, default=5, metavar="N", help="timed runs of each (default 5)")
    ap.add_argument("--tolerance", type=float, default=1e-9, help="largest |credal - Storm| (default 1e-9)")
    ap.add_argument("--storm-build", choices=("umb", "builder"), default="umb",
                    help="how the Storm model is built (default umb)")
    ap.add_argument("--credal", metavar="PATH", help="credal binary (default: build/credal)")
    ap.add_argument("--lib", metavar="PATH", help="libcredal.so (default: build/libcredal.so)")
    ap.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    ap.add_argument("--workdir", metavar="DIR", help="where the files go (default: a new temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--storm-end-to-end", metavar="FILE", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.storm_end_to_end:
        return storm_end_to_end(args.storm_end_to_end, args.storm_build)
    if args.repeats < 1 or min(args.states, args.actions, args.successors, args.horizon) < 1:
        die("--repeats, --states, --actions, --successors and --horizon must be >= 1", 2)
    credal = os.path.abspath(args.credal or os.path.join(REPO, "build", "credal"))
    lib = os.path.abspath(args.lib or os.path.join(REPO, "build", "libcredal.so"))
    if not os.access(credal, os.X_OK):
        die(f"{credal}: no credal binary (build it, or pass --credal PATH)", 2)
    if not os.path.isfile(lib):
        die(f"{lib}: no libcredal.so (build it, or pass --lib PATH)", 2)
    try:
        import h5py  # noqa: F401
        import stormpy  # noqa: F401
    except ImportError as e:
        die(f"{e.name} is not installed (pip install stormpy h5py)", 2)
    workdir = os.path.abspath(args.workdir) if args.workdir else tempfile.mkdtemp(prefix="credal-vs-storm-")
    os.makedirs(workdir, exist_ok=True)
    try:
        return compare(args, credal, lib, workdir)
    finally:
        if args.keep:
            print(f"files kept in {workdir}")
        elif args.workdir:
            for n in ("mdp.h5", "credal-out.h5", "model.umb"):
                try:
                    os.remove(os.path.join(workdir, n))
                except OSError:
                    pass
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
