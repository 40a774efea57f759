"""credal from Python: lower expectations, decision rules and whole evaluations of credal sets
(imprecise probability, infra-Bayesian decision problems) through libcredal.

    import credal
    r = credal.lower(points, offsets, utility)          # numpy in, numpy out, no file
    credal.write_batch("in.h5", hypotheses=[...], policies=utility)
    credal.evaluate("in.h5", "out.h5", rules="all")
    res = credal.read("out.h5")
    credal.plot.intervals(res)

Errors raise credal.Error subclasses carrying credal's message and exit status."""
from ._errors import (DataError, DeviceError, Error, Interrupted, IOFailure, NoInputError,
                      OutputError, UsageError)
from ._lib import path as library_path
from ._lib import version as __version__
from .compute import RULES, Lower, lower, rules
from .families import belief, contamination, generators, intervals, tv_balls
from .files import Result, evaluate, read, validate, write_batch
from .mdp import MDP, mdp_optimal, mdp_value
from . import plot  # noqa: E402 (matplotlib is imported when a figure is drawn)

__all__ = ["lower", "rules", "Lower", "RULES", "generators", "tv_balls", "contamination",
           "intervals", "belief", "write_batch", "evaluate", "read", "validate", "Result", "plot", "MDP", "mdp_value",
           "mdp_optimal",
           "Error", "UsageError", "DataError", "NoInputError",
           "DeviceError", "OutputError", "IOFailure", "Interrupted", "library_path",
           "__version__"]
