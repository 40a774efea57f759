"""credal.write_batch, credal.evaluate, credal.read and credal.validate: files through
libcredal in this process, against the CLI's files and h5py."""
import _thread
import os
import shutil
import subprocess
import threading

import h5py
import numpy as np
import pytest

import credal

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli():
    for path in (os.environ.get("CREDAL_CLI"), os.path.join(ROOT, "build", "credal"),
                 shutil.which("credal")):
        if path and os.access(path, os.X_OK):
            return path
    pytest.skip("no credal CLI built (build/credal) to compare with")


def mixed(rng, d=4):
    """One family of each kind, with names."""
    gens = credal.generators([rng.dirichlet(np.ones(d), k) for k in (2, 3, 1)],
                             names=["g0", "g1", "g2"])
    tv = credal.tv_balls(rng.dirichlet(np.ones(d), 2), [0.1, 0.3], names=["tv0", "tv1"])
    co = credal.contamination(rng.dirichlet(np.ones(d), 1), 0.2, names=["co0"])
    lo = rng.dirichlet(np.ones(d), 2) * 0.5
    iv = credal.intervals(lo, np.minimum(lo + 0.4, 1.0), names=["iv0", "iv1"])
    be = credal.belief([[1, 0, 0, 0], [0, 1, 1, 1], [1, 1, 1, 1]], [0.6, 0.4, 1.0], [0, 2, 3],
                       names=["be0", "be1"])
    return [gens, tv, co, iv, be]


def test_write_in_any_order_evaluate_read(tmp_path):
    rng = np.random.default_rng(1)
    fams, u = mixed(rng), rng.normal(size=(5, 4))
    H = sum(len(f) for f in fams)
    prior = rng.dirichlet(np.ones(H))
    runs = []
    shuffled = [fams[3], fams[0], fams[4], fams[2], fams[1]]
    for name, given in (("spec", fams), ("shuffled", shuffled)):
        names = [n for f in given for n in f.names]
        p = {n: x for n, x in zip([n for f in fams for n in f.names], prior)}
        path, out = tmp_path / f"{name}.h5", tmp_path / f"{name}-out.h5"
        order = credal.write_batch(path, given, u, prior=[p[n] for n in names],
                                   policy_names=[f"u{i}" for i in range(5)])
        assert [names[i] for i in order] == [n for f in fams for n in f.names]  # SPEC's order
        assert credal.validate(path) == []
        summary = credal.evaluate(path, out, upper=True, rules="all")
        assert summary["hypotheses"] == H and summary["policies"] == 5
        runs.append(credal.read(out))
    a, b = runs
    assert a.hypothesis_names == b.hypothesis_names == [n for f in fams for n in f.names]
    for key in ("lower", "upper", "regret", "policy/worst_regret", "policy/bayes_regret",
                "rules/maximal", "rules/class/e_admissible"):
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert a.choice == b.choice and a.policy_names == [f"u{i}" for i in range(5)]
    # each hypothesis's values equal credal.lower on its own family
    at = 0
    for fam in fams:
        r = credal.lower(fam, utility=u, upper=True)
        np.testing.assert_array_equal(a.lower[at:at + len(fam)], r.lower)
        np.testing.assert_array_equal(a.upper[at:at + len(fam)], r.upper)
        at += len(fam)


def test_same_file_as_the_cli(tmp_path, data):
    out = tmp_path / "py.h5"
    credal.evaluate(os.path.join(data, "example.h5"), out, upper=True, rules="all")
    ref = tmp_path / "cli.h5"
    subprocess.run([cli(), "eval", os.path.join(data, "example.h5"), "-o", str(ref), "--upper",
                    "--rules", "all", "--quiet"], check=True)
    a, b = credal.read(out), credal.read(ref)
    assert sorted(a.data) == sorted(b.data)
    for key in a.data:
        if a[key].dtype.kind == "O" or a[key].dtype.kind == "U":
            assert list(a[key]) == list(b[key])
        else:
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert a.choice == b.choice and a.rules_attrs == b.rules_attrs
    with h5py.File(ref, "r") as f:  # read() holds what h5py reads
        np.testing.assert_array_equal(f["lower"][()], a.lower)
        assert a.attrs["schema"] == "credal-result"
        assert a.choice["maximin"] == f["choice"].attrs["maximin"]


def test_errors_carry_credal_message_and_status(tmp_path, data):
    out = tmp_path / "o.h5"
    with pytest.raises(credal.NoInputError) as e:
        credal.evaluate(tmp_path / "missing.h5", out)
    assert e.value.exit_status == 66 and "missing.h5" in str(e.value)
    credal.evaluate(os.path.join(data, "example.h5"), out)
    with pytest.raises(credal.OutputError, match="exists") as e:
        credal.evaluate(os.path.join(data, "example.h5"), out)
    assert e.value.exit_status == 73
    credal.evaluate(os.path.join(data, "example.h5"), out, force=True)
    bad = tmp_path / "typo.h5"
    shutil.copy(os.path.join(data, "structured.h5"), bad)
    with h5py.File(bad, "a") as f:
        f.move("tv_balls", "tv_ball")
    with pytest.raises(credal.DataError, match="did you mean /tv_balls") as e:
        credal.evaluate(bad, tmp_path / "t.h5")
    assert e.value.exit_status == 65 and not os.path.exists(tmp_path / "t.h5")
    assert any("/tv_ball: unknown name" in p for p in credal.validate(bad))
    with pytest.raises(credal.UsageError, match="backend"):
        credal.evaluate(os.path.join(data, "example.h5"), out, backend="tpu")
    with pytest.raises(credal.UsageError):
        credal.evaluate(os.path.join(data, "example.h5"), out, rules="maximalist")
    with pytest.raises(credal.OutputError):
        credal.write_batch(out, credal.tv_balls([[0.5, 0.5]], 0.1), np.eye(2))
    with pytest.raises(credal.UsageError, match="names"):
        credal.write_batch(tmp_path / "n.h5", credal.tv_balls([[0.5, 0.5]], 0.1), np.eye(2),
                           names=["a", "b"])
    assert not os.path.exists(tmp_path / "n.h5")


def big_input(tmp_path, H=6000):
    rng = np.random.default_rng(2)
    points = rng.dirichlet(np.ones(32), H * 16)
    path = tmp_path / "big.h5"
    credal.write_batch(path, credal.generators(points, np.arange(0, H * 16 + 1, 16)),
                       rng.normal(size=(3000, 32)))
    return path


def test_progress_interrupt_and_resume(tmp_path):
    """Ctrl-C (KeyboardInterrupt in the main thread) stops the run at a chunk, keeps the partial
    and raises credal.Interrupted; resume=True finishes it to an uninterrupted run's results."""
    path, out, full = big_input(tmp_path), tmp_path / "out.h5", tmp_path / "full.h5"
    seen = []
    credal.evaluate(path, full, memory=24 << 20,
                    progress=lambda done, total: seen.append((done, total)))
    assert len(seen) > 3 and seen[-1][0] == seen[-1][1] == 6000
    assert all(a[0] < b[0] for a, b in zip(seen, seen[1:]))
    fired = threading.Event()

    def ctrl_c(done, total):
        if done >= 1000 and not fired.is_set():
            fired.set()
            _thread.interrupt_main()  # as Ctrl-C would, without a signal

    with pytest.raises(credal.Interrupted) as e:
        credal.evaluate(path, out, memory=24 << 20, progress=ctrl_c)
    assert e.value.exit_status == 75 and "--resume" in str(e.value)
    assert os.path.exists(f"{out}.partial") and not os.path.exists(out)
    credal.evaluate(path, out, memory=24 << 20, resume=True)
    np.testing.assert_array_equal(credal.read(out).lower, credal.read(full).lower)
    np.testing.assert_array_equal(credal.read(out)["policy/worst_regret"],
                                  credal.read(full)["policy/worst_regret"])


def test_mdp_results_read(tmp_path, data):
    out = tmp_path / "mdp.h5"
    summary = credal.evaluate(os.path.join(data, "mdp.h5"), out)
    r = credal.read(out)
    assert summary["mdp"] == 1 and r["optimal/value"].shape == (2,)
    assert r.hypothesis_names == ["A narrow", "B wide"] and r.lower.shape == (2, 3)
