"""libcredal through ctypes: finding the library, the C structures and the prototypes.

ctypes releases the GIL for the length of every call into a CDLL, so long calls let other
Python threads run; the progress callback takes it back while it runs."""
import ctypes as C
import ctypes.util
import os

from . import _errors


def _find():
    """The library: $CREDAL_LIBRARY, the copy installed with the package, or the system's."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_lib")
    candidates = [os.environ.get("CREDAL_LIBRARY"),
                  os.path.join(here, "libcredal.so.0"), ctypes.util.find_library("credal")]
    tried = []
    for path in candidates:
        if not path:
            continue
        try:
            return C.CDLL(path), path
        except OSError as e:
            tried.append(f"{path}: {e}")
    raise ImportError("cannot load libcredal (set CREDAL_LIBRARY to its path, or reinstall with "
                      "`pip install ./python`): " + ("; ".join(tried) or "not found"))


lib, path = _find()

REPORT = C.CFUNCTYPE(None, C.c_void_p, C.c_int, C.c_char_p)
PROGRESS = C.CFUNCTYPE(None, C.c_void_p, C.c_int64, C.c_int64)
RULE_COUNT = 6


class Batch(C.Structure):
    _fields_ = [("hypotheses", C.c_int64), ("dim", C.c_int64), ("policies", C.c_int64),
                ("offsets", C.c_void_p), ("points", C.c_void_p), ("constants", C.c_void_p),
                ("utility", C.c_void_p)]


class EvalOptions(C.Structure):
    _fields_ = [("backend", C.c_int), ("precision_f32", C.c_int), ("upper", C.c_int),
                ("memory_bytes", C.c_uint64), ("threads", C.c_int), ("device", C.c_int),
                ("force", C.c_int), ("resume", C.c_int), ("compression", C.c_char_p),
                ("io_threads", C.c_int), ("rules", C.c_uint), ("hurwicz", C.c_double),
                ("progress", PROGRESS), ("progress_ctx", C.c_void_p),
                ("interrupt", C.POINTER(C.c_int)), ("allow_unknown", C.c_int),
                ("warn", REPORT), ("warn_ctx", C.c_void_p), ("outputs", C.c_int)]


class EvalSummary(C.Structure):
    _fields_ = [("backend", C.c_char * 32), ("device", C.c_char * 128),
                ("precision", C.c_char * 8), ("hypotheses", C.c_int64),
                ("generators", C.c_int64), ("dim", C.c_int64), ("policies", C.c_int64),
                ("prior_set_size", C.c_int64), ("chunks", C.c_int64),
                ("chunk_rows_max", C.c_int64), ("elapsed_seconds", C.c_double),
                ("maximin", C.c_int64), ("minimax_regret", C.c_int64), ("bayes", C.c_int64),
                ("credal", C.c_int64), ("maximin_value", C.c_double),
                ("minimax_regret_value", C.c_double), ("bayes_value", C.c_double),
                ("credal_value", C.c_double), ("set_minimax_regret", C.c_int64),
                ("set_minimax_regret_value", C.c_double),
                ("class_kept", C.c_int64 * RULE_COUNT), ("mdp", C.c_int), ("states", C.c_int64),
                ("choices", C.c_int64), ("transitions", C.c_int64)]


def _proto(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype, f.argtypes = restype, list(argtypes)
    return f


version = _proto("credal_version", C.c_char_p)().decode()
last_error = _proto("credal_last_error", C.c_char_p)
exit_code = _proto("credal_exit_code", C.c_int, C.c_int)
strerror = _proto("credal_strerror", C.c_char_p, C.c_int)
_p = C.c_void_p
lower_f64 = _proto("credal_lower_f64", C.c_int, C.c_int, C.POINTER(Batch), _p, _p, _p, _p)
lower_f32 = _proto("credal_lower_f32", C.c_int, C.c_int, C.POINTER(Batch), _p, _p, _p, _p)
family_lower_f64 = _proto("credal_family_lower_f64", C.c_int, C.c_int, C.c_int, C.POINTER(Batch),
                          _p, _p, _p, _p)
rules_f64 = _proto("credal_rules_f64", C.c_int, C.c_int, C.POINTER(Batch), C.c_uint, C.c_double,
                   _p, _p)
rules_parse = _proto("credal_rules_parse", C.c_int, C.c_char_p, C.POINTER(C.c_uint))
eval_options_init = _proto("credal_eval_options_init", None, C.POINTER(EvalOptions))
evaluate = _proto("credal_eval", C.c_int, C.c_char_p, C.c_char_p, C.POINTER(EvalOptions),
                  C.POINTER(EvalSummary))
validate = _proto("credal_validate", C.c_int, C.c_char_p, REPORT, C.c_void_p, C.c_int64,
                  C.POINTER(C.c_int64))


def error_of(status):
    """The credal.Error subclass of a failed status with this thread's libcredal message."""
    return _errors.from_status(status, last_error().decode(errors="replace"), exit_code(status))


def check(status):
    """Raises error_of(status) when the call failed."""
    if status:
        raise error_of(status)
