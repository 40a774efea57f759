"""Random small credal MDPs with rational data, and the exact-rational oracle that evaluates
them (docs/math.md §6): shared by test_mdp.py (the in-memory C API) and test_mdp_files.py
(credal-mdp files through credal eval). See test_mdp.py for what each function computes."""
import itertools
from fractions import Fraction as F


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


def reach_infinite(model, pi, cooperative=False):
    """Nature minimising (cooperative: maximising): the least (greatest) chain value over every
    stationary choice of vertices."""
    played = [c for c in range(len(model["choices"])) if pi[c]]
    options = [vertices(model, c) for c in played]
    best = None
    for pick in itertools.product(*options):
        laws = [None] * len(model["choices"])
        for c, law in zip(played, pick):
            laws[c] = law
        V = chain_reach(model, pi, laws)
        best = V if best is None else [(max if cooperative else min)(a, b) for a, b in zip(best, V)]
    return best


def best_policy_values(model, value_of):
    """State by state, the best of value_of(model, pi) over every deterministic policy pi (a
    rectangular robust MDP has a deterministic stationary optimum)."""
    best = None
    for picks in itertools.product(*[choices_of(model, s) for s in range(model["S"])]):
        pi = [F(0)] * len(model["choices"])
        for c in picks:
            pi[c] = F(1)
        V = value_of(model, pi)
        best = V if best is None else [max(a, b) for a, b in zip(best, V)]
    return best


def optimum_infinite(model):
    return best_policy_values(model, lambda m, pi: infinite(m, pi, False))
