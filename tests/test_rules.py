#!/usr/bin/env python3
"""The decision rules (SPEC §9) through the command line: the six-gamble example's answers per
hypothesis and for the class; every mask of random inputs mixing all five families, per
hypothesis and for the class (the convex hull of all the sets), against an independent oracle
(each rule from its definition, every lower expectation and every E-admissibility problem a
linear program solved by scipy's HiGHS; the class as the LP of the convex hull of a union of
polytopes); the backends and precisions agreeing; interruption and --resume giving the
uninterrupted bytes; info's listing; and the refusals."""
import argparse
import os
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
try:
    from scipy.optimize import linprog
except ImportError:  # scripts/deps.sh installs it; without it the oracle cases are skipped
    linprog = None

ap = argparse.ArgumentParser()
ap.add_argument("--credal", required=True)
ap.add_argument("--data", required=True)
args = ap.parse_args()
CREDAL = os.path.abspath(args.credal)
DATA = os.path.abspath(args.data)
SCALE = float(os.environ.get("CREDAL_TEST_SCALE", "1") or 1)
RULES = ["gamma_maximin", "gamma_maximax", "hurwicz", "interval_dominance", "maximal", "e_admissible"]
passed = failed = 0
T = tempfile.mkdtemp(prefix="credal-rules-")


def run(*argv, timeout=600):
    return subprocess.run([CREDAL, *argv], capture_output=True, text=True, timeout=timeout)


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


def kept(mask):
    return {i + 1 for i, m in enumerate(mask) if m}


def evaluate(inp, out, *extra):
    r = run("eval", inp, "-o", out, "--force", "--quiet", *extra)
    expect(r.returncode == 0, f"eval {extra}: exit {r.returncode}: {r.stderr}")
    return h5py.File(out, "r")


def six_gambles(backend):
    with evaluate(f"{DATA}/example.h5", f"{T}/six.h5", "--rules", "all", "--backend", backend) as f:
        want = {"gamma_maximin": {5}, "gamma_maximax": {2}, "interval_dominance": {1, 2, 3, 5, 6},
                "maximal": {1, 2, 3, 5}, "e_admissible": {1, 2, 3}}
        for rule, w in want.items():  # hypothesis 0 is the literature's P(a) in [0.28, 0.70]
            expect(kept(f[f"rules/{rule}"][0]) == w, f"{rule}: {kept(f[f'rules/{rule}'][0])}")
        np.testing.assert_allclose(f["rules/set_regret"][0], [1.76, 1.6, 0.6, 1.55, 0.53, 1.948],
                                   rtol=0, atol=1e-12)
        # the class includes the vacuous set: every distribution over (a, b); X1 is best for
        # P(a) in [2/3, 3/4], X6 above, X3 and X2 below: E-admissible {1, 2, 3, 6}
        expect(kept(f["rules/class/e_admissible"][:]) == {1, 2, 3, 6}, f["rules/class/e_admissible"][:])
        expect(kept(f["rules/class/gamma_maximin"][:]) == {5}, "class maximin")
        expect(f["choice"].attrs["set_minimax_regret"] == 4, dict(f["choice"].attrs))
        expect(f["rules"].attrs["tau"] > 0 and f["rules"].attrs["hurwicz"] == 0.5, dict(f["rules"].attrs))
        expect(f.attrs["backend"] == backend or backend == "auto", f.attrs["backend"])


@case("the six-gamble example: SPEC §9's answers for its hypothesis, and for the class, on every backend")
def _():
    for backend in ("reference", "cpu", "auto"):  # auto: the GPU where one is usable
        six_gambles(backend)


# ---- the oracle: every set as {q = M z : z >= 0, A_eq z = b_eq, A_ub z <= b_ub} ----

def polytope(family, h):
    """(M, A_eq, b_eq, A_ub, b_ub) of one hypothesis (a dict of its data)."""
    d = h["d"]
    if family == "generators":
        X = h["points"]
        K = len(X)
        return X.T, np.ones((1, K)), np.ones(1), np.zeros((0, K)), np.zeros(0)
    if family in ("contamination", "intervals"):
        if family == "contamination":
            lo, hi = (1 - h["epsilon"]) * h["center"], np.ones(d)
        else:
            lo, hi = h["lower"], h["upper"]
        return (np.eye(d), np.ones((1, d)), np.ones(1), np.vstack([np.eye(d), -np.eye(d)]),
                np.concatenate([hi, -lo]))
    if family == "tv_balls":  # z = (q, s): |q - c| <= s, sum s <= 2 r
        c, r = h["center"], h["radius"]
        I, Z = np.eye(d), np.zeros((d, d))
        A_ub = np.vstack([np.hstack([I, -I]), np.hstack([-I, -I]),
                          np.concatenate([np.zeros(d), np.ones(d)])[None]])
        b_ub = np.concatenate([c, -c, [2 * r]])
        return (np.hstack([I, Z]), np.concatenate([np.ones(d), np.zeros(d)])[None], np.ones(1),
                A_ub, b_ub)
    # belief: z = (pi_A,j for j in A): sum_j pi_A,j = m(A), q_j = sum_A pi_A,j
    cells = [(a, j) for a, row in enumerate(h["focal"]) for j in range(d) if row[j]]
    M = np.zeros((d, len(cells)))
    A_eq = np.zeros((len(h["focal"]), len(cells)))
    for n, (a, j) in enumerate(cells):
        M[j, n] = 1
        A_eq[a, n] = 1
    return M, A_eq, np.asarray(h["mass"], float), np.zeros((0, len(cells))), np.zeros(0)


def hull(polys):
    """The convex hull of a union of polytopes (Balas): z_h scaled by theta_h, sum theta = 1."""
    nz = [p[0].shape[1] for p in polys]
    n = sum(nz) + len(polys)
    Ms, eq_rows, eq_b, ub_rows = [], [], [], []
    off = 0
    for i, (M, A_eq, b_eq, A_ub, b_ub) in enumerate(polys):
        theta = sum(nz) + i
        Ms.append((off, M))
        for A, b, rows in ((A_eq, b_eq, eq_rows), (A_ub, b_ub, ub_rows)):
            for row, rhs in zip(A, b):
                full = np.zeros(n)
                full[off:off + nz[i]] = row
                full[theta] = -rhs
                rows.append(full)
        off += nz[i]
    total = np.zeros(n)
    total[sum(nz):] = 1
    eq_rows.append(total)
    eq_b = [0.0] * (len(eq_rows) - 1) + [1.0]
    d = polys[0][0].shape[0]
    M = np.zeros((d, n))
    for o, m in Ms:
        M[:, o:o + m.shape[1]] = m
    return (M, np.array(eq_rows), np.array(eq_b), np.array(ub_rows).reshape(-1, n),
            np.zeros(len(ub_rows)))


def lp_extreme(poly, g, maximize):
    M, A_eq, b_eq, A_ub, b_ub = poly
    c = M.T @ g
    res = linprog(-c if maximize else c, A_ub=A_ub if len(A_ub) else None,
                  b_ub=b_ub if len(A_ub) else None, A_eq=A_eq, b_eq=b_eq, bounds=(0, None),
                  method="highs")
    expect(res.status == 0, f"oracle LP failed: {res.message}")
    return -res.fun if maximize else res.fun


def e_admissibility_value(poly, U, p):
    """max over the set of min_r <q, u_p - u_r>: the LP max t s.t. <q, u_r - u_p> + t <= 0."""
    M, A_eq, b_eq, A_ub, b_ub = poly
    n = M.shape[1]
    rows = [np.concatenate([M.T @ (U[r] - U[p]), [1.0]]) for r in range(len(U))]
    A = np.vstack([np.hstack([A_ub, np.zeros((len(A_ub), 1))])] + [np.array(rows)])
    b = np.concatenate([b_ub, np.zeros(len(U))])
    c = np.zeros(n + 1)
    c[-1] = -1
    res = linprog(c, A_ub=A, b_ub=b, A_eq=np.hstack([A_eq, np.zeros((len(A_eq), 1))]), b_eq=b_eq,
                  bounds=[(0, None)] * n + [(None, None)], method="highs")
    expect(res.status == 0, f"oracle LP failed: {res.message}")
    return -res.fun


MARGIN = 1e-7  # the LP oracle's own accuracy


def oracle(poly, U, tau, alpha):
    """masks[rule] (1/0) from the definitions, and the set regret. The oracle's values carry
    HiGHS's error (~1e-9), far above tau (~1e-12): a margin within MARGIN of its threshold is an
    exact tie (the random inputs have no near-ties otherwise), and a tie keeps the policy."""
    P = len(U)
    lo = np.array([lp_extreme(poly, U[p], False) for p in range(P)])
    up = np.array([lp_extreme(poly, U[p], True) for p in range(P)])
    pair = np.array([[lp_extreme(poly, U[q] - U[p], False) for p in range(P)] for q in range(P)])

    def keep(slack):  # slack = value - threshold (without tau): kept iff >= -tau, ties kept
        return (np.asarray(slack) >= -MARGIN).astype(int)

    mix = alpha * up + (1 - alpha) * lo
    worst = np.array([max([pair[q][p] for q in range(P) if q != p] + [-np.inf]) for p in range(P)])
    masks = {
        "gamma_maximin": keep(lo - lo.max()),
        "gamma_maximax": keep(up - up.max()),
        "hurwicz": keep(mix - mix.max()),
        "interval_dominance": keep(up - lo.max()),
        "maximal": keep(-worst),
        "e_admissible": keep([e_admissibility_value(poly, U, p) for p in range(P)]),
    }
    set_regret = np.array([max(-pair[p][q] for q in range(P)) for p in range(P)])
    return masks, set_regret


def random_batch(path, rng, d, P, counts):
    """A credal-batch file with counts[family] hypotheses of each family; returns the list of
    (family, data) in file order and the utility."""
    hyps = []
    with h5py.File(path, "w") as f:
        f.attrs["schema"], f.attrs["version"] = "credal-batch", 1
        U = rng.uniform(-1, 1, (P, d))
        if P > 2:
            U[-1] = U[0]  # an exact tie
        f["policies/utility"] = U
        K = [int(rng.integers(1, 6)) for _ in range(counts["generators"])]
        pts = rng.dirichlet(np.ones(d) * 0.7, sum(K)) if K else np.zeros((0, d))
        f["hypotheses/points"] = pts
        f["hypotheses/offsets"] = np.concatenate([[0], np.cumsum(K)]).astype(np.int64)
        off = 0
        for k in K:
            hyps.append(("generators", {"d": d, "points": pts[off:off + k]}))
            off += k
        if counts["tv_balls"]:
            c = rng.dirichlet(np.ones(d), counts["tv_balls"])
            r = rng.uniform(0, 0.6, counts["tv_balls"])
            f["tv_balls/centers"], f["tv_balls/radius"] = c, r
            hyps += [("tv_balls", {"d": d, "center": c[i], "radius": r[i]}) for i in range(len(r))]
        if counts["contamination"]:
            c = rng.dirichlet(np.ones(d), counts["contamination"])
            e = rng.uniform(0, 0.8, counts["contamination"])
            f["contamination/centers"], f["contamination/epsilon"] = c, e
            hyps += [("contamination", {"d": d, "center": c[i], "epsilon": e[i]}) for i in range(len(e))]
        if counts["intervals"]:
            c = rng.dirichlet(np.ones(d), counts["intervals"])
            lo = c * rng.uniform(0.3, 1, c.shape)
            hi = np.minimum(1, c + rng.uniform(0, 0.3, c.shape))
            f["intervals/lower"], f["intervals/upper"] = lo, hi
            hyps += [("intervals", {"d": d, "lower": lo[i], "upper": hi[i]}) for i in range(len(c))]
        if counts["belief"]:
            sets, masses, offs = [], [], [0]
            for _ in range(counts["belief"]):
                n = int(rng.integers(1, 4))
                for _ in range(n):
                    row = (rng.uniform(size=d) < 0.5).astype(np.uint8)
                    row[rng.integers(d)] = 1
                    sets.append(row)
                m = rng.dirichlet(np.ones(n))
                masses += list(m)
                offs.append(offs[-1] + n)
                hyps.append(("belief", {"d": d, "focal": np.array(sets[-n:]), "mass": m}))
            f["belief/focal"] = np.array(sets, dtype=np.uint8)
            f["belief/mass"] = np.array(masses)
            f["belief/offsets"] = np.array(offs, dtype=np.int64)
    return hyps, U


def tau_of(family, h, U):
    x = np.abs(h["points"]).max() if family == "generators" else 1.0
    return 1e-12 * x * np.abs(U).max() * h["d"]


@case("every family, per hypothesis and for the class: the masks of an LP oracle (scipy)")
def _():
    if linprog is None:
        print("     (scipy missing: scripts/deps.sh installs it) skipped")
        return
    rng = np.random.default_rng(7)
    judged = 0
    for trial in range(max(2, int(8 * SCALE))):
        d, P = int(rng.integers(2, 5)), int(rng.integers(2, 7))
        counts = {f: int(rng.integers(0, 3)) for f in
                  ("generators", "tv_balls", "contamination", "intervals", "belief")}
        counts["generators"] += 1
        path = f"{T}/mixed{trial}.h5"
        hyps, U = random_batch(path, rng, d, P, counts)
        alpha = float(rng.choice([0.0, 0.25, 0.5, 1.0]))
        with evaluate(path, f"{T}/mixed{trial}-out.h5", "--rules", "all", "--hurwicz", str(alpha),
                      "--backend", "reference") as f:
            polys = [polytope(fam, h) for fam, h in hyps]
            taus = [tau_of(fam, h, U) for fam, h in hyps]
            targets = [(f"hypothesis {i}", poly, taus[i], lambda r, i=i: f[f"rules/{r}"][i],
                        f["rules/set_regret"][i]) for i, poly in enumerate(polys)]
            targets.append(("class", hull(polys), max(taus), lambda r: f[f"rules/class/{r}"][:],
                            f["rules/class/set_regret"][:]))
            for what, poly, tau, got, got_sr in targets:
                want, want_sr = oracle(poly, U, tau, alpha)
                for rule in RULES:
                    g, w = got(rule), want[rule]
                    judged += len(w)
                    expect((g == w).all(),
                           f"trial {trial} {what} {rule}: credal {g.tolist()}, oracle {w.tolist()}")
                np.testing.assert_allclose(got_sr, want_sr, rtol=1e-7, atol=1e-7,
                                           err_msg=f"trial {trial} {what} set_regret")
    print(f"     {judged} mask entries agree")


@case("E-admissibility of a generated batch (1,800 generators, 64 policies): the LP oracle's")
def _():
    if linprog is None:
        print("     (scipy missing: scripts/deps.sh installs it) skipped")
        return
    inp = f"{T}/eadm.h5"
    r = run("gen", "-o", inp, "--hypotheses", "60", "--points", "30", "--dim", "16",
            "--policies", "64", "--seed", "17", "--quiet")
    expect(r.returncode == 0, r.stderr)
    with evaluate(inp, f"{T}/eadm-out.h5", "--rules", "e_admissible") as f, h5py.File(inp, "r") as g:
        X, U, off = g["hypotheses/points"][:], g["policies/utility"][:], g["hypotheses/offsets"][:]
        tau = f["rules"].attrs["tau"]
        got_class, kept = f["rules/class/e_admissible"][:], 0
        for h in range(0, 60, 6):  # every sixth hypothesis, and the class (all 1,800 generators)
            poly = polytope("generators", {"d": X.shape[1], "points": X[off[h]:off[h + 1]]})
            want = [e_admissibility_value(poly, U, p) >= -MARGIN for p in range(len(U))]
            expect((f["rules/e_admissible"][h] == want).all(), f"hypothesis {h}: {f['rules/e_admissible'][h]} vs {want}")
        poly = polytope("generators", {"d": X.shape[1], "points": X})
        values = np.array([e_admissibility_value(poly, U, p) for p in range(len(U))])
        want = values >= -MARGIN
        expect((got_class == want).all(), f"class: credal {got_class.tolist()}, oracle {want.astype(int).tolist()}")
        kept = int(want.sum())
    print(f"     class: {kept} of 64 E-admissible")


@case("the rules' invariants on a generated batch; reference, cpu and f32 agree")
def _():
    inp = f"{T}/gen.h5"
    r = run("gen", "-o", inp, "--hypotheses", str(max(40, int(300 * SCALE))), "--points", "12",
            "--dim", "6", "--policies", "24", "--seed", "5", "--quiet")
    expect(r.returncode == 0, r.stderr)
    outs = {}
    for name, extra in (("reference", ["--backend", "reference"]), ("cpu", ["--backend", "cpu"]),
                        ("f32", ["--backend", "cpu", "--precision", "f32"])):
        with evaluate(inp, f"{T}/gen-{name}.h5", "--rules", "all", *extra) as f:
            outs[name] = {k: f[f"rules/{k}"][:] for k in RULES + ["set_regret"]}
            outs[name].update({f"class/{k}": f[f"rules/class/{k}"][:] for k in RULES})
            m = outs[name]
            expect(all(m[k].sum(axis=1).min() >= 1 for k in RULES), f"{name}: an empty mask")
            expect((m["e_admissible"] <= m["maximal"]).all(), f"{name}: e_admissible not within maximal")
            expect((m["maximal"] <= m["interval_dominance"]).all(), f"{name}: maximal not within interval dominance")
            expect((m["gamma_maximin"] <= m["maximal"]).all() and (m["gamma_maximax"] <= m["maximal"]).all(),
                   f"{name}: a Gamma rule outside maximal")
            expect((m["set_regret"] >= 0).all(), f"{name}: negative set regret")
            for k in ("e_admissible", "maximal"):
                expect((m[f"class/{k}"] >= m[k].max(axis=0) * (k == "e_admissible")).all(),
                       f"{name}: a policy E-admissible in a hypothesis is not so in the class")
    for k in RULES:
        expect((outs["reference"][k] == outs["cpu"][k]).all(), f"reference and cpu differ in {k}")
        expect((outs["reference"][f"class/{k}"] == outs["cpu"][f"class/{k}"]).all(), f"class {k}")
        differ = (outs["reference"][k] != outs["f32"][k]).mean()
        expect(differ < 0.02, f"f32 {k} differs in {differ:.1%} of the entries")
    np.testing.assert_allclose(outs["cpu"]["set_regret"], outs["reference"]["set_regret"], rtol=1e-12, atol=1e-12)


def mtime(path):
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return None


def term_after(p, partial, before, delay):
    """SIGTERM to p `delay` seconds after it first writes `partial` (test_cli.py says why)."""
    while p.poll() is None and mtime(partial) == before:
        time.sleep(0.02)
    try:
        p.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGTERM)


@case("SIGTERM during --rules all, continued with --resume: the uninterrupted bytes")
def _():
    inp = f"{T}/long.h5"
    r = run("gen", "-o", inp, "--hypotheses", str(max(3000, int(12000 * SCALE))), "--points", "60",
            "--dim", "16", "--policies", "120", "--seed", "11", "--quiet")
    expect(r.returncode == 0, r.stderr)
    common = ["--rules", "all", "--memory", "40MiB", "--quiet"]
    full = f"{T}/long-full.h5"
    r = run("eval", inp, "-o", full, *common)
    expect(r.returncode == 0, r.stderr)
    out = f"{T}/long-resumed.h5"
    interrupted = 0
    for delay in (0.0, 0.3, 0.5, 0.2, 0.6, 0.4, None):
        before = mtime(out + ".partial")
        p = subprocess.Popen([CREDAL, "eval", inp, "-o", out, "--resume", *common],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if delay is not None:
            term_after(p, out + ".partial", before, delay)
        _, err = p.communicate(timeout=1800)
        expect(p.returncode in (0, 75), f"exit {p.returncode}: {err}")
        if p.returncode == 0:
            break
        interrupted += 1
    expect(interrupted >= 2, f"only {interrupted} interruptions: the input is too small")
    expect(os.path.exists(out), "not completed")
    with h5py.File(full, "r") as a, h5py.File(out, "r") as b:
        names = [f"rules/{k}" for k in RULES + ["set_regret"]] + [f"rules/class/{k}" for k in RULES + ["set_regret"]]
        for name in names + ["lower", "regret"]:
            expect((a[name][:] == b[name][:]).all(), f"{name} differs after {interrupted} interruptions")
        expect(dict(a["choice"].attrs) == dict(b["choice"].attrs), "choices differ")
    print(f"     {interrupted} interruptions")


@case("a partial from other rules is refused on --resume, naming them")
def _():
    inp = f"{T}/long.h5"
    out = f"{T}/other.h5"
    p = subprocess.Popen([CREDAL, "eval", inp, "-o", out, "--rules", "maximal", "--quiet",
                          "--memory", "40MiB"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    term_after(p, out + ".partial", None, 0.1)
    p.communicate(timeout=600)
    if p.returncode != 75:
        print("     (the run ended before the signal) skipped")
        return
    r = run("eval", inp, "-o", out, "--resume", "--rules", "all", "--quiet")
    expect(r.returncode == 65 and "rules" in r.stderr and "--force" in r.stderr, f"exit {r.returncode}: {r.stderr}")


@case("peak RSS with --rules all bounded by --memory: H=16,000 within 25% of H=2,000")
def _():
    if "CREDAL_PEAK_RSS" not in os.environ or os.environ.get("CREDAL_SANITIZED") == "1":
        print("     (needs tests/peak_rss from ctest, in an unsanitized build) skipped")
        return
    rss = {}
    for H in (2000, 16000):
        path = f"{T}/rss{H}.h5"
        r = run("gen", "-o", path, "--hypotheses", str(H), "--points", "64", "--dim", "16",
                "--policies", "16", "--seed", "9", "--quiet")
        expect(r.returncode == 0, r.stderr)
        p = subprocess.run([os.environ["CREDAL_PEAK_RSS"], CREDAL, "eval", path, "-o",
                            f"{T}/rss{H}-out.h5", "--memory", "32MiB", "--rules", "all", "--quiet"],
                           capture_output=True, text=True)
        expect(p.returncode == 0, p.stderr)
        rss[H] = int(p.stdout.split()[-1])
    print(f"     peak RSS: H=2000 {rss[2000]} KiB, H=16000 {rss[16000]} KiB")
    expect(rss[16000] <= 1.25 * rss[2000], rss)


@case("credal info lists the kept policies for the class and for one hypothesis")
def _():
    r = run("info", f"{T}/six.h5", "--hypothesis", "0")
    expect(r.returncode == 0, r.stderr)
    expect("e_admissible         4 of 6: 0 X1, 1 X2, 2 X3, 5 X6" in r.stdout, r.stdout)
    expect("hypothesis 0" in r.stdout and "3 of 6: 0 X1, 1 X2, 2 X3" in r.stdout, r.stdout)
    expect("set minimax" in r.stdout and "across hypotheses" in r.stdout, r.stdout)
    r = run("info", f"{T}/six.h5", "--hypothesis", "9")
    expect(r.returncode == 64 and "4 hypotheses" in r.stderr, r.stderr)


@case("refusals: unknown rule, ALPHA out of range, --hurwicz without the rule")
def _():
    inp = f"{DATA}/example.h5"
    for argv, words in ((["--rules", "maximal,maximum"], "'maximum'"),
                        (["--rules", "hurwicz", "--hurwicz", "1.5"], "[0, 1]"),
                        (["--hurwicz", "0.3"], "--rules hurwicz")):
        r = run("eval", inp, "-o", f"{T}/refused.h5", *argv)
        expect(r.returncode == 64 and words in r.stderr, f"{argv}: exit {r.returncode}: {r.stderr}")
        expect(not os.path.exists(f"{T}/refused.h5") and not os.path.exists(f"{T}/refused.h5.partial"),
               "output left behind")


print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
