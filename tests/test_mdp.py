#!/usr/bin/env python3
"""Credal MDPs in memory (SPEC §10, host/mdp.c) against an exact-rational oracle.

Random credal MDPs of up to 5 states, 3 actions and 3 successors per choice — interval sets, TV
balls and epsilon-contaminations — with bounds, nominal laws, radii, rewards, discounts and
randomised policies that are small rationals, evaluated through
libcredal's C API (ctypes) and by an oracle in Python's fractions:

  * nature's law: the best vertex of the choice's set, every vertex enumerated (not credal's
    greedy pass);
  * finite horizons (reachability and discounted): backward induction;
  * infinite discounted horizon: the exact fixed point, by policy iteration on nature's side
    (its vertex per choice; each policy's values by Gaussian elimination in fractions);
  * optimal values: the best of every deterministic agent policy (rectangular sets have a
    deterministic stationary optimum), and the optimal choices where the optimum is unique;
  * infinite-horizon reachability of a policy against nature (interval iteration): the least
    exact reachability of the Markov chains of every stationary choice of nature's vertices
    (the greedy fills in every order of a choice's successors), traps included.

Each value must be within 1e-12 of the exact one (SPEC §10's goal), for nature minimising and
cooperating. Usage: test_mdp.py --lib PATH/libcredal.so; exit 77 where the library cannot be
loaded by ctypes (a sanitizer build: check_mdp covers that build)."""
import argparse
import ctypes as C
import itertools
import os
import random
import sys
from fractions import Fraction as F

ap = argparse.ArgumentParser()
ap.add_argument("--lib", required=True)
ap.add_argument("--credal")  # accepted for symmetry with the other suites
ap.add_argument("--data")
args = ap.parse_args()
if os.environ.get("CREDAL_SANITIZED") == "1":
    print("sanitizer build: ctypes cannot load an instrumented library (check_mdp covers it): skipped")
    sys.exit(77)
try:
    lib = C.CDLL(os.path.abspath(args.lib))
except OSError as e:
    print(f"cannot load {args.lib}: {e}: skipped")
    sys.exit(77)


class MDP(C.Structure):
    _fields_ = [("states", C.c_int64), ("choice_offsets", C.POINTER(C.c_int64)),
                ("successor_offsets", C.POINTER(C.c_int64)), ("successors", C.POINTER(C.c_int64)),
                ("lower", C.POINTER(C.c_double)), ("upper", C.POINTER(C.c_double)),
                ("objective", C.c_int), ("reward", C.POINTER(C.c_double)),
                ("discount", C.c_double), ("target", C.POINTER(C.c_uint8)),
                ("avoid", C.POINTER(C.c_uint8)), ("horizon", C.c_int64), ("epsilon", C.c_double),
                ("sets", C.c_int), ("nominal", C.POINTER(C.c_double)),
                ("radius", C.POINTER(C.c_double))]

SETS = ("intervals", "tv", "contamination")


lib.credal_mdp_policy_value_f64.argtypes = [C.POINTER(MDP), C.POINTER(C.c_double), C.c_int,
                                            C.POINTER(C.c_double), C.POINTER(C.c_int64),
                                            C.POINTER(C.c_double)]
lib.credal_mdp_optimal_f64.argtypes = [C.POINTER(MDP), C.POINTER(C.c_double),
                                       C.POINTER(C.c_int32), C.POINTER(C.c_int64),
                                       C.POINTER(C.c_double)]
lib.credal_last_error.restype = C.c_char_p


def arr(ctype, values):
    return (ctype * max(1, len(values)))(*values)


# ---- random models: everything a small rational ------------------------------------------

def random_model(rng, objective, horizon, sets=0):
    S = rng.randint(1, 5)
    choices = [rng.randint(1, 3) for _ in range(S)]
    model = {"S": S, "choices": [], "objective": objective, "horizon": horizon, "sets": sets,
             "nominal": [], "radius": []}
    for s in range(S):
        for _ in range(choices[s]):
            succ = sorted(rng.sample(range(S), rng.randint(1, min(3, S))))
            # intervals around a random law in eighths: lower <= law <= upper
            law = [F(1)] if len(succ) == 1 else None
            if law is None:
                cuts = sorted(rng.randint(0, 8) for _ in range(len(succ) - 1))
                law = [F(b - a, 8) for a, b in zip([0] + cuts, cuts + [8])]
            lo = [max(F(0), p - F(rng.randint(0, 2), 8)) for p in law]
            hi = [min(F(1), p + F(rng.randint(0, 2), 8)) for p in law]
            model["choices"].append((s, succ, lo, hi, F(rng.randint(-4, 4), 4)))
            model["nominal"].append(law)
            model["radius"].append(F(rng.randint(0, 5), 8))
    model["target"] = [1 if s == S - 1 and objective == 1 else 0 for s in range(S)]
    model["discount"] = rng.choice([F(1, 2), F(3, 4), F(9, 10)]) if objective == 0 else F(1)
    if objective == 0 and horizon > 0 and rng.random() < 0.3:
        model["discount"] = F(1)  # total reward over a finite horizon
    return model


def choices_of(model, s):
    return [c for c, ch in enumerate(model["choices"]) if ch[0] == s]


def random_policy(rng, model):
    pi = [F(0)] * len(model["choices"])
    for s in range(model["S"]):
        cs = choices_of(model, s)
        w = [rng.randint(0, 3) for _ in cs]
        if sum(w) == 0:
            w[rng.randrange(len(cs))] = 1
        for c, x in zip(cs, w):
            pi[c] = F(x, sum(w))
    return pi


def to_c(model, epsilon=1e-13):
    chs = model["choices"]
    co, so, succ, lo, hi = [0], [0], [], [], []
    for s in range(model["S"]):
        co.append(co[-1] + len(choices_of(model, s)))
    for (_, sc, l, h, _) in chs:
        succ += sc
        lo += [float(x) for x in l]
        hi += [float(x) for x in h]
        so.append(len(succ))
    keep = [arr(C.c_int64, co), arr(C.c_int64, so), arr(C.c_int64, succ), arr(C.c_double, lo),
            arr(C.c_double, hi), arr(C.c_double, [float(ch[4]) for ch in chs]),
            arr(C.c_uint8, model["target"]),
            arr(C.c_double, [float(x) for law in model["nominal"] for x in law]),
            arr(C.c_double, [float(r) for r in model["radius"]])]
    m = MDP(model["S"], keep[0], keep[1], keep[2], keep[3], keep[4], model["objective"], keep[5],
            float(model["discount"]), keep[6], None, model["horizon"], epsilon, model["sets"],
            keep[7], keep[8])
    return m, keep


# ---- the oracle -----------------------------------------------------------------------------

def vertex(model, c, V, cooperative):
    """Nature's law for choice c against V: the best vertex of its set (enumerated, not the
    greedy pass credal uses)."""
    succ = model["choices"][c][1]
    value = lambda q: sum(p * V[t] for p, t in zip(q, succ))
    return list((max if cooperative else min)(vertices(model, c), key=value))


def backup(model, c, V, P):
    _, succ, _, _, r = model["choices"][c]
    inner = sum(p * V[t] for p, t in zip(P, succ))
    return r + model["discount"] * inner if model["objective"] == 0 else inner


def fixed(model, s):
    return 1 if model["objective"] == 1 and model["target"][s] else None


def finite(model, pi, cooperative):
    """pi None: the optimum (values, and per step the set of optimal choices)."""
    S = model["S"]
    V = [F(fixed(model, s) or 0) for s in range(S)]
    steps = []
    for _ in range(model["horizon"]):
        new, best = [], []
        for s in range(S):
            if fixed(model, s) is not None:
                new.append(F(1))
                best.append(None)
                continue
            vals = {c: backup(model, c, V, vertex(model, c, V, cooperative))
                    for c in choices_of(model, s)}
            if pi is None:
                top = max(vals.values())
                new.append(top)
                best.append([c for c in vals if vals[c] == top])
            else:
                new.append(sum(pi[c] * vals[c] for c in vals))
        V = new
        steps.append(best)
    return V, steps[::-1]


def solve(A, b):
    n = len(b)
    M = [row[:] + [b[i]] for i, row in enumerate(A)]
    for col in range(n):
        piv = next(r for r in range(col, n) if M[r][col] != 0)
        M[col], M[piv] = M[piv], M[col]
        for r in range(n):
            if r != col and M[r][col] != 0:
                f = M[r][col] / M[col][col]
                M[r] = [x - f * y for x, y in zip(M[r], M[col])]
    return [M[i][n] / M[i][i] for i in range(n)]


def infinite(model, pi, cooperative):
    """The exact fixed point of the policy pi: policy iteration on nature's side."""
    S, g = model["S"], model["discount"]
    chs = model["choices"]
    laws = [vertex(model, c, [F(0)] * S, cooperative) for c in range(len(chs))]
    while True:
        A = [[F(int(i == j)) for j in range(S)] for i in range(S)]
        b = [F(0)] * S
        for c, (s, succ, _, _, r) in enumerate(chs):
            if pi[c] == 0:
                continue
            b[s] += pi[c] * r
            for p, t in zip(laws[c], succ):
                A[s][t] -= g * pi[c] * p
        V = solve(A, b)
        changed = False
        for c, ch in enumerate(chs):
            new = vertex(model, c, V, cooperative)
            old_v = sum(p * V[t] for p, t in zip(laws[c], ch[1]))
            new_v = sum(p * V[t] for p, t in zip(new, ch[1]))
            if (new_v > old_v) if cooperative else (new_v < old_v):
                laws[c], changed = new, True
        if not changed:
            return V


def tv_vertices(nominal, r):
    """Every vertex of {q in the simplex : sum |q - nominal| <= 2r}: each point where n-1 of the
    hyperplanes q_j = 0 and sum_j s_j (q_j - nominal_j) = 2r (s in {-1, 1}^n) meet sum q = 1,
    kept when it is in the set."""
    n = len(nominal)
    planes = [([F(int(i == j)) for i in range(n)], F(0)) for j in range(n)]
    for signs in itertools.product((-1, 1), repeat=n):
        planes.append(([F(x) for x in signs], 2 * r + sum(x * c for x, c in zip(signs, nominal))))
    found = set()
    for pick in itertools.combinations(planes, n - 1):
        A = [row for row, _ in pick] + [[F(1)] * n]
        b = [rhs for _, rhs in pick] + [F(1)]
        try:
            q = solve(A, b)
        except (StopIteration, ZeroDivisionError):
            continue  # parallel hyperplanes: no single point
        if all(x >= 0 for x in q) and sum(abs(x - c) for x, c in zip(q, nominal)) <= 2 * r:
            found.add(tuple(q))
    return sorted(found)


def vertices(model, c):
    """Every vertex of choice c's credal set."""
    _, succ, lo, hi, _ = model["choices"][c]
    nominal, r = model["nominal"][c], model["radius"][c]
    if model["sets"] == 1:
        return tv_vertices(nominal, r)
    if model["sets"] == 2:
        return sorted({tuple((1 - r) * x + r * int(i == j) for i, x in enumerate(nominal))
                       for j in range(len(succ))})
    found = set()  # the greedy fill in each order (a box cut by the simplex has no other vertices)
    for order in itertools.permutations(range(len(succ))):
        p, free = list(lo), 1 - sum(lo)
        for i in order:
            add = min(hi[i] - lo[i], free)
            if add > 0:
                p[i] += add
                free -= add
        found.add(tuple(p))
    return sorted(found)


def chain_reach(model, pi, laws):
    """Exact reachability of the target in the Markov chain of pi and nature's laws: 0 where the
    chain's graph cannot reach it, else the linear system."""
    S = model["S"]
    step = [[F(0)] * S for _ in range(S)]
    for c, (s, succ, _, _, _) in enumerate(model["choices"]):
        if pi[c]:
            for p, t in zip(laws[c], succ):
                step[s][t] += pi[c] * p
    good = {s for s in range(S) if model["target"][s]}
    while True:
        more = {s for s in range(S) if s not in good and any(step[s][t] > 0 for t in good)}
        if not more:
            break
        good |= more
    unknown = [s for s in sorted(good) if not model["target"][s]]
    V = [F(int(model["target"][s])) for s in range(S)]
    if unknown:
        A = [[F(int(i == j)) - step[i][j] for j in unknown] for i in unknown]
        b = [sum(step[i][t] for t in range(S) if model["target"][t]) for i in unknown]
        for s, x in zip(unknown, solve(A, b)):
            V[s] = x
    return V


def reach_infinite(model, pi):
    """Nature minimising: the least chain value over every stationary choice of vertices."""
    played = [c for c in range(len(model["choices"])) if pi[c]]
    options = [vertices(model, c) for c in played]
    best = None
    for pick in itertools.product(*options):
        laws = [None] * len(model["choices"])
        for c, law in zip(played, pick):
            laws[c] = law
        V = chain_reach(model, pi, laws)
        best = V if best is None else [min(a, b) for a, b in zip(best, V)]
    return best


def optimum_infinite(model):
    best = None
    for picks in itertools.product(*[choices_of(model, s) for s in range(model["S"])]):
        pi = [F(0)] * len(model["choices"])
        for c in picks:
            pi[c] = F(1)
        V = infinite(model, pi, False)
        best = V if best is None else [max(a, b) for a, b in zip(best, V)]
    return best


# ---- the checks ------------------------------------------------------------------------------

passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", msg)


def close(got, want, tol=1e-12):
    return all(abs(g - float(w)) <= tol * max(1.0, abs(float(w))) for g, w in zip(got, want))


rng = random.Random(20261129)
cases = 0
for trial in range(240):
    objective = trial % 2
    horizon = rng.randint(1, 6) if objective == 1 or trial % 4 < 2 else 0
    model = random_model(rng, objective, horizon, trial // 2 % 3)
    m, keep = to_c(model)
    S, Cn = model["S"], len(model["choices"])
    pi = random_policy(rng, model)
    for cooperative in (0, 1):
        got = (C.c_double * S)()
        st = lib.credal_mdp_policy_value_f64(C.byref(m), arr(C.c_double, [float(x) for x in pi]),
                                             cooperative, got, None, None)
        if st:
            check(False, f"#{trial}: {lib.credal_last_error().decode()}")
            continue
        want = finite(model, pi, cooperative)[0] if horizon else infinite(model, pi, cooperative)
        check(close(list(got), want), f"#{trial} policy value (cooperative={cooperative}, "
                                      f"horizon {horizon}): {list(got)} vs {[float(w) for w in want]}")
    got = (C.c_double * S)()
    optimal = (C.c_int32 * (max(1, horizon) * S))()
    st = lib.credal_mdp_optimal_f64(C.byref(m), got, optimal, None, None)
    if st:
        check(False, f"#{trial}: {lib.credal_last_error().decode()}")
        continue
    if horizon:
        want, steps = finite(model, None, False)
        for t, best in enumerate(steps):
            for s in range(S):
                if best[s] is not None and len(best[s]) == 1:  # a unique optimum: the same choice
                    chosen = choices_of(model, s)[optimal[t * S + s]]
                    check(chosen == best[s][0], f"#{trial} step {t} state {s}: choice {chosen}, "
                                                f"the unique optimum {best[s][0]}")
    else:
        want = optimum_infinite(model)
    check(close(list(got), want), f"#{trial} optimum (horizon {horizon}): {list(got)} vs "
                                  f"{[float(w) for w in want]}")
    cases += 1

# infinite-horizon reachability of a policy against nature: interval iteration, on models small
# enough to enumerate nature's stationary vertex choices
reach_cases = 0
for trial in range(150):
    model = None
    while model is None or len(model["choices"]) > 6:
        model = random_model(rng, 1, 0, trial % 3)
    if rng.random() < 0.5:  # a trap: state 0 may stay put for ever
        s0 = [c for c in model["choices"] if c[0] == 0][0]
        if 0 not in s0[1] and model["S"] > 1:
            idx = model["choices"].index(s0)
            succ, lo, hi = [0] + s0[1], [F(0)] + s0[2], [F(1)] + s0[3]
            lo = [F(0)] * len(lo)
            model["choices"][idx] = (0, succ, lo, hi, s0[4])
            model["nominal"][idx] = [F(0)] + model["nominal"][idx]  # TV, contamination: a way in
            model["radius"][idx] = F(1)
    m, keep = to_c(model, epsilon=1e-13)
    pi = random_policy(rng, model)
    got = (C.c_double * model["S"])()
    st = lib.credal_mdp_policy_value_f64(C.byref(m), arr(C.c_double, [float(x) for x in pi]), 0,
                                         got, None, None)
    if st:
        check(False, f"reach #{trial}: {lib.credal_last_error().decode()}")
        continue
    want = reach_infinite(model, pi)
    check(close(list(got), want), f"reach #{trial}: {list(got)} vs {[float(w) for w in want]}")
    reach_cases += 1

print(f"{cases} random models, {reach_cases} infinite reachability models, {passed} checks "
      f"passed, {failed} failed")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
