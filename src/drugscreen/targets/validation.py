"""How often a gene ranking is right: k-fold recovery of held-out disease genes, and transfer
from one evidence type to another (:func:`~drugscreen.targets.cross_validate`, :func:`~drugscreen.targets.transfer`).

In every test a method sees only the seed genes of one column; it scores all genes; the
held-out genes are the positives among the genes that are not seeds. Metrics per column:
AUROC (ties share their average rank) and recall in the top 20 / 100 (ties broken by lower
degree, then gene id — as :func:`~drugscreen.targets.prioritize` ranks). A disease's figure
is the mean over its folds; the summary is the mean over diseases.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import rankdata

from drugscreen.errors import InputError
from drugscreen.network.interactome import Interactome
from drugscreen.targets.folds import (
    clique_links,
    complex_links_from_file,
    complex_links_from_table,
    make_folds,
)
from drugscreen.targets.prioritize import METHODS, score_columns
from drugscreen.targets.propagation import Operators
from drugscreen.targets.seeds import read_seed_sets
from drugscreen.validate import check_number

#: The cut-offs of recall@k.
TOP_K = (20, 100)


@dataclass(frozen=True)
class Validation:
    """Results of :func:`~drugscreen.targets.cross_validate` or :func:`~drugscreen.targets.transfer`.

    Attributes
    ----------
    per_test : DataFrame
        One row per method, disease and fold: ``method, disease, fold, n_seeds, n_positives,
        auroc, recall_20, recall_100``.
    per_disease : DataFrame
        The folds' mean per method and disease.
    summary : DataFrame
        Per method: ``method, protocol, n_diseases, auroc, recall_20, recall_100, seconds``
        (the mean over diseases; seconds to score every test of the method at once).
    """

    per_test: pd.DataFrame
    per_disease: pd.DataFrame
    summary: pd.DataFrame


def cross_validate(
    net: Interactome,
    disease_genes: Any,
    methods: Sequence[str] = ("rwr", "heat", "neighbours", "degree"),
    *,
    n_folds: int = 5,
    blocks: str | None = "cliques",
    complexes: str | os.PathLike[str] | pd.DataFrame | sparse.csr_matrix | None = None,
    min_genes: int = 20,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    random_state: int = 0,
) -> Validation:
    """k-fold recovery of each disease's held-out genes, all diseases and folds in one pass.

    Parameters
    ----------
    net : Interactome
        The network.
    disease_genes : path, DataFrame or mapping
        Disease gene sets (:func:`~drugscreen.targets.read_seed_sets`; weights ignored).
    methods : sequence of str
        Methods of :func:`~drugscreen.targets.prioritize` to test.
    n_folds : int
        Folds per disease.
    blocks : {"complexes", "cliques", None}
        ``"complexes"``: genes linked through ``complexes`` share a fold (complex-aware CV,
        Picart-Armada et al. 2019); ``"cliques"`` (default): adjacent genes whose
        neighbourhoods overlap by half or more share a fold (for networks without complex
        annotations); ``None``: plain shuffled k-fold.
    complexes : path, DataFrame or sparse matrix, optional
        For ``blocks="complexes"``: an edge file with a sources column (Menche 2015 Data S1;
        edges with the source ``complexes``), a membership table ``complex, gene`` or a
        genes × genes link matrix.
    min_genes : int
        Diseases with fewer genes in the network are left out (237 of Menche's 299 have 20).
    settings : mapping, optional
        Per method, its settings (``{"rwr": {"restart": 0.5}}``).
    random_state : int
        Seed of the folds.
    """
    n_folds = check_number("n_folds", n_folds, low=2, integer=True)
    min_genes = check_number("min_genes", min_genes, low=n_folds, integer=True)
    links = _block_links(net, blocks, complexes)
    rng = np.random.default_rng(check_number("random_state", random_state, low=0, integer=True))
    tests = []
    for disease, nodes in _disease_nodes(net, disease_genes).items():
        if len(nodes) < min_genes:
            continue
        for fold, held_out in enumerate(make_folds(nodes, n_folds, rng, links)):
            tests.append((disease, fold, np.setdiff1d(nodes, held_out), held_out))
    if not tests:
        raise InputError(f"cross_validate: no disease has {min_genes} genes in the network")
    protocol = f"{n_folds}-fold" + ("" if blocks is None else f", {blocks} kept together")
    return _run(net, tests, methods, settings, protocol)


def transfer(
    net: Interactome,
    disease_genes: Any,
    methods: Sequence[str] = ("rwr", "heat", "neighbours", "degree"),
    *,
    seed_source: str = "OMIM",
    target_source: str = "GWAS",
    min_seeds: int = 5,
    min_targets: int = 5,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> Validation:
    """Seed with one evidence type's genes, recover another's (e.g. OMIM → GWAS-only genes).

    ``disease_genes`` needs a ``source`` column (the Menche 2015 file has ``OMIM`` and
    ``GWAS``); positives are the ``target_source`` genes that are not seeds. Diseases with
    fewer than ``min_seeds`` seeds or ``min_targets`` positives in the network are left out.
    """
    min_seeds = check_number("min_seeds", min_seeds, low=1, integer=True)
    min_targets = check_number("min_targets", min_targets, low=1, integer=True)
    table = read_seed_sets(disease_genes)
    sources = set(table["source"])
    for wanted in (seed_source, target_source):
        if wanted not in sources:
            raise InputError(f"transfer: no gene has the source {wanted!r} (sources: {sorted(sources)})")
    seeds = _disease_nodes(net, table[table["source"] == seed_source])
    targets = _disease_nodes(net, table[table["source"] == target_source])
    tests = []
    for disease, nodes in seeds.items():
        positives = np.setdiff1d(targets.get(disease, np.empty(0, np.int64)), nodes)
        if len(nodes) >= min_seeds and len(positives) >= min_targets:
            tests.append((disease, 0, nodes, positives))
    if not tests:
        raise InputError("transfer: no disease has enough seeds and positives in the network")
    return _run(net, tests, methods, settings, f"{seed_source} -> {target_source}")


def _block_links(net: Interactome, blocks: str | None, complexes: Any) -> sparse.csr_matrix | None:
    if blocks is None:
        return None
    if blocks == "cliques":
        return clique_links(net)
    if blocks != "complexes":
        raise InputError(f"blocks must be 'complexes', 'cliques' or None, not {blocks!r}")
    if complexes is None:
        raise InputError("blocks='complexes' needs complexes= (an edge file with sources, or a table)")
    if sparse.issparse(complexes):
        return sparse.csr_matrix(complexes)
    if isinstance(complexes, pd.DataFrame):
        return complex_links_from_table(net, complexes)
    return complex_links_from_file(net, complexes)


def _disease_nodes(net: Interactome, disease_genes: Any) -> dict[str, np.ndarray]:
    table = read_seed_sets(disease_genes)
    out = {}
    for disease, genes in table.groupby("set", sort=True)["gene"]:
        nodes = np.array(sorted({net.index[g] for g in genes if g in net.index}), dtype=np.int64)
        out[str(disease)] = nodes
    return out


def _run(
    net: Interactome,
    tests: list[tuple[str, int, np.ndarray, np.ndarray]],
    methods: Sequence[str],
    settings: Mapping[str, Mapping[str, Any]] | None,
    protocol: str,
) -> Validation:
    for method in methods:
        if method not in METHODS:
            raise InputError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    ops = Operators(net)
    columns = [(seeds, np.ones(len(seeds))) for _, _, seeds, _ in tests]
    rows, timing = [], {}
    for method in methods:
        start = time.perf_counter()
        for first, block in score_columns(ops, columns, method, (settings or {}).get(method)):
            for j in range(block.shape[1]):
                disease, fold, seeds, positives = tests[first + j]
                rows.append(
                    (
                        method,
                        disease,
                        fold,
                        len(seeds),
                        len(positives),
                        *column_metrics(net, block[:, j], seeds, positives),
                    )
                )
        timing[method] = time.perf_counter() - start
    per_test = pd.DataFrame(
        rows,
        columns=[
            "method",
            "disease",
            "fold",
            "n_seeds",
            "n_positives",
            "auroc",
            *(f"recall_{k}" for k in TOP_K),
        ],
    )
    metrics = ["auroc", *(f"recall_{k}" for k in TOP_K)]
    per_disease = per_test.groupby(["method", "disease"], sort=False)[metrics].mean().reset_index()
    summary = per_disease.groupby("method", sort=False)[metrics].mean().reset_index()
    summary.insert(1, "protocol", protocol)
    summary.insert(2, "n_diseases", per_disease.groupby("method", sort=False).size().to_numpy())
    summary["seconds"] = summary["method"].map(timing)
    return Validation(per_test, per_disease, summary)


def column_metrics(
    net: Interactome, score: np.ndarray, seeds: np.ndarray, positives: np.ndarray
) -> list[float]:
    """AUROC and recall@k of one test: positives against every other non-seed gene."""
    candidate = np.ones(len(score), dtype=bool)
    candidate[seeds] = False
    nodes = np.flatnonzero(candidate)
    label = np.zeros(len(score), dtype=bool)
    label[positives] = True
    label = label[nodes]
    n_pos = int(label.sum())
    n_neg = len(nodes) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise InputError("a test needs held-out genes and other genes")
    ranks = rankdata(score[nodes])  # average ranks: ties count half
    auroc = (ranks[label].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    order = np.lexsort((net.genes[nodes], net.degree[nodes], -score[nodes]))
    return [float(auroc), *(float(label[order[:k]].sum() / n_pos) for k in TOP_K)]
