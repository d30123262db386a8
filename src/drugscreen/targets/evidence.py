"""Disease-gene association scores from evidence, aggregated as the Open Targets Platform does.

Each piece of evidence is a ``(disease, gene, source, score)`` row with ``score`` in [0, 1].
Per ``(disease, gene, source)`` the scores, sorted descending, are combined by the harmonic sum
``s_1/1^2 + s_2/2^2 + ...`` and divided by the largest sum possible (all scores 1): one strong
piece of evidence counts most and replication adds less and less, so well-studied genes do not
win on volume alone. Per ``(disease, gene)`` the source scores, each times its source's weight,
are combined the same way into the overall score.

Normalisation follows OT's current ETL (``Association.scala``): both levels divide by the
infinite series ``pi^2/6 ~ 1.6449`` (OT sums 100,000 terms, equal to within 1e-5) and use every
term. ``max_terms=k`` reproduces OT's earlier ETL instead: only the top ``k`` terms count
(OT kept 100) and the divisor is ``sum_{i<=k} 1/i^2``. (OT's *data type* level, which divides
by a sum over as many terms as the type has sources, is not done here.)

References
----------
.. [1] Open Targets Platform documentation, "Target-disease associations: association scores",
   https://platform-docs.opentargets.org/associations
.. [2] opentargets/platform-etl-backend, ``Association.scala`` (``harmonicFn``, ``maxHS``) and
   ``Evidence.scala`` (``pValueLinearRescaling``), https://github.com/opentargets/platform-etl-backend
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.errors import InputError
from drugscreen.network.edgelist import gene_id, read_table

logger = logging.getLogger("drugscreen")

#: OT's documented non-default data-source weights (module References [1]; every other source weighs 1).
OT_WEIGHTS: Mapping[str, float] = {"europepmc": 0.2, "expression_atlas": 0.2, "impc": 0.2}
_KEYS = ("disease", "gene", "source")


def max_harmonic_sum(max_terms: int | None = None) -> float:
    """The largest harmonic sum, of ``max_terms`` ones (``None``: the limit ``pi^2/6``)."""
    if max_terms is None:
        return math.pi**2 / 6
    return float(np.sum(1.0 / np.arange(1, _check_max_terms(max_terms) + 1, dtype=float) ** 2))


def harmonic_sum(scores: Iterable[float], *, max_terms: int | None = None) -> float:
    """The harmonic sum ``sum_i s_(i) / i^2`` of ``scores`` sorted descending (``i`` from 1).

    Only the top ``max_terms`` scores count when given. Divide by ``max_harmonic_sum``
    for OT's normalised score (module References [1]).

    >>> round(harmonic_sum([0.5, 1.0, 0.5]), 5)  # 1/1 + 0.5/4 + 0.5/9
    1.18056
    """
    values = np.sort(np.asarray(list(scores), dtype=float))[::-1]
    if not np.isfinite(values).all():
        raise InputError(f"harmonic_sum: scores must be finite numbers, got {values.tolist()}")
    if max_terms is not None:
        values = values[: _check_max_terms(max_terms)]
    return float(np.sum(values / np.arange(1, values.size + 1, dtype=float) ** 2))


def score_from_pvalue(
    p: Any, *, p_low: float = 1.0, p_high: float = 1e-10, low: float = 0.0, high: float = 1.0
) -> Any:
    """A p-value as an evidence score: ``log10 p`` mapped linearly from
    ``[log10 p_low, log10 p_high]`` onto ``[low, high]`` and clipped there (``p = 0`` gives ``high``).

    This is OT's ``pvalue_linear_score`` (module References [2]); the defaults are its ``pvalue_linear_score_default``
    (``-log10(p) / 10``, so p <= 1e-10 scores 1). OT scores GWAS evidence by locus-to-gene
    score, not p-value; other p-value sources use other ranges (IntOGen: ``0.1, 1e-10, 0.25, 1``).

    >>> [round(float(s), 3) for s in score_from_pvalue([1.0, 5e-8, 1e-12])]
    [0.0, 0.73, 1.0]
    """
    if not (0 < p_high < p_low <= 1):
        raise InputError(f"score_from_pvalue: need 0 < p_high < p_low <= 1, got {p_high!r}, {p_low!r}")
    values = np.asarray(p, dtype=float)
    bad = ~np.isfinite(values) | (values < 0) | (values > 1)
    if bad.any():
        raise InputError(f"score_from_pvalue: p-values must be in [0, 1], got {float(values[bad].flat[0])!r}")
    with np.errstate(divide="ignore"):  # log10(0) = -inf, which the clip turns into `high`
        fraction = (np.log10(values) - math.log10(p_low)) / (math.log10(p_high) - math.log10(p_low))
    out = np.clip(low + (high - low) * fraction, min(low, high), max(low, high))
    return float(out) if out.ndim == 0 else out


def read_evidence(
    path_or_frame: str | os.PathLike[str] | pd.DataFrame,
    *,
    disease_col: str = "disease",
    gene_col: str = "gene",
    source_col: str = "source",
    score_col: str = "score",
) -> pd.DataFrame:
    """Evidence from a CSV/TSV/Parquet file (gzip allowed) or a table, checked, as columns
    ``disease, gene, source, score`` (ids as text: Entrez ``7157.0`` is gene ``"7157"``).

    Errors name the file, the row (a file's first data row is row 1, a table's by its index),
    the column and why: a missing column, an empty id, a score not a number in [0, 1].
    """
    if isinstance(path_or_frame, pd.DataFrame):
        table, where = path_or_frame, "evidence table"
    else:
        table = read_table(path_or_frame, "evidence", text=True)
        table.index = pd.RangeIndex(1, len(table) + 1)  # row numbers as people count them
        where = f"evidence file {str(path_or_frame)!r}"
    return _canonical(table, where, (disease_col, gene_col, source_col, score_col))


def _canonical(table: pd.DataFrame, where: str, names: tuple[str, str, str, str]) -> pd.DataFrame:
    missing = [n for n in names if n not in table.columns]
    if missing:
        raise InputError(f"{where}: no column {missing[0]!r} (columns: {[str(c) for c in table.columns]})")
    # Errors name rows by index label (Python values); positions below survive duplicate labels.
    labels = table.index.tolist()
    out = pd.DataFrame()
    for key, name in zip(_KEYS, names[:3], strict=True):
        column = table[name]
        empty = (column.isna() | (column.astype(str).str.strip() == "")).to_numpy()
        if empty.any():
            raise InputError(f"{where}, row {labels[int(empty.argmax())]!r}, column {name!r}: empty {key} id")
        out[key] = [gene_id(v).strip() if key != "source" else str(v).strip() for v in column]
    raw = table[names[3]].tolist()  # Python scalars: messages show 1.5, not np.float64(1.5)
    score = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(score) | (score < 0) | (score > 1)
    if bad.any():
        at = int(bad.argmax())
        why = "is not a number" if np.isnan(score[at]) else "is outside [0, 1]"
        ids = ", ".join(f"{k} {out.at[at, k]!r}" for k in _KEYS)
        raise InputError(
            f"{where}, row {labels[at]!r} ({ids}), column {names[3]!r}: {raw[at]!r} {why}"
            f" (rows with a bad score: {int(bad.sum())})"
        )
    out["score"] = score
    return out


def aggregate_evidence(
    evidence: pd.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    disease_col: str = "disease",
    gene_col: str = "gene",
    source_col: str = "source",
    score_col: str = "score",
    max_terms: int | None = None,
) -> pd.DataFrame:
    """Overall and per-source association scores of every (disease, gene) with evidence.

    Parameters
    ----------
    evidence
        One row per piece of evidence; column names as given by the ``*_col`` arguments.
    weights
        Source weight in [0, 1] (absent sources weigh 1); ``OT_WEIGHTS`` are OT's defaults.
        Weights of sources with no evidence are logged as a warning and ignored.
    max_terms
        Count only the top ``max_terms`` terms of each harmonic sum and normalise by the sum
        of that many ones (OT's earlier ETL used 100); ``None``: all terms, divided by pi^2/6.

    Returns
    -------
    pandas.DataFrame
        ``disease, gene, score, score_<source>... , n_evidence, top_source``: ``score`` the
        overall score, ``score_<source>`` the unweighted source score (0 without evidence),
        ``top_source`` the source of the largest weighted score (ties: first by name). Sorted
        by disease, then score descending, then gene.

    References
    ----------
    .. [1] https://platform-docs.opentargets.org/associations

    Examples
    --------
    >>> table = pd.DataFrame({"disease": "D", "gene": [7157.0, 7157.0], "source": ["gwas", "eva"],
    ...                       "score": [1.0, 0.5]})
    >>> aggregate_evidence(table).round(4).to_dict("records")  # (1 + 0.5/4) / (pi^2/6)^2
    [{'disease': 'D', 'gene': '7157', 'score': 0.4158, 'score_eva': 0.304, 'score_gwas': 0.6079, 'n_evidence': 2, 'top_source': 'gwas'}]
    """
    ev = _canonical(evidence, "evidence table", (disease_col, gene_col, source_col, score_col))
    norm = max_harmonic_sum(max_terms)
    weight = _weights(weights, set(ev["source"]))
    if ev.empty:
        columns = {"disease": object, "gene": object, "score": float, "n_evidence": int, "top_source": object}
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})
    pair = ["disease", "gene"]
    # Sorting by score before the cumulative count makes the term order, hence the float sums,
    # the same whatever the row order of the input.
    per = _normalised(ev, list(_KEYS), "score", max_terms, norm)
    per["weighted"] = per["score"] * per["source"].map(weight).fillna(1.0)
    overall = _normalised(per, pair, "weighted", max_terms, norm)
    ranked = per.sort_values([*pair, "weighted", "source"], ascending=[True, True, False, True])
    top = ranked.drop_duplicates(pair).set_index(pair)["source"]
    wide = per.pivot(index=pair, columns="source", values="score").fillna(0.0)
    wide = wide[sorted(wide.columns)].add_prefix("score_")
    result = overall.set_index(pair).rename(columns={"weighted": "score"})[["score"]]
    # Round-off can take a sum of `max_terms` ones a hair above the divisor.
    result["score"] = result["score"].clip(upper=1.0)
    result = result.join(wide)
    result["n_evidence"] = ev.groupby(pair).size().astype(int)
    result["top_source"] = top
    result = result.reset_index().sort_values(["disease", "score", "gene"], ascending=[True, False, True])
    return result.reset_index(drop=True)


def _normalised(
    frame: pd.DataFrame, keys: list[str], value: str, max_terms: int | None, norm: float
) -> pd.DataFrame:
    """Per group of ``keys``: the harmonic sum of ``value`` over ``norm`` (column ``value``)."""
    ordered = frame.sort_values([*keys, value], ascending=[True] * len(keys) + [False], kind="mergesort")
    rank = ordered.groupby(keys, sort=False).cumcount().to_numpy() + 1
    terms = ordered[keys].assign(**{value: ordered[value].to_numpy() / rank.astype(float) ** 2})
    if max_terms is not None:
        terms = terms[rank <= max_terms]
    summed = terms.groupby(keys, sort=True)[value].sum() / norm
    return summed.reset_index()


def _weights(weights: Mapping[str, float] | None, sources: set[str]) -> dict[str, float]:
    if weights is None:
        return {}
    checked: dict[str, float] = {}
    for name, value in weights.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not (math.isfinite(number) and 0.0 <= number <= 1.0):
            # Above 1 a weighted source score could push the overall score past 1.
            raise InputError(f"weights: source {name!r} has weight {value!r}; weights must be in [0, 1]")
        checked[str(name)] = number
    unknown = sorted(set(checked) - sources)
    if unknown:
        logger.warning("evidence weights given for sources with no evidence, ignored: %s", unknown)
    return checked


def _check_max_terms(max_terms: int) -> int:
    if isinstance(max_terms, bool) or not isinstance(max_terms, (int, np.integer)) or max_terms < 1:
        raise InputError(f"max_terms must be a positive integer or None, got {max_terms!r}")
    return int(max_terms)
