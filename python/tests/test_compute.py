"""credal.lower and credal.rules on numpy arrays, against numpy and against themselves."""
import ctypes
import itertools
import os
import subprocess
import threading
import time

import numpy as np
import pytest

import credal
from credal import _lib


def random_batch(rng, H, K, d, P):
    sizes = rng.integers(1, 2 * K, H)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    points = rng.dirichlet(np.ones(d), offsets[-1])
    return points, offsets, rng.normal(size=(P, d))


def numpy_lower(points, offsets, utility):
    values = points @ utility.T  # (K, P)
    lo = np.stack([values[a:b].min(axis=0) for a, b in zip(offsets[:-1], offsets[1:])])
    hi = np.stack([values[a:b].max(axis=0) for a, b in zip(offsets[:-1], offsets[1:])])
    return lo, hi


@pytest.mark.parametrize("H,K,d,P", [(1, 1, 1, 1), (7, 3, 5, 4), (50, 9, 17, 33), (200, 4, 64, 8)])
@pytest.mark.parametrize("backend", ["reference", "cpu", "auto"])
def test_lower_matches_numpy(H, K, d, P, backend):
    rng = np.random.default_rng(H * 1000 + d)
    points, offsets, utility = random_batch(rng, H, K, d, P)
    r = credal.lower(points, offsets, utility, backend=backend, upper=True)
    lo, hi = numpy_lower(points, offsets, utility)
    assert r.lower.shape == (H, P) and r.argmin.dtype == np.int32
    np.testing.assert_allclose(r.lower, lo, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r.upper, hi, rtol=1e-12, atol=1e-12)
    for h in range(H):  # the argmin's generator attains the minimum
        rows = points[offsets[h] + r.argmin[h]]
        np.testing.assert_allclose(np.einsum("pd,pd->p", rows, utility), r.lower[h], rtol=1e-12,
                                   atol=1e-12)


def test_list_of_sets_and_constants():
    sets = [np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([[0.5, 0.5]])]
    u = np.array([[1.0, 0.0], [0.0, 2.0]])
    r = credal.lower(sets, utility=u, constants=[0.0, 1.0, -1.0])
    np.testing.assert_array_equal(r.lower, [[0.2, 1.6], [-0.5, 0.0]])  # + constants
    assert r.upper is None and r.argmax is None


def test_backends_agree_and_f32():
    rng = np.random.default_rng(3)
    points, offsets, utility = random_batch(rng, 30, 6, 12, 10)
    ref = credal.lower(points, offsets, utility, backend="reference")
    cpu = credal.lower(points, offsets, utility, backend="cpu")
    np.testing.assert_allclose(cpu.lower, ref.lower, rtol=1e-13, atol=1e-13)
    f32 = credal.lower(points, offsets, utility, backend="cpu", precision="f32")
    np.testing.assert_allclose(f32.lower, ref.lower, rtol=1e-5, atol=1e-5)


def test_structured_families_match_their_vertices():
    """A TV ball, a contamination and intervals against the same sets given by vertices."""
    c, u = np.array([0.5, 0.3, 0.2]), np.array([[1.0, 2.0, 3.0], [3.0, 0.0, 1.0]])
    # TV ball of radius 0.1 around c: moving 0.1 between two outcomes (6 vertices)
    tv = [c + 0.1 * (np.eye(3)[i] - np.eye(3)[j]) for i in range(3) for j in range(3) if i != j]
    # 0.2-contamination: (1 - e) c + e * vertex
    co = [0.8 * c + 0.2 * np.eye(3)[i] for i in range(3)]
    got_tv = credal.lower(credal.tv_balls([c], 0.1), utility=u, upper=True)
    got_co = credal.lower(credal.contamination([c], 0.2), utility=u, upper=True)
    for got, verts in ((got_tv, tv), (got_co, co)):
        vals = np.array(verts) @ u.T
        np.testing.assert_allclose(got.lower[0], vals.min(axis=0), atol=1e-14)
        np.testing.assert_allclose(got.upper[0], vals.max(axis=0), atol=1e-14)
        assert (got.argmin == -1).all()
    lo, hi = np.array([[0.1, 0.2, 0.3]]), np.array([[0.6, 0.5, 0.4]])
    iv = credal.lower(credal.intervals(lo, hi), utility=u)
    # intervals by the greedy fill in every order (the set's vertices)
    verts = []
    for order in itertools.permutations(range(3)):
        p, free = lo[0].copy(), 1 - lo[0].sum()
        for i in order:
            add = min(hi[0][i] - lo[0][i], free)
            p[i] += add
            free -= add
        verts.append(p)
    np.testing.assert_allclose(iv.lower[0], (np.array(verts) @ u.T).min(axis=0), atol=1e-14)


def test_zero_copy():
    rng = np.random.default_rng(5)
    points, offsets, utility = random_batch(rng, 10, 4, 8, 3)
    fam = credal.generators(points, offsets)
    assert np.shares_memory(fam.rows, points) and np.shares_memory(fam.offsets, offsets)
    # a Fortran-ordered or float32 array is copied, not misread
    r1 = credal.lower(np.asfortranarray(points), offsets, utility)
    r2 = credal.lower(points.astype(np.float32), offsets, utility)
    np.testing.assert_array_equal(r1.lower, credal.lower(points, offsets, utility).lower)
    assert r2.lower.shape == (10, 3)


@pytest.mark.parametrize("bad,words", [
    (dict(offsets=[0, 3]), "offsets"),
    (dict(offsets=[0, 1, 1, 2]), "strictly increasing"),
    (dict(utility=np.ones((2, 3))), "columns"),
    (dict(backend="tpu"), "backend"),
    (dict(precision="f16"), "precision"),
])
def test_usage_errors(bad, words):
    args = dict(points=np.array([[0.2, 0.8], [0.6, 0.4]]), offsets=[0, 1, 2],
                utility=np.eye(2))
    kw = {k: bad.pop(k) for k in ("backend", "precision") if k in bad}
    args.update(bad)
    with pytest.raises(credal.UsageError, match=words) as e:
        credal.lower(args["points"], args["offsets"], args["utility"], **kw)
    assert e.value.exit_status == 64 and e.value.status == "EUSAGE"


def test_non_finite_is_an_error():
    with pytest.raises(credal.DataError, match=r"lower\[0, 0\] = nan is not finite") as e:
        credal.lower(np.array([[np.nan, 1.0]]), [0, 1], np.eye(2))
    assert e.value.exit_status == 65


def test_rules_in_memory():
    pts = np.array([[0.2, 0.8], [0.6, 0.4]])
    u = np.array([[1.0, 0.0], [0.0, 2.0], [0.1, 0.1]])
    r = credal.rules(pts, [0, 2], u)
    assert set(r) == set(credal.RULES) | {"set_regret"}
    assert r["maximal"].tolist() == [[False, True, False]]
    np.testing.assert_allclose(r["set_regret"], [[1.4, 0.0, 1.5]], atol=1e-15)
    assert set(credal.rules(pts, [0, 2], u, which=["maximal"])) == {"maximal"}
    with pytest.raises(credal.UsageError, match="maximalist"):
        credal.rules(pts, [0, 2], u, which="maximalist")


def test_the_gil_is_released():
    """Another thread runs while libcredal computes."""
    rng = np.random.default_rng(9)
    points, offsets, utility = random_batch(rng, 3000, 40, 64, 64)
    ticks, done = [0], threading.Event()

    def count():
        while not done.is_set():
            ticks[0] += 1

    t = threading.Thread(target=count)
    t.start()
    start = time.perf_counter()
    credal.lower(points, offsets, utility, backend="reference")
    elapsed = time.perf_counter() - start
    done.set()
    t.join()
    assert elapsed > 0.05 and ticks[0] > 1000, (elapsed, ticks[0])


def test_bindings_match_credal_h(tmp_path):
    """The ctypes structures have the C layout (sizes and offsets from a compiled program)."""
    header = os.path.join(os.path.dirname(__file__), "..", "..", "include")
    src = tmp_path / "layout.c"
    fields = {"credal_batch_f64": _lib.Batch, "credal_eval_options": _lib.EvalOptions,
              "credal_eval_summary": _lib.EvalSummary}
    lines = ["#include <stddef.h>", "#include <stdio.h>", '#include "credal.h"', "int main(void) {"]
    for c_name, py in fields.items():
        lines.append(f'printf("{c_name} %zu\\n", sizeof({c_name}));')
        for name, _ in py._fields_:
            lines.append(f'printf("{c_name}.{name} %zu\\n", offsetof({c_name}, {name}));')
    src.write_text("\n".join(lines + ["return 0; }"]))
    exe = tmp_path / "layout"
    subprocess.run(["cc", "-I", header, str(src), "-o", str(exe)], check=True)
    printed = subprocess.check_output([str(exe)], text=True).splitlines()
    out = dict(line.rsplit(" ", 1) for line in printed)
    for c_name, py in fields.items():
        assert int(out[c_name]) == ctypes.sizeof(py), c_name
        for name, _ in py._fields_:
            assert int(out[f"{c_name}.{name}"]) == getattr(py, name).offset, f"{c_name}.{name}"
