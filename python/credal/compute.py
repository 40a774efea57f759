"""credal.lower and credal.rules: libcredal's compute core on numpy arrays, no file."""
import ctypes as C
from typing import NamedTuple, Optional

import numpy as np

from . import _lib
from ._errors import UsageError
from .families import GENERATORS, NAMES, Family, _matrix, generators

BACKENDS = {"auto": 0, "reference": 1, "cpu": 2, "gpu": 3}


class Lower(NamedTuple):
    """lower (H, P) and argmin (H, P) int32 (the generator within its hypothesis; -1 for the
    structured families); upper and argmax the same with max, or None."""
    lower: np.ndarray
    argmin: np.ndarray
    upper: Optional[np.ndarray] = None
    argmax: Optional[np.ndarray] = None


def _ptr(a):
    return None if a is None else a.ctypes.data_as(C.c_void_p)


def _family(hypotheses, offsets, constants):
    if isinstance(hypotheses, Family):
        if offsets is not None or constants is not None:
            raise UsageError(f"{NAMES[hypotheses.family]}: offsets and constants come with the "
                             "family", "EUSAGE", 64)
        return hypotheses
    return generators(hypotheses, offsets, constants)


def _batch(fam, utility):
    u = _matrix(utility, "utility", fam.dim)
    batch = _lib.Batch(len(fam), fam.dim, len(u), _ptr(fam.offsets), _ptr(fam.rows),
                       _ptr(fam.scalars), _ptr(u))
    return batch, u


def lower(hypotheses, offsets=None, utility=None, constants=None, *, backend="auto",
          precision="f64", upper=False):
    """Lower (and with upper=True, upper) expectations of every policy under every hypothesis.

    hypotheses: generator points (K, d) with offsets (H+1,) (or a list of (K_h, d) arrays), or a
    family from credal.tv_balls, credal.contamination, credal.intervals, credal.belief,
    credal.generators; utility (P, d): one gamble per policy; constants (K,) for a-measures.
    C-contiguous float64 arrays are used in place (no copy). The GIL is released while
    libcredal computes. Returns credal.Lower(lower, argmin, upper, argmax)."""
    if utility is None:
        raise UsageError("utility (P, d) is required", "EUSAGE", 64)
    if backend not in BACKENDS:
        raise UsageError(f"backend {backend!r}: expected one of {', '.join(BACKENDS)}", "EUSAGE",
                         64)
    if precision not in ("f64", "f32"):
        raise UsageError(f"precision {precision!r}: expected 'f64' or 'f32'", "EUSAGE", 64)
    fam = _family(hypotheses, offsets, constants)
    batch, u = _batch(fam, utility)
    H, P = len(fam), len(u)
    lo, lo_k = np.empty((H, P)), np.empty((H, P), dtype=np.int32)
    hi, hi_k = (np.empty((H, P)), np.empty((H, P), dtype=np.int32)) if upper else (None, None)
    if precision == "f32" and fam.family != GENERATORS:
        raise UsageError("precision='f32' is for generator sets", "EUSAGE", 64)
    if precision == "f32":
        call = _lib.lower_f32(BACKENDS[backend], C.byref(batch), _ptr(lo), _ptr(lo_k), _ptr(hi),
                              _ptr(hi_k))
    else:
        call = _lib.family_lower_f64(BACKENDS[backend], fam.family, C.byref(batch), _ptr(lo),
                                     _ptr(lo_k), _ptr(hi), _ptr(hi_k))
    _lib.check(call)  # libcredal refuses a value that overflowed, naming it
    return Lower(lo, lo_k, hi, hi_k)


RULES = ("gamma_maximin", "gamma_maximax", "hurwicz", "interval_dominance", "maximal",
         "e_admissible")


def rules(hypotheses, offsets=None, utility=None, constants=None, *, which="all", hurwicz=0.5):
    """The imprecise decision rules (SPEC §9) of every hypothesis: a dict from each rule asked
    (which: "all" or a list of names, "set_regret" included) to its (H, P) mask of the policies
    it keeps (bool), and "set_regret" (H, P) when asked."""
    if utility is None:
        raise UsageError("utility (P, d) is required", "EUSAGE", 64)
    flags = C.c_uint()
    text = which if isinstance(which, str) else ",".join(which)
    _lib.check(_lib.rules_parse(text.encode(), C.byref(flags)))
    fam = _family(hypotheses, offsets, constants)
    batch, u = _batch(fam, utility)
    H, P = len(fam), len(u)
    masks = np.zeros((len(RULES), H, P), dtype=np.uint8)
    want_regret = bool(flags.value >> len(RULES) & 1)
    regret = np.empty((H, P)) if want_regret else None
    _lib.check(_lib.rules_f64(fam.family, C.byref(batch), flags.value, float(hurwicz),
                              _ptr(masks), _ptr(regret)))
    out = {name: masks[i].astype(bool) for i, name in enumerate(RULES) if flags.value >> i & 1}
    if want_regret:
        out["set_regret"] = regret
    return out
