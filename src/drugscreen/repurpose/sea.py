"""Target prediction by ligand-set similarity: the Similarity Ensemble Approach (SEA).

A target is represented by the set of its known ligands. The *raw score* of two molecule sets
``A`` and ``B`` is the sum of the Tanimoto similarities of all pairs ``(a, b)`` with
``Tc >= threshold``; it is compared with the raw scores of random sets of the same size
product ``p = |A|·|B|`` (:mod:`~drugscreen.repurpose.sea_background`), giving a z-score, an
extreme-value p-value and an E-value (the p-value times the number of targets compared).

How it is fast: every ligand is fingerprinted once; each block of query molecules is scored
against all ligands at once (dense Tanimoto kernel, blocks sized to ``block_bytes``), the
scores over the threshold are summed per query set, and one product with the sparse
ligand → target membership matrix gives every target's raw score (a ligand may belong to
many targets). Leave-one-out exclusion removes a ligand's similarity before that product, so
it is exact: raw score, maximum similarity and set size are those of the sets without it.

Choosing the threshold: Keiser et al. used ``Tc >= 0.57`` on Daylight fingerprints, where
the z-scores of random set pairs best fit the extreme value distribution. Morgan fingerprints
score random molecules much lower (mean Tc about 0.1 at radius 2, 2048 bits), so their
threshold is lower: the same criterion (:func:`choose_threshold`) gives 0.15 on the Hetionet
drug ligand pool (0.2 with a MOSES background), the default here. At 0.15 single-molecule
E-values were conservative on random target sets (min E < 0.01 for 0.8 % of random
molecules); at 0.25-0.3 they were over-confident (28-37 %), although true targets reached
the top 10 more often in leave-one-out (recall 0.43 against 0.36). The ``max_tc`` column
(similarity to the nearest ligand) ranked true targets better than the E-value did there
(AUROC 0.91 against 0.77; ``benchmarks/bench_sea.py``).

References
----------
Keiser MJ et al. Relating protein pharmacology by ligand chemistry. Nat Biotechnol
2007;25:197-206.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.chem.fingerprints import FingerprintArray
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import DrugscreenError, InputError
from drugscreen.repurpose.sea_background import (
    Background,
    evd_pvalue,
    fit_background,
    size_grid,
    subsample_pool,
)
from drugscreen.repurpose.sea_inputs import (
    _background_pool,
    _check_params,
    _exclusions,
    _fingerprints,
    _ligand_index,
    _queries,
    _report,
    _set_notes,
    check_filters,
    check_threshold,
)
from drugscreen.repurpose.sea_scoring import TargetSets, _objects, query_chunks, result_table
from drugscreen.repurpose.sea_threshold import threshold_scan

logger = logging.getLogger("drugscreen")

COLUMNS = ["query", "target", "raw_score", "z", "p_value", "e_value", "n_ligands", "max_tc", "note"]


class SEA:
    """Similarity Ensemble Approach: which targets' ligand sets a molecule (or set) resembles.

    The constructor only stores its arguments; :meth:`fit` fingerprints the ligands and fits
    the random-set background once, and every later :meth:`predict` reuses it.

    Parameters
    ----------
    ligand_sets : dict or DataFrame
        ``{target: [SMILES, ...]}``, or a table with columns ``target`` and ``smiles`` and
        optionally a ligand id (``ligand``, ``ligand_id`` or ``id``). Without ids a ligand is
        identified by its SMILES string. A ligand listed for several targets is fingerprinted
        once and belongs to each of them.
    threshold : float
        Tanimoto threshold of the raw score (pairs below it count 0). See the module notes.
    spec : FingerprintSpec, optional
        Defaults to Morgan radius 2, 2048 bits.
    n_background : int
        Random set pairs of the background, spread over a grid of set sizes.
    query_sizes : sequence of int, optional
        Query-side set sizes of the background grid. By default the same log-spaced grid as
        the target side (1 to the largest target set), as in the paper; ``[1]`` fits the
        background to single-molecule queries only.
    seed : int
        Seed of the random sets (and of the pool subsample, above 20,000 molecules or
        ``block_bytes``).
    n_jobs : int, optional
        Threads of the similarity kernels (-1: all cores); worker processes for fingerprinting
        20,000 molecules or more.
    block_bytes : int
        Memory of one block of query scores, and of the background pool's similarity matrix
        (a larger pool is subsampled).
    progress : bool
        Progress bar over query blocks (when there is more than one).

    Attributes
    ----------
    targets_ : list
        Targets with at least one usable ligand, in input order.
    n_ligands_ : ndarray
        Ligands per target.
    ligand_ids_ : list
        Distinct usable ligands (ids, or SMILES without ids).
    membership_ : scipy.sparse.csr_matrix
        ``[n_ligands, n_targets]`` 0/1 membership.
    errors_ : DataFrame
        Unusable records: ``source, row, target, ligand, smiles, reason``.
    empty_targets_ : list
        Targets left with no usable ligand (not scored).
    background_ : Background
        The fitted random-set model; ``mean_coef_``, ``mean_exponent_``, ``sd_coef_``,
        ``sd_exponent_`` repeat its parameters.

    Examples
    --------
    >>> from drugscreen.repurpose.sea import SEA
    >>> sets = {"T1": ["CCO", "CCCO", "CCCCO"], "T2": ["c1ccccc1", "Cc1ccccc1", "CCc1ccccc1"]}
    >>> sea = SEA(sets, n_background=200, progress=False).fit()
    >>> sea.predict(["CCCCCO"]).target.tolist()
    ['T1', 'T2']
    """

    def __init__(
        self,
        ligand_sets: Mapping[Any, Iterable[str]] | pd.DataFrame,
        *,
        threshold: float = 0.15,
        spec: FingerprintSpec | None = None,
        n_background: int = 20_000,
        query_sizes: Sequence[int] | None = None,
        seed: int = 0,
        n_jobs: int | None = -1,
        block_bytes: int = 256 * 2**20,
        progress: bool = True,
    ):
        self.ligand_sets = ligand_sets
        self.threshold = threshold
        self.spec = spec
        self.n_background = n_background
        self.query_sizes = query_sizes
        self.seed = seed
        self.n_jobs = n_jobs
        self.block_bytes = block_bytes
        self.progress = progress

    # ------------------------------------------------------------------ fitting
    def check_params(self) -> SEA:
        """Check the settings (one-line :class:`~drugscreen.InputError` naming a wrong one); :meth:`fit`
        does this first. Returns ``self``."""
        _check_params(
            self.threshold, self.n_background, self.block_bytes, self.seed, self.spec, self.query_sizes
        )
        return self

    def fit(self, background: Iterable[str] | None = None) -> SEA:
        """Fingerprint the ligands and fit the random-set background (once).

        Parameters
        ----------
        background : list of SMILES, optional
            Library the random sets are drawn from; by default the ligands themselves.

        Returns
        -------
        SEA
            ``self``, fitted.
        """
        from drugscreen.similarity.matrix import similarity_matrix

        pool, sizes_a, sizes_b = self._prepare(background)
        sim = similarity_matrix(pool, threshold=float(self.threshold), n_jobs=self.n_jobs)
        self.background_ = fit_background(
            sim, sizes_a, sizes_b, int(self.n_background), int(self.seed), float(self.threshold)
        )
        bg = self.background_
        self.mean_coef_, self.mean_exponent_ = bg.mean_coef, bg.mean_exponent
        self.sd_coef_, self.sd_exponent_ = bg.sd_coef, bg.sd_exponent
        return self

    def _prepare(self, background: Iterable[str] | None) -> tuple[FingerprintArray, list[int], list[int]]:
        """Ligand fingerprints and membership; the background pool and its size grids."""
        self.check_params()
        self.spec_ = self.spec or FingerprintSpec()
        fps, ligand_ids, targets, empty, membership, errors = _ligand_index(
            self.ligand_sets, self.spec_, self.n_jobs, self.progress
        )
        self.targets_, self.empty_targets_ = targets, empty
        if not self.targets_:
            raise InputError("SEA: no target has a usable ligand")
        self.membership_ = membership
        self.n_ligands_ = np.asarray(self.membership_.sum(axis=0), dtype=np.int64).ravel()
        self.ligand_ids_ = ligand_ids
        self.ligand_fingerprints_ = fps
        self._ligand_pos = {x: n for n, x in enumerate(self.ligand_ids_)}
        self._sets = TargetSets(fps, self.membership_, float(self.threshold))
        pool, errors = _background_pool(background, fps, errors, self.spec_, self.n_jobs, self.progress)
        columns = ["source", "row", "target", "ligand", "smiles", "reason"]
        self.errors_ = errors.reindex(columns=columns).reset_index(drop=True)
        _report(self.errors_, self.empty_targets_)
        pool = subsample_pool(pool, float(self.threshold), int(self.block_bytes), self.seed, self.n_jobs)
        sizes_b = size_grid(min(int(self.n_ligands_.max()), len(pool) // 2)).tolist()
        sizes_a = sorted({int(s) for s in self.query_sizes}) if self.query_sizes is not None else sizes_b
        return pool, sizes_a, sizes_b

    def _fitted(self) -> Background:
        if not hasattr(self, "background_"):
            raise DrugscreenError("this SEA model is not fitted yet: call .fit() first")
        return self.background_

    # --------------------------------------------------------------- prediction
    def predict(
        self,
        queries: Any,
        *,
        exclude: Any = None,
        max_e_value: float | None = None,
        top_k: int | None = None,
    ) -> pd.DataFrame:
        """Score single molecules against every target.

        Parameters
        ----------
        queries : str, list of SMILES, Series, dict or DataFrame
            Molecules. Ids: positions for a list, the index of a Series, the keys of a dict
            ``{id: SMILES}``, the ``id`` column (else the index) of a DataFrame with a
            ``smiles`` column.
        exclude : None, "self", dict or sequence
            Ligand ids to remove from every target set for a query (exact leave-one-out):
            ``"self"`` removes the ligand whose id is the query's id (its SMILES for a list);
            a dict ``{query id: id or ids}`` or a sequence aligned with the queries names them.
            Targets left without ligands are not compared (nor counted in the E-value).
        max_e_value : float, optional
            Keep rows with ``e_value <= max_e_value`` (unusable queries are always kept).
        top_k : int, optional
            Keep the ``top_k`` best targets per query.

        Returns
        -------
        DataFrame
            ``query, target, raw_score, z, p_value, e_value, n_ligands, max_tc, note``, queries
            in input order, each sorted by E-value (then z descending). ``n_ligands`` is the
            target's set size after exclusion; ``max_tc`` the largest similarity to any of
            them (below the threshold too). A query that cannot be parsed is one row with no
            target, NaN scores and the reason in ``note``.
        """
        ids, members, self_ids = _queries(queries, sets=False)
        return self._run(ids, members, self_ids, exclude, max_e_value, top_k, sets=False)

    def predict_sets(
        self,
        query_sets: Mapping[Any, Iterable[str]] | pd.DataFrame,
        *,
        exclude: Any = None,
        max_e_value: float | None = None,
        top_k: int | None = None,
    ) -> pd.DataFrame:
        """Score sets of molecules (e.g. another target's ligands) against every target.

        ``query_sets`` is ``{name: [SMILES, ...]}`` or a table with ``set`` and ``smiles``
        columns (and an optional ``id`` per molecule). Unusable molecules are left out of
        their set (said in ``note``); ``exclude="self"`` removes the sets' own molecules (by
        ``id``, else SMILES) from the target sets. Otherwise as :meth:`predict`, with an extra
        ``n_query`` column: the size of the query set.
        """
        names, members, self_ids = _queries(query_sets, sets=True)
        return self._run(names, members, self_ids, exclude, max_e_value, top_k, sets=True)

    def compare_sets(self, set_a: Iterable[str], set_b: Iterable[str]) -> dict[str, float]:
        """Raw score, z and p-value of two molecule sets under the fitted background.

        Returns ``{"raw_score", "z", "p_value", "n_a", "n_b", "max_tc"}`` (unusable SMILES
        are left out and logged).
        """
        from drugscreen.similarity.matrix import bulk_similarity

        bg = self._fitted()
        fps = []
        for what, molecules in (("set_a", set_a), ("set_b", set_b)):
            texts = [molecules] if isinstance(molecules, str) else list(molecules)
            fa, _, bad = _fingerprints(texts, self.spec_, 1, False)
            if bad:
                logger.warning("SEA compare_sets: %d unusable molecule(s) in %s left out", len(bad), what)
            if len(fa) == 0:
                raise InputError(f"compare_sets: {what} has no usable molecule")
            fps.append(fa)
        scores = bulk_similarity(fps[0], fps[1], n_jobs=self.n_jobs)
        raw = float(scores[scores >= self.threshold].sum())
        p = len(fps[0]) * len(fps[1])
        z = float(bg.z(raw, p))
        out = {"raw_score": raw, "z": z, "p_value": float(evd_pvalue(z))}
        return {**out, "n_a": len(fps[0]), "n_b": len(fps[1]), "max_tc": float(scores.max())}

    def _run(
        self,
        names: list[Any],
        members: list[list[Any]],
        self_ids: list[list[Any]],
        exclude: Any,
        max_e_value: float | None,
        top_k: int | None,
        sets: bool,
    ) -> pd.DataFrame:
        from drugscreen.backends.progress import progress_bar

        bg = self._fitted()
        max_e_value, top_k = check_filters(max_e_value, top_k)
        excluded = _exclusions(exclude, names, self_ids)
        fps, ok, reasons = _fingerprints(
            [m for g in members for m in g], self.spec_, self.n_jobs, self.progress
        )
        set_of = np.repeat(np.arange(len(names)), [len(g) for g in members])
        n_valid = np.bincount(set_of[ok], minlength=len(names))
        notes = _set_notes(members, set_of, reasons, sets)
        good = np.flatnonzero(n_valid > 0)
        ptr = np.concatenate([[0], np.cumsum(n_valid[good])])
        pos = self._ligand_pos
        drop = [np.unique(np.array([pos[x] for x in excluded[s] if x in pos], dtype=np.int64)) for s in good]
        unknown = sum(len(set(excluded[s])) for s in good) - sum(len(d) for d in drop)
        if unknown:
            logger.info("SEA: %d excluded id(s) are not ligands of any target (nothing to remove)", unknown)
        rows = self._sets.block_rows(self.block_bytes)
        chunks = query_chunks(n_valid[good], rows)
        bar = progress_bar(
            total=len(good), unit=" queries", desc="SEA", enabled=self.progress and len(chunks) > 1
        )
        frames = []
        for s0, s1 in chunks:
            scored = self._sets.score(fps, ptr[s0 : s1 + 1], rows, drop[s0:s1], self.n_jobs)
            frames.append(result_table(bg, good[s0:s1], n_valid[good[s0:s1]], scored, max_e_value, top_k))
            bar.update(s1 - s0)
        bar.close()
        bad = np.flatnonzero(n_valid == 0)
        missing = np.full(len(bad), np.nan)
        # every column, so that a call whose queries are all unusable still gives the full table
        frames.append(
            pd.DataFrame(
                {"_set": bad, "_target": -1, "raw_score": missing, "z": missing, "p_value": missing}
                | {"e_value": missing, "n_ligands": 0, "max_tc": missing, "n_query": 0}
            )
        )
        table = pd.concat(frames, ignore_index=True).sort_values("_set", kind="stable", ignore_index=True)
        at = table.pop("_set").to_numpy(dtype=np.int64)
        table.insert(0, "query", _objects(names)[at])
        table.insert(
            1, "target", _objects([*self.targets_, None])[table.pop("_target").to_numpy(dtype=np.int64)]
        )
        table["note"] = _objects(notes)[at]
        table = table.astype({"n_ligands": np.int64, "n_query": np.int64})
        return table[COLUMNS[:-1] + (["n_query"] if sets else []) + ["note"]]


def choose_threshold(
    ligand_sets: Mapping[Any, Iterable[str]] | pd.DataFrame,
    thresholds: Sequence[float] = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
    *,
    background: Iterable[str] | None = None,
    **params: Any,
) -> pd.DataFrame:
    """Fit of the random-set z-scores to the EVD at several thresholds (Keiser et al.'s choice).

    For each threshold a background is fitted; z-scores of fresh random set pairs (another
    seed) are then compared with the mean-0, SD-1 Gumbel distribution.

    Parameters
    ----------
    ligand_sets, background
        As in :class:`SEA` and :meth:`SEA.fit`.
    thresholds : sequence of float
        Candidate thresholds.
    **params
        Other :class:`SEA` parameters (``spec``, ``n_background``, ``query_sizes``, ``seed``,
        ``n_jobs``).

    Returns
    -------
    DataFrame
        ``threshold, ks, ks_normal, chi2, z_mean, z_sd, frac_p_below_0.01,
        frac_p_below_0.05, mean_exponent, sd_exponent`` (see
        ``drugscreen.repurpose.sea_threshold.evd_fit``); ``attrs["best"]`` is the
        threshold of the smallest chi2. Too low a threshold makes the z-scores normal
        (``ks_normal < ks``), too high a one makes them lumpy (few pairs pass).
    """
    if isinstance(thresholds, str) or not isinstance(thresholds, Iterable):
        raise InputError(f"thresholds must be a list of numbers in (0, 1], got {thresholds!r}")
    thresholds = [check_threshold(t) for t in thresholds]
    if not thresholds:
        raise InputError("thresholds: give at least one threshold")
    model = SEA(ligand_sets, threshold=min(thresholds), **params)
    pool, sizes_a, sizes_b = model._prepare(background)
    table = threshold_scan(
        pool, thresholds, sizes_a, sizes_b, int(model.n_background), int(model.seed), model.n_jobs
    )
    table.attrs["best"] = float(table.threshold.to_numpy()[int(np.argmin(table.chi2.to_numpy()))])
    return table
