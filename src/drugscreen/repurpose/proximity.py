"""Drug–disease network proximity (Guney et al. 2016, Nat Commun 7:10331).

For a drug's targets ``T`` and a disease's genes ``S`` on an interactome with hop distances
``d(t, s)``, the five distances of the paper are:

* ``closest``: mean over targets of the distance to the nearest disease gene;
* ``shortest``: mean over targets of the mean distance to the disease genes;
* ``kernel``: mean over targets of ``-ln(mean_s exp(-(d(t, s) + 1)))``;
* ``centre``: mean distance from the targets to the disease genes' topological centre (the
  genes with the smallest summed distance to the others; all of them when several tie);
* ``separation``: ``s_TS = d_TS - (d_TT + d_SS) / 2`` (Menche et al. 2015).

Each ``d`` is compared with the same distance between degree-matched random sets: every node
of ``T`` (and of ``S``) is replaced by another node of its degree bin (bins of consecutive
degrees holding at least ``min_bin_size`` nodes), ``n_random`` times; ``z = (d - mean) / sd`` and
``p = Phi(z)``, one-sided (small distances are proximal).

How it is fast: random sets are drawn once per set, so every drug is randomised once and
reused against every disease (with ``exclude_self=False``, once per *degree profile*, shared
by all sets with the same sorted bins). Distances are reductions over rows of the ``uint8`` distance
matrix: for each disease set (real or random) one pass over its rows gives, for every node,
its distance to the set; each drug set then needs only a mean over its few targets.
Draws are processed in blocks that bound memory.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from drugscreen.errors import InputError
from drugscreen.network.edgelist import gene_sets, name_pairs
from drugscreen.network.interactome import UNREACHABLE, Interactome
from drugscreen.network.randomize import MAX_RANDOM_DRAWS, DrawnSets, degree_bins, draw_sets
from drugscreen.repurpose.set_distances import DISTANCES, drawn_sets, real_sets, set_distances
from drugscreen.validate import check_number

logger = logging.getLogger("drugscreen")

_ALIASES = {"center": "centre"}


def proximity(
    net: Interactome,
    drug_targets: Mapping[Any, Iterable[Any]] | pd.DataFrame,
    disease_genes: Mapping[Any, Iterable[Any]] | pd.DataFrame,
    pairs: pd.DataFrame | Iterable[tuple[Any, Any]] | None = None,
    *,
    distance: str | Sequence[str] = "closest",
    n_random: int = 1000,
    min_bin_size: int = 100,
    seed: int = 0,
    exclude_self: bool = True,
    degree: str = "neighbours",
    n_jobs: int | None = -1,
    block_bytes: int = 256 * 2**20,
    progress: bool = True,
) -> pd.DataFrame:
    """Network proximity of drugs to diseases, with degree-matched z-scores.

    Parameters
    ----------
    net : Interactome
        A connected interaction network (the default of
        :meth:`~drugscreen.network.Interactome.from_file`).
    drug_targets, disease_genes : dict or DataFrame
        Gene sets: ``{name: genes}``, or long tables whose first column names the drug
        (disease) and whose ``gene`` column holds one gene per row.
    pairs : DataFrame or iterable of (drug, disease), optional
        Which pairs to score (a table's first two columns); all drug × disease pairs by
        default, drug-major.
    distance : str or sequence of str
        One or more of ``closest``, ``shortest``, ``kernel``, ``centre`` (or ``center``),
        ``separation``, or ``"all"``; several share their random draws.
    n_random : int
        Degree-matched random draws per set (at least 2); 0 gives distances without z-scores.
    min_bin_size : int
        Smallest degree bin, at least 1 (100 in the paper; small networks need smaller bins).
    seed : int
        Seed of the random draws (a whole number >= 0); the same seed gives the same table.
    exclude_self : bool
        Never replace a node by itself (the paper's code). ``False`` draws from the whole
        bin, and then sets with the same degree profile share their draws (faster for many
        drugs with different targets in the same bins).
    degree : str
        Degree the bins are made of: ``"neighbours"`` (distinct linked genes) or
        ``"networkx"`` (a self-loop of the input file adds 2, as in the paper's code, which
        built its bins with networkx; use it to reproduce the paper's z-scores).
    n_jobs : int, optional
        Threads for the kernels (-1: all cores).
    progress : bool
        Show a progress bar over the random draws (when there is more than one block).
    block_bytes : int
        Memory for the per-gene distance vectors of one block of random draws (and of one
        group of the real disease sets).

    Returns
    -------
    DataFrame
        One row per pair and distance: ``drug, disease, distance, d, z, p, mean_random,
        sd_random, n_targets, n_genes, n_targets_missing, n_genes_missing, note``. ``z`` is
        0 when the random distances do not vary (as in the paper); pairs with no target or
        no gene in the network get NaN scores and say so in ``note``.

    Examples
    --------
    >>> import drugscreen as ds
    >>> net = ds.network.Interactome.from_edges(
    ...     [("A", "B"), ("B", "C"), ("C", "D"), ("D", "E"), ("E", "A"), ("C", "F")])
    >>> table = ds.repurpose.proximity(
    ...     net, {"drug1": ["A"]}, {"disease1": ["C", "D"]}, n_random=100, min_bin_size=2)
    >>> float(table.loc[0, "d"])
    2.0
    """
    from drugscreen.backends.parallel import numba_threads
    from drugscreen.backends.progress import progress_bar

    if not isinstance(net, Interactome):
        raise InputError(f"proximity needs an Interactome, got {type(net).__name__}")
    wanted = _distances(distance)
    # 100,000 draws already pin a z-score to three decimals; more is a typo that would exhaust memory
    n_random = check_number("n_random", n_random, low=0, high=MAX_RANDOM_DRAWS, integer=True)
    if n_random == 1:
        raise InputError("n_random must be 0 (no z-scores) or a whole number >= 2, got 1")
    min_bin_size = check_number("min_bin_size", min_bin_size, low=1, integer=True)
    seed = check_number("seed", seed, low=0, integer=True)
    block_bytes = check_number("block_bytes", block_bytes, low=1, integer=True)
    if not isinstance(exclude_self, bool | np.bool_):
        raise InputError(f"exclude_self must be True or False, got {exclude_self!r}")
    drugs_named = gene_sets(drug_targets, gene="gene", what="drug")
    diseases_named = gene_sets(disease_genes, gene="gene", what="disease")
    with numba_threads(n_jobs):
        dist = require_connected(net)
        bins = degree_bins(net.degree_of(degree), min_bin_size)
        drugs = draw_sets(net, drugs_named, bins, n_random, seed, 1, "drug", exclude_self)
        diseases = draw_sets(net, diseases_named, bins, n_random, seed, 2, "disease", exclude_self)
        drug_of, disease_of = _pair_index(pairs, drugs.names, diseases.names)
        n_pairs = len(drug_of)
        ok = (drugs.profile[drug_of] >= 0) & (diseases.profile[disease_of] >= 0)
        scored = np.flatnonzero(ok)
        d = {w: np.full(n_pairs, np.nan) for w in wanted}
        s1 = {w: np.zeros(n_pairs) for w in wanted}
        s2 = {w: np.zeros(n_pairs) for w in wanted}
        # the real sets, a group of diseases at a time so their vectors fit in block_bytes
        group = max(1, block_bytes // (8 * max(1, net.n_genes)))
        drug_sets = real_sets(drugs)
        for first in range(0, len(diseases.names), group):
            chosen = scored[(disease_of[scored] >= first) & (disease_of[scored] < first + group)]
            if len(chosen) == 0:
                continue
            part = real_sets(diseases, first, first + group)
            real = set_distances(dist, wanted, drug_sets, part, drug_of[chosen], disease_of[chosen] - first)
            for w in wanted:
                d[w][chosen] = real[w]
        width = _block_width(block_bytes, drugs.n_profiles, diseases.n_profiles, net.n_genes, n_random)
        pa = drugs.profile[drug_of[scored]]
        pb = diseases.profile[disease_of[scored]]
        starts = range(0, n_random if len(scored) else 0, width)
        bar = progress_bar(
            total=n_random, unit=" draws", desc="proximity", enabled=progress and len(starts) > 1
        )
        for start in starts:
            stop = min(start + width, n_random)
            step = np.arange(stop - start)
            qa = (pa[:, None] * (stop - start) + step).ravel()
            qb = (pb[:, None] * (stop - start) + step).ravel()
            values = set_distances(
                dist,
                wanted,
                drawn_sets(drugs, start, stop),
                drawn_sets(diseases, start, stop),
                qa,
                qb,
            )
            for w in wanted:
                # sums shifted by the real distance: no cancellation in the variance
                shifted = values[w].reshape(len(scored), -1) - d[w][scored, None]
                s1[w][scored] += shifted.sum(axis=1)
                s2[w][scored] += (shifted**2).sum(axis=1)
            bar.update(stop - start)
        bar.close()
    return _table(drugs, diseases, drug_of, disease_of, ok, wanted, d, s1, s2, n_random)


def _distances(distance: str | Sequence[str]) -> list[str]:
    if not isinstance(distance, str) and not isinstance(distance, Iterable):
        raise InputError(f"distance must be a name or a list of names, got {distance!r}")
    names = [distance] if isinstance(distance, str) else list(distance)
    if "all" in names:
        names = list(DISTANCES)
    wanted = []
    for name in names:
        key = _ALIASES.get(str(name).lower(), str(name).lower())
        if key not in DISTANCES:
            raise InputError(f"unknown distance {name!r}; choose from {', '.join(DISTANCES)} or 'all'")
        if key not in wanted:
            wanted.append(key)
    if not wanted:
        raise InputError("distance: name at least one distance")
    return wanted


def _block_width(
    block_bytes: int, drug_profiles: int, disease_profiles: int, n_genes: int, n_random: int
) -> int:
    # per draw: one float64 vector per disease profile, one uint8 vector per drug profile
    per_draw = max(1, n_genes) * (8 * max(1, disease_profiles) + max(1, drug_profiles))
    return int(min(max(1, n_random), max(1, block_bytes // per_draw)))


def require_connected(net: Interactome) -> np.ndarray:
    """The distance matrix of a connected network, else a clear error."""
    dist = net.distances
    if net.n_genes and (np.asarray(dist[0]) == UNREACHABLE).any():
        raise InputError("network scores need a connected network; build it with largest_component=True")
    return dist


def _pair_index(
    pairs: pd.DataFrame | Iterable[tuple[Any, Any]] | None, drugs: list[str], diseases: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    if pairs is None:
        drug_of = np.repeat(np.arange(len(drugs)), len(diseases))
        disease_of = np.tile(np.arange(len(diseases)), len(drugs))
        return drug_of, disease_of
    rows = name_pairs(pairs, "pairs", "(drug, disease)")
    drug_pos = {name: i for i, name in enumerate(drugs)}
    disease_pos = {name: i for i, name in enumerate(diseases)}
    for number, (a, b) in enumerate(rows):
        if a not in drug_pos:
            raise InputError(f"pairs, row {number}: drug {a!r} has no targets given")
        if b not in disease_pos:
            raise InputError(f"pairs, row {number}: disease {b!r} has no genes given")
    return (
        np.array([drug_pos[a] for a, _ in rows], dtype=np.int64),
        np.array([disease_pos[b] for _, b in rows], dtype=np.int64),
    )


def _table(
    drugs: DrawnSets,
    diseases: DrawnSets,
    drug_of: np.ndarray,
    disease_of: np.ndarray,
    ok: np.ndarray,
    wanted: list[str],
    d: dict[str, np.ndarray],
    s1: dict[str, np.ndarray],
    s2: dict[str, np.ndarray],
    n_random: int,
) -> pd.DataFrame:
    notes = np.full(len(drug_of), "", dtype=object)
    no_targets = drugs.profile[drug_of] < 0
    no_genes = diseases.profile[disease_of] < 0
    notes[no_targets] = "no drug target in the network"
    notes[no_genes & ~no_targets] = "no disease gene in the network"
    notes[no_genes & no_targets] = "no drug target and no disease gene in the network"
    frames = []
    for w in wanted:
        if n_random:
            mean = d[w] + s1[w] / n_random
            var = np.maximum(s2[w] / n_random - (s1[w] / n_random) ** 2, 0.0)
            sd = np.sqrt(var)
            # constant random distances leave rounding noise in var (k/3 is not exact): that is 0
            sd = np.where(sd > 1e-9 * np.maximum(1.0, np.abs(mean)), sd, 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                z = np.where(sd > 0, (d[w] - mean) / sd, 0.0)
            z[~ok] = np.nan
        else:
            mean = sd = z = np.full(len(drug_of), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "drug": [drugs.names[i] for i in drug_of],
                    "disease": [diseases.names[i] for i in disease_of],
                    "distance": w,
                    "d": d[w],
                    "z": z,
                    "p": norm.cdf(z),
                    "mean_random": mean,
                    "sd_random": sd,
                    "n_targets": [len(drugs.sets[i]) for i in drug_of],
                    "n_genes": [len(diseases.sets[i]) for i in disease_of],
                    "n_targets_missing": [len(drugs.missing[i]) for i in drug_of],
                    "n_genes_missing": [len(diseases.missing[i]) for i in disease_of],
                    "note": notes,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def target_contributions(
    net: Interactome,
    targets: Iterable[Any],
    genes: Iterable[Any],
    distance: str = "closest",
) -> pd.DataFrame:
    """Each target's share of a drug–disease distance, to see what drives a score.

    ``closest``, ``shortest``, ``kernel`` and ``centre`` are means over the targets of a
    per-target distance; this table gives that distance for each target, with the disease
    genes nearest to it.

    Returns
    -------
    DataFrame
        ``target, distance, nearest_genes, n_nearest``, sorted by distance (the mean of the
        ``distance`` column is ``d``). Targets not in the network are left out (logged).
    """
    key = _ALIASES.get(str(distance).lower(), str(distance).lower())
    if key not in DISTANCES or key == "separation":
        raise InputError(f"per-target contributions exist for {', '.join(DISTANCES[:4])}, not {distance!r}")
    require_connected(net)
    t_nodes, t_lost = net.resolve(targets)
    s_nodes, s_lost = net.resolve(genes)
    if t_lost or s_lost:
        logger.info("contributions: %d targets and %d genes not in the network", len(t_lost), len(s_lost))
    if len(t_nodes) == 0 or len(s_nodes) == 0:
        raise InputError("contributions: no target or no disease gene in the network")
    block = np.asarray(net.distances[np.ix_(t_nodes, s_nodes)], dtype=np.float64)
    if key == "closest":
        per_target = block.min(axis=1)
    elif key == "shortest":
        per_target = block.mean(axis=1)
    elif key == "kernel":
        per_target = -np.log(np.exp(-(block + 1.0)).mean(axis=1))
    else:
        inner = np.asarray(net.distances[np.ix_(s_nodes, s_nodes)], dtype=np.int64).sum(axis=1)
        centres = s_nodes[inner == inner.min()]
        per_target = np.asarray(net.distances[np.ix_(t_nodes, centres)], dtype=np.float64).mean(axis=1)
    nearest = block.min(axis=1)
    table = pd.DataFrame(
        {
            "target": [net.genes[t] for t in t_nodes],
            "distance": per_target,
            "nearest_genes": [
                ";".join(net.genes[s] for s in s_nodes[block[i] == nearest[i]]) for i in range(len(t_nodes))
            ],
            "n_nearest": (block == nearest[:, None]).sum(axis=1),
        }
    )
    return table.sort_values(["distance", "target"], kind="stable", ignore_index=True)
