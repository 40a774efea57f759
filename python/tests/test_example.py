"""The README's Python example (python/examples/six_gambles.py) runs and prints the worked
numbers (data/example-expected.md: docs/math.md works them by hand)."""
import os
import subprocess
import sys

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "examples", "six_gambles.py")


def test_readme_example(tmp_path):
    r = subprocess.run([sys.executable, EXAMPLE, str(tmp_path)], capture_output=True, text=True,
                       env={**os.environ, "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "lower, Troffaes's set: [1.12  1.2   2.28  1.25  2.35  0.932]"
    assert "'maximin': 'X5'" in lines[1] and "'bayes': 'X3'" in lines[1]
    assert lines[2] == "maximal, Troffaes's set: ['X1', 'X2', 'X3', 'X5']"
    assert (tmp_path / "six.png").stat().st_size > 10000
