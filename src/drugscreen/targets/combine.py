"""One ranked target table from network, genetic and tractability evidence: :func:`combine`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.errors import InputError
from drugscreen.network.edgelist import gene_id

#: Default weight of each part.
WEIGHTS = {"network": 1.0, "genetics": 1.0, "tractability": 0.5}
#: Tractability of a gene that an approved drug targets, that any listed drug targets, that a
#: library compound hits (SEA or a binding table), and of one with none of these.
TRACTABILITY = {"approved_drug": 1.0, "drug": 0.75, "library": 0.5, "none": 0.0}


def combine(
    network: pd.DataFrame,
    genetics: pd.DataFrame | None = None,
    *,
    drug_targets: pd.DataFrame | None = None,
    library_targets: pd.DataFrame | None = None,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Rank genes by a weighted mean of network, genetic and tractability scores.

    Parameters
    ----------
    network : DataFrame
        One seed set's rows of :func:`~drugscreen.targets.prioritize` (``gene, is_seed,
        rank``): the network part is ``1 - (rank - 1) / n`` over the ranked genes (1 for the
        best), 1 for a seed (a known disease gene).
    genetics : DataFrame, optional
        ``gene, score`` (scores in [0, 1]), e.g. one disease's rows of
        :func:`~drugscreen.targets.aggregate_evidence`; genes without a row score 0.
    drug_targets : DataFrame, optional
        ``drug, gene`` and optionally ``approved`` (bool): a gene targeted by an approved drug
        scores 1, by another listed drug 0.75.
    library_targets : DataFrame, optional
        ``compound, gene``: genes a library compound hits (0.5), e.g. SEA predictions
        (``drugscreen targets`` / :class:`~drugscreen.repurpose.SEA` output, ``query, target``,
        is read as such).
    weights : mapping, optional
        ``network``, ``genetics``, ``tractability`` (defaults 1, 1, 0.5); parts not given are
        left out of the mean.

    Returns
    -------
    DataFrame
        ``rank, gene, score, is_seed`` and per part its score and its contribution
        (``weight × part / Σ weights``; the contributions add up to ``score``),
        ``tractability_class``, ``drugs`` (``;``-joined, approved first) and ``n_compounds``,
        sorted by score (ties: the better network rank, then gene id).
    """
    parts_given = {"network": True, "genetics": genetics is not None,
                   "tractability": drug_targets is not None or library_targets is not None}  # fmt: skip
    w = _weights(weights, parts_given)
    for column in ("gene", "is_seed", "rank"):
        if column not in network.columns:
            raise InputError(f"combine: the network table has no column {column!r} (a prioritize() table)")
    if network["set"].nunique() > 1 if "set" in network.columns else False:
        raise InputError("combine: the network table holds several seed sets; pass one set's rows")
    out = pd.DataFrame({"gene": network["gene"].map(gene_id), "is_seed": network["is_seed"].astype(bool)})
    rank = pd.to_numeric(network["rank"], errors="coerce").to_numpy(dtype=float)
    n_ranked = max(int(np.nansum(~np.isnan(rank))), 1)
    out["network"] = np.where(out["is_seed"], 1.0, 1.0 - (np.nan_to_num(rank, nan=n_ranked) - 1) / n_ranked)
    if genetics is not None:
        out["genetics"] = out["gene"].map(_genetic_scores(genetics)).fillna(0.0)
    if parts_given["tractability"]:
        out = _tractability(out, drug_targets, library_targets)
    total = sum(w[p] for p in w)
    out["score"] = 0.0
    for part, weight in w.items():
        out[f"contribution_{part}"] = weight * out[part] / total
        out["score"] += out[f"contribution_{part}"]
    out["network_rank"] = rank
    out = out.sort_values(
        ["score", "network_rank", "gene"], ascending=[False, True, True], na_position="first"
    )
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.drop(columns="network_rank").reset_index(drop=True)


def _weights(weights: Mapping[str, float] | None, given: dict[str, bool]) -> dict[str, float]:
    merged = dict(WEIGHTS) | dict(weights or {})
    unknown = sorted(set(merged) - set(WEIGHTS))
    if unknown:
        raise InputError(f"combine: unknown weight {unknown[0]!r} (parts: network, genetics, tractability)")
    for part, value in merged.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value < 0
        ):
            raise InputError(f"combine: weight {part!r} must be a finite number >= 0, got {value!r}")
    out = {p: float(v) for p, v in merged.items() if given[p] and v > 0}
    if not out:
        raise InputError("combine: every part given has weight 0")
    return out


def _genetic_scores(genetics: pd.DataFrame) -> pd.Series:
    for column in ("gene", "score"):
        if column not in genetics.columns:
            raise InputError(f"combine: the genetics table has no column {column!r}")
    scores = pd.to_numeric(genetics["score"], errors="coerce")
    bad = ~scores.between(0, 1)
    if bad.any():
        raise InputError(
            f"combine: genetics score of gene {genetics.loc[bad, 'gene'].iloc[0]!r} is not in [0, 1]"
        )
    table = pd.DataFrame({"gene": genetics["gene"].map(gene_id), "score": scores})
    return table.groupby("gene")["score"].max()


def _tractability(
    out: pd.DataFrame, drugs: pd.DataFrame | None, library: pd.DataFrame | None
) -> pd.DataFrame:
    klass = pd.Series("none", index=out.index)
    out["drugs"] = ""
    out["n_compounds"] = 0
    if library is not None:
        if {"query", "target"} <= set(library.columns) and not {"compound", "gene"} & set(library.columns):
            library = library.rename(columns={"query": "compound", "target": "gene"})  # SEA's own table
        _need(library, ("compound", "gene"), "library_targets")
        hits = library.assign(gene=library["gene"].map(gene_id)).groupby("gene")["compound"].nunique()
        out["n_compounds"] = out["gene"].map(hits).fillna(0).astype(int)
        klass[out["n_compounds"] > 0] = "library"
    if drugs is not None:
        _need(drugs, ("drug", "gene"), "drug_targets")
        approved = (
            drugs["approved"].map(_truthy).astype(bool)
            if "approved" in drugs.columns
            else pd.Series(False, index=drugs.index)
        )
        table = pd.DataFrame({"gene": drugs["gene"].map(gene_id), "drug": drugs["drug"].astype(str),
                              "approved": approved.to_numpy()})  # fmt: skip
        table = table.sort_values(["approved", "drug"], ascending=[False, True]).drop_duplicates(
            ["gene", "drug"]
        )
        listed = table.groupby("gene", sort=False)["drug"].agg(";".join)
        any_approved = table.groupby("gene")["approved"].any()
        out["drugs"] = out["gene"].map(listed).fillna("")
        klass[out["drugs"] != ""] = "drug"
        klass[out["gene"].map(any_approved).fillna(False).astype(bool)] = "approved_drug"
    out["tractability_class"] = klass
    out["tractability"] = klass.map(TRACTABILITY).astype(float)
    return out


def _truthy(value: Any) -> bool:
    """An ``approved`` cell: a bool or number, or text (true / yes / y / 1 / approved); a blank
    is not approved (``astype(bool)`` would call "no" and a missing value approved)."""
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y", "approved"}
    if value is None or pd.isna(value):
        return False
    return bool(value)


def _need(table: pd.DataFrame, columns: tuple[str, ...], what: str) -> None:
    for column in columns:
        if column not in table.columns:
            raise InputError(f"combine: {what} has no column {column!r}; columns are {list(table.columns)}")
