"""Is method A better than method B? A paired Wilcoxon signed-rank test over targets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.errors import InputError

PAIR_ON = ("target", "repeat")


@dataclass(frozen=True)
class Comparison:
    """Outcome of :func:`drugscreen.vs.compare`.

    Attributes
    ----------
    metric, a, b : str
        What was compared.
    n_pairs : int
        Paired values (targets, or target-repeat pairs).
    mean_a, mean_b, median_difference : float
        Means of each method and the median of ``a - b``.
    wins, losses, draws : int
        Pairs where ``a`` is better, worse, equal.
    statistic, p_value : float
        Wilcoxon signed-rank statistic and two-sided p-value (``scipy.stats.wilcoxon``, zero
        differences dropped); ``p_value`` is 1 when every difference is zero.
    effect_size : float
        Matched-pairs rank-biserial correlation in ``[-1, 1]``: the share of the rank sum of
        differences favouring ``a`` minus the share favouring ``b`` (Kerby 2014).
    """

    metric: str
    a: str
    b: str
    n_pairs: int
    mean_a: float
    mean_b: float
    median_difference: float
    wins: int
    losses: int
    draws: int
    statistic: float
    p_value: float
    effect_size: float


def compare(result: Any, a: str, b: str, metric: str = "auroc", pair_on: str = "target") -> Comparison:
    """Paired comparison of two methods of a :class:`~drugscreen.vs.VSResult`.

    Parameters
    ----------
    result : VSResult
        From :func:`drugscreen.vs.evaluate`; both methods saw the same query draws.
    a, b : str
        Method names.
    metric : str
        One of the result's metrics.
    pair_on : {"target", "repeat"}
        ``"target"``: one pair per target, each method's mean over the repeats (the usual test
        across targets). ``"repeat"``: one pair per target and repeat (same queries), for a
        benchmark with a single target.

    Returns
    -------
    Comparison

    References
    ----------
    Wilcoxon, F. Individual comparisons by ranking methods. Biometrics Bull. 1, 80-83 (1945).
    Kerby, D. S. The simple difference formula: an approach to teaching nonparametric
    correlation. Compr. Psychol. 3, 11.IT.3.1 (2014).

    Examples
    --------
    >>> import pandas as pd
    >>> from drugscreen.vs.protocol import VSResult
    >>> runs = pd.DataFrame({"target": ["t1", "t2", "t3"] * 2, "method": ["x"] * 3 + ["y"] * 3,
    ...                      "repeat": 0, "auroc": [0.9, 0.8, 0.7, 0.6, 0.7, 0.5]})
    >>> compare(VSResult(runs, ("auroc",)), "x", "y").effect_size
    1.0
    """
    from scipy.stats import rankdata, wilcoxon

    runs = result.runs
    if metric not in result.metrics:
        raise InputError(f"metric {metric!r} was not computed; the result has {', '.join(result.metrics)}")
    methods = list(dict.fromkeys(runs["method"]))
    for name in (a, b):
        if name not in methods:
            raise InputError(f"no method {name!r} in the result; it has {', '.join(map(str, methods))}")
    if a == b:
        raise InputError("compare needs two different methods")
    if pair_on not in PAIR_ON:
        raise InputError(f"pair_on must be one of {', '.join(PAIR_ON)}, got {pair_on!r}")
    keys = ["target"] if pair_on == "target" else ["target", "repeat"]
    values = (
        runs[runs["method"].isin([a, b])]
        .groupby(keys + ["method"], sort=True)[metric]
        .mean()
        .unstack("method")
    )
    values = values.dropna()
    x, y = values[a].to_numpy(), values[b].to_numpy()
    diff = x - y
    nonzero = diff[diff != 0]
    if len(nonzero):
        test = wilcoxon(x, y, zero_method="wilcox", alternative="two-sided")
        statistic, p_value = float(test.statistic), float(test.pvalue)
        ranks = rankdata(np.abs(nonzero))
        effect = float((ranks[nonzero > 0].sum() - ranks[nonzero < 0].sum()) / ranks.sum())
    else:
        statistic, p_value, effect = 0.0, 1.0, 0.0
    return Comparison(
        metric=metric,
        a=a,
        b=b,
        n_pairs=len(diff),
        mean_a=float(np.mean(x)) if len(x) else float("nan"),
        mean_b=float(np.mean(y)) if len(y) else float("nan"),
        median_difference=float(np.median(diff)) if len(diff) else float("nan"),
        wins=int((diff > 0).sum()),
        losses=int((diff < 0).sum()),
        draws=int((diff == 0).sum()),
        statistic=statistic,
        p_value=p_value,
        effect_size=effect,
    )


def comparison_table(result: Any, metric: str = "auroc", pair_on: str = "target") -> pd.DataFrame:
    """Every pair of methods compared (:func:`drugscreen.vs.compare`), one row per pair."""
    methods = list(dict.fromkeys(result.runs["method"]))
    rows = [
        vars(compare(result, a, b, metric=metric, pair_on=pair_on))
        for i, a in enumerate(methods)
        for b in methods[i + 1 :]
    ]
    return pd.DataFrame(rows)
