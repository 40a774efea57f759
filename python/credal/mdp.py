"""Credal MDPs in memory (SPEC §10, docs/math.md §6): a policy's robust value and the robust
optimum through libcredal, on numpy arrays. Files of many hypotheses and policies go through
credal.evaluate like batches."""
import ctypes as C
from typing import NamedTuple

import numpy as np

from . import _lib
from ._errors import UsageError

SETS = {"intervals": 0, "tv_balls": 1, "contamination": 2}
OBJECTIVES = {"discounted": 0, "reach": 1}


class _Struct(C.Structure):
    _fields_ = [("states", C.c_int64), ("choice_offsets", C.c_void_p),
                ("successor_offsets", C.c_void_p), ("successors", C.c_void_p),
                ("lower", C.c_void_p), ("upper", C.c_void_p), ("objective", C.c_int),
                ("reward", C.c_void_p), ("discount", C.c_double), ("target", C.c_void_p),
                ("avoid", C.c_void_p), ("horizon", C.c_int64), ("epsilon", C.c_double),
                ("sets", C.c_int), ("nominal", C.c_void_p), ("radius", C.c_void_p)]


def _array(x, dtype, name, n=None):
    if x is None:
        return None
    a = np.ascontiguousarray(x, dtype=dtype)
    if a.ndim != 1 or (n is not None and len(a) != n):
        raise UsageError(f"{name}: expected {n if n is not None else 'a'} values in one "
                         f"dimension, got shape {a.shape}", "EUSAGE", 64)
    return a


class MDP:
    """A credal MDP: state s owns choices choice_offsets[s] .. choice_offsets[s+1]-1, choice c
    leads to successors[successor_offsets[c] .. successor_offsets[c+1]-1] (ascending) under a
    law nature picks from its set: intervals (lower, upper per successor entry), or with
    sets="tv_balls" or "contamination" a nominal law per entry and a radius (epsilon) per
    choice. objective "reach" (target, avoid per state) or "discounted" (reward per choice,
    discount); horizon 0 is infinite; libcredal checks every rule and names the first broken."""

    def __init__(self, choice_offsets, successor_offsets, successors, *, lower=None, upper=None,
                 nominal=None, radius=None, sets=None, objective="reach", target=None,
                 avoid=None, reward=None, discount=0.0, horizon=0, epsilon=0.0):
        self.choice_offsets = _array(choice_offsets, np.int64, "choice_offsets")
        S = len(self.choice_offsets) - 1
        self.successor_offsets = _array(successor_offsets, np.int64, "successor_offsets",
                                        int(self.choice_offsets[-1]) + 1)
        N, Cn = int(self.successor_offsets[-1]), len(self.successor_offsets) - 1
        self.successors = _array(successors, np.int64, "successors", N)
        self.sets = sets or ("intervals" if lower is not None else None)
        if self.sets not in SETS or (self.sets == "intervals") != (nominal is None):
            raise UsageError("the sets: lower and upper (intervals), or nominal and radius with "
                             "sets='tv_balls' or 'contamination'", "EUSAGE", 64)
        if objective not in OBJECTIVES:
            raise UsageError(f"objective {objective!r}: 'reach' or 'discounted'", "EUSAGE", 64)
        self.lower = _array(lower, np.float64, "lower", N)
        self.upper = _array(upper, np.float64, "upper", N)
        self.nominal = _array(nominal, np.float64, "nominal", N)
        self.radius = None if radius is None else np.ascontiguousarray(
            np.broadcast_to(np.asarray(radius, dtype=np.float64), (Cn,)))
        self.reward = _array(reward, np.float64, "reward", Cn)
        self.target = _array(target, np.uint8, "target", S)
        self.avoid = _array(avoid, np.uint8, "avoid", S)
        self.objective, self.discount = objective, discount
        self.horizon, self.epsilon = horizon, epsilon

    @property
    def states(self):
        return len(self.choice_offsets) - 1

    @property
    def choices(self):
        return len(self.successor_offsets) - 1

    def _struct(self):
        p = lambda a: None if a is None else a.ctypes.data_as(C.c_void_p)
        return _Struct(self.states, p(self.choice_offsets), p(self.successor_offsets),
                       p(self.successors), p(self.lower), p(self.upper),
                       OBJECTIVES[self.objective], p(self.reward), float(self.discount),
                       p(self.target), p(self.avoid), int(self.horizon), float(self.epsilon),
                       SETS[self.sets], p(self.nominal), p(self.radius))

    def policy(self, actions):
        """A deterministic policy (the choice index within each state, (S,)) as the (C,)
        distribution credal.mdp_value takes."""
        a = np.asarray(actions, dtype=np.int64)
        width = np.diff(self.choice_offsets)
        if a.shape != (self.states,) or (a < 0).any() or (a >= width).any():
            raise UsageError(f"actions: one choice index per state, within its {width.tolist()}"
                             " choices", "EUSAGE", 64)
        pi = np.zeros(self.choices)
        pi[self.choice_offsets[:-1] + a] = 1.0
        return pi


class Value(NamedTuple):
    value: np.ndarray       # (S,)
    iterations: int
    residual: float         # the last sweep's change, or interval iteration's gap


class Optimum(NamedTuple):
    value: np.ndarray       # (S,)
    policy: np.ndarray      # (S,) choice within each state, or (horizon, S), row 0 first
    iterations: int
    residual: float


_p = C.c_void_p
_policy_value = _lib._proto("credal_mdp_policy_value_f64", C.c_int, C.POINTER(_Struct), _p,
                            C.c_int, _p, C.POINTER(C.c_int64), C.POINTER(C.c_double))
_optimal = _lib._proto("credal_mdp_optimal_f64", C.c_int, C.POINTER(_Struct), _p, _p,
                       C.POINTER(C.c_int64), C.POINTER(C.c_double))


def mdp_value(mdp, policy, *, cooperative=False):
    """The robust value (S,) of policy, a (C,) distribution over each state's choices (see
    MDP.policy for a deterministic one); cooperative: nature helps (the upper value)."""
    pi = _array(policy, np.float64, "policy", mdp.choices)
    value, n, r = np.empty(mdp.states), C.c_int64(), C.c_double()
    _lib.check(_policy_value(C.byref(mdp._struct()), pi.ctypes.data_as(_p), int(cooperative),
                             value.ctypes.data_as(_p), C.byref(n), C.byref(r)))
    return Value(value, n.value, r.value)


def mdp_optimal(mdp):
    """The robust optimum (S,) (the agent maximises, nature minimises) and an optimal policy."""
    value, n, r = np.empty(mdp.states), C.c_int64(), C.c_double()
    rows = mdp.horizon if mdp.horizon > 0 else 1
    policy = np.empty((rows, mdp.states), dtype=np.int32)
    _lib.check(_optimal(C.byref(mdp._struct()), value.ctypes.data_as(_p),
                        policy.ctypes.data_as(_p), C.byref(n), C.byref(r)))
    return Optimum(value, policy if mdp.horizon > 0 else policy[0], n.value, r.value)
