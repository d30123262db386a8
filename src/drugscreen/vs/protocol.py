"""Retrospective ligand-based virtual screening: how early does a method rank the actives?

Per target, ``n_queries`` actives are drawn at random (seeded, ``repeats`` times); every other
molecule of the target is scored by the fused similarity to the queries (or by any scorer),
the queries are left out, and the ranking is scored with AUROC, BEDROC, enrichment factors.
Every method sees the same draws, so methods can be compared pair by pair
(:func:`drugscreen.vs.compare`).
"""

from __future__ import annotations

import logging
import numbers
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.chem.multispec import fingerprint_specs
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import InputError
from drugscreen.similarity.matrix import bulk_similarity
from drugscreen.validate import check_number
from drugscreen.vs.data import load_benchmark
from drugscreen.vs.metrics import TIES, ranked_bedroc, ranked_enrichment, ranked_labels, ranked_rie

logger = logging.getLogger("drugscreen")

#: The six fingerprint kinds compared by default (2048 bits, Morgan radius 2 = ECFP4 / FCFP4).
DEFAULT_METHODS: dict[str, FingerprintSpec] = {
    "ecfp4": FingerprintSpec("morgan", radius=2, nbits=2048),
    "fcfp4": FingerprintSpec("feature-morgan", radius=2, nbits=2048),
    "rdkit": FingerprintSpec("rdkit", nbits=2048),
    "atom-pair": FingerprintSpec("atom-pair", nbits=2048),
    "torsion": FingerprintSpec("torsion", nbits=2048),
    "maccs": FingerprintSpec("maccs"),
}
DEFAULT_METRICS = ("auroc", "bedroc", "ef1", "ef5")
FUSIONS = ("max", "mean")
#: Scores of one block of repeats are held at once: at most this many float64 values.
_BLOCK_VALUES = 1 << 24

Scorer = Callable[[pd.DataFrame, pd.DataFrame], Any]


@dataclass
class _Method:
    name: str
    spec: FingerprintSpec | None = None
    metric: str = "tanimoto"
    column: str | None = None
    scorer: Scorer | None = None


@dataclass
class VSResult:
    """Outcome of :func:`drugscreen.vs.evaluate`.

    Attributes
    ----------
    runs : pandas.DataFrame
        One row per target, method and repeat: ``target, method, repeat, queries`` (the query
        ids, ``;``-joined), ``n_actives, n_inactives`` (ranked, queries left out) and one column
        per metric.
    skipped : dict
        Targets left out and why (too few actives, no inactives).
    scores : dict
        With ``keep_scores=True``: ``(target, method) -> (scores[repeats, molecules], labels,
        query_mask[repeats, molecules])`` for plots.
    """

    runs: pd.DataFrame
    metrics: tuple[str, ...]
    skipped: dict[str, str] = field(default_factory=dict)
    scores: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)

    def per_target(self) -> pd.DataFrame:
        """Mean and standard deviation over repeats, per target and method."""
        grouped = self.runs.groupby(["target", "method"], sort=False)[list(self.metrics)]
        return grouped.agg(["mean", "std"])

    def summary(self) -> pd.DataFrame:
        """Per method: the mean over targets of each target's mean (every target counts once)."""
        means = self.runs.groupby(["method", "target"], sort=False)[list(self.metrics)].mean()
        out = means.groupby(level="method", sort=False).mean()
        out.insert(0, "targets", means.groupby(level="method", sort=False).size())
        return out

    def compare(self, a: str, b: str, metric: str = "auroc", pair_on: str = "target") -> Any:
        """Paired Wilcoxon test of method ``a`` against ``b``: see :func:`drugscreen.vs.compare`."""
        from drugscreen.vs.compare import compare

        return compare(self, a, b, metric=metric, pair_on=pair_on)


def evaluate(
    data: Any,
    methods: Mapping[str, Any] | Sequence[Any] | None = None,
    *,
    n_queries: int = 5,
    repeats: int = 50,
    fusion: str = "max",
    metrics: Sequence[str] = DEFAULT_METRICS,
    seed: int = 0,
    ties: str = "stable",
    keep_scores: bool = False,
    n_jobs: int | None = -1,
    progress: bool = False,
    **columns: Any,
) -> VSResult:
    """Run the retrospective ligand-based screening protocol on every target.

    Parameters
    ----------
    data : DataFrame, path or folder
        ``target, smiles, active`` (and optionally ``id``) as read by
        :func:`drugscreen.vs.load_benchmark`; ``columns`` (``target_column=``,
        ``smiles_column=``, ``active_column=``, ``id_column=``) name other columns.
    methods : mapping of name to method, or a sequence of methods
        A method is a :class:`~drugscreen.FingerprintSpec` (Tanimoto similarity), a
        ``(FingerprintSpec, metric)`` pair (``"dice"``, ``"cosine"``, ...), the name of a
        column of ``data`` holding precomputed scores (a model's predictions), or a callable
        ``scorer(queries, molecules) -> scores`` given the target's query rows and all its rows
        as DataFrames (without the ``active`` column). Default: the six fingerprint kinds of
        ``ds.vs.DEFAULT_METHODS``.
    n_queries : int
        Actives drawn as queries per repeat.
    repeats : int
        Draws per target.
    fusion : {"max", "mean"}
        How the similarities to the queries become one score (group fusion).
    metrics : sequence of str
        ``"auroc"``, ``"bedroc"`` (alpha 20), ``"bedroc<alpha>"``, ``"rie"``, ``"ef<percent>"``
        (``"ef1"`` is the enrichment factor at 1 %).
    seed : int
        Seeds the draws and the order of each target's molecules: they depend only on the
        seed, the target's name and its molecules (not on the input's row order, other
        targets or the methods).
    ties : {"stable", "pessimistic", "optimistic"}
        Order of equal scores in the ranking (see :func:`drugscreen.vs.auroc`). ``"stable"``
        is the seeded random order of the molecules, so ties favour neither actives nor
        inactives.
    keep_scores : bool
        Keep every ranking's scores in ``result.scores`` (for ROC plots).
    n_jobs : int
        Processes for fingerprinting and threads for the similarity kernels.
    progress : bool
        Show progress bars (fingerprinting, targets).

    Returns
    -------
    VSResult

    Notes
    -----
    Molecules whose SMILES do not parse are left out for every method (so that all methods
    rank the same molecules) and counted in the log. A target needs more than ``n_queries``
    actives and at least one inactive; others are listed in ``result.skipped``. The
    similarities of all queries of a block of repeats are computed in one call of the
    similarity kernel and fused with NumPy, not per query.

    Examples
    --------
    >>> import pandas as pd
    >>> import drugscreen as ds
    >>> table = pd.DataFrame({
    ...     "smiles": ["CCO", "CCCO", "CCCCO", "CCCCCO", "c1ccccc1", "c1ccncc1", "CC(=O)O", "CCN"],
    ...     "active": [1, 1, 1, 1, 0, 0, 0, 0]})
    >>> result = ds.vs.evaluate(table, {"ecfp4": ds.FingerprintSpec()}, n_queries=2, repeats=3)
    >>> result.runs[["repeat", "auroc"]].values.tolist()
    [[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]]
    """
    table = load_benchmark(data, **columns)
    resolved = _resolve_methods(methods, table)
    metric_names = tuple(metrics)
    functions = [_metric_function(name) for name in metric_names]  # fail on a typo before any work
    _check_count("n_queries", n_queries)
    _check_count("repeats", repeats)
    check_number("seed", seed, low=0, integer=True)
    if fusion not in FUSIONS:
        raise InputError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSIONS)}")
    if ties not in TIES:
        raise InputError(f"unknown tie rule {ties!r}; choose one of {', '.join(TIES)}")
    table, fps = _fingerprints(table, resolved, n_jobs, progress)
    result = VSResult(pd.DataFrame(), metric_names)
    rows: list[dict[str, Any]] = []
    targets = list(dict.fromkeys(table["target"]))
    iterator: Any = targets
    if len(targets) > 1:
        from drugscreen.backends.progress import progress_bar

        iterator = progress_bar(targets, desc="targets", unit=" target", enabled=progress)
    for target in iterator:
        index = ranking_order(table, np.flatnonzero((table["target"] == target).to_numpy()), seed, target)
        labels = table["active"].to_numpy()[index]
        n_act = int(labels.sum())
        if n_act <= n_queries or n_act == len(labels):
            reason = f"{n_act} actives, {len(labels) - n_act} inactives: needs > {n_queries} actives and 1 inactive"
            result.skipped[target] = reason
            logger.warning("target %s skipped: %s", target, reason)
            continue
        draws = draw_queries(np.flatnonzero(labels), n_queries, repeats, seed, target)
        query_mask = np.zeros((repeats, len(index)), dtype=np.bool_)
        np.put_along_axis(query_mask, draws, True, axis=1)
        sub = table.iloc[index].reset_index(drop=True)
        query_ids = [";".join(sub["id"].iloc[d]) for d in draws]
        for method in resolved:
            scores = _score(method, sub, index, draws, fps, fusion, n_jobs)
            if keep_scores:
                result.scores[(target, method.name)] = (scores, labels, query_mask)
            for r in range(repeats):
                keep = ~query_mask[r]
                ranked = ranked_labels(scores[r, keep], labels[keep], ties)  # one sort for all metrics
                values = {name: f(ranked) for name, f in zip(metric_names, functions, strict=True)}
                rows.append(
                    {
                        "target": target,
                        "method": method.name,
                        "repeat": r,
                        "queries": query_ids[r],
                        "n_actives": n_act - n_queries,
                        "n_inactives": len(labels) - n_act,
                        **values,
                    }
                )
    columns_out = ["target", "method", "repeat", "queries", "n_actives", "n_inactives", *metric_names]
    result.runs = pd.DataFrame(rows, columns=columns_out)
    if result.runs.empty:
        raise InputError(f"no target could be evaluated: {result.skipped}")
    return result


def ranking_order(table: pd.DataFrame, index: np.ndarray, seed: int, target: str) -> np.ndarray:
    """A target's rows in a seeded random order that does not depend on the input's row order.

    Equal scores are ranked in this order (``ties="stable"``). Input order would bias the
    metrics: benchmark files usually list the actives first, which would rank tied actives
    above tied decoys. Sorting by SMILES and id first makes the order, the draws and hence
    every result independent of how the input rows were arranged.
    """
    keys = table["smiles"].to_numpy(dtype=str)[index]
    ids = table["id"].to_numpy(dtype=str)[index]
    canonical = index[np.lexsort((ids, keys))]
    rng = np.random.default_rng([int(seed), zlib.crc32(str(target).encode()), 1])
    return canonical[rng.permutation(len(canonical))]


def draw_queries(actives: np.ndarray, n_queries: int, repeats: int, seed: int, target: str) -> np.ndarray:
    """``repeats`` draws of ``n_queries`` distinct positions from ``actives``, seeded per target.

    Examples
    --------
    >>> draw_queries(np.arange(10), 3, 2, seed=0, target="EGFR").shape
    (2, 3)
    """
    rng = np.random.default_rng([int(seed), zlib.crc32(str(target).encode())])
    return np.stack([rng.choice(actives, size=n_queries, replace=False) for _ in range(repeats)])


def _score(
    method: _Method,
    sub: pd.DataFrame,
    index: np.ndarray,
    draws: np.ndarray,
    fps: dict[FingerprintSpec, FingerprintArray],
    fusion: str,
    n_jobs: int | None,
) -> np.ndarray:
    """Scores ``[repeats, molecules]`` of one method on one target."""
    repeats, n_queries = draws.shape
    if method.column is not None:
        column = _numeric(sub[method.column], method.name, len(sub))
        return np.broadcast_to(column, (repeats, len(sub)))
    if method.scorer is not None:
        out = np.empty((repeats, len(sub)))
        blind = sub.drop(columns="active")  # a scorer must not see the labels it is judged on
        for r in range(repeats):
            out[r] = _numeric(method.scorer(blind.iloc[draws[r]], blind), method.name, len(sub))
        return out
    assert method.spec is not None
    target_fps = fps[method.spec].take(index)
    out = np.empty((repeats, len(sub)))
    # all queries of a block of repeats in one kernel call, fused per repeat with NumPy
    per_block = max(1, _BLOCK_VALUES // max(1, n_queries * len(sub)))
    for r0 in range(0, repeats, per_block):
        block = draws[r0 : r0 + per_block]
        sims = bulk_similarity(target_fps.take(block.ravel()), target_fps, method.metric, n_jobs=n_jobs)
        sims = sims.reshape(len(block), n_queries, len(sub))
        out[r0 : r0 + len(block)] = sims.max(axis=1) if fusion == "max" else sims.mean(axis=1)
    return out


def _numeric(values: Any, name: str, n: int) -> np.ndarray:
    """Scores of method ``name`` as float64[n], with a clear error for anything else."""
    try:
        out = np.asarray(values, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise InputError(f"method {name!r} gave scores that are not numbers: {exc}") from None
    if len(out) != n:
        raise InputError(f"method {name!r} gave {len(out)} scores for {n} molecules")
    if np.isnan(out).any():
        raise InputError(
            f"method {name!r} gave {int(np.isnan(out).sum())} NaN scores; fill or drop them first"
        )
    return out


def _fingerprints(
    table: pd.DataFrame, methods: list[_Method], n_jobs: int | None, progress: bool
) -> tuple[pd.DataFrame, dict[FingerprintSpec, FingerprintArray]]:
    """Fingerprint each distinct SMILES once per spec; drop molecules any spec cannot parse."""
    specs = list(dict.fromkeys(m.spec for m in methods if m.spec is not None))
    if not specs:
        return table, {}
    unique, inverse = np.unique(table["smiles"].to_numpy(dtype=str), return_inverse=True)
    computed, parsed = fingerprint_specs(list(unique), specs, n_jobs=n_jobs, progress=progress)
    arrays = dict(zip(specs, computed, strict=True))
    keep = parsed[inverse]
    if not keep.all():
        logger.warning("%d of %d molecules do not parse and are left out", int((~keep).sum()), len(table))
    table = table[keep].reset_index(drop=True)
    return table, {spec: array.take(inverse[keep]) for spec, array in arrays.items()}


def _resolve_methods(methods: Mapping[str, Any] | Sequence[Any] | None, table: pd.DataFrame) -> list[_Method]:
    if methods is None:
        methods = DEFAULT_METHODS
    items = list(methods.items()) if isinstance(methods, Mapping) else [(None, m) for m in methods]
    if not items:
        raise InputError("methods is empty: give at least one fingerprint spec, score column or scorer")
    out = []
    for name, method in items:
        if isinstance(method, FingerprintSpec):
            out.append(_Method(name or method.label, spec=method))
        elif isinstance(method, tuple) and len(method) == 2 and isinstance(method[0], FingerprintSpec):
            out.append(
                _Method(name or f"{method[0].label} {method[1]}", spec=method[0], metric=str(method[1]))
            )
        elif isinstance(method, str):
            if method not in table.columns:
                raise InputError(
                    f"method {method!r} is not a column of the data; columns: {list(table.columns)}"
                )
            out.append(_Method(name or method, column=method))
        elif callable(method):
            out.append(_Method(name or str(getattr(method, "__name__", "scorer")), scorer=method))
        else:
            raise InputError(
                f"method {name or method!r} must be a FingerprintSpec, (spec, metric), a column name or a "
                f"callable, got {type(method).__name__}"
            )
    names = [m.name for m in out]
    if len(set(names)) != len(names):
        raise InputError(f"method names must be distinct, got {names}")
    return out


def _metric_function(name: str) -> Callable[[np.ndarray], float]:
    """The metric called ``name`` as a function of labels in ranked order."""
    from drugscreen.kernels.vs_cpu import roc_auc_ranked

    if name == "auroc":
        return lambda y: float(roc_auc_ranked(y))
    if name == "rie":
        return lambda y: ranked_rie(y, 20.0)[0]
    match = re.fullmatch(r"bedroc(\d+(?:\.\d+)?)?", name)
    if match:
        alpha = float(match.group(1) or 20.0)
        if alpha > 0:
            return lambda y: ranked_bedroc(y, alpha)
    match = re.fullmatch(r"ef(\d+(?:\.\d+)?)", name)
    if match and 0 < float(match.group(1)) <= 100:
        fraction = np.array([float(match.group(1)) / 100])
        return lambda y: ranked_enrichment(y, fraction)[0]
    raise InputError(
        f"unknown metric {name!r}: use auroc, bedroc, bedroc<alpha>, rie or ef<percent> (e.g. ef1)"
    )


def _check_count(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InputError(f"{name} must be a positive whole number, got {value!r}")


__all__ = ["DEFAULT_METHODS", "DEFAULT_METRICS", "VSResult", "draw_queries", "evaluate"]
