#!/usr/bin/env python3
"""Writes credal's small, hand-checkable example inputs (credal-batch v1, SPEC §2).

    python3 data/make_example.py data/example.h5
        writes data/example.h5 and, next to it, data/sequence.h5 and data/actions.h5
    python3 data/make_example.py data/example.h5 --expected
        also prints every SPEC §1 quantity of each example (the numbers in
        data/example-expected.md), computed by the plain numpy reference below

The three examples, one per encoding of SPEC §1:

  example.h5   gambles: the two-outcome, six-gamble problem of Troffaes (2007), "Decision
               making under uncertainty using imprecise probabilities", IJAR 45(1), 17-29;
               four hypotheses (credal sets over the outcomes a, b), kind distribution.
  sequence.h5  a finite-horizon sequential problem in sequence form: nature draws a state,
               the agent sees a noisy signal, then invests or holds; kind payoff.
  actions.h5   one-shot actions: three actions, three environments (the generators of one
               hypothesis), policies are mixtures over the actions; kind payoff.

and structured.h5 (the structured credal sets of docs/math.md §4) and mdp.h5 (a credal MDP,
credal-mdp v1, SPEC §10: a machine that wears, worked by hand in docs/math.md §6).

The files are byte-reproducible (no timestamps; fixed creation order), so rerunning this
script over the committed files leaves them unchanged.
"""
import argparse
import os
import sys

import h5py
import numpy as np

# --------------------------------------------------------------------------------------------
# Writing


def _group(parent, name):
    """A group without creation/modification timestamps (so the bytes do not change)."""
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl))


def _dataset(group, name, data, dtype):
    return group.create_dataset(name, data=np.asarray(data, dtype=dtype), track_times=False)


def write_batch(path, *, points, offsets, utility, kind, hypothesis_names, policy_names,
                prior=None, prior_set=None, constants=None):
    """Writes one credal-batch v1 file: float64 data, int64 offsets, UTF-8 names."""
    strings = h5py.string_dtype("utf-8")
    tmp = path + ".partial"
    with h5py.File(tmp, "w", libver="earliest") as f:
        f.attrs["schema"] = "credal-batch"
        f.attrs["version"] = np.int64(1)
        hyp = _group(f, "hypotheses")
        hyp.attrs["kind"] = kind
        _dataset(hyp, "points", points, np.float64)
        _dataset(hyp, "offsets", offsets, np.int64)
        if constants is not None:
            _dataset(hyp, "constants", constants, np.float64)
        if prior is not None:
            _dataset(hyp, "prior", prior, np.float64)
        if prior_set is not None:
            _dataset(hyp, "prior_set", prior_set, np.float64)
        _dataset(hyp, "names", hypothesis_names, strings)
        pol = _group(f, "policies")
        _dataset(pol, "utility", utility, np.float64)
        _dataset(pol, "names", policy_names, strings)
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------
# Example 1 (gambles): Troffaes (2007), outcomes (a, b), six gambles as the policies.

def troffaes():
    # Hypotheses: credal sets over (a, b), each given by its extreme points.
    generators = [
        [[0.28, 0.72], [0.70, 0.30]],  # h0 troffaes: P(a) in [0.28, 0.70] (the paper's set)
        [[0.5, 0.5]],                  # h1 fair: the precise uniform distribution
        [[1.0, 0.0], [0.0, 1.0]],      # h2 vacuous: every distribution on {a, b}
        [[0.4, 0.6], [0.6, 0.4]],      # h3 narrow: P(a) in [0.4, 0.6]
    ]
    gambles = [[4.0, 0.0], [0.0, 4.0], [3.0, 2.0], [0.5, 3.0], [2.35, 2.35], [4.1, -0.3]]
    return dict(
        points=np.concatenate([np.array(g) for g in generators]),
        offsets=np.cumsum([0] + [len(g) for g in generators]),
        utility=np.array(gambles),
        kind="distribution",
        hypothesis_names=["troffaes", "fair", "vacuous", "narrow"],
        policy_names=["X1", "X2", "X3", "X4", "X5", "X6"],
        prior=np.array([0.1, 0.6, 0.1, 0.2]),
        prior_set=np.array([[0.1, 0.6, 0.1, 0.2], [0.25, 0.25, 0.25, 0.25]]),
    )


# --------------------------------------------------------------------------------------------
# Example 2 (sequence form): nature draws s in {good, bad}, the agent observes a signal
# sigma in {hi, lo}, then acts a in {invest, hold}. The terminal histories z = (s, sigma, a)
# are the d = 8 coordinates, z = 4*s + 2*sigma + a (good=0 bad=1, hi=0 lo=1, invest=0 hold=1).
# U(z) = +2 for investing in the good state, -2 for investing in the bad one, 0.2 for holding.
# An environment is (g, acc_good, acc_bad): P(good) = g, P(hi | good) = acc_good,
# P(lo | bad) = acc_bad. x_k[z] = P_k(s) * P_k(sigma | s) * U(z); a policy's realization
# weight u_p[z] = pi(a | sigma), so <x_k, u_p> is exactly the policy's expected utility.

STATES, SIGNALS, ACTIONS = ("good", "bad"), ("hi", "lo"), ("invest", "hold")


def _utility_of(s, a):
    if a == 1:
        return 0.2
    return 2.0 if s == 0 else -2.0


def _env_vector(g, acc_good, acc_bad):
    x = np.zeros(8)
    for s in range(2):
        p_s = g if s == 0 else 1.0 - g
        for sig in range(2):
            if s == 0:
                p_sig = acc_good if sig == 0 else 1.0 - acc_good
            else:
                p_sig = acc_bad if sig == 1 else 1.0 - acc_bad
            for a in range(2):
                x[4 * s + 2 * sig + a] = p_s * p_sig * _utility_of(s, a)
    return x


def _policy_vector(invest_if_hi, invest_if_lo):
    """Realization weights of the behaviour policy investing w.p. invest_if_<signal>."""
    u = np.zeros(8)
    for s in range(2):
        for sig, q in ((0, invest_if_hi), (1, invest_if_lo)):
            u[4 * s + 2 * sig + 0] = q
            u[4 * s + 2 * sig + 1] = 1.0 - q
    return u


def sequence():
    # The lower expectation of a multilinear function over a box of (g, acc_good, acc_bad)
    # is attained at a corner, so the corners are the generators.
    environments = [
        [(0.5, 0.8, 0.8)],                                   # h0 precise
        [(0.3, 0.8, 0.8), (0.7, 0.8, 0.8)],                  # h1 ambiguous prior: g in [0.3, 0.7]
        [(0.5, ag, ab) for ag in (0.6, 0.9) for ab in (0.6, 0.9)],  # h2 ambiguous signal
    ]
    policies = [
        ("always-invest", 1.0, 1.0),
        ("always-hold", 0.0, 0.0),
        ("follow-signal", 1.0, 0.0),
        ("contrarian", 0.0, 1.0),
        ("cautious-mix", 0.5, 0.0),   # invests half the time on hi, holds on lo
    ]
    return dict(
        points=np.array([_env_vector(*e) for h in environments for e in h]),
        offsets=np.cumsum([0] + [len(h) for h in environments]),
        utility=np.array([_policy_vector(hi, lo) for _, hi, lo in policies]),
        kind="payoff",
        hypothesis_names=["precise", "ambiguous-prior", "ambiguous-signal"],
        policy_names=[name for name, _, _ in policies],
        prior=np.array([0.5, 0.25, 0.25]),
    )


# --------------------------------------------------------------------------------------------
# Example 3 (one-shot actions): x_k[a] = expected utility of action a in environment k; the
# three environments are the generators of one hypothesis; u_p is a mixture over the actions.

def actions():
    environments = [
        [1.0, 0.0, 0.4],  # e0: A pays, B does not; "safe" pays 0.4
        [0.0, 1.0, 0.4],  # e1: B pays, A does not
        [0.7, 0.7, 0.2],  # e2: both pay a little; safe pays less
    ]
    mixtures = [
        ("A", [1.0, 0.0, 0.0]),
        ("B", [0.0, 1.0, 0.0]),
        ("safe", [0.0, 0.0, 1.0]),
        ("half-A-half-B", [0.5, 0.5, 0.0]),
        ("uniform", [1 / 3, 1 / 3, 1 / 3]),
        ("mostly-safe", [0.2, 0.2, 0.6]),
    ]
    return dict(
        points=np.array(environments),
        offsets=np.array([0, 3]),
        utility=np.array([m for _, m in mixtures]),
        kind="payoff",
        hypothesis_names=["three-environments"],
        policy_names=[name for name, _ in mixtures],
        prior=np.array([1.0]),
    )


# --------------------------------------------------------------------------------------------
# The plain numpy reference of SPEC §1 (lowest index on every tie).

def evaluate(points, offsets, utility, prior=None, prior_set=None, constants=None, **_):
    H, P = len(offsets) - 1, len(utility)
    b = np.zeros(len(points)) if constants is None else np.asarray(constants)
    v = points @ utility.T + b[:, None]                      # (K_total, P) values v(k, p)
    lower = np.empty((H, P)); argmin = np.empty((H, P), int)
    upper = np.empty((H, P)); argmax = np.empty((H, P), int)
    for h in range(H):
        block = v[offsets[h]:offsets[h + 1]]
        argmin[h] = block.argmin(axis=0); lower[h] = block.min(axis=0)
        argmax[h] = block.argmax(axis=0); upper[h] = block.max(axis=0)
    best_policy = lower.argmax(axis=1); best = lower.max(axis=1)
    regret = best[:, None] - lower
    r = dict(lower=lower, argmin=argmin, upper=upper, argmax=argmax, best=best,
             best_policy=best_policy, regret=regret,
             class_lower=lower.min(axis=0), class_lower_hypothesis=lower.argmin(axis=0),
             worst_regret=regret.max(axis=0), worst_regret_hypothesis=regret.argmax(axis=0))
    r["maximin"] = int(r["class_lower"].argmax())
    r["minimax_regret"] = int(r["worst_regret"].argmin())
    if prior is not None:
        r["bayes_regret"] = prior @ regret
        r["bayes"] = int(r["bayes_regret"].argmin())
    if prior_set is not None:
        per_prior = prior_set @ regret                       # (Q, P)
        r["credal_regret"] = per_prior.max(axis=0)
        r["credal_regret_prior"] = per_prior.argmax(axis=0)
        r["credal"] = int(r["credal_regret"].argmin())
    return r


def report(name, ex, out=sys.stdout):
    r = evaluate(**ex)
    hn, pn = ex["hypothesis_names"], ex["policy_names"]
    np.set_printoptions(precision=6, suppress=True, linewidth=120)
    print(f"== {name}: H={len(hn)}, K_total={len(ex['points'])}, d={ex['points'].shape[1]}, "
          f"P={len(pn)}, kind {ex['kind']}", file=out)
    print("policies:   " + " ".join(f"{p:>12}" for p in pn), file=out)
    for key in ("lower", "argmin", "upper", "argmax", "regret"):
        for h, row in enumerate(r[key]):
            cells = " ".join(f"{x:12.6g}" for x in row)
            print(f"{key}[{hn[h]}] {cells}", file=out)
    for h in range(len(hn)):
        print(f"best[{hn[h]}] = {r['best'][h]:.6g} ({pn[r['best_policy'][h]]})", file=out)
    for key in ("class_lower", "class_lower_hypothesis", "worst_regret",
                "worst_regret_hypothesis", "bayes_regret", "credal_regret", "credal_regret_prior"):
        if key in r:
            print(f"{key:24s}" + " ".join(f"{x:12.6g}" for x in r[key]), file=out)
    for key in ("maximin", "minimax_regret", "bayes", "credal"):
        if key in r:
            print(f"choice {key} = {r[key]} ({pn[r[key]]})", file=out)
    print(file=out)


EXAMPLES = {"example": troffaes, "sequence": sequence, "actions": actions}


# --------------------------------------------------------------------------------------------
# Example 4 (structured credal sets): one set of each family over three outcomes, two gambles.
# Worked by hand in docs/math.md ("Structured credal sets"); tests/test_structured.py checks
# the tool against these numbers (hypotheses in family order):
#                      u = (1, 2, 3)        u = (3, 0, 1)
#   tv ball r=0.25     1.25  [2.2]          0.95  [2.45]
#   contaminated 0.2   1.56  [1.96]         1.36  [1.96]
#   intervals          1.8   [2.3]          0.7   [1.8]
#   belief             1.3   [2.0]          1.5   [2.4]        lower [upper]
# best = 1.25, 1.56, 1.8 (policy 0), 1.5 (policy 1); regret: [0, 0.3], [0, 0.2], [0, 1.1],
# [0.2, 0]; class_lower 1.25, 0.7; worst_regret 0.2, 1.1; bayes (uniform) 0.05, 0.4:
# every choice is policy 0 ("increasing").

STRUCTURED_EXPECTED = {
    "lower": [[1.25, 0.95], [1.56, 1.36], [1.8, 0.7], [1.3, 1.5]],
    "upper": [[2.2, 2.45], [1.96, 1.96], [2.3, 1.8], [2.0, 2.4]],
    "regret": [[0, 0.3], [0, 0.2], [0, 1.1], [0.2, 0]],
}


def write_structured(path):
    """Writes structured.h5: no generators; contamination, TV ball, intervals, belief."""
    tmp = path + ".partial"
    c = [0.5, 0.3, 0.2]
    strings = h5py.string_dtype("utf-8")
    with h5py.File(tmp, "w", libver="earliest") as f:
        f.attrs["schema"] = "credal-batch"
        f.attrs["version"] = np.int64(1)
        hyp = _group(f, "hypotheses")  # names and prior cover the four structured sets
        _dataset(hyp, "names", ["tv ball r=0.25", "contaminated e=0.2", "intervals", "belief"],
                 strings)
        _dataset(hyp, "prior", [0.25, 0.25, 0.25, 0.25], np.float64)
        tv = _group(f, "tv_balls")
        _dataset(tv, "centers", [c], np.float64)
        _dataset(tv, "radius", [0.25], np.float64)
        co = _group(f, "contamination")
        _dataset(co, "centers", [c], np.float64)
        _dataset(co, "epsilon", [0.2], np.float64)
        iv = _group(f, "intervals")
        _dataset(iv, "lower", [[0.1, 0.2, 0.3]], np.float64)
        _dataset(iv, "upper", [[0.6, 0.5, 0.4]], np.float64)
        be = _group(f, "belief")  # m({1}) = 0.5, m({2, 3}) = 0.3, m({1, 2, 3}) = 0.2
        _dataset(be, "focal", [[1, 0, 0], [0, 1, 1], [1, 1, 1]], np.uint8)
        _dataset(be, "mass", [0.5, 0.3, 0.2], np.float64)
        _dataset(be, "offsets", [0, 3], np.int64)
        pol = _group(f, "policies")
        _dataset(pol, "utility", [[1, 2, 3], [3, 0, 1]], np.float64)
        _dataset(pol, "names", ["increasing", "first"], strings)
    os.replace(tmp, path)


# data/mdp.h5: a machine (good, worn, broken) as a credal MDP, discounted 0.9, two hypotheses of
# interval sets (A narrow, B wide); docs/math.md §6 works it by hand. Policies (the action in
# good, worn; broken has one): run/run, service/run, service/repair -- the optimum run/repair
# is not in the batch, so /regret (against the optimum) is not the batch's regret.
MDP_EXPECTED = {
    "optimal": [1000 / 127, 200 / 29],
    "lower": [[3955 / 517, 3595 / 728, 500 / 109], [8470 / 1333, 18070 / 3893, 500 / 109]],
    "optimal_policy": [[0, 1, 0], [0, 1, 0]],
}


def write_mdp(path):
    """Writes mdp.h5 (credal-mdp v1)."""
    tmp = path + ".partial"
    strings = h5py.string_dtype("utf-8")
    # choices: good-run, good-service, worn-run, worn-repair, broken-repair
    succ = [[0, 1], [0, 1], [1, 2], [0], [0]]
    narrow = ([0.7, 0.2], [0.8, 0.3]), ([0.9, 0.0], [1.0, 0.1]), ([0.6, 0.3], [0.7, 0.4])
    wide = ([0.5, 0.2], [0.8, 0.5]), ([0.9, 0.0], [1.0, 0.1]), ([0.4, 0.3], [0.7, 0.6])

    def bounds(sets, which):
        return [x for law in sets for x in law[which]] + [1.0, 1.0]
    with h5py.File(tmp, "w", libver="earliest") as f:
        f.attrs["schema"] = "credal-mdp"
        f.attrs["version"] = np.int64(1)
        m = _group(f, "mdp")
        m.attrs["objective"] = "discounted"
        m.attrs["discount"] = 0.9
        m.attrs["epsilon"] = 1e-12
        _dataset(m, "choice_offsets", [0, 2, 4, 5], np.int64)
        _dataset(m, "successor_offsets", np.cumsum([0] + [len(x) for x in succ]), np.int64)
        _dataset(m, "successors", [t for x in succ for t in x], np.int64)
        _dataset(m, "reward", [1.0, 0.5, 1.0, 0.0, -1.0], np.float64)
        hyp = _group(f, "hypotheses")
        _dataset(hyp, "lower", [bounds(narrow, 0), bounds(wide, 0)], np.float64)
        _dataset(hyp, "upper", [bounds(narrow, 1), bounds(wide, 1)], np.float64)
        _dataset(hyp, "names", ["A narrow", "B wide"], strings)
        _dataset(hyp, "prior", [0.5, 0.5], np.float64)
        pol = _group(f, "policies")
        _dataset(pol, "action", [[0, 0, 0], [1, 0, 0], [1, 1, 0]], np.int32)
        _dataset(pol, "names", ["run/run", "service/run", "service/repair"], strings)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("example", help="path of example.h5 (the gambles example)")
    ap.add_argument("--sequence", help="path of sequence.h5 (default: next to example.h5)")
    ap.add_argument("--actions", help="path of actions.h5 (default: next to example.h5)")
    ap.add_argument("--expected", action="store_true", help="print every SPEC §1 quantity")
    args = ap.parse_args(argv)
    here = os.path.dirname(os.path.abspath(args.example))
    paths = {
        "example": args.example,
        "sequence": args.sequence or os.path.join(here, "sequence.h5"),
        "actions": args.actions or os.path.join(here, "actions.h5"),
    }
    for name, make in EXAMPLES.items():
        ex = make()
        write_batch(paths[name], **ex)
        if args.expected:
            report(name, ex)
    write_structured(os.path.join(here, "structured.h5"))
    write_mdp(os.path.join(here, "mdp.h5"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

# --------------------------------------------------------------------------------------------
# Expected results, by hand (and checked with evaluate() above; printed by --expected).
# data/example-expected.md has the same numbers with more explanation.
#
# == example.h5 (Troffaes 2007). v(k, p) = x_k[a] * u_p[a] + x_k[b] * u_p[b]. Generators:
#    h0 troffaes (0.28, 0.72), (0.70, 0.30);  h1 fair (0.5, 0.5);
#    h2 vacuous (1, 0), (0, 1);               h3 narrow (0.4, 0.6), (0.6, 0.4).
#
# lower[h0, p] = min over the two generators (argmin in brackets):
#    X1 = (4, 0):      min(4*0.28, 4*0.70)                   = min(1.12, 2.80)  = 1.12  [0]
#    X2 = (0, 4):      min(4*0.72, 4*0.30)                   = min(2.88, 1.20)  = 1.20  [1]
#    X3 = (3, 2):      min(3*0.28+2*0.72, 3*0.70+2*0.30)     = min(2.28, 2.70)  = 2.28  [0]
#    X4 = (0.5, 3):    min(0.5*0.28+3*0.72, 0.5*0.70+3*0.30) = min(2.30, 1.25)  = 1.25  [1]
#    X5 = (2.35,2.35): min(2.35, 2.35)                                          = 2.35  [0] (tie)
#    X6 = (4.1, -0.3): min(4.1*0.28-0.3*0.72, 4.1*0.70-0.3*0.30)
#                                                            = min(0.932, 2.78) = 0.932 [0]
# lower[h1, :] = 2, 2, 2.5, 1.75, 2.35, 1.9                    (argmin 0: one generator)
# lower[h2, :] = min of the two coordinates = 0, 0, 2, 0.5, 2.35, -0.3
#                argmin = 1, 0, 1, 0, 0, 1
# lower[h3, :] = 1.6, 1.6, 2.4, 1.5, 2.35, 1.46                argmin = 0, 1, 0, 1, 0, 0
#                (X3: min(3*0.4+2*0.6, 3*0.6+2*0.4) = min(2.4, 2.6); X6: min(1.46, 2.34))
# (upper[h0, :] = 2.8, 2.88, 2.7, 2.3, 2.35, 2.78; argmax = 1, 0, 1, 0, 0, 1)
#
# best[h] = max_p lower[h, p]: h0 2.35 (X5), h1 2.5 (X3), h2 2.35 (X5), h3 2.4 (X3)
# regret[h, p] = best[h] - lower[h, p]:
#           X1     X2     X3     X4     X5     X6
#    h0   1.23   1.15   0.07   1.10   0      1.418
#    h1   0.50   0.50   0      0.75   0.15   0.60
#    h2   2.35   2.35   0.35   1.85   0      2.65
#    h3   0.80   0.80   0      0.90   0.05   0.94
# class_lower  = min_h lower  = 0, 0, 2, 0.5, 2.35, -0.3 (hypothesis 2, 2, 2, 2, 0, 2)
# worst_regret = max_h regret = 2.35, 2.35, 0.35, 1.85, 0.15, 2.65 (hypothesis 2, 2, 2, 2, 1, 2)
# bayes_regret with prior (0.1, 0.6, 0.1, 0.2):
#    X1 0.1*1.23 + 0.6*0.5 + 0.1*2.35 + 0.2*0.8    = 0.818
#    X2 0.1*1.15 + 0.6*0.5 + 0.1*2.35 + 0.2*0.8    = 0.81
#    X3 0.1*0.07 + 0.6*0   + 0.1*0.35 + 0.2*0     = 0.042
#    X4 0.1*1.1  + 0.6*0.75 + 0.1*1.85 + 0.2*0.9   = 0.925
#    X5 0.1*0    + 0.6*0.15 + 0.1*0   + 0.2*0.05  = 0.10
#    X6 0.1*1.418 + 0.6*0.6 + 0.1*2.65 + 0.2*0.94 = 0.9548
# credal_regret with prior_set rows Z0 = (0.1, 0.6, 0.1, 0.2) (= the prior) and
# Z1 = (0.25, 0.25, 0.25, 0.25) (the mean regret = 1.22, 1.2, 0.105, 1.15, 0.05, 1.402):
#    max(Z0 row, Z1 row) = 1.22, 1.2, 0.105, 1.15, 0.10, 1.402   (attained at prior 1,1,1,1,0,1)
# choices: maximin = X5 (class_lower 2.35), minimax_regret = X5 (worst regret 0.15),
#          bayes = X3 (0.042 < X5's 0.10), credal = X5 (0.10 < X3's 0.105)
# Ties: X5 = (2.35, 2.35) is worth 2.35 under every generator, so its argmin is 0 everywhere by
# the lowest-index rule (numpy's float64 sums are exact ties; another summation order may
# differ in the last bit, and SPEC §6 allows the argmin to differ on such near-ties).
#
# == sequence.h5. With P(good) = g, P(hi | good) = ag, P(lo | bad) = ab:
#    P(good, hi) = g*ag, P(good, lo) = g*(1-ag), P(bad, hi) = (1-g)*(1-ab), P(bad, lo) = (1-g)*ab
#    always-invest 2*P(good) - 2*P(bad) = 4g - 2;   always-hold 0.2
#    follow-signal 2*P(good,hi) - 2*P(bad,hi) + 0.2*P(lo)
#    contrarian    2*P(good,lo) - 2*P(bad,lo) + 0.2*P(hi)
#    cautious-mix  0.5*(2*P(good,hi) - 2*P(bad,hi)) + 0.2*(0.5*P(hi) + P(lo))
# h0 precise (0.5, 0.8, 0.8): P(good,hi) = 0.4, P(good,lo) = 0.1, P(bad,hi) = 0.1, P(bad,lo) = 0.4
#    values 0, 0.2, 0.8-0.2+0.2*0.5 = 0.7, 0.2-0.8+0.2*0.5 = -0.5, 0.5*0.6+0.2*0.75 = 0.45
# h1 ambiguous-prior, generators g = 0.3 and g = 0.7 (ag = ab = 0.8):
#    g=0.3: -0.8, 0.2, 0.48-0.28+0.124 = 0.324, 0.12-1.12+0.076 = -0.924, 0.1+0.162 = 0.262
#    g=0.7:  0.8, 0.2, 1.12-0.12+0.076 = 1.076, 0.28-0.48+0.124 = -0.076, 0.5+0.138 = 0.638
# h2 ambiguous-signal, g = 0.5, corners (ag, ab) = (.6,.6), (.6,.9), (.9,.6), (.9,.9):
#    always-invest 0, 0, 0, 0;  always-hold 0.2 each
#    follow-signal 0.3, 0.63, 0.57, 0.9;    contrarian -0.1, -0.43, -0.37, -0.7
#    cautious-mix  0.25, 0.415, 0.385, 0.55
# lower  = h0: 0, 0.2, 0.7, -0.5, 0.45;  h1: -0.8, 0.2, 0.324, -0.924, 0.262;
#          h2: 0, 0.2, 0.3, -0.7, 0.25
# argmin = h0: 0, 0, 0, 0, 0;  h1: 0, 0, 0, 0, 0;  h2: 0, 0, 0, 3, 0 (exact ties -> 0; in h1
#          always-hold is 0.2 at both g, 0.19999999999999998 vs 0.2 in float64: a near-tie)
# best   = 0.7, 0.324, 0.3, all three follow-signal; regret = best - lower:
#    h0: 0.7, 0.5, 0, 1.2, 0.25;  h1: 1.124, 0.124, 0, 1.248, 0.062;  h2: 0.3, 0.1, 0, 1.0, 0.05
# class_lower  = -0.8, 0.2, 0.3, -0.924, 0.25  (hypothesis 1, 1, 2, 1, 2)
# worst_regret = 1.124, 0.5, 0, 1.248, 0.25    (hypothesis 1, 0, 0, 1, 0)
# bayes_regret (prior 0.5, 0.25, 0.25) = 0.706, 0.306, 0, 1.162, 0.153
# choices: maximin = minimax_regret = bayes = follow-signal (policy 2)
#
# == actions.h5. Environments e0 (1, 0, 0.4), e1 (0, 1, 0.4), e2 (0.7, 0.7, 0.2).
#    A:             min(1, 0, 0.7)                            = 0        [e1]
#    B:             min(0, 1, 0.7)                            = 0        [e0]
#    safe:          min(0.4, 0.4, 0.2)                        = 0.2      [e2]
#    half-A-half-B: min(0.5, 0.5, 0.7)                        = 0.5      [e0, tie with e1]
#    uniform:       min(1.4/3, 1.4/3, 1.6/3)                  = 0.466667 [e0, tie with e1]
#    mostly-safe:   min(0.2+0.24, 0.2+0.24, 0.14+0.14+0.12)   = 0.40     [e2]
# best = 0.5 (half-A-half-B): the mixture beats every pure action, which an expected-utility
# maximiser with one precise environment never needs.
# regret = 0.5, 0.5, 0.3, 0, 0.033333, 0.1 (= class-wide worst regret = Bayes regret, H = 1)
# choices: maximin = minimax_regret = bayes = half-A-half-B (policy 3)
