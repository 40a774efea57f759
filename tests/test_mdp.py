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
    (the greedy fills in every order of a choice's successors), traps included; nature
    cooperating, the greatest, also where it may keep the play in an end component short of the
    target (a sink every other choice leaks to; states that may stay or move among themselves).

Each value must be within 1e-12 of the exact one (SPEC §10's goal), for nature minimising and
cooperating. Usage: test_mdp.py --lib PATH/libcredal.so; exit 77 where the library cannot be
loaded by ctypes (a sanitizer build: check_mdp covers that build)."""
import argparse
import ctypes as C
import os
import random
import sys
from fractions import Fraction as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mdp_oracle import (best_policy_values, choices_of, finite, infinite,  # noqa: E402
                        optimum_infinite, random_model, random_policy, reach_infinite)

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


# ---- the C side ------------------------------------------------------------------------------

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



def check_reach_value(m, model, pi, cooperative, name):
    """credal's infinite-horizon reachability of policy pi, nature minimising or cooperating,
    against the oracle; whether credal answered."""
    got = (C.c_double * model["S"])()
    st = lib.credal_mdp_policy_value_f64(C.byref(m), arr(C.c_double, [float(x) for x in pi]),
                                         int(cooperative), got, None, None)
    if st:
        check(False, f"{name}: {lib.credal_last_error().decode()}")
        return False
    want = reach_infinite(model, pi, cooperative=bool(cooperative))
    check(close(list(got), want), f"{name}: {list(got)} vs {[float(w) for w in want]}")
    return True


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
    for cooperative in (0, 1):  # cooperating, the trap is an end component nature may keep
        reach_cases += check_reach_value(m, model, pi, cooperative,
                                         f"reach #{trial} (cooperative={cooperative})")

# infinite-horizon reachability's optimum (end components collapsed): models whose every law
# reaches every listed successor, some with a state that may stay put for ever (an end
# component the agent must leave); the oracle: the best over every deterministic agent policy of
# its exact value (nature's every stationary vertex choice), and credal's own policy must reach it


def preserving_model(rng, sets):
    S = rng.randint(1, 5)
    model = {"S": S, "choices": [], "objective": 1, "horizon": 0, "sets": sets,
             "nominal": [], "radius": []}
    for s in range(S):
        for _ in range(rng.randint(1, 3)):
            succ = sorted(rng.sample(range(S), rng.randint(1, min(3, S))))
            w = [rng.randint(1, 4) for _ in succ]
            law = [F(x, sum(w)) for x in w]
            lo = [p / 2 for p in law] if len(succ) > 1 else [F(1)]
            hi = [min(F(1), p * 3 / 2) for p in law] if len(succ) > 1 else [F(1)]
            model["choices"].append((s, succ, lo, hi, F(0)))
            model["nominal"].append(law)
            model["radius"].append(min(law) / 2)
    if S >= 3 and rng.random() < 0.8:  # a sink: reaching it loses, so values are fractional
        z = rng.randrange(S - 1)
        keep = [i for i, ch in enumerate(model["choices"]) if ch[0] != z]
        at = min([i for i, ch in enumerate(model["choices"]) if ch[0] == z])
        for key in ("choices", "nominal", "radius"):
            model[key] = [model[key][i] for i in keep]
        model["choices"].insert(at, (z, [z], [F(1)], [F(1)], F(0)))
        model["nominal"].insert(at, [F(1)])
        model["radius"].insert(at, F(0))
    if rng.random() < 0.6:  # a choice that stays put: an end component to leave
        s = rng.randrange(S)
        at = max(i for i, ch in enumerate(model["choices"]) if ch[0] == s) + 1  # with s's own
        model["choices"].insert(at, (s, [s], [F(1)], [F(1)], F(0)))
        model["nominal"].insert(at, [F(1)])
        model["radius"].insert(at, F(0))
    model["target"] = [1 if s == S - 1 else 0 for s in range(S)]
    model["discount"] = F(1)
    return model


def check_optimum(model, name):
    """credal's infinite-horizon reachability optimum, and its policy's exact value, against the
    best exact value of every deterministic policy; the C model (m, keep), or None."""
    m, keep = to_c(model, epsilon=1e-13)
    S = model["S"]
    got, optimal = (C.c_double * S)(), (C.c_int32 * S)()
    st = lib.credal_mdp_optimal_f64(C.byref(m), got, optimal, None, None)
    if st:
        check(False, f"{name}: {lib.credal_last_error().decode()}")
        return None
    best = best_policy_values(model, reach_infinite)
    check(close(list(got), best), f"{name}: {list(got)} vs {[float(w) for w in best]}")
    pi = [F(0)] * len(model["choices"])
    for s in range(S):
        pi[choices_of(model, s)[optimal[s]]] = F(1)
    reached = reach_infinite(model, pi)
    check(close([float(x) for x in reached], best),
          f"{name}: credal's policy reaches {[float(x) for x in reached]}, the optimum "
          f"{[float(w) for w in best]}")
    return m, keep


optimum_cases = 0
for trial in range(150):
    model = None
    while model is None or len(model["choices"]) > 7:
        model = preserving_model(rng, trial % 3)
    made = check_optimum(model, f"optimum #{trial}")
    if made is None:
        continue
    m, keep = made
    S = model["S"]
    # nature cooperating with a policy over an infinite horizon: the greatest chain value
    coop = (C.c_double * S)()
    random_pi = random_policy(rng, model)
    st = lib.credal_mdp_policy_value_f64(C.byref(m), arr(C.c_double, [float(x) for x in random_pi]),
                                         1, coop, None, None)
    if st:
        check(False, f"cooperative #{trial}: {lib.credal_last_error().decode()}")
    else:
        want = reach_infinite(model, random_pi, cooperative=True)
        check(close(list(coop), want), f"cooperative #{trial}: {list(coop)} vs "
                                       f"{[float(w) for w in want]}")
    optimum_cases += 1

# the optimum where nature may leave successors out (zero lower bounds, TV radii that can empty
# an entry, contaminations of laws with zeros, traps): the end components move with nature's
# laws; the same oracle, and credal's policy must reach the optimum
zero_cases = 0
for trial in range(150):
    model = None
    while model is None or len(model["choices"]) > 5:
        model = random_model(rng, 1, 0, trial % 3)
    for _ in range(rng.randint(0, 2)):  # a choice nature may keep where it is: an extra one
        s = rng.randrange(model["S"])
        idx = choices_of(model, s)[-1]
        r = model["choices"][idx][4]
        others = rng.sample(range(model["S"]), rng.randint(0, min(2, model["S"])))
        succ = sorted(set(others) | {s, model["S"] - 1})  # nature may stay, or let it reach
        law = [F(1, len(succ))] * len(succ)
        model["choices"].insert(idx + 1, (s, succ, [F(0)] * len(succ),
                                          [F(1) if t == s else F(rng.randint(1, 8), 8)
                                           for t in succ], r))
        model["nominal"].insert(idx + 1, law)
        model["radius"].insert(idx + 1, F(rng.randint(4, 8), 8))
    made = check_optimum(model, f"zero bounds #{trial}")
    if made is None:
        continue
    m, keep = made
    # nature cooperating with a policy: the end components nature may keep collapsed onto their
    # best exits (host/mdp_upper.c)
    zero_cases += check_reach_value(m, model, random_policy(rng, model), 1,
                                    f"zero bounds cooperative #{trial}")


def leak(model, c, z, a):
    """Choice c's set mixed with a step to state z of weight a: lower and upper bounds and the
    nominal law scaled by 1 - a, a added at z; a TV radius capped at a / 2 (so the step stays)."""
    s, succ, lo, hi, r = model["choices"][c]
    add = lambda xs, at: [x * (1 - a) + (a if t == z else 0) for x, t in zip(xs, at)]
    if z not in succ:
        succ = sorted(succ + [z])
        i = succ.index(z)
        lo, hi = lo[:i] + [F(0)] + lo[i:], hi[:i] + [F(0)] + hi[i:]
        model["nominal"][c] = model["nominal"][c][:i] + [F(0)] + model["nominal"][c][i:]
    model["choices"][c] = (s, succ, add(lo, succ), add(hi, succ), r)
    model["nominal"][c] = add(model["nominal"][c], succ)
    if model["sets"] == 1:
        model["radius"][c] = min(model["radius"][c], a / 2)


# nature cooperating where it may keep the play in an end component short of the target: a sink
# (value 0), every other choice leaking to it, and one or two states whose played choice may
# stay put, move to the other such state, or leave for a leaking state (never straight to the
# target), so the components' best exits are worth less than 1 (host/mdp_upper.c)
coop_cases = 0
for trial in range(150):
    model = None
    while model is None or model["S"] < 4 or len(model["choices"]) > 6:
        model = random_model(rng, 1, 0, trial % 3)
    S = model["S"]
    z = rng.randrange(S - 1)
    at = choices_of(model, z)
    for key, value in (("choices", (z, [z], [F(1)], [F(1)], F(0))), ("nominal", [F(1)]),
                       ("radius", F(0))):
        model[key] = [x for i, x in enumerate(model[key]) if i not in at[1:]]
        model[key][at[0]] = value
    for c, ch in enumerate(model["choices"]):
        if ch[0] not in (z, S - 1):
            leak(model, c, z, F(1, 4))
    stays = rng.sample([x for x in range(S - 1) if x != z], rng.randint(1, min(2, S - 3)))
    for s in stays:
        exit_to = rng.choice([x for x in range(S - 1) if x not in stays and x != z])
        succ = sorted(set(stays) | {exit_to} | ({z} if rng.random() < 0.3 else set()))
        idx = choices_of(model, s)[-1] + 1
        model["choices"].insert(idx, (s, succ, [F(0)] * len(succ),
                                      [F(1) if t == s else F(rng.randint(1, 8), 8) for t in succ],
                                      F(0)))
        model["nominal"].insert(idx, [F(int(t == s)) for t in succ])  # TV, contamination: stay
        model["radius"].insert(idx, F(rng.randint(1, 8), 8))
    pi = random_policy(rng, model)
    for s in stays:  # the new choice played, alone or (seldom: no component then) mixed
        cs = choices_of(model, s)
        mixed = rng.random() < 0.2
        for c in cs:
            pi[c] = F(1) if c == cs[-1] else (pi[c] if mixed else F(0))
        total = sum(pi[c] for c in cs)
        for c in cs:
            pi[c] /= total
    m, keep = to_c(model, epsilon=1e-13)
    coop_cases += check_reach_value(m, model, pi, 1, f"end components cooperating #{trial}")


def hand_model(S, target, choices):
    """States 0..S-1, target `target`; choices (state, successors, lower, upper) in state order."""
    chs = [(s, succ, [F(x) for x in lo], [F(x) for x in hi], F(0)) for s, succ, lo, hi in choices]
    return {"S": S, "objective": 1, "horizon": 0, "sets": 0, "choices": chs, "discount": F(1),
            "nominal": [[F(1, len(c[1]))] * len(c[1]) for c in chs], "radius": [F(0)] * len(chs),
            "target": [int(s == target) for s in range(S)]}


# by hand: (a) at state 1 the first choice may be kept at 1 for ever by nature, though its law
# against values that tie goes to 0, where the best exit is: the policy must take the second
# choice (found by the attractor, not by a walk inside the end component); (b) state 1's first
# choice ties 0 and 1 at the start, and its worst law goes to 0 (the lower index), while
# nature's optimum keeps it at 1: the end components must be found again as the values part
hand = {
    "a walk inside an end component nature can break": hand_model(4, 3, [
        (0, [2, 3], ["1/2", "1/2"], ["1/2", "1/2"]), (0, [1], [1], [1]),
        (1, [0, 1], [0, 0], [1, 1]), (1, [0], [1], [1]), (2, [2], [1], [1]), (3, [3], [1], [1])]),
    "supports that change as the values part": hand_model(4, 3, [
        (0, [2, 3], ["1/5", "4/5"], ["1/5", "4/5"]),
        (1, [0, 1], [0, 0], [1, 1]), (1, [2, 3], ["7/10", "3/10"], ["7/10", "3/10"]),
        (2, [2], [1], [1]), (3, [3], [1], [1])]),
}
for name, model in hand.items():
    check_optimum(model, name)

print(f"{cases} random models, {reach_cases} infinite reachability models, {optimum_cases} "
      f"infinite reachability optima, {zero_cases} optima where nature picks the support, "
      f"{coop_cases} cooperative values with end components, {passed} checks passed, {failed} failed")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
