#!/usr/bin/env python3
"""End-to-end I/O against h5py (SPEC §8, issue 14), side by side in one run.

  A. output-heavy: H=100,000 hypotheses of 2 generators, d=8, P=256 (about 1.1 GB of /lower,
     /argmin, /regret): `credal eval --backend cpu` with each --compression, the baseline
     binary (--baseline, e.g. an older build) with its default, and h5py writing the same
     arrays (gzip-1 + shuffle, and uncompressed) with the same chunk shape.
  B. input-heavy: H=100,000 hypotheses of 20 generators, d=64, P=8 (1 GB of float64 points)
     stored by h5py with gzip-4 + shuffle, LZ4 + shuffle and Zstd-3 + shuffle (hdf5plugin),
     in chunks of (4096, 64): `credal eval` (all cores and --io-threads 1) against h5py
     reading /hypotheses/points; and against max(decode, compute), where decode is
     credal_read_points (every chunk read and decoded, 1, 2 and all threads) and compute is
     `credal eval` of the same input stored unfiltered (no decoding at all); and against the
     CPU floor when both halves share the cores: (decode CPU + compute CPU) / cores.

Usage: compare_io.py --credal build/credal [--baseline OLD/credal] [--dir DIR] [--only A|B]
                     [--codecs gzip,lz4,zstd] [--repeat N]
Prints a table of seconds and ratios; every figure is the median of --repeat runs.
"""
import argparse
import os
import resource
import statistics
import subprocess
import time

import h5py
import hdf5plugin


def timed(fn, repeat):
    fn()  # warm-up: the files in the page cache, as every timed run finds them
    times = []
    for _ in range(repeat):
        os.sync()  # the last run's dirty pages must not slow this one's writes
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def run(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def cpu_seconds(*cmd):
    """User + system CPU seconds of one run of cmd (all its threads)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run(*cmd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def eval_time(credal, inp, out, repeat, *opts):
    def once():
        if os.path.exists(out):
            os.unlink(out)
        run(credal, "eval", inp, "-o", out, "--backend", "cpu", "--quiet", "--force", *opts)
    return timed(once, repeat)


def scenario_a(a, rows):
    inp = f"{a.dir}/io-A.h5"
    if not os.path.exists(inp):
        run(a.credal, "gen", "-o", inp, "--hypotheses", "100000", "--points", "2", "--dim", "8",
            "--policies", "256", "--seed", "1")
    out = f"{a.dir}/io-A-out.h5"
    t = {}
    if a.baseline:
        t["baseline (its default: HDF5 gzip-1 + shuffle)"] = eval_time(a.baseline, inp, out, a.repeat)
    for codec in ("gzip:1", "zstd:1", "lz4", "none"):
        t[f"credal --compression {codec}"] = eval_time(a.credal, inp, out, a.repeat, "--compression", codec)
    eval_time(a.credal, inp, out, 1)
    with h5py.File(out) as f:
        arrays = {k: f[k][()] for k in ("lower", "argmin", "regret", "best/value", "best/policy")}
        chunks = {k: f[k].chunks for k in arrays}

    def h5py_write(fsync=False, **kw):
        def once():
            path = f"{a.dir}/io-A-h5py.h5"
            with h5py.File(path, "w") as g:
                for k, v in arrays.items():
                    g.create_dataset(k, data=v, chunks=chunks[k], **kw)
            if fsync:  # as credal does before it publishes an output
                fd = os.open(path, os.O_RDONLY)
                os.fsync(fd)
                os.close(fd)
        return once
    t["h5py write, gzip-1 + shuffle"] = timed(h5py_write(compression="gzip", compression_opts=1, shuffle=True), a.repeat)
    t["h5py write, uncompressed"] = timed(h5py_write(), a.repeat)
    t["h5py write, uncompressed, then fsync"] = timed(h5py_write(fsync=True), a.repeat)
    rows.append(("A", t))
    report(a, rows[-1:])


B_CODECS = {
    "gzip-4 + shuffle": lambda: dict(compression="gzip", compression_opts=4, shuffle=True),
    "lz4 + shuffle": lambda: dict(hdf5plugin.LZ4(), shuffle=True),
    "zstd-3 + shuffle": lambda: dict(hdf5plugin.Zstd(clevel=3), shuffle=True),
}


def scenario_b(a, rows):
    gen = f"{a.dir}/io-B-gen.h5"
    plain = f"{a.dir}/io-B-plain.h5"
    if not os.path.exists(gen):
        run(a.credal, "gen", "-o", gen, "--hypotheses", "100000", "--points", "20", "--dim", "64",
            "--policies", "8", "--seed", "2", "--compression", "none")
    read_points = os.path.join(os.path.dirname(a.credal), "bench", "credal_read_points")

    def rewrite(path, kw):
        if os.path.exists(path):
            return
        with h5py.File(gen) as f, h5py.File(path, "w") as g:
            f.copy(f["policies"], g)
            for k, v in f.attrs.items():
                g.attrs[k] = v
            h = g.create_group("hypotheses")
            for k, v in f["hypotheses"].attrs.items():
                h.attrs[k] = v
            h["offsets"] = f["hypotheses/offsets"][()]
            h.create_dataset("points", data=f["hypotheses/points"][()],
                             chunks=(4096, 64) if kw else None, **kw)

    rewrite(plain, {})
    out = f"{a.dir}/io-B-out.h5"
    compute = eval_time(a.credal, plain, out, a.repeat)
    for name, kw in B_CODECS.items():
        if a.codecs and not any(c in name for c in a.codecs.split(",")):
            continue
        inp = f"{a.dir}/io-B-{name.split()[0]}.h5"
        rewrite(inp, kw())
        t = {}

        def h5py_read():
            with h5py.File(inp) as f:
                f["hypotheses/points"][()]
        t[f"h5py read of /hypotheses/points ({name})"] = timed(h5py_read, a.repeat)
        if a.baseline:
            try:
                t["baseline eval (HDF5 decodes)"] = eval_time(a.baseline, inp, out, a.repeat)
            except subprocess.CalledProcessError:
                t["baseline eval (HDF5 decodes): refuses this filter"] = float("nan")
        e2e = eval_time(a.credal, inp, out, a.repeat)
        t["credal eval"] = e2e
        t["credal eval, --io-threads 1"] = eval_time(a.credal, inp, out, a.repeat, "--io-threads", "1")
        decode = {}
        for threads in (1, 2, os.cpu_count()):
            res = subprocess.run([read_points, inp, str(threads)], check=True, capture_output=True,
                                 text=True)
            decode[threads] = float(res.stdout.split()[0])
            t[f"decode only (credal_read_points, {threads} threads)"] = decode[threads]
        t["compute only (credal eval of the unfiltered file)"] = compute
        bound = max(decode[os.cpu_count()], compute)
        t["max(decode, compute)"] = bound
        # both halves busy on the same cores: the run cannot beat their CPU time shared out
        floor = (cpu_seconds(read_points, inp) +
                 cpu_seconds(a.credal, "eval", plain, "-o", out, "--backend", "cpu", "--quiet",
                             "--force")) / os.cpu_count()
        t["(decode CPU + compute CPU) / cores"] = floor
        rows.append((f"B, {name}: end to end / max(decode, compute) = {e2e / bound:.2f}, "
                     f"/ CPU floor = {e2e / floor:.2f}; decode 1 -> 2 threads "
                     f"{decode[1] / decode[2]:.2f}x", t))
        report(a, rows[-1:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--credal", required=True)
    ap.add_argument("--baseline")
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["A", "B"])
    ap.add_argument("--codecs", help="B: only the input codecs whose names contain one of these")
    a = ap.parse_args()
    rows = []
    if a.only in (None, "A"):
        scenario_a(a, rows)
    if a.only in (None, "B"):
        scenario_b(a, rows)


def report(a, rows):
    for name, t in rows:
        first = next(iter(t.values()))
        print(f"\nscenario {name}\n  (median of {a.repeat}, {os.cpu_count()} cores)")
        for k, v in t.items():
            print(f"  {k:58s} {v:8.3f} s   {first / v:6.2f}x of the first row", flush=True)


if __name__ == "__main__":
    main()
