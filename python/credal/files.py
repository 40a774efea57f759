"""credal-batch inputs written from numpy (write_batch), files evaluated by libcredal in this
process (evaluate, validate), and results read back into numpy (read)."""
import ctypes as C
import os
import threading

import h5py
import numpy as np

from . import _lib
from ._errors import OutputError, UsageError
from .compute import BACKENDS
from .families import BELIEF, GENERATORS, INTERVALS, NAMES, Family, _matrix

KINDS = ("distribution", "measure", "payoff")
_GROUPS = {1: ("tv_balls", "centers", "radius"), 2: ("contamination", "centers", "epsilon")}


def _dataset(group, name, data, dtype):
    return group.create_dataset(name, data=np.asarray(data, dtype=dtype), track_times=False)


def _merge(parts):
    """Families of one kind, in the order given, as one: rows, scalars, offsets."""
    rows = np.concatenate([p.rows for p in parts])
    scalars = None
    if any(p.scalars is not None for p in parts):
        scalars = np.concatenate([p.scalars if p.scalars is not None else np.zeros(len(p.rows))
                                  for p in parts])
    offsets, base = [np.zeros(1, dtype=np.int64)], 0
    for p in parts:
        offsets.append(p.offsets[1:] + base)
        base += len(p.rows)
    return rows, scalars, np.concatenate(offsets)


def write_batch(path, hypotheses, policies, *, prior=None, prior_set=None, names=None,
                policy_names=None, kind="distribution", tolerance=None, overwrite=False):
    """Writes a credal-batch v1 file (docs/schema.md) and returns `order`: file hypothesis i is
    hypothesis order[i] of those given.

    hypotheses: a family (credal.generators, tv_balls, contamination, intervals, belief) or a
    list of them in any order; the file keeps SPEC's family order, and prior (H,), prior_set
    (Q, H) and names (H,), given in your order, are reordered with the hypotheses (names default
    to the families' own). policies: utility (P, d). The file is written beside the path and
    renamed into place: never half written; an existing path needs overwrite=True."""
    fams = [hypotheses] if isinstance(hypotheses, Family) else list(hypotheses)
    if not fams or not all(isinstance(f, Family) for f in fams):
        raise UsageError("hypotheses: a credal family (credal.generators(...), credal.tv_balls"
                         "(...), ...) or a list of them", "EUSAGE", 64)
    d = fams[0].dim
    for f in fams:
        if f.dim != d:
            raise UsageError(f"{NAMES[f.family]}: d = {f.dim}, but the first family has d = {d}",
                             "EUSAGE", 64)
    u = _matrix(policies, "policies (utility)", d)
    if kind not in KINDS:
        raise UsageError(f"kind {kind!r}: expected one of {', '.join(KINDS)}", "EUSAGE", 64)
    starts = np.cumsum([0] + [len(f) for f in fams])
    H = int(starts[-1])
    if names is None and all(f.names is not None for f in fams):
        names = [n for f in fams for n in f.names]
    for what, x, n in (("prior", prior, H), ("names", names, H),
                       ("policy_names", policy_names, len(u))):
        if x is not None and len(x) != n:
            of = "policies" if what == "policy_names" else "hypotheses"
            raise UsageError(f"{what}: {len(x)} entries for {n} {of}", "EUSAGE", 64)
    if prior_set is not None and np.shape(prior_set)[-1] != H:
        raise UsageError(f"prior_set: shape {np.shape(prior_set)}, expected (Q, {H})", "EUSAGE", 64)
    order = np.concatenate([np.arange(starts[i], starts[i + 1])
                            for fam in range(5) for i, f in enumerate(fams) if f.family == fam])
    if os.path.exists(path) and not overwrite:
        raise OutputError(f"{path} exists; pass overwrite=True to replace it", "EEXIST", 73)
    tmp = f"{path}.partial"
    strings = h5py.string_dtype("utf-8")
    try:
        with h5py.File(tmp, "w", libver="earliest") as f:
            f.attrs["schema"], f.attrs["version"] = "credal-batch", np.int64(1)
            hyp = f.create_group("hypotheses", track_order=False)
            gens = [x for x in fams if x.family == GENERATORS]
            if gens:
                rows, scalars, offsets = _merge(gens)
                hyp.attrs["kind"] = kind
                _dataset(hyp, "points", rows, np.float64)
                _dataset(hyp, "offsets", offsets, np.int64)
                if scalars is not None:
                    _dataset(hyp, "constants", scalars, np.float64)
            if tolerance is not None:
                hyp.attrs["tolerance"] = float(tolerance)
            if prior is not None:
                _dataset(hyp, "prior", np.asarray(prior, dtype=np.float64)[order], np.float64)
            if prior_set is not None:
                _dataset(hyp, "prior_set", np.asarray(prior_set, dtype=np.float64)[:, order],
                         np.float64)
            if names is not None:
                _dataset(hyp, "names", [str(names[i]) for i in order], strings)
            for fam in range(1, 5):
                parts = [x for x in fams if x.family == fam]
                if not parts:
                    continue
                rows, scalars, offsets = _merge(parts)
                if fam in _GROUPS:
                    group, first, second = _GROUPS[fam]
                    g = f.create_group(group)
                    _dataset(g, first, rows, np.float64)
                    _dataset(g, second, scalars, np.float64)
                elif fam == INTERVALS:
                    g = f.create_group("intervals")
                    _dataset(g, "lower", rows[0::2], np.float64)
                    _dataset(g, "upper", rows[1::2], np.float64)
                elif fam == BELIEF:
                    g = f.create_group("belief")
                    _dataset(g, "focal", rows, np.uint8)
                    _dataset(g, "mass", scalars, np.float64)
                    _dataset(g, "offsets", offsets, np.int64)
            pol = f.create_group("policies")
            _dataset(pol, "utility", u, np.float64)
            if policy_names is not None:
                _dataset(pol, "names", [str(n) for n in policy_names], strings)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return order


class Result:
    """A credal-result file in numpy: every dataset by its path (result["policy/worst_regret"])
    and as attributes for the common ones; attrs (the root's), choice (policy indices),
    policy_names, hypothesis_names; rules and rules_class: {rule: bool mask}."""

    def __init__(self, path):
        self.path, self.data = path, {}
        with h5py.File(path, "r") as f:
            self.attrs = {k: _plain(v) for k, v in f.attrs.items()}
            self.choice = {k: int(v) for k, v in f["choice"].attrs.items()} if "choice" in f else {}
            self.rules_attrs = ({k: _plain(v) for k, v in f["rules"].attrs.items()}
                                if "rules" in f else {})
            f.visititems(self._keep)
        self.policy_names = self._names("names/policies")
        self.hypothesis_names = self._names("names/hypotheses")
        masks = lambda prefix: {k[len(prefix):]: (v.astype(bool) if v.dtype == np.uint8 else v)
                                for k, v in self.data.items()
                                if k.startswith(prefix) and "/" not in k[len(prefix):]}
        self.rules, self.rules_class = masks("rules/"), masks("rules/class/")

    def _keep(self, name, obj):
        if isinstance(obj, h5py.Dataset):
            self.data[name] = obj.asstr()[()] if h5py.check_string_dtype(obj.dtype) else obj[()]

    def _names(self, key):
        return [str(x) for x in self.data[key]] if key in self.data else None

    def __getitem__(self, key):
        return self.data[key]

    def __contains__(self, key):
        return key in self.data

    def __getattr__(self, name):
        key = name.replace("__", "/")
        if name != "data" and key in self.__dict__.get("data", {}):
            return self.data[key]
        raise AttributeError(f"{self.path} has no dataset {key!r}")

    def __repr__(self):
        return f"credal.Result({self.path!r}: {', '.join(sorted(self.data))})"


def _plain(v):
    if isinstance(v, bytes):
        return v.decode()
    return v.item() if isinstance(v, np.generic) else v


def read(path):
    """A credal-result file (credal.evaluate's or the CLI's output) as a credal.Result."""
    return Result(path)


_OUTPUTS = {"all": 0, "policy": 1}
# One file run at a time per process: libcredal reads a file's structure first in a forked
# child (a hostile file that crashes HDF5 crashes the child, not this process), and a fork
# while another thread is inside HDF5 could leave the child waiting on a lock for ever.
_files = threading.Lock()


def evaluate(input, output, *, backend="auto", precision="f64", upper=False, rules=None,
             hurwicz=0.5, memory=None, threads=0, io_threads=0, device=0, compression=None,
             outputs="all", force=False, resume=False, allow_unknown=False, progress=None,
             warn=None):
    """credal eval INPUT -o OUTPUT in this process (the same file as the CLI's). rules: "all" or
    a list of rule names; memory: bytes; progress(done, total) after every chunk; warn(message)
    for what the CLI would print as a warning. Ctrl-C stops the run at the next chunk, keeps
    OUTPUT.partial and raises credal.Interrupted (resume=True continues it). Returns a dict of
    the run's summary (choices, sizes, backend, elapsed seconds)."""
    o = _lib.EvalOptions()
    _lib.eval_options_init(C.byref(o))
    if backend not in BACKENDS:
        raise UsageError(f"backend {backend!r}: expected one of {', '.join(BACKENDS)}", "EUSAGE",
                         64)
    if outputs not in _OUTPUTS:
        raise UsageError(f"outputs {outputs!r}: expected 'all' or 'policy'", "EUSAGE", 64)
    o.backend, o.precision_f32, o.upper = BACKENDS[backend], precision == "f32", bool(upper)
    o.memory_bytes, o.threads, o.io_threads = int(memory or 0), threads, io_threads
    o.device = device
    o.force, o.resume, o.allow_unknown, o.outputs = force, resume, allow_unknown, _OUTPUTS[outputs]
    o.compression = compression.encode() if compression else None
    if rules:
        flags = C.c_uint()
        text = rules if isinstance(rules, str) else ",".join(rules)
        _lib.check(_lib.rules_parse(text.encode(), C.byref(flags)))
        o.rules, o.hurwicz = flags.value, float(hurwicz)
    stop = C.c_int(0)
    o.interrupt = C.pointer(stop)
    callbacks = []  # kept alive for the call
    if progress is not None:
        callbacks.append(_lib.PROGRESS(lambda ctx, done, total: progress(done, total)))
        o.progress = callbacks[-1]
    if warn is not None:
        callbacks.append(_lib.REPORT(lambda ctx, status, message: warn(message.decode())))
        o.warn = callbacks[-1]
    summary, failure = _lib.EvalSummary(), []

    finished = threading.Event()

    def run():  # libcredal's last error is per thread: taken here
        try:
            status = _lib.evaluate(os.fsencode(input), os.fsencode(output), C.byref(o),
                                   C.byref(summary))
            failure.append(_lib.error_of(status) if status else None)
        except BaseException as e:  # raised in the caller's thread below
            failure.append(e)
        finally:
            finished.set()

    with _files:
        threading.Thread(target=run, name="credal.evaluate", daemon=True).start()
        _wait(finished, stop)
    if failure[0]:
        raise failure[0]
    return _summary(summary)


def _wait(finished, stop):
    # the main thread waits where Ctrl-C can reach it (on an Event: a join that Ctrl-C breaks
    # can leave the thread marked as finished while it runs)
    while not finished.is_set():
        try:
            finished.wait(0.1)
        except KeyboardInterrupt:
            stop.value = 1


def _summary(s):
    out = {name: getattr(s, name) for name, _ in s._fields_}
    for name in ("backend", "device", "precision"):
        out[name] = out[name].decode()
    out["class_kept"] = list(out["class_kept"])
    return out


def validate(path, *, max_reported=20):
    """credal validate: the list of problems credal finds in a file ([] when it is valid)."""
    problems, count = [], C.c_int64(0)
    report = _lib.REPORT(lambda ctx, status, message: problems.append(message.decode()))
    with _files:
        status = _lib.validate(os.fsencode(path), report, None, max_reported, C.byref(count))
    if status and not problems:
        _lib.check(status)
    if count.value > len(problems):
        problems.append(f"... and {count.value - len(problems)} more")
    return problems
