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
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from drugscreen.errors import InputError
from drugscreen.network.interactome import UNREACHABLE, Interactome, gene_sets

logger = logging.getLogger("drugscreen")

#: The distances of Guney et al. 2016, in the paper's order.
DISTANCES = ("closest", "shortest", "kernel", "centre", "separation")
_ALIASES = {"center": "centre"}
#: Retries to avoid repeating a node within one random set (as the paper's code does).
RETRIES = 20


def degree_bins(degree: np.ndarray, min_bin_size: int = 100) -> np.ndarray:
    """Degree bin of every node (Guney et al. 2016).

    Nodes are sorted by degree; consecutive degrees are pooled until a bin holds at least
    ``min_bin_size`` nodes; a last bin smaller than that joins the one before it.

    Parameters
    ----------
    degree : array of int
        Degree of each node.
    min_bin_size : int
        Smallest number of nodes in a bin.

    Returns
    -------
    ndarray of int64
        Bin index of each node; bins are numbered by increasing degree.

    Examples
    --------
    >>> degree_bins([1, 1, 2, 3, 3, 3, 9], min_bin_size=2).tolist()
    [0, 0, 1, 1, 1, 1, 2]
    """
    degree = np.asarray(degree, dtype=np.int64)
    if isinstance(min_bin_size, bool) or not isinstance(min_bin_size, int) or min_bin_size < 1:
        raise InputError(f"min_bin_size must be a positive whole number, got {min_bin_size!r}")
    values, counts = np.unique(degree, return_counts=True)
    bin_of_value = np.empty(len(values), dtype=np.int64)
    current, filled = 0, 0
    for i, count in enumerate(counts):
        bin_of_value[i] = current
        filled += count
        if filled >= min_bin_size:
            current += 1
            filled = 0
    if filled and current > 0:  # a short last bin joins the previous one
        bin_of_value[bin_of_value == current] = current - 1
    return bin_of_value[np.searchsorted(values, degree)]


@dataclass
class _Side:
    """One side's entities (drugs or diseases), their node sets and random draws."""

    names: list[str]
    sets: list[np.ndarray]
    missing: list[list[str]]
    profile: np.ndarray  # per entity: index of its degree profile, -1 for an empty set
    draws: list[np.ndarray]  # per profile: (n_random, k) nodes, -1 padded
    draw_sizes: list[np.ndarray]  # per profile: (n_random,) set sizes

    @property
    def n_profiles(self) -> int:
        return len(self.draws)


def _side(
    net: Interactome,
    named_sets: dict[str, list[str]],
    bins: np.ndarray,
    n_random: int,
    seed: int,
    tag: int,
    what: str,
    exclude_self: bool,
) -> _Side:
    from drugscreen.kernels.graph_cpu import draw_matched_sets

    order = np.argsort(bins, kind="stable")
    bin_offsets = np.zeros(int(bins.max()) + 2, dtype=np.int64)
    np.cumsum(np.bincount(bins, minlength=len(bin_offsets) - 1), out=bin_offsets[1:])
    bin_members = order.astype(np.int32)
    node_pos = np.empty(len(bins), dtype=np.int64)
    node_pos[order] = np.arange(len(bins))
    names, sets, missing = [], [], []
    profile_index: dict[tuple[int, ...], int] = {}
    representative: dict[tuple[int, ...], np.ndarray] = {}
    profile = []
    for name, genes in named_sets.items():
        nodes, lost = net.resolve(genes)
        names.append(name)
        sets.append(nodes)
        missing.append(lost)
        if lost:
            logger.info(
                "%s %s: %d of %d genes not in the network: %s",
                what,
                name,
                len(lost),
                len(set(genes)),
                ", ".join(lost[:10]) + (" ..." if len(lost) > 10 else ""),
            )
        if len(nodes) == 0:
            profile.append(-1)
            continue
        # nodes in (bin, node) order: the draws depend on the seed, the side and this key only
        ordered = sorted((int(bins[v]), int(v)) for v in nodes)
        key = tuple(v for _, v in ordered) if exclude_self else tuple(b for b, _ in ordered)
        profile.append(profile_index.setdefault(key, len(profile_index)))
        representative.setdefault(key, np.asarray([v for _, v in ordered], dtype=np.int64))
    draws, sizes = [], []
    for key in profile_index:  # dicts keep insertion order: profile u is the u-th key
        seeds = np.random.SeedSequence([seed, tag, *key]).generate_state(n_random, np.uint64)
        out = np.empty((n_random, len(key)), dtype=np.int32)
        size = np.empty(n_random, dtype=np.int64)
        draw_matched_sets(
            representative[key],
            bins,
            node_pos,
            bin_members,
            bin_offsets,
            exclude_self,
            seeds,
            RETRIES,
            out,
            size,
        )
        draws.append(out)
        sizes.append(size)
    return _Side(names, sets, missing, np.asarray(profile, dtype=np.int64), draws, sizes)


@dataclass
class _Instances:
    """Node sets laid out flat for the kernels: set ``q`` is ``members[offsets[q]:offsets[q+1]]``."""

    members: np.ndarray
    offsets: np.ndarray

    @property
    def sizes(self) -> np.ndarray:
        return np.diff(self.offsets)

    @classmethod
    def of(cls, sets: Sequence[np.ndarray]) -> _Instances:
        offsets = np.zeros(len(sets) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in sets], out=offsets[1:])
        members = np.concatenate(list(sets)).astype(np.int32) if sets else np.empty(0, np.int32)
        return cls(members, offsets)


def _real_instances(side: _Side) -> _Instances:
    return _Instances.of(side.sets)


def _draw_instances(side: _Side, start: int, stop: int) -> _Instances:
    """Draws ``start..stop-1`` of every profile: instance ``u * width + i``."""
    sets = []
    for u in range(side.n_profiles):
        for i in range(start, stop):
            sets.append(side.draws[u][i, : side.draw_sizes[u][i]])
    return _Instances.of(sets)


def _evaluate(
    dist: np.ndarray,
    wanted: Sequence[str],
    a: _Instances,
    b: _Instances,
    qa: np.ndarray,
    qb: np.ndarray,
) -> dict[str, np.ndarray]:
    """Distance between set ``qa[q]`` of ``a`` (targets) and set ``qb[q]`` of ``b`` (genes)."""
    from drugscreen.kernels import graph_cpu as k

    n = dist.shape[0]
    a_start, a_end = a.offsets[qa], a.offsets[qa + 1]
    b_start, b_end = b.offsets[qb], b.offsets[qb + 1]
    out: dict[str, np.ndarray] = {}

    def mean_of(
        values: np.ndarray, rows: np.ndarray, members: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> np.ndarray:
        result = np.empty(len(rows), dtype=np.float64)
        k.mean_over_sets(values, rows, members, lo, hi, result)
        return result

    if "closest" in wanted or "separation" in wanted:
        near_b = np.empty((len(b.sizes), n), dtype=np.uint8)
        k.set_row_min(dist, b.members, b.offsets, near_b)
        a_to_b = mean_of(near_b, qb, a.members, a_start, a_end)
        del near_b
        if "closest" in wanted:
            out["closest"] = a_to_b
        if "separation" in wanted:
            near_a = np.empty((len(a.sizes), n), dtype=np.uint8)
            k.set_row_min(dist, a.members, a.offsets, near_a)
            b_to_a = mean_of(near_a, qa, b.members, b_start, b_end)
            del near_a
            within_a = np.empty(len(a.sizes))
            within_b = np.empty(len(b.sizes))
            k.within_set_closest(dist, a.members, a.offsets, within_a)
            k.within_set_closest(dist, b.members, b.offsets, within_b)
            size_a, size_b = a_end - a_start, b_end - b_start
            between = (a_to_b * size_a + b_to_a * size_b) / (size_a + size_b)
            out["separation"] = between - (within_a[qa] + within_b[qb]) / 2.0
    if "shortest" in wanted:
        sums = np.empty((len(b.sizes), n), dtype=np.float64)
        k.set_row_sum(dist, b.members, b.offsets, _IDENTITY, sums)
        sums /= np.maximum(b.sizes, 1)[:, None]
        out["shortest"] = mean_of(sums, qb, a.members, a_start, a_end)
    if "kernel" in wanted:
        sums = np.empty((len(b.sizes), n), dtype=np.float64)
        k.set_row_sum(dist, b.members, b.offsets, _KERNEL, sums)
        with np.errstate(divide="ignore"):
            sums = -np.log(sums / np.maximum(b.sizes, 1)[:, None])
        out["kernel"] = mean_of(sums, qb, a.members, a_start, a_end)
    if "centre" in wanted:
        is_centre = np.zeros(len(b.members), dtype=np.bool_)
        k.set_centres(dist, b.members, b.offsets, is_centre)
        counts = np.add.reduceat(is_centre, b.offsets[:-1]) if len(b.members) else np.zeros(0)
        counts = np.where(b.sizes > 0, counts, 0)
        centres = _Instances(b.members[is_centre], np.r_[0, np.cumsum(counts)].astype(np.int64))
        sums = np.empty((len(b.sizes), n), dtype=np.float64)
        k.set_row_sum(dist, centres.members, centres.offsets, _IDENTITY, sums)
        sums /= np.maximum(counts, 1)[:, None]
        out["centre"] = mean_of(sums, qb, a.members, a_start, a_end)
    return out


_IDENTITY = np.arange(256, dtype=np.float64)
_KERNEL = np.exp(-(np.arange(256, dtype=np.float64) + 1.0))
_KERNEL[UNREACHABLE] = 0.0


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
    n_jobs: int | None = -1,
    block_bytes: int = 256 * 2**20,
) -> pd.DataFrame:
    """Network proximity of drugs to diseases, with degree-matched z-scores.

    Parameters
    ----------
    net : Interactome
        A connected interaction network (the default of :meth:`Interactome.from_file`).
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
        Degree-matched random draws per set; 0 gives distances without z-scores.
    min_bin_size : int
        Smallest degree bin (100 in the paper; small networks need smaller bins).
    seed : int
        Seed of the random draws; the same seed gives the same table.
    exclude_self : bool
        Never replace a node by itself (the paper's code). ``False`` draws from the whole
        bin, and then sets with the same degree profile share their draws (faster for many
        drugs with different targets in the same bins).
    n_jobs : int, optional
        Threads for the kernels (-1: all cores).
    block_bytes : int
        Memory for the per-node distance vectors of one block of draws.

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
    wanted = _distances(distance)
    if isinstance(n_random, bool) or not isinstance(n_random, int) or n_random < 0:
        raise InputError(f"n_random must be a whole number >= 0, got {n_random!r}")
    dist = net.distances
    if net.n_genes and (np.asarray(dist[0]) == UNREACHABLE).any():
        raise InputError("proximity needs a connected network; build it with largest_component=True")
    drugs_named = gene_sets(drug_targets, gene="gene", what="drug")
    diseases_named = gene_sets(disease_genes, gene="gene", what="disease")
    bins = degree_bins(net.degree, min_bin_size)
    drugs = _side(net, drugs_named, bins, n_random, seed, 1, "drug", exclude_self)
    diseases = _side(net, diseases_named, bins, n_random, seed, 2, "disease", exclude_self)
    drug_of, disease_of = _pair_index(pairs, drugs.names, diseases.names)

    from drugscreen.backends.parallel import numba_threads

    n_pairs = len(drug_of)
    ok = (drugs.profile[drug_of] >= 0) & (diseases.profile[disease_of] >= 0)
    scored = np.flatnonzero(ok)
    d = {w: np.full(n_pairs, np.nan) for w in wanted}
    s1 = {w: np.zeros(n_pairs) for w in wanted}
    s2 = {w: np.zeros(n_pairs) for w in wanted}
    with numba_threads(n_jobs):
        if len(scored):
            real = _evaluate(
                dist,
                wanted,
                _real_instances(drugs),
                _real_instances(diseases),
                drug_of[scored],
                disease_of[scored],
            )
            for w in wanted:
                d[w][scored] = real[w]
        width = _block_width(block_bytes, max(drugs.n_profiles, diseases.n_profiles), net.n_genes, n_random)
        pa = drugs.profile[drug_of[scored]]
        pb = diseases.profile[disease_of[scored]]
        for start in range(0, n_random if len(scored) else 0, width):
            stop = min(start + width, n_random)
            step = np.arange(stop - start)
            qa = (pa[:, None] * (stop - start) + step).ravel()
            qb = (pb[:, None] * (stop - start) + step).ravel()
            values = _evaluate(
                dist,
                wanted,
                _draw_instances(drugs, start, stop),
                _draw_instances(diseases, start, stop),
                qa,
                qb,
            )
            for w in wanted:
                # sums shifted by the real distance: no cancellation in the variance
                shifted = values[w].reshape(len(scored), -1) - d[w][scored, None]
                s1[w][scored] += shifted.sum(axis=1)
                s2[w][scored] += (shifted**2).sum(axis=1)
    return _table(drugs, diseases, drug_of, disease_of, ok, wanted, d, s1, s2, n_random)


def _distances(distance: str | Sequence[str]) -> list[str]:
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


def _block_width(block_bytes: int, n_profiles: int, n_genes: int, n_random: int) -> int:
    per_draw = max(1, n_profiles) * max(1, n_genes) * 8
    return int(min(max(1, n_random), max(1, block_bytes // per_draw)))


def _pair_index(
    pairs: pd.DataFrame | Iterable[tuple[Any, Any]] | None, drugs: list[str], diseases: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    if pairs is None:
        drug_of = np.repeat(np.arange(len(drugs)), len(diseases))
        disease_of = np.tile(np.arange(len(diseases)), len(drugs))
        return drug_of, disease_of
    if isinstance(pairs, pd.DataFrame):
        if pairs.shape[1] < 2:
            raise InputError("pairs: a table needs a drug and a disease column")
        rows = list(zip(pairs.iloc[:, 0].astype(str), pairs.iloc[:, 1].astype(str), strict=True))
    else:
        rows = [(str(a), str(b)) for a, b in pairs]
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
    drugs: _Side,
    diseases: _Side,
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
    key = _ALIASES.get(distance, distance)
    if key not in DISTANCES or key == "separation":
        raise InputError(f"per-target contributions exist for {', '.join(DISTANCES[:4])}, not {distance!r}")
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
