"""Figures of a credal result (matplotlib): the figures a user would otherwise write by hand.

    res = credal.read("out.h5")
    credal.plot.intervals(res)             # each policy's [lower, upper] for the class
    credal.plot.intervals(res, hypothesis=2)
    credal.plot.regret(res)                # worst-case, Bayesian and credal regret per policy
    credal.plot.rules(res)                 # which policies each decision rule keeps
    credal.plot.summary(res).savefig("fig.png")

Each function takes a credal.Result or a path, draws into `ax` when given, and returns the
figure. The plotted numbers are the result's own (tests/test_plot.py reads them back)."""
import numpy as np

from .files import Result, read

# the choices of /choice, their markers and labels
CHOICES = (("maximin", "^", "maximin"), ("minimax_regret", "v", "minimax regret"),
           ("bayes", "s", "Bayes"), ("credal", "D", "credal"),
           ("set_minimax_regret", "P", "set minimax regret"))


def _result(res):
    return res if isinstance(res, Result) else read(res)


def _axes(ax, size=(7, 4)):
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    return fig, ax


def _policy_labels(res, P):
    return res.policy_names or [str(p) for p in range(P)]


def _policy_ticks(ax, res, P):
    many = P > 8
    ax.set_xticks(np.arange(P), _policy_labels(res, P), rotation=45 if many else 0,
                  ha="right" if many else "center")


def _mark_choices(ax, res, y_of):
    """A marker above each chosen policy, one per criterion that chose it."""
    for k, (key, marker, label) in enumerate(CHOICES):
        p = res.choice.get(key, -1)
        if p >= 0:  # side by side where several criteria choose one policy
            ax.plot([p + 0.09 * (k - 2)], [y_of(p)], marker=marker, linestyle="none",
                    markersize=7, label=f"{label}: {_policy_labels(res, p + 1)[p]}", zorder=3)


def intervals(res, hypothesis=None, ax=None):
    """Each policy's [lower, upper] expectation: for one hypothesis, or for the class (the least
    lower and the greatest upper over every hypothesis), with the chosen policies marked. Without
    /upper (evaluated without upper=True) the lower expectations alone."""
    res = _result(res)
    fig, ax = _axes(ax)
    if hypothesis is None:
        lo = res["policy/class_lower"] if "policy/class_lower" in res else res.lower.min(axis=0)
        hi = res.upper.max(axis=0) if "upper" in res else None
        where = "the class"
    else:
        lo, hi = res.lower[hypothesis], res.upper[hypothesis] if "upper" in res else None
        names = res.hypothesis_names
        where = f"hypothesis {names[hypothesis] if names else hypothesis}"
    P = len(lo)
    x = np.arange(P)
    if hi is not None:
        ax.vlines(x, lo, hi, linewidth=6, alpha=0.6, label="[lower, upper]")
    ax.plot(x, lo, "_", markersize=16, color="black", label="lower")
    _mark_choices(ax, res, lambda p: (hi if hi is not None else lo)[p])
    _policy_ticks(ax, res, P)
    ax.set_xlabel("policy")
    ax.set_ylabel("expected utility")
    ax.set_title(f"Lower{' and upper' if hi is not None else ''} expectations, {where}")
    ax.legend(fontsize="small", loc="best")
    return fig


def regret(res, ax=None):
    """Per policy: the worst-case regret over the hypotheses, the Bayesian regret (with a prior)
    and the credal regret (with a prior set), as grouped bars; the chosen policies marked."""
    res = _result(res)
    fig, ax = _axes(ax)
    series = [(k, label) for k, label in (("policy/worst_regret", "worst case"),
                                           ("policy/bayes_regret", "Bayesian"),
                                           ("policy/credal_regret", "credal"))
              if k in res]
    P = len(res[series[0][0]])
    x, width = np.arange(P), 0.8 / len(series)
    for i, (key, label) in enumerate(series):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, res[key], width, label=label)
    top = max(float(np.max(res[k])) for k, _ in series)
    _mark_choices(ax, res, lambda p: top * 1.05)
    _policy_ticks(ax, res, P)
    ax.set_xlabel("policy")
    ax.set_ylabel("regret")
    ax.set_title("Regret per policy")
    ax.legend(fontsize="small", loc="best")
    return fig


def rules(res, hypothesis=None, ax=None):
    """Which policies each imprecise decision rule keeps (filled) and rejects (empty), for the
    class or one hypothesis; needs a result evaluated with rules."""
    res = _result(res)
    masks = (res.rules_class if hypothesis is None
             else {k: v[hypothesis] for k, v in res.rules.items()})
    masks = {k: v for k, v in masks.items() if v.dtype == bool}
    if not masks:
        raise ValueError(f"{res.path} has no /rules: evaluate with rules='all'")
    fig, ax = _axes(ax, (7, 0.5 * len(masks) + 1.5))
    names = list(masks)
    grid = np.array([masks[k] for k in names], dtype=float)
    ax.imshow(grid, cmap="Greens", vmin=0, vmax=1.25, aspect="auto")
    P = grid.shape[1]
    _policy_ticks(ax, res, P)
    ax.set_yticks(np.arange(len(names)), [n.replace("_", " ") for n in names])
    where = "the class" if hypothesis is None else f"hypothesis {hypothesis}"
    ax.set_title(f"Policies each rule keeps (dark), {where}")
    return fig


def summary(res):
    """The three figures side by side (the class's intervals, regret, and the rules when the
    result has them): what `python -m credal plot` draws."""
    import matplotlib.pyplot as plt
    res = _result(res)
    has_rules = bool(res.rules_class)
    fig, axes = plt.subplots(1, 3 if has_rules else 2, figsize=(17 if has_rules else 12, 4.5),
                             layout="constrained")
    intervals(res, ax=axes[0])
    regret(res, ax=axes[1])
    if has_rules:
        rules(res, ax=axes[2])
    return fig
