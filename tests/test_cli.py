#!/usr/bin/env python3
"""The credal command line as a user meets it: help, exit statuses, the shipped example and
its hand-computed values, never overwriting, interruption (SIGTERM -> 75, partial kept, and
--resume after SIGTERMs at several points equal to the uninterrupted run), the
progress bar on a terminal, gen reproducibility, and peak memory bounded by --memory."""
import argparse
import os
import pty
import shutil
import signal
import subprocess
import sys
import tempfile
import time

try:
    import h5py
    import numpy as np
except ImportError:
    print("h5py/numpy missing: skipped")
    sys.exit(77)

ap = argparse.ArgumentParser()
ap.add_argument("--credal", required=True)
ap.add_argument("--data", required=True)
args = ap.parse_args()
CREDAL = os.path.abspath(args.credal)
DATA = os.path.abspath(args.data)
passed = failed = 0


def run(*argv, timeout=300, **kw):
    return subprocess.run([CREDAL, *argv], capture_output=True, text=True, timeout=timeout, **kw)


def case(name):
    def wrap(fn):
        global passed, failed
        try:
            fn()
            passed += 1
            print(f"ok   {name}")
        except Exception as e:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
        return fn
    return wrap


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def peak_rss_kib(argv):
    """Peak resident set of one command in KiB, measured by tests/peak_rss.c: from Python
    itself, Linux would count this interpreter's pages forked into the child before exec."""
    r = subprocess.run([os.environ["CREDAL_PEAK_RSS"], *argv], capture_output=True, text=True)
    expect(r.returncode == 0, f"{argv} failed: {r.stderr}")
    return int(r.stdout.split()[-1])


tmp = tempfile.TemporaryDirectory(prefix="credal-cli-")
T = tmp.name
EX = os.path.join(DATA, "example.h5")


@case("--version, --help and usage errors")
def _():
    r = run("--version")
    expect(r.returncode == 0 and r.stdout.startswith("credal "), r)
    expect(run("--help").returncode == 0, "--help")
    expect(run().returncode == 64, "no command is a usage error")
    expect(run("frobnicate").returncode == 64, "unknown command")
    for sub in ("eval", "gen", "validate", "info"):
        r = run(sub, "--help")
        expect(r.returncode == 0 and "usage" in r.stdout.lower(), f"{sub} --help: {r}")
    expect(run("eval", EX).returncode == 64, "eval without -o")
    expect(run("eval", EX, "-o", f"{T}/x.h5", "--memory", "lots").returncode == 64, "bad --memory")
    expect(run("eval", EX, "-o", f"{T}/x.h5", "--backend", "abacus").returncode == 64, "bad --backend")
    expect(run("eval", EX, "-o", f"{T}/x.h5", "--threads", "-2").returncode == 64, "bad --threads")
    expect(not os.path.exists(f"{T}/x.h5"), "usage errors create nothing")


@case("the example: summary and the hand-computed values of data/example-expected.md")
def _():
    out = f"{T}/example-out.h5"
    r = run("eval", EX, "-o", out)
    expect(r.returncode == 0, r.stderr)
    expect("maximin" in r.stdout and "backend   cpu" in r.stdout, r.stdout)  # auto: no GPU here
    # the four choices of data/example-expected.md, labelled from /policies/names
    for line in ("maximin         policy 4 X5 (2.35)", "minimax regret  policy 4 X5 (0.15)",
                 "bayes           policy 2 X3 (0.042)", "credal          policy 4 X5 (0.1)"):
        expect(line in r.stdout, f"missing {line!r} in {r.stdout}")
    with h5py.File(out, "r") as f:
        expect(f.attrs["schema"] == "credal-result" and f.attrs["complete"] == 1, dict(f.attrs))
        lower = f["lower"][0]
        # Troffaes (2007): P(a) in [0.28, 0.70]; lower[h0, X1] = min(4*0.28, 4*0.70) = 1.12, ...
        want = [1.12, 1.2, 2.28, 1.25, 2.35, 0.932]
        expect(np.allclose(lower, want, rtol=0, atol=1e-12), f"lower[h0] = {lower}")
        expect(list(f["argmin"][0][[0, 1, 2, 3, 5]]) == [0, 1, 0, 1, 0], f["argmin"][0])
        expect(f["choice"].attrs["maximin"] == 4, "Gamma-maximin picks X5 under h0 alone too")


@case("validate and info on an input and a result")
def _():
    r = run("validate", EX)
    expect(r.returncode == 0 and "valid" in r.stdout, r)
    r = run("info", EX)
    expect(r.returncode == 0 and "hypotheses" in r.stdout, r)
    out = f"{T}/info-out.h5"
    expect(run("eval", EX, "-o", out, "--quiet").returncode == 0, "eval")
    r = run("info", out)
    expect(r.returncode == 0 and "maximin" in r.stdout and "top policies" in r.stdout, r.stdout)
    expect(run("info", f"{T}/nothing.h5").returncode == 66, "info on a missing file")


@case("an existing output is never overwritten without --force (73)")
def _():
    out = f"{T}/keep.h5"
    with open(out, "w") as fh:
        fh.write("precious")
    r = run("eval", EX, "-o", out)
    expect(r.returncode == 73 and "--force" in r.stderr, r)
    expect(open(out).read() == "precious", "output changed")
    expect(not os.path.exists(out + ".partial"), "partial left behind")
    expect(run("eval", EX, "-o", out, "--force", "--quiet").returncode == 0, "--force")
    expect(h5py.is_hdf5(out), "not replaced")
    expect(run("eval", EX, "-o", f"{T}/no/such/dir/out.h5").returncode == 73, "uncreatable output")


@case("the input is never the output: same path, ./path, symlink, hard link, X.partial (64)")
def _():
    src = f"{T}/self.h5"
    shutil.copy(EX, src)
    before = open(src, "rb").read()
    os.symlink(src, f"{T}/self-link.h5")
    os.link(src, f"{T}/self-hard.h5")
    cwd_rel = os.path.relpath(src)
    for out in (src, f"{T}/./self.h5", cwd_rel, f"{T}/self-link.h5", f"{T}/self-hard.h5"):
        for extra in ([], ["--force"], ["--resume"]):
            r = run("eval", src, "-o", out, *extra)
            expect(r.returncode == 64 and "is the input" in r.stderr, f"-o {out} {extra}: {r}")
    shutil.copy(EX, f"{T}/selfp.h5.partial")  # OUTPUT.partial would be the input
    r = run("eval", f"{T}/selfp.h5.partial", "-o", f"{T}/selfp.h5", "--force")
    expect(r.returncode == 64 and "partial" in r.stderr, r)
    expect(h5py.is_hdf5(f"{T}/selfp.h5.partial") and not os.path.exists(f"{T}/selfp.h5"), "touched")
    expect(open(src, "rb").read() == before, "the input changed")
    cons = f"{T}/self-cons.h5"
    with h5py.File(cons, "w") as f:
        f.attrs["schema"], f.attrs["version"] = "credal-constraints", 1
        f["constraints/A"] = np.array([[-1.0, 0.0]])
        f["constraints/b"] = np.array([-0.2])
        f["constraints/offsets"] = np.array([0, 1])
        f["policies/utility"] = np.eye(2)
    r = run("convert", cons, "-o", cons, "--force")
    if "cddlib" not in r.stderr:
        expect(r.returncode == 64 and "is the input" in r.stderr, r)
    expect(h5py.is_hdf5(cons) and h5py.File(cons, "r").attrs["schema"] == "credal-constraints",
           "convert replaced its input")


@case("gpu asked for but unavailable: 69; f32 on the float64 reference: 64; f32 on the cpu")
def _():
    import subprocess as sp
    has_gpu = sp.run(["nvidia-smi"], capture_output=True).returncode == 0 if shutil.which("nvidia-smi") else False
    r = run("eval", EX, "-o", f"{T}/gpu.h5", "--backend", "gpu")
    if not has_gpu:
        expect(r.returncode == 69 and "GPU" in r.stderr, r)
        expect(not os.path.exists(f"{T}/gpu.h5"), "no output")
    r = run("eval", EX, "-o", f"{T}/f32.h5", "--precision", "f32", "--backend", "reference")
    expect(r.returncode == 64 and "float64" in r.stderr, r)
    expect(not os.path.exists(f"{T}/f32.h5"), "no output")
    r = run("eval", EX, "-o", f"{T}/f32.h5", "--precision", "f32", "--backend", "cpu")
    expect(r.returncode == 0, r)
    with h5py.File(f"{T}/f32.h5", "r") as f:
        expect(f["lower"].dtype == np.float32 and f.attrs["precision"] == "f32", f["lower"].dtype)
        expect(np.allclose(f["lower"][0], [1.12, 1.2, 2.28, 1.25, 2.35, 0.932], rtol=1e-4, atol=1e-5),
               f["lower"][0])


@case("gen: same seed, same bytes; different seed, different bytes; result evaluates")
def _():
    a, b, c = f"{T}/g1.h5", f"{T}/g2.h5", f"{T}/g3.h5"
    common = ["--hypotheses", "50", "--points", "7", "--dim", "5", "--policies", "4",
              "--ragged", "--constants", "--prior", "--prior-set", "3", "--quiet"]
    expect(run("gen", "-o", a, "--seed", "5", *common).returncode == 0, "gen a")
    expect(run("gen", "-o", b, "--seed", "5", *common).returncode == 0, "gen b")
    expect(run("gen", "-o", c, "--seed", "6", *common).returncode == 0, "gen c")
    expect(open(a, "rb").read() == open(b, "rb").read(), "same seed differs")
    expect(open(a, "rb").read() != open(c, "rb").read(), "different seed, same bytes")
    expect(run("gen", "-o", a, "--seed", "5", *common).returncode == 73, "gen overwrote")
    r = run("eval", a, "-o", f"{T}/g1-out.h5", "--upper")
    expect(r.returncode == 0, r.stderr)
    with h5py.File(f"{T}/g1-out.h5", "r") as f:
        expect(f["lower"].shape == (50, 4) and "credal_regret" in f["policy"], list(f["policy"]))


# CREDAL_TEST_SCALE (scripts/valgrind.sh: 0.2) shrinks the input that must outlast signals:
# under valgrind a fifth of it still takes several times longer than the whole does natively.
SCALE = float(os.environ.get("CREDAL_TEST_SCALE", "1") or 1)


def long_input():
    path = f"{T}/long.h5"
    if not os.path.exists(path):
        H = str(max(1500, int(15000 * SCALE)))  # outlasts the progress bar's first second
        r = run("gen", "-o", path, "--hypotheses", H, "--points", "100", "--dim", "48",
                "--policies", "48", "--seed", "3", "--quiet")
        expect(r.returncode == 0, r.stderr)
    return path


def mtime(path):
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return None


def term_after(p, partial, before, delay):
    """SIGTERM to p `delay` seconds after it has written to `partial` (whose mtime was `before`
    when p started), unless it ends first. Waiting for the write rather than for the clock keeps
    the signal inside the evaluation however slowly the process starts (under valgrind a fixed
    delay lands in the loader, where SIGTERM just kills)."""
    while p.poll() is None and mtime(partial) == before:
        time.sleep(0.02)
    try:
        p.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGTERM)


@case("SIGTERM: exit 75, OUTPUT.partial kept with complete=0, no OUTPUT")
def _():
    out = f"{T}/term.h5"
    p = subprocess.Popen([CREDAL, "eval", long_input(), "-o", out, "--memory", "16MiB",
                          "--backend", "reference"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    term_after(p, out + ".partial", None, 0.3)
    _, err = p.communicate(timeout=600)
    expect(p.returncode == 75, f"exit {p.returncode}: {err}")
    expect("interrupted" in err, err)
    expect(not os.path.exists(out), "output published")
    with h5py.File(out + ".partial", "r") as f:
        expect(f.attrs["complete"] == 0, "partial marked complete")
    r = run("eval", long_input(), "-o", out)
    expect(r.returncode == 73 and ".partial" in r.stderr, "a partial blocks a plain rerun")


@case("SIGTERM at several points, each run continued with --resume: the uninterrupted output")
def _():
    common = ["--memory", "18MiB", "--backend", "reference", "--upper", "--quiet"]
    full = f"{T}/full.h5"
    r = run("eval", long_input(), "-o", full, *common)
    expect(r.returncode == 0, r.stderr)
    out = f"{T}/resumed.h5"
    interrupted = 0
    for delay in (0.0, 0.3, 0.5, 0.8, 0.4, 0.6, 1.0, 0.7, None):  # None: to the end
        before = mtime(out + ".partial")
        p = subprocess.Popen([CREDAL, "eval", long_input(), "-o", out, "--resume", *common],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if delay is not None:
            term_after(p, out + ".partial", before, delay)
        _, err = p.communicate(timeout=1800)
        expect(p.returncode in (0, 75), f"exit {p.returncode}: {err}")
        if p.returncode == 0:
            break
        interrupted += 1
        expect("--resume" in err and not os.path.exists(out), err)
    expect(interrupted >= 2, f"only {interrupted} interruptions: the input is too small")
    expect(os.path.exists(out) and not os.path.exists(out + ".partial"), "not completed")
    with h5py.File(full, "r") as a, h5py.File(out, "r") as b:
        for name in ("lower", "argmin", "upper", "argmax", "regret", "best/value", "best/policy",
                     "policy/class_lower", "policy/worst_regret", "policy/worst_regret_hypothesis"):
            expect((a[name][:] == b[name][:]).all(), f"{name} differs after {interrupted} resumes")
        expect(dict(a["choice"].attrs) == dict(b["choice"].attrs), "choices differ")
        expect("resume" not in b, "the resume state stayed in the finished output")


def wide_input(hypotheses=None):
    """Few hypotheses, many policies: a result that takes seconds to write (the Ctrl-C cases;
    CREDAL_TEST_SCALE shrinks it under valgrind), or with 1,500 hypotheses more than 1 GiB
    before compression (the size notice, whose run is stopped at once)."""
    H = hypotheses or max(150, int(1500 * SCALE))
    path = f"{T}/wide{H}.h5"
    if not os.path.exists(path):
        r = run("gen", "-o", path, "--hypotheses", str(H), "--points", "8", "--dim", "4",
                "--policies", "40000", "--seed", "4", "--quiet")
        expect(r.returncode == 0, r.stderr)
    return path


def wait_for(p, path):
    while p.poll() is None and not os.path.exists(path):
        time.sleep(0.01)


SANITIZED = os.environ.get("CREDAL_SANITIZED") == "1"  # under valgrind: no timing claims


@case("Ctrl-C: acknowledged at once, stopped within a second, a second Ctrl-C still resumable")
def _():
    out = f"{T}/ctrlc.h5"
    for signals in (1, 2):
        for leftover in (out, out + ".partial"):
            if os.path.exists(leftover):
                os.unlink(leftover)
        p = subprocess.Popen([CREDAL, "eval", wide_input(), "-o", out, "--quiet"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(p, out + ".partial")
        time.sleep(0.5 if not SANITIZED else 3.0)
        sent = time.monotonic()
        for _ in range(signals):
            p.send_signal(signal.SIGINT)
            time.sleep(0.05)
        _, err = p.communicate(timeout=600)
        took = time.monotonic() - sent
        print(f"     {signals} SIGINT: exit {p.returncode} {took:.2f} s after the first")
        expect(p.returncode == 75, f"exit {p.returncode}: {err}")
        expect("stopping after the chunk in flight" in err and "--resume" in err, err)
        if signals == 2:
            expect("still stopping" in err, err)
        if not SANITIZED:
            expect(took < 2.0, f"stopped {took:.2f} s after SIGINT")
        with h5py.File(out + ".partial", "r") as f:
            expect("resume" in f and f.attrs["complete"] == 0, "no resume state")
    r = run("eval", wide_input(), "-o", out, "--quiet")
    expect(r.returncode == 73 and "--resume" in r.stderr and "--force" in r.stderr, r.stderr)
    os.utime(wide_input())  # a new mtime, the same bytes: still this input's partial
    r = run("eval", wide_input(), "-o", out, "--resume", "--quiet")
    expect(r.returncode == 0, r.stderr)
    full = f"{T}/ctrlc-full.h5"
    expect(run("eval", wide_input(), "-o", full, "--quiet").returncode == 0, "uninterrupted")
    with h5py.File(full, "r") as a, h5py.File(out, "r") as b:
        for name in ("lower", "argmin", "regret", "policy/worst_regret"):
            expect((a[name][:] == b[name][:]).all(), f"{name} differs after the resume")


@case("a partial of a changed input is refused, whatever the time stamps")
def _():
    src, out = f"{T}/changing.h5", f"{T}/changing-out.h5"
    # stored uncompressed: a changed value leaves the file's size as it was
    policies = str(max(4000, int(40000 * SCALE)))  # runs three times: scaled under valgrind
    r = run("gen", "-o", src, "--hypotheses", "1500", "--points", "8", "--dim", "4",
            "--policies", policies, "--seed", "5", "--compression", "none", "--quiet")
    expect(r.returncode == 0, r.stderr)
    p = subprocess.Popen([CREDAL, "eval", src, "-o", out, "--quiet"], stderr=subprocess.PIPE,
                         text=True)
    term_after(p, out + ".partial", None, 0.2)
    _, err = p.communicate(timeout=600)
    expect(p.returncode == 75, err)
    with h5py.File(out + ".partial", "r") as f:
        done = int(f["resume"].attrs["hypotheses_done"])
    expect(0 < done < 1500, f"{done} hypotheses done")
    shutil.copy(src, f"{T}/changing-copy.h5")
    shutil.copy(out + ".partial", f"{T}/changing-copy.partial")

    def edit(h, reverse_row):
        """Two values of hypothesis h swapped in place: the size and the time stamp kept."""
        size, stamp = os.path.getsize(src), os.stat(src)
        with h5py.File(src, "r+") as f:
            k = int(f["hypotheses/offsets"][h]) + reverse_row
            f["hypotheses/points"][k] = f["hypotheses/points"][k][::-1]
        os.utime(src, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        expect(os.path.getsize(src) == size, "the size changed")

    # a row in the middle of those done, two of its values swapped: refused
    edit(done // 2 + 1, 3)
    r = run("eval", src, "-o", out, "--resume")
    expect(r.returncode == 65 and "changed in place" in r.stderr and
           f"hypotheses 0 to {done - 1}" in r.stderr, r.stderr)
    expect(os.path.exists(out + ".partial") and not os.path.exists(out), "the partial was not kept")
    # a row not yet done: the resumed run reads it afresh, equal to a run of the edited input
    shutil.copy(f"{T}/changing-copy.h5", src)
    shutil.copy(f"{T}/changing-copy.partial", out + ".partial")
    edit(1499, 0)
    r = run("eval", src, "-o", out, "--resume", "--quiet")
    expect(r.returncode == 0, r.stderr)
    r = run("eval", src, "-o", f"{T}/changing-fresh.h5", "--quiet")
    expect(r.returncode == 0, r.stderr)
    with h5py.File(out, "r") as a, h5py.File(f"{T}/changing-fresh.h5", "r") as b:
        for name in ("lower", "argmin", "regret", "policy/worst_regret"):
            expect((a[name][:] == b[name][:]).all(), f"{name} differs from a fresh run")


@case("size guards: gen and eval refuse what cannot fit (73, nothing left), a large result is announced")
def _():
    free = shutil.disk_usage(T).free
    r = run("gen", "-o", f"{T}/huge.h5", "--hypotheses", "100000000", "--points", "64", "--dim",
            "64", "--policies", "10")
    if 100_000_000 * 64 * 64 * 8 / 4 > free:
        expect(r.returncode == 73 and "free" in r.stderr, r)
        expect(not os.path.exists(f"{T}/huge.h5.partial") and not os.path.exists(f"{T}/huge.h5"), "left")
    P = 500000  # each hypothesis's rows take about 10 MB before compression
    H = int(free * 4 / (P * 20) * 1.5) + 1
    big = f"{T}/too-big.h5"
    r = run("gen", "-o", big, "--hypotheses", str(H), "--points", "1", "--dim", "2", "--policies",
            str(P), "--quiet")
    expect(r.returncode == 0, r.stderr)
    r = run("eval", big, "-o", f"{T}/too-big-out.h5")
    expect(r.returncode == 73 and "--outputs policy" in r.stderr, r)
    expect(not any(n.startswith("too-big-out") for n in os.listdir(T)), "an output was left")
    os.unlink(big)
    out = f"{T}/announced.h5"
    p = subprocess.Popen([CREDAL, "eval", wide_input(1500), "-o", out, "--quiet"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(p, out + ".partial")
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=600)
    expect("a large result: up to" in err and "--outputs policy" in err, err)


@case("--outputs policy: the per-policy results alone, the same as the full run's")
def _():
    src, full, pol = f"{T}/out-in.h5", f"{T}/out-all.h5", f"{T}/out-policy.h5"
    r = run("gen", "-o", src, "--hypotheses", "600", "--points", "20", "--dim", "8",
            "--policies", "24", "--prior", "--seed", "6", "--quiet")
    expect(r.returncode == 0, r.stderr)
    for path, extra in ((full, []), (pol, ["--outputs", "policy"])):
        r = run("eval", src, "-o", path, "--rules", "all", "--quiet", *extra)
        expect(r.returncode == 0, r.stderr)
    with h5py.File(full, "r") as a, h5py.File(pol, "r") as b:
        expect(b.attrs["outputs"] == "policy" and a.attrs["outputs"] == "all", dict(b.attrs))
        for name in ("lower", "regret", "argmin", "rules/maximal", "rules/set_regret"):
            expect(name not in b, f"{name} written")
        for name in ("policy/class_lower", "policy/worst_regret", "best/value",
                     "rules/class/maximal", "rules/class/e_admissible"):
            expect((a[name][:] == b[name][:]).all(), f"{name} differs")
        expect(dict(a["choice"].attrs) == dict(b["choice"].attrs), "choices differ")
    sizes = (os.path.getsize(pol), os.path.getsize(full))
    expect(sizes[0] * 3 < sizes[1], f"not smaller: {sizes}")
    r = run("info", pol)
    expect(r.returncode == 0 and "--outputs policy" in r.stdout, r)


@case("results travel: names copied into the result; info reads them with the input gone")
def _():
    work = f"{T}/travel"
    os.makedirs(work)
    shutil.copy(EX, f"{work}/in.h5")
    r = subprocess.run([CREDAL, "eval", "in.h5", "-o", "res.h5", "--quiet"], cwd=work,
                       capture_output=True, text=True)
    expect(r.returncode == 0, r.stderr)
    moved = f"{T}/travelled.h5"
    shutil.move(f"{work}/res.h5", moved)
    shutil.rmtree(work)
    with h5py.File(moved, "r") as f, h5py.File(EX, "r") as e:
        expect(list(f["names/policies"][:]) == list(e["policies/names"][:]), "policy names")
        expect(list(f["names/hypotheses"][:]) == list(e["hypotheses/names"][:]), "hypothesis names")
    r = run("info", moved)
    expect(r.returncode == 0 and "policy 4 X5" in r.stdout, r.stdout)


@case("unknown names: refused by name (65, nothing written); --allow-unknown warns and goes on")
def _():
    src, out = f"{T}/typo.h5", f"{T}/typo-out.h5"
    shutil.copy(EX, src)
    with h5py.File(src, "a") as f:
        f["hypotheses/priors"] = np.full(4, 0.25)
    r = run("eval", src, "-o", out)
    expect(r.returncode == 65 and "did you mean /hypotheses/prior?" in r.stderr, r.stderr)
    expect(not os.path.exists(out) and not os.path.exists(out + ".partial"), "written")
    r = run("validate", src)
    expect(r.returncode == 65 and "/hypotheses/priors" in r.stderr, r)
    r = run("validate", src, "--allow-unknown")
    expect(r.returncode == 0 and "ignored" in r.stderr, r)
    r = run("eval", src, "-o", out, "--allow-unknown", "--quiet")
    expect(r.returncode == 0 and "/hypotheses/priors" in r.stderr and "ignored" in r.stderr, r)
    ref = f"{T}/typo-ref.h5"
    expect(run("eval", EX, "-o", ref, "--quiet").returncode == 0, "reference run")
    with h5py.File(out, "r") as a, h5py.File(ref, "r") as b:
        expect((a["lower"][:] == b["lower"][:]).all(), "the unknown name changed the result")
    # a misspelt family: the hypothesis count drops and the prior no longer fits; eval's one
    # line names the typo beside the problem found first
    src = f"{T}/typo-family.h5"
    shutil.copy(os.path.join(DATA, "structured.h5"), src)
    with h5py.File(src, "a") as f:
        f.move("tv_balls", "tv_ball")
    r = run("eval", src, "-o", f"{T}/typo-family-out.h5")
    expect(r.returncode == 65 and "/hypotheses/prior" in r.stderr and
           "/tv_ball: unknown name (did you mean /tv_balls?)" in r.stderr, r.stderr)


@case("messages: --memory in units, a writer's lock named, info on constraints")
def _():
    r = run("eval", EX, "-o", f"{T}/mem.h5", "--memory", "10")
    expect(r.returncode == 64 and "10 bytes" in r.stderr and "did you mean 10G" in r.stderr
           and "0.0 MiB" not in r.stderr, r.stderr)
    src = f"{T}/locked.h5"
    shutil.copy(EX, src)
    held = h5py.File(src, "a")  # as a notebook holds a file it writes
    try:
        for argv in (["eval", src, "-o", f"{T}/locked-out.h5"], ["info", src], ["validate", src]):
            r = run(*argv)
            if r.returncode == 0:  # HDF5 built without file locking (or it is disabled)
                print("     (no file locking here)")
                break
            expect(r.returncode == 66 and "locked by another process" in r.stderr, r)
    finally:
        held.close()
    cons = f"{T}/info-cons.h5"
    with h5py.File(cons, "w") as f:
        f.attrs["schema"], f.attrs["version"] = "credal-constraints", 1
        f["constraints/A"] = np.array([[-1.0, 0.0], [1.0, 0.0]])
        f["constraints/b"] = np.array([-0.2, 0.7])
        f["constraints/offsets"] = np.array([0, 2])
        f["policies/utility"] = np.eye(2)
    r = run("info", cons)
    expect(r.returncode == 0 and "credal-constraints" in r.stdout and "credal convert" in r.stdout, r)


@case("progress bar on a terminal after a second; --quiet silences it")
def _():
    for quiet in (False, True):
        master, slave = pty.openpty()
        argv = [CREDAL, "eval", long_input(), "-o", f"{T}/bar{int(quiet)}.h5", "--memory", "16MiB",
                "--backend", "reference"]
        if quiet:
            argv.append("--quiet")
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        p.wait(timeout=300)
        os.close(master)
        text = b"".join(chunks).decode(errors="replace")
        expect(p.returncode == 0, f"exit {p.returncode}")
        if quiet:
            expect("ETA" not in text, "--quiet drew a bar")
        else:
            expect("ETA" in text and "hypotheses" in text, f"no bar: {text[:200]!r}")


@case("peak RSS bounded by --memory: H=16,000 within 25% of H=2,000")
def _():
    if "CREDAL_PEAK_RSS" not in os.environ:
        print("     (run through ctest, which provides tests/peak_rss)")
        return
    if os.environ.get("CREDAL_SANITIZED") == "1":
        print("     (sanitizer build: its shadow memory makes RSS meaningless; checked in the release build)")
        return
    rss = {}
    for H in (2000, 16000):
        path = f"{T}/rss{H}.h5"
        r = run("gen", "-o", path, "--hypotheses", str(H), "--points", "64", "--dim", "16",
                "--policies", "16", "--seed", "9", "--quiet")
        expect(r.returncode == 0, r.stderr)
        rss[H] = peak_rss_kib([CREDAL, "eval", path, "-o", f"{T}/rss{H}-out.h5", "--memory",
                               "18MiB", "--quiet"])
    print(f"     peak RSS: H=2000 {rss[2000]} KiB, H=16000 {rss[16000]} KiB")
    expect(rss[16000] <= 1.25 * rss[2000], rss)


print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
