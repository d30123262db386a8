"""Train / validation / test splits for property models, stored in chemprop's splits-file format.

Every splitter returns a :class:`Split` of sorted ``int64`` row indices that cover all rows
exactly once. ``sizes`` are three fractions (train, val, test) that sum to 1.

Rounding follows chemprop v2 (astartes): a set gets ``floor(fraction * n)`` rows, except the last
set with a non-zero fraction, which gets the rest -- ``n = 15, sizes = (0.8, 0.1, 0.1)`` gives
``12, 1, 2``. Splits of whole groups (scaffolds, clusters) never put more rows in train than
that floor, nor in val (DeepChem's rule: in train and val together) than its floor, so they come
out close to, not exactly at, the requested sizes. A set whose fraction is non-zero but which
would come out empty is an :class:`~drugscreen.errors.InputError`.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from drugscreen.errors import InputError, MoleculeError
from drugscreen.models.split_file import SETS, Index, Split

__all__ = [
    "Split",
    "cluster_split",
    "make_split",
    "random_split",
    "scaffold_split",
    "scaffold_keys",
    "stratified_split",
]

#: The split kinds :func:`make_split` knows, and the options each takes beyond ``sizes``/``seed``.
KINDS = {
    "random": (),
    "scaffold": ("balanced", "include_chirality"),
    "stratified": (),
    "cluster": ("cutoff", "n_jobs"),
}
Sizes = Sequence[float]


def _check_sizes(sizes: Sizes) -> tuple[float, float, float]:
    values = tuple(sizes) if isinstance(sizes, Iterable) else ()
    ok = len(values) == 3 and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values)
    if not ok or not all(math.isfinite(v) and v >= 0 for v in values) or abs(sum(values) - 1) > 1e-6:
        raise InputError(
            f"sizes must be three non-negative fractions (train, val, test) summing to 1, got {sizes!r}"
        )
    return float(values[0]), float(values[1]), float(values[2])


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InputError(f"seed must be an integer, got {seed!r}")
    return int(seed)


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise InputError(f"n must be a non-negative integer number of rows, got {n!r}")
    if n == 0:
        raise InputError("nothing to split: there are no rows (n = 0)")
    return int(n)


def _targets(n: int, sizes: tuple[float, float, float]) -> list[int]:
    """Rows per set: ``floor(fraction * n)``, the rest to the last set with a non-zero fraction."""
    counts = [math.floor(f * n) for f in sizes]
    last = max(i for i in range(3) if sizes[i] > 0)
    counts[last] = n - sum(c for i, c in enumerate(counts) if i != last)
    return counts


def _finish(
    sets: Sequence[Any], n: int, sizes: tuple[float, float, float], kind: str, seed: int | None
) -> Split:
    for name, rows, frac in zip(SETS, sets, sizes, strict=True):
        if frac > 0 and len(rows) == 0:
            cap = math.floor(frac * n)
            why = "" if kind in ("random", "stratified") else f" (no {kind} group fit in its {cap} rows)"
            raise InputError(
                f"a {kind} split of {n} rows with sizes {sizes} leaves the {name} set empty{why}: "
                "split more rows or set its fraction to 0"
            )
    train, val, test = (np.asarray(s, dtype=np.int64) for s in sets)
    return Split(train, val, test, kind=kind, seed=seed)


def random_split(n: int, sizes: Sizes = (0.8, 0.1, 0.1), seed: int = 0) -> Split:
    """Rows 0 to n - 1 shuffled with ``seed`` and cut at the rounded sizes.

    Examples
    --------
    >>> random_split(10, seed=0).sizes
    (8, 1, 1)
    >>> random_split(10, seed=1) == random_split(10, seed=1)
    True
    """
    n, fracs, seed = _check_n(n), _check_sizes(sizes), _check_seed(seed)
    cuts = np.cumsum(_targets(n, fracs))[:2]
    perm = np.random.default_rng(seed).permutation(n)
    return _finish(np.split(perm, cuts), n, fracs, "random", seed)


def _fill_balanced(
    groups: list[list[int]], n: int, sizes: tuple[float, float, float], seed: int
) -> list[list[int]]:
    """chemprop's balanced group split (``scaffold_balanced`` of chemprop 1.x).

    Groups larger than half the val or half the test size come first, then the others, each
    part shuffled by ``random.Random(seed)``; each group goes to train if it fits, else to val
    if it fits, else to test (to the last set with a non-zero fraction, when test's is 0).
    """
    caps = [math.floor(f * n) for f in sizes]
    big = [g for g in groups if 2 * len(g) > caps[1] or 2 * len(g) > caps[2]]
    small = [g for g in groups if not (2 * len(g) > caps[1] or 2 * len(g) > caps[2])]
    rng = random.Random(seed)
    rng.shuffle(big)
    rng.shuffle(small)
    open_sets = [i for i in range(3) if sizes[i] > 0]
    out: list[list[int]] = [[], [], []]
    for group in big + small:
        target = next((i for i in open_sets[:-1] if len(out[i]) + len(group) <= caps[i]), open_sets[-1])
        out[target].extend(group)
    return out


def _fill_deepchem(groups: list[list[int]], n: int, sizes: tuple[float, float, float]) -> list[list[int]]:
    """DeepChem's ``ScaffoldSplitter``: largest groups first, cumulative cut-offs."""
    order = sorted(groups, key=lambda g: (len(g), g[0]), reverse=True)
    train_cut, valid_cut = sizes[0] * n, (sizes[0] + sizes[1]) * n
    train: list[int] = []
    val: list[int] = []
    test: list[int] = []
    for group in order:
        if len(train) + len(group) <= train_cut:
            train += group
        elif len(train) + len(val) + len(group) <= valid_cut:
            val += group
        else:
            test += group
    return [train, val, test]


def _group_rows(keys: Sequence[Any]) -> list[list[int]]:
    """Rows sharing a key, groups in order of first appearance, rows ascending."""
    groups: dict[Any, list[int]] = {}
    for row, key in enumerate(keys):
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def _smiles_list(smiles: Any) -> list[Any]:
    if isinstance(smiles, (str, bytes)) or not isinstance(smiles, Iterable):
        raise InputError(f"smiles must be a sequence of SMILES strings, got {type(smiles).__name__}")
    return list(smiles)


def scaffold_keys(smiles: Sequence[str], include_chirality: bool = False) -> list[str]:
    """Bemis-Murcko scaffold of each molecule as DeepChem and chemprop compute it.

    ``MurckoScaffold.MurckoScaffoldSmiles(mol=..., includeChirality=include_chirality)``:
    without chirality, stereoisomeric scaffolds share a group. :func:`drugscreen.scaffolds`
    keeps stereo (it equals ``include_chirality=True``), which splits such groups.

    Raises
    ------
    InputError
        If molecules do not parse, naming the first bad rows (drop them before splitting).

    Examples
    --------
    >>> scaffold_keys(["C[C@H]1CCC(c2ccccc2)O1", "CCO"])
    ['c1ccc(C2CCCO2)cc1', '']
    """
    from rdkit.Chem.Scaffolds import MurckoScaffold

    from drugscreen.chem.parse import read_molecules

    keys: list[str] = []
    bad: list[tuple[int, str]] = []
    for rec in read_molecules(_smiles_list(smiles)):
        if rec.mol is None:
            bad.append((rec.row, rec.error or "unparseable"))
            continue
        keys.append(str(MurckoScaffold.MurckoScaffoldSmiles(mol=rec.mol, includeChirality=include_chirality)))
    if bad:
        listed = "; ".join(f"row {row}: {reason}" for row, reason in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise InputError(
            f"{len(bad)} molecule(s) could not be parsed ({listed}{more}); drop them before splitting"
        )
    return keys


def scaffold_split(
    smiles: Sequence[str],
    sizes: Sizes = (0.8, 0.1, 0.1),
    seed: int = 0,
    balanced: bool = True,
    *,
    include_chirality: bool = False,
) -> Split:
    """Split so that molecules sharing a Bemis-Murcko scaffold stay in one set.

    Parameters
    ----------
    smiles : sequence of str
        One SMILES per row; every one must parse (:class:`~drugscreen.InputError` names the bad rows).
    sizes : three floats
        Train, val and test fractions.
    seed : int
        Shuffles the scaffold groups (``balanced=True`` only).
    balanced : bool
        True: chemprop's balanced scaffold split (as chemprop 1.x ``scaffold_balanced``) -- groups
        larger than half the val or test size are placed first, then the rest, each part shuffled
        with ``random.Random(seed)``; a group goes to train if it fits in ``floor(0.8 n)`` (say),
        else to val if it fits, else to test. False: DeepChem's ``ScaffoldSplitter``, exactly --
        groups by size descending (ties: the group whose first row is later first), train while
        the group fits under ``frac_train * n``, then val under ``(frac_train + frac_val) * n``
        counting train and val together, else test; no randomness (``seed`` is not used).
    include_chirality : bool
        Scaffolds with stereo (see ``scaffold_keys``). DeepChem and chemprop leave it out.

    Notes
    -----
    chemprop 2.x hands ``scaffold_balanced`` to astartes, which fills test first, then val, and
    puts the rest in train; ``balanced=True`` is chemprop 1.x's train-first rule.

    Examples
    --------
    >>> smi = ["c1ccccc1C", "c1ccccc1O", "C1CCCCC1N", "C1CCNCC1", "CCO", "c1ccncc1C", "c1ccncc1O"]
    >>> scaffold_split(smi, (0.6, 0.2, 0.2), balanced=False).train.tolist()
    [0, 1, 5, 6]
    """
    keys = scaffold_keys(smiles, include_chirality)
    n, fracs, seed = _check_n(len(keys)), _check_sizes(sizes), _check_seed(seed)
    groups = _group_rows(keys)
    if balanced:
        return _finish(_fill_balanced(groups, n, fracs, seed), n, fracs, "scaffold", seed)
    return _finish(_fill_deepchem(groups, n, fracs), n, fracs, "scaffold", None)


def cluster_split(
    smiles: Sequence[str],
    sizes: Sizes = (0.8, 0.1, 0.1),
    seed: int = 0,
    cutoff: float = 0.65,
    *,
    n_jobs: int | None = -1,
) -> Split:
    """Split whole Butina clusters of Morgan fingerprints (radius 2, 2048 bits).

    Clusters come from :func:`drugscreen.cluster.butina` at distance ``cutoff`` (``1 -
    Tanimoto``: the default 0.65 joins molecules with Tanimoto >= 0.35) and are assigned like
    the balanced scaffold split (:func:`scaffold_split`), so no cluster straddles two sets.

    Examples
    --------
    >>> smi = ["CCO", "CCCO", "CCCCO", "c1ccccc1", "c1ccccc1O", "c1ccccc1N", "C1CCNCC1", "CC(=O)O"]
    >>> cluster_split(smi, (0.5, 0.25, 0.25), seed=0, cutoff=0.6).sizes
    (4, 2, 2)
    """
    from drugscreen.chem.fingerprints import fingerprint
    from drugscreen.chem.spec import FingerprintSpec
    from drugscreen.cluster.butina import butina

    rows = _smiles_list(smiles)
    n, fracs, seed = _check_n(len(rows)), _check_sizes(sizes), _check_seed(seed)
    try:
        fps = fingerprint(rows, FingerprintSpec("morgan", radius=2, nbits=2048), n_jobs=n_jobs)
    except MoleculeError as exc:
        raise InputError(f"{exc}; drop them before splitting") from exc
    table = butina(fps, cutoff, n_jobs=n_jobs)
    groups = [sorted(g) for g in table.groupby("cluster", sort=True)["row"].apply(list)]
    return _finish(_fill_balanced(groups, n, fracs, seed), n, fracs, "cluster", seed)


def stratified_split(y: npt.ArrayLike, sizes: Sizes = (0.8, 0.1, 0.1), seed: int = 0) -> Split:
    """Random split that keeps the class proportions of ``y`` in every set.

    Each class ``c`` of ``n_c`` rows puts ``floor`` or ``ceil`` of ``n_c * N_s / n`` rows in set
    ``s`` (``N_s`` its rounded size), totals exact (controlled rounding, as a small max-flow).
    Then a class with at least one row per set, missing from one, borrows a place there from
    the class most over-represented in it, so rare classes reach val and test where possible.

    Parameters
    ----------
    y : array-like, 1-D
        Class labels (ints, strings, bools or integral floats); NaN or None is an error.

    Examples
    --------
    >>> y = [0] * 16 + [1] * 4
    >>> s = stratified_split(y, (0.5, 0.25, 0.25), seed=0)
    >>> [int(sum(y[i] for i in part)) for part in (s.train, s.val, s.test)]
    [2, 1, 1]
    """
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise InputError(f"y must be a 1-D vector of class labels, got shape {labels.shape}")
    n, fracs, seed = _check_n(labels.size), _check_sizes(sizes), _check_seed(seed)
    missing = np.flatnonzero(pd.isna(labels))
    if missing.size:
        raise InputError(
            f"y has {missing.size} missing label(s) (first rows {missing[:5].tolist()}); drop them first"
        )
    if labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise InputError("y holds non-integer floats: stratify on class labels (bin continuous values first)")
    try:
        classes, codes = np.unique(labels, return_inverse=True)
    except TypeError as exc:  # e.g. ints mixed with strings in an object array
        raise InputError(f"y mixes label types that cannot be compared: {exc}") from exc
    counts = np.bincount(codes, minlength=classes.size).astype(np.int64)
    totals = np.asarray(_targets(n, fracs), dtype=np.int64)
    alloc = _share_out(counts, totals, n)
    rng = np.random.default_rng(seed)
    sets: list[list[Index]] = [[], [], []]
    for c in range(classes.size):
        rows = rng.permutation(np.flatnonzero(codes == c))
        for s, part in enumerate(np.split(rows, np.cumsum(alloc[c])[:2])):
            sets[s].append(part)
    return _finish([np.concatenate(p) for p in sets], n, fracs, "stratified", seed)


def _share_out(counts: npt.NDArray[np.int64], totals: npt.NDArray[np.int64], n: int) -> npt.NDArray[np.int64]:
    """Rows of each class per set: a controlled rounding of ``counts x totals / n``, then fixes."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import maximum_flow

    prod = np.outer(counts, totals)
    alloc = prod // n
    row_need, col_need = counts - alloc.sum(1), totals - alloc.sum(0)
    n_cls, n_sets = alloc.shape
    if row_need.any():  # route the missing units: source -> class -> fractional cell -> set -> sink
        sink = n_cls + n_sets + 1
        frac_c, frac_s = np.nonzero(prod % n)
        src = np.concatenate([np.zeros(n_cls, np.int64), 1 + frac_c, 1 + n_cls + np.arange(n_sets)])
        dst = np.concatenate([1 + np.arange(n_cls), 1 + n_cls + frac_s, np.full(n_sets, sink)])
        cap = np.concatenate([row_need, np.ones(frac_c.size, np.int64), col_need]).astype(np.int32)
        graph = sp.csr_matrix((cap, (src, dst)), shape=(sink + 1, sink + 1))
        result = maximum_flow(graph, 0, sink)
        if result.flow_value != row_need.sum():  # cannot happen: a fractional solution exists
            raise RuntimeError("stratified split: controlled rounding failed")
        alloc += np.maximum(result.flow.toarray()[1 : 1 + n_cls, 1 + n_cls : sink], 0)
    expected = prod / n
    used = np.flatnonzero(totals > 0)
    for c in np.argsort(counts, kind="stable"):
        if counts[c] < used.size:
            continue
        for s in used[alloc[c, used] == 0]:
            donor = int(np.argmax(alloc[c]))
            others = [k for k in range(n_cls) if k != c and alloc[k, s] >= 2]
            if not others:
                continue
            k = max(others, key=lambda k: (alloc[k, s] - expected[k, s], alloc[k, s]))
            alloc[c, s] += 1
            alloc[c, donor] -= 1
            alloc[k, s] -= 1
            alloc[k, donor] += 1
    return alloc


def make_split(
    kind: str,
    *,
    n: int | None = None,
    smiles: Sequence[str] | None = None,
    y: npt.ArrayLike | None = None,
    sizes: Sizes = (0.8, 0.1, 0.1),
    seed: int = 0,
    **options: Any,
) -> Split:
    """One entry point for every split kind: ``"random"``, ``"scaffold"``, ``"stratified"``, ``"cluster"``.

    ``random`` needs ``n`` (or counts the rows of ``smiles`` or ``y``); ``scaffold`` and
    ``cluster`` need ``smiles``; ``stratified`` needs ``y``. ``options`` go to the splitter
    (``balanced``, ``include_chirality`` for scaffold; ``cutoff``, ``n_jobs`` for cluster).

    Examples
    --------
    >>> make_split("random", n=20, seed=3).sizes
    (16, 2, 2)
    >>> make_split("scaffold", smiles=["c1ccccc1C", "CCO", "C1CCCCC1"], sizes=(1 / 3, 1 / 3, 1 / 3)).sizes
    (1, 1, 1)
    """
    if not isinstance(kind, str) or kind not in KINDS:
        raise InputError(f"unknown split kind {kind!r}; choose one of {', '.join(KINDS)}")
    unknown = sorted(set(options) - set(KINDS[kind]))
    if unknown:
        allowed = ", ".join(KINDS[kind]) or "none"
        raise InputError(f"unknown option(s) {unknown} for a {kind} split (it takes: {allowed})")
    rows = _smiles_list(smiles) if smiles is not None else None
    labels = np.asarray(y) if y is not None else None
    counted = {
        "n": n,
        "smiles": None if rows is None else len(rows),
        "y": None if labels is None or labels.ndim == 0 else labels.shape[0],
    }
    given = {name: count for name, count in counted.items() if count is not None}
    if len(set(given.values())) > 1:
        raise InputError(f"row counts disagree: {given}")
    if kind == "random":
        if not given:
            raise InputError("make_split('random') needs n= (or smiles= or y= to count the rows)")
        return random_split(next(iter(given.values())), sizes, seed)
    if kind == "stratified":
        if labels is None:
            raise InputError("make_split('stratified') needs y= (the class labels)")
        return stratified_split(labels, sizes, seed)
    if rows is None:
        raise InputError(f"make_split({kind!r}) needs smiles=")
    if kind == "scaffold":
        return scaffold_split(rows, sizes, seed, **options)
    return cluster_split(rows, sizes, seed, **options)
