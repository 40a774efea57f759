"""Hypotheses as numpy arrays: generator sets (extreme points) and the structured families of
SPEC §2, each in the row layout libcredal computes on (include/credal.h,
credal_family_lower_f64) and writes to files (credal.write_batch)."""
import numpy as np

from ._errors import UsageError

GENERATORS, TV_BALLS, CONTAMINATION, INTERVALS, BELIEF = range(5)
NAMES = ("generators", "tv_balls", "contamination", "intervals", "belief")


def _matrix(x, name, dim=None):
    """A C-contiguous float64 2-D array (no copy when x already is one)."""
    a = np.ascontiguousarray(x, dtype=np.float64)
    if a.ndim != 2:
        raise UsageError(f"{name}: expected a 2-D array, got shape {a.shape}", "EUSAGE", 64)
    if dim is not None and a.shape[1] != dim:
        raise UsageError(f"{name}: has {a.shape[1]} columns, expected d = {dim}", "EUSAGE", 64)
    return a


def _vector(x, name, n):
    a = np.ascontiguousarray(np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)))
    return a


class Family:
    """Hypotheses of one family: rows (R, d) float64, their scalars (R,) or None, offsets
    (H+1,) int64 (hypothesis h owns rows offsets[h] .. offsets[h+1]-1), and optional names."""

    def __init__(self, family, rows, scalars, offsets, names=None):
        self.family, self.rows, self.scalars, self.offsets = family, rows, scalars, offsets
        self.names = None if names is None else [str(n) for n in names]
        if self.names is not None and len(self.names) != len(self):
            raise UsageError(f"{NAMES[family]}: {len(self.names)} names for {len(self)} "
                             "hypotheses", "EUSAGE", 64)

    def __len__(self):
        return len(self.offsets) - 1

    @property
    def dim(self):
        return self.rows.shape[1]

    def __repr__(self):
        return f"credal.{NAMES[self.family]}({len(self)} hypotheses, d={self.dim})"


def generators(points, offsets=None, constants=None, names=None):
    """Sets given by extreme points: points (K, d) with offsets (H+1,) (hypothesis h owns rows
    offsets[h] .. offsets[h+1]-1), or a list of (K_h, d) arrays; constants (K,) for a-measures."""
    if offsets is None and isinstance(points, (list, tuple)):
        parts = [_matrix(p, f"points[{i}]") for i, p in enumerate(points)]
        offsets = np.cumsum([0] + [len(p) for p in parts], dtype=np.int64)
        points = np.concatenate(parts) if parts else np.zeros((0, 0))
    points = _matrix(points, "points")
    if offsets is None:
        offsets = np.array([0, len(points)], dtype=np.int64)
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    if offsets.ndim != 1 or len(offsets) < 2 or offsets[0] != 0 or offsets[-1] != len(points) \
            or (np.diff(offsets) < 1).any():
        raise UsageError("offsets: expected (H+1,) integers from 0 to the number of points, "
                         f"strictly increasing (every hypothesis has a point); got {offsets[:8]}"
                         f"{'...' if len(offsets) > 8 else ''} for {len(points)} points",
                         "EUSAGE", 64)
    scalars = None if constants is None else _vector(constants, "constants", len(points))
    return Family(GENERATORS, points, scalars, offsets, names)


def tv_balls(centers, radius, names=None):
    """Total-variation balls {q : 0.5 |q - c|_1 <= r}: centers (H, d), radius (H,) or scalar."""
    c = _matrix(centers, "centers")
    return Family(TV_BALLS, c, _vector(radius, "radius", len(c)),
                  np.arange(len(c) + 1, dtype=np.int64), names)


def contamination(centers, epsilon, names=None):
    """Epsilon-contaminations {(1 - e) c + e q : q any law}: centers (H, d), epsilon (H,)."""
    c = _matrix(centers, "centers")
    return Family(CONTAMINATION, c, _vector(epsilon, "epsilon", len(c)),
                  np.arange(len(c) + 1, dtype=np.int64), names)


def intervals(lower, upper, names=None):
    """Probability intervals {q : lower <= q <= upper, sum q = 1}: lower, upper (H, d)."""
    lo, hi = _matrix(lower, "lower"), _matrix(upper, "upper", _matrix(lower, "lower").shape[1])
    if lo.shape != hi.shape:
        raise UsageError(f"intervals: lower {lo.shape} and upper {hi.shape} differ", "EUSAGE", 64)
    rows = np.empty((2 * len(lo), lo.shape[1]))
    rows[0::2], rows[1::2] = lo, hi
    return Family(INTERVALS, rows, None, np.arange(0, 2 * len(lo) + 1, 2, dtype=np.int64), names)


def belief(focal, mass, offsets, names=None):
    """Belief functions: focal sets (F, d) of 0/1 (one row per focal set), their Moebius masses
    (F,), and offsets (H+1,) over the focal sets."""
    f = _matrix(focal, "focal")
    fam = generators(f, offsets, mass)
    return Family(BELIEF, fam.rows, fam.scalars, fam.offsets, names)
