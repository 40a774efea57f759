#!/usr/bin/env python3
"""Side by side: `credal eval --backend cpu` against the numpy baseline
(bench/baselines/numpy_baseline.py), end to end (process start, HDF5 read, compute, HDF5 write).

    python3 bench/compare_numpy.py [--credal build/credal] [--hypotheses 2000] [--points 200]
                                   [--dim 64] [--policies 256] [--repeats 5] [--keep] ...

1. `credal gen` writes one input (float64, kind distribution, fixed --seed; with a prior and a
   prior set of --prior-set rows by default, so the whole regret stage runs).
2. Once, untimed: `credal eval --backend cpu` and the baseline with `--check`, which must agree
   within SPEC §6 (else exit 1 and nothing is timed).
3. Timed: `credal eval IN -o OUT --backend cpu --quiet --force` and `python3 numpy_baseline.py
   IN OUT`, alternately, --repeats times each, on the same input file. The file was just
   written and then read by step 2, so the OS page cache holds it: these are warm-cache
   timings for both programs (disk read cost excluded), not cold-cache ones.
4. Wall time is taken around each process; peak RSS is measured by a small parent process
   (Linux would count a Python parent's pages, forked into the child before exec, in
   ru_maxrss): --peak-rss PATH (e.g. build/tests/peak_rss), else GNU /usr/bin/time -f '%e %M'
   when it exists, else a tiny C helper compiled here with cc.

The table gives the median wall time of each, the ratio numpy/credal of the medians, the median
peak RSS of each, and the machine: nproc, CPU model, numpy version and BLAS (numpy.show_config
and threadpoolctl's internal_api / architecture / version / threads when threadpoolctl is
installed). OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which some machines of this workplace set
for old OpenBLAS builds and which slow a current numpy, are reported; when either is set, the
baseline (and only the baseline's commands) runs with both unset, and the OpenBLAS kernel numpy
then uses is reported for both environments.

Exit status: 0 ok, 1 the check or a run failed, 2 usage.
"""
import argparse
import json
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BASELINE = os.path.join(HERE, "baselines", "numpy_baseline.py")
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

PEAK_RSS_C = r"""
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc < 2) return 64;
  pid_t pid = fork();
  if (pid < 0) return perror("fork"), 71;
  if (pid == 0) { execvp(argv[1], argv + 1); perror("exec"); _exit(127); }
  int status; struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) return perror("wait4"), 71;
  printf("%ld\n", ru.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
"""

BLAS_PROBE = r"""
import json, numpy as np
out = {"numpy": np.__version__}
try:
    cfg = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    out["blas"] = f"{cfg.get('name', '?')} {cfg.get('version', '')}".strip()
    out["blas_config"] = cfg.get("openblas configuration", "")
except Exception as e:
    out["blas"] = f"unknown ({e})"
try:
    import threadpoolctl
    out["threadpool"] = [{k: i.get(k) for k in ("internal_api", "architecture", "version",
                                                 "num_threads", "threading_layer")}
                         for i in threadpoolctl.threadpool_info()]
except ImportError:
    out["threadpool"] = None
try:
    import h5py
    out["h5py"] = h5py.__version__
    out["hdf5"] = h5py.version.hdf5_version
except Exception:
    pass
print(json.dumps(out))
"""


def die(msg, code=1):
    print(f"compare_numpy: {msg}", file=sys.stderr)
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


def nproc():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count()


def find_credal(path):
    for cand in ([path] if path else [os.path.join(REPO, "build", "credal"), shutil.which("credal")]):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return os.path.abspath(cand)
    die("no credal binary: build it (cmake -S . -B build && cmake --build build) or pass "
        "--credal PATH" if not path else f"--credal {path}: not an executable file", 2)


class RssMeter:
    """Runs a command under a small parent that reports the child's peak RSS in KiB."""

    def __init__(self, args, workdir):
        self.kind = None
        if args.peak_rss:
            if not os.access(args.peak_rss, os.X_OK):
                die(f"--peak-rss {args.peak_rss}: not executable", 2)
            self.kind, self.tool = "helper", os.path.abspath(args.peak_rss)
            self.desc = f"{self.tool} (given by --peak-rss)"
            return
        if args.rss_tool in ("auto", "time") and self._gnu_time_ok(workdir):
            self.kind, self.tool = "time", "/usr/bin/time"
            self.desc = "/usr/bin/time -f '%e %M' (GNU time)"
            return
        if args.rss_tool == "time":
            die("--rss-tool time: /usr/bin/time is missing or is not GNU time", 2)
        cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if not cc:
            die("no way to measure peak RSS: no GNU /usr/bin/time, no cc; pass --peak-rss "
                "PATH (build/tests/peak_rss)", 2)
        src, exe = os.path.join(workdir, "peak_rss.c"), os.path.join(workdir, "peak_rss")
        with open(src, "w") as f:
            f.write(PEAK_RSS_C)
        r = subprocess.run([cc, "-O2", "-o", exe, src], capture_output=True, text=True)
        if r.returncode != 0:
            die(f"compiling the peak-RSS helper failed:\n{r.stderr}")
        self.kind, self.tool = "helper", exe
        self.desc = f"a C helper (fork, execvp, wait4 ru_maxrss) compiled with {cc}"

    @staticmethod
    def _gnu_time_ok(workdir):
        if not os.access("/usr/bin/time", os.X_OK):
            return False
        out = os.path.join(workdir, "time-probe.txt")
        r = subprocess.run(["/usr/bin/time", "-o", out, "-f", "%e %M", "true"],
                           capture_output=True)
        try:
            with open(out) as f:
                parts = f.read().split()
            return r.returncode == 0 and len(parts) == 2 and parts[1].isdigit()
        except OSError:
            return False

    def run(self, cmd, env, workdir):
        """(wall seconds, peak RSS KiB, returncode, output) of one run of cmd."""
        if self.kind == "time":
            out = os.path.join(workdir, "time-out.txt")
            full = ["/usr/bin/time", "-o", out, "-f", "%e %M"] + cmd
        else:
            full = [self.tool] + cmd
        j0, c0 = system_busy_seconds(), children_cpu_seconds()
        t = time.perf_counter()
        r = subprocess.run(full, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t
        j1, c1 = system_busy_seconds(), children_cpu_seconds()
        # CPU seconds used by the run itself, and the average number of CPUs that other
        # processes kept busy meanwhile (all busy time minus the run's own)
        self.cpu = c1 - c0
        self.others = None if j0 is None or j1 is None else max(0.0, (j1 - j0 - self.cpu) / wall)
        rss = None
        try:
            if self.kind == "time":
                with open(out) as f:
                    lines = [l for l in f.read().splitlines() if l.strip()]
                rss = int(lines[-1].split()[1])
            else:
                rss = int(r.stdout.strip().splitlines()[-1])
        except (OSError, ValueError, IndexError):
            pass
        return wall, rss, r.returncode, (r.stdout + r.stderr)


def run_checked(cmd, env=None, what=""):
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout + r.stderr, file=sys.stderr)
        die(f"{what or cmd[0]} failed (exit {r.returncode}): {shlex.join(cmd)}")
    return r


def blas_probe(env):
    r = subprocess.run([sys.executable, "-c", BLAS_PROBE], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        return {"error": r.stderr.strip()}
    return json.loads(r.stdout)


def describe_threadpool(info):
    tp = info.get("threadpool")
    if tp is None:
        return "threadpoolctl not installed (pip install threadpoolctl to see the kernel)"
    if not tp:
        return "threadpoolctl sees no BLAS library loaded"
    return "; ".join(f"{i['internal_api']} {i['version']}, kernel {i['architecture']}, "
                     f"{i['num_threads']} threads ({i['threading_layer']})" for i in tp)


def system_busy_seconds():
    """CPU seconds all processes have been busy since boot (/proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def children_cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def busy_cores(seconds=2.0):
    """CPUs busy with other processes, averaged over `seconds` while this script sleeps
    (from /proc/stat; None where it cannot be read)."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        return sum(v), idle
    try:
        t0, i0 = sample()
        time.sleep(seconds)
        t1, i1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return (1 - (i1 - i0) / max(1, t1 - t0)) * nproc()


def fmt_mib(kib):
    return "n/a" if kib is None else f"{kib / 1024:.0f} MiB"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="Run it with the repository's build: "
                                        "python3 bench/compare_numpy.py --credal build/credal")
    ap.add_argument("--hypotheses", type=int, default=2000, metavar="H")
    ap.add_argument("--points", type=int, default=200, metavar="K", help="generators per hypothesis")
    ap.add_argument("--dim", type=int, default=64, metavar="D")
    ap.add_argument("--policies", type=int, default=256, metavar="P")
    ap.add_argument("--repeats", type=int, default=5, metavar="N", help="timed runs of each (default 5)")
    ap.add_argument("--seed", default="20240601", help="credal gen --seed (default 20240601)")
    ap.add_argument("--prior-set", type=int, default=8, metavar="Q",
                    help="rows of the generated prior set (default 8; 0: none)")
    ap.add_argument("--no-prior", action="store_true", help="generate no /hypotheses/prior")
    ap.add_argument("--ragged", action="store_true", help="credal gen --ragged (K is then the mean)")
    ap.add_argument("--credal", metavar="PATH", help="credal binary (default: build/credal)")
    ap.add_argument("--peak-rss", metavar="PATH", help="peak-RSS helper (build/tests/peak_rss)")
    ap.add_argument("--rss-tool", choices=("auto", "time", "cc"), default="auto",
                    help="without --peak-rss: GNU time when present (auto), or insist on one")
    ap.add_argument("--workdir", metavar="DIR", help="where the files go (default: a new temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the input and output files")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        die("--repeats must be >= 1", 2)
    if min(args.hypotheses, args.points, args.dim, args.policies) < 1:
        die("--hypotheses, --points, --dim and --policies must be >= 1", 2)

    credal = find_credal(args.credal)
    workdir = os.path.abspath(args.workdir) if args.workdir else tempfile.mkdtemp(prefix="credal-vs-numpy-")
    os.makedirs(workdir, exist_ok=True)
    try:
        return compare(args, credal, workdir)
    finally:
        if args.keep:
            print(f"\nfiles kept in {workdir}")
        elif args.workdir:
            for n in ("input.h5", "credal-check.h5", "numpy-check.h5", "credal-out.h5",
                      "numpy-out.h5", "peak_rss", "peak_rss.c", "time-out.txt", "time-probe.txt"):
                try:
                    os.remove(os.path.join(workdir, n))
                except OSError:
                    pass
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def compare(args, credal, workdir):
    env = dict(os.environ)
    set_vars = {v: env[v] for v in OPENBLAS_VARS if v in env}
    np_env = {k: v for k, v in env.items() if k not in OPENBLAS_VARS}
    meter = RssMeter(args, workdir)

    info = blas_probe(np_env)
    if "error" in info:
        die(f"numpy does not import: {info['error']}")
    info_default = blas_probe(env) if set_vars else None

    inp = os.path.join(workdir, "input.h5")
    gen = [credal, "gen", "-o", inp, "--force", "--quiet", "--hypotheses", str(args.hypotheses),
           "--points", str(args.points), "--dim", str(args.dim), "--policies", str(args.policies),
           "--seed", str(args.seed)]
    if args.ragged:
        gen.append("--ragged")
    if not args.no_prior:
        gen.append("--prior")
    if args.prior_set > 0:
        gen += ["--prior-set", str(args.prior_set)]
    print(f"generating: {shlex.join(gen)}", flush=True)
    t = time.perf_counter()
    run_checked(gen, what="credal gen")
    print(f"  {os.path.getsize(inp) / 2**20:.1f} MiB on disk in {time.perf_counter() - t:.1f} s")

    credal_cmd = [credal, "eval", inp, "-o", os.path.join(workdir, "credal-out.h5"),
                  "--backend", "cpu", "--quiet", "--force"]
    numpy_cmd = [sys.executable, BASELINE, inp, os.path.join(workdir, "numpy-out.h5")]

    # --- agreement, once, untimed
    check_out = os.path.join(workdir, "credal-check.h5")
    run_checked([credal, "eval", inp, "-o", check_out, "--backend", "cpu", "--quiet", "--force"],
                what="credal eval")
    r = subprocess.run([sys.executable, BASELINE, inp, os.path.join(workdir, "numpy-check.h5"),
                        "--check", check_out, "-v"], env=np_env, capture_output=True, text=True)
    print("agreement (numpy_baseline.py --check, SPEC §6):")
    print("\n".join("  " + l for l in (r.stdout + r.stderr).strip().splitlines()))
    if r.returncode != 0:
        die(f"the baseline does not agree with credal (exit {r.returncode}); nothing timed")
    try:
        import h5py
        with h5py.File(check_out, "r") as f:
            credal_device = f.attrs.get("device", "")
            credal_version = f.attrs.get("credal_version", "")
    except Exception:
        credal_device = credal_version = "?"

    # --- timing, alternately
    print(f"\ntiming: {args.repeats} runs of each, alternately, same input file "
          f"(OS page cache warm: it was just written and read)", flush=True)
    busy_before = busy_cores()
    runs = {"credal": [], "numpy": []}
    others = []
    for i in range(args.repeats):
        for name, cmd, e in (("credal", credal_cmd, env), ("numpy", numpy_cmd, np_env)):
            wall, rss, rc, out = meter.run(cmd, e, workdir)
            if rc != 0:
                print(out, file=sys.stderr)
                die(f"{name} run {i + 1} failed (exit {rc}): {shlex.join(cmd)}")
            runs[name].append((wall, rss))
            others.append(meter.others)
            print(f"  run {i + 1} {name:6s} {wall:8.3f} s  {fmt_mib(rss):>10s}  "
                  f"CPU {meter.cpu:6.2f} s ({meter.cpu / wall:.2f} cores)  other processes "
                  + ("n/a" if meter.others is None else f"{meter.others:.2f} cores"), flush=True)

    busy_after = busy_cores()
    med = {}
    for name, rs in runs.items():
        walls = [w for w, _ in rs]
        rsss = [m for _, m in rs if m is not None]
        med[name] = (statistics.median(walls), min(walls), max(walls),
                     statistics.median(rsss) if rsss else None)

    # --- report
    H, K, d, P = args.hypotheses, args.points, args.dim, args.policies
    print()
    print(f"credal vs numpy: H={H:,} x K={K}{' (mean, ragged)' if args.ragged else ''}, d={d}, "
          f"P={P}, float64, kind distribution, seed {args.seed}"
          + ("" if args.no_prior else ", prior") + (f", prior set Q={args.prior_set}" if args.prior_set else ""))
    print(f"  rows x P = {H * K * P:.3g} generator-policy pairs; X {H * K * d * 8 / 2**20:.0f} MiB, "
          f"V = X @ U.T {H * K * P * 8 / 2**20:.0f} MiB (float64)")
    print(f"  {'':8s} {'median wall':>12s} {'min':>8s} {'max':>8s} {'median peak RSS':>16s}")
    for name in ("credal", "numpy"):
        m, lo, hi, rss = med[name]
        print(f"  {name:8s} {m:10.3f} s {lo:7.3f}s {hi:7.3f}s {fmt_mib(rss):>16s}")
    ratio = med["numpy"][0] / med["credal"][0] if med["credal"][0] > 0 else float("inf")
    print(f"  ratio numpy/credal of median wall times: {ratio:.2f}x"
          + ("" if med["credal"][3] is None or med["numpy"][3] is None else
             f"; of median peak RSS: {med['numpy'][3] / med['credal'][3]:.2f}x"))
    print(f"  {args.repeats} alternate runs each; wall = process start to exit (read, compute, "
          f"write; gzip-1+shuffle output for both); warm OS page cache")
    print("commands:")
    print(f"  credal: {shlex.join(credal_cmd)}")
    print(f"  numpy:  {shlex.join(numpy_cmd)}"
          + (f"   (with {' and '.join(sorted(set_vars))} unset)" if set_vars else ""))
    print(f"  peak RSS: {meter.desc}")
    def fmt_busy(b):
        return "n/a" if b is None else f"{b:.2f}"
    others = [o for o in others if o is not None]
    busy = max([b for b in (busy_before, busy_after) if b is not None] + others + [0.0])
    print(f"  CPUs busy with other processes (2 s idle samples) before timing "
          f"{fmt_busy(busy_before)}, after {fmt_busy(busy_after)}, during the runs at most "
          f"{fmt_busy(max(others) if others else None)} of {nproc()}"
          + ("" if busy < 0.2 else "  -- WARNING: the machine was not idle; other processes "
             "may have slowed either program"))
    print("machine:")
    print(f"  nproc {nproc()}, CPU {cpu_model()}, {platform.system()} {platform.release()}")
    print(f"  credal {credal_version}: {credal} (device attr: {credal_device}; "
          f"--threads default = all cores, --memory default 1GiB)")
    print(f"  python {platform.python_version()}, numpy {info.get('numpy')}, h5py {info.get('h5py')} "
          f"(HDF5 {info.get('hdf5')})")
    print(f"  numpy BLAS (show_config): {info.get('blas')}"
          + (f" [{info['blas_config']}]" if info.get("blas_config") else ""))
    print(f"  numpy BLAS at run time (threadpoolctl): {describe_threadpool(info)}")
    if set_vars:
        print(f"  {', '.join(f'{k}={v}' for k, v in set_vars.items())} set in this environment: "
              f"the numpy runs had both unset; with them as set, numpy's BLAS would be: "
              f"{describe_threadpool(info_default)}")
    else:
        print(f"  {' and '.join(OPENBLAS_VARS)}: not set (numpy ran in the unchanged environment)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
