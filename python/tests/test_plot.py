"""credal.plot and `python -m credal plot`: the figures are drawn from the result's numbers
(read back from the artists, not compared as pixels)."""
import os
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import credal  # noqa: E402


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    data = os.path.join(os.path.dirname(__file__), "..", "..", "data")
    out = tmp_path_factory.mktemp("plot") / "example.h5"
    credal.evaluate(os.path.join(data, "example.h5"), out, upper=True, rules="all")
    return credal.read(out)


def segments(ax):
    (lines,) = [c for c in ax.collections if hasattr(c, "get_segments")]
    return np.array(lines.get_segments())  # (P, 2, 2): (x, lower), (x, upper)


def test_intervals_for_the_class_and_one_hypothesis(result):
    fig = credal.plot.intervals(result)
    seg = segments(fig.axes[0])
    np.testing.assert_array_equal(seg[:, 0, 1], result["policy/class_lower"])
    np.testing.assert_array_equal(seg[:, 1, 1], result.upper.max(axis=0))
    np.testing.assert_array_equal(seg[:, 0, 0], np.arange(6))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"maximin: {result.policy_names[result.choice['maximin']]}" in labels
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == result.policy_names
    fig = credal.plot.intervals(result, hypothesis=2)
    seg = segments(fig.axes[0])
    np.testing.assert_array_equal(seg[:, 0, 1], result.lower[2])
    np.testing.assert_array_equal(seg[:, 1, 1], result.upper[2])
    assert result.hypothesis_names[2] in fig.axes[0].get_title()


def test_regret_bars(result):
    fig = credal.plot.regret(result)
    bars = fig.axes[0].containers
    assert [b.get_label() for b in bars] == ["worst case", "Bayesian", "credal"]
    for b, key in zip(bars, ("policy/worst_regret", "policy/bayes_regret", "policy/credal_regret")):
        np.testing.assert_array_equal([r.get_height() for r in b], result[key])


def test_rules_grid(result):
    fig = credal.plot.rules(result)
    grid = fig.axes[0].images[0].get_array()
    names = [t.get_text().replace(" ", "_") for t in fig.axes[0].get_yticklabels()]
    for row, name in zip(grid, names):
        np.testing.assert_array_equal(row.astype(bool), result.rules_class[name])
    fig = credal.plot.rules(result, hypothesis=1)
    grid = fig.axes[0].images[0].get_array()
    np.testing.assert_array_equal(grid[names.index("maximal")].astype(bool),
                                  result.rules["maximal"][1])


def test_rules_need_rules(tmp_path):
    data = os.path.join(os.path.dirname(__file__), "..", "..", "data")
    credal.evaluate(os.path.join(data, "example.h5"), tmp_path / "plain.h5")
    with pytest.raises(ValueError, match="rules"):
        credal.plot.rules(tmp_path / "plain.h5")
    fig = credal.plot.intervals(tmp_path / "plain.h5")  # no upper: the lower values alone
    assert not [c for c in fig.axes[0].collections if hasattr(c, "get_segments")]


@pytest.mark.parametrize("name", ["fig.png", "fig.svg", "fig.pdf"])
def test_command_line(result, tmp_path, name):
    out = tmp_path / name
    r = subprocess.run([sys.executable, "-m", "credal", "plot", result.path, "-o", str(out)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 1000
    head = out.read_bytes()[:8]
    assert head.startswith({"fig.png": b"\x89PNG", "fig.svg": b"<?xml", "fig.pdf": b"%PDF"}[name])
    r = subprocess.run([sys.executable, "-m", "credal", "plot", str(tmp_path / "none.h5"), "-o",
                        str(out)], capture_output=True, text=True)
    assert r.returncode != 0 and "none.h5" in r.stderr
