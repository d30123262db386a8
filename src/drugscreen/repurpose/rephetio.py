"""A Rephetio-style repurposing model: which compounds treat which diseases, learnt from paths.

Himmelstein et al. (eLife 2017) scored every compound–disease pair of Hetionet by an
elastic-net logistic regression on degree-weighted path counts (DWPC) over metapaths,
node degrees and a degree-based prior, trained on the known treats (``CtD``) edges. This
module does the same on any :class:`~drugscreen.network.Hetnet`; features are described in
:mod:`drugscreen.repurpose.rephetio_features`, honest evaluation is in
:mod:`drugscreen.repurpose.rephetio_eval`.

Negatives are a random sample of the pairs without a treats edge (``n_negatives``), as
Rephetio trained on a sample; scores are therefore inflated probabilities whose order, not
their level, is what to read.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from drugscreen.errors import InputError
from drugscreen.network.hetnet import Hetnet
from drugscreen.network.metagraph import Metapath
from drugscreen.repurpose.dwpc import DAMPING
from drugscreen.repurpose.rephetio_classifier import (  # noqa: F401  (column_aurocs: part of this module's API)
    C_GRID,
    FittedClassifier,
    choose_c,
    column_aurocs,
    select_columns,
)
from drugscreen.repurpose.rephetio_features import PairFeatures, metapath_block, pair_features
from drugscreen.repurpose.rephetio_heads import fit_trees, path_bonus
from drugscreen.repurpose.rephetio_pairs import (  # noqa: F401  (without_pairs: part of this module's API)
    crossfit,
    pair_labels,
    sample_pairs,
    without_pairs,
)
from drugscreen.repurpose.rephetio_params import check_settings, check_top  # noqa: F401  (check_top: this module's API)

logger = logging.getLogger("drugscreen")


class Rephetio(BaseEstimator):
    """Regularised logistic regression on DWPC, degree and prior features of every pair.

    Parameters
    ----------
    metapaths : sequence of str, optional
        Metapaths to use; by default every ``source`` → ``target`` metapath of
        ``min_length``–``max_length`` edges in the network.
    source, target : str
        Node kinds of the pairs (Compound, Disease).
    treats : str
        The metaedge whose edges are the positive labels (``"CtD"``).
    min_length, max_length : int
        Metapath lengths enumerated when ``metapaths`` is None. The default longest is 3: on
        the evaluation harness (``drugscreen.repurpose.harness``, Hetionet) adding the
        length-4 metapaths lowered every metric under every protocol and made a fit 3× slower.
    damping : float
        DWPC damping (0.4 as Rephetio).
    l1_ratio : float
        Elastic-net mixing: 0 (default) is a ridge penalty fitted by L-BFGS; Rephetio used
        glmnet's ``alpha = 0.2`` (``l1_ratio=0.2``, fitted by saga). On the evaluation harness
        the two are equal within a few thousandths on every metric, and ridge fits 5× faster.
    C : float, optional
        Inverse regularisation strength; None picks the smallest of ``Cs`` whose 3-fold AUROC
        on the training pairs is within one standard error of the best (glmnet's
        ``lambda.1se``, as Rephetio).
    Cs : sequence of float
        The grid for ``C=None``.
    n_negatives : int, optional
        Pairs without a treats edge sampled as negatives (None: all of them).
    max_metapaths : int, optional
        Keep the metapaths whose DWPC alone best separates the training pairs (AUROC), this
        many (None: all). Rephetio kept 123 of 1,206 by a permutation test; selecting here
        keeps the elastic net fast and is redone on each cross-validation fold's training
        pairs, so it never sees held-out labels.
    feature_folds : int, optional
        Cross-fitted training features (default 5): the training pairs are dealt into this
        many folds and each fold's features are computed on the network without that fold's
        treats edges, as a new indication's are at prediction time. Without it (None) a
        training positive's own edge shapes its features — its compound's treats degree in
        the prior and in every path through a treats edge — and the model learns the
        edges it was given rather than what predicts new ones.
    zero_shot : bool
        With ``feature_folds``, also fit a second classifier for diseases (target nodes) with
        no known treatment, on training features cross-fitted by disease (every treats edge
        of a fold's diseases held out): such a disease has no path ending in a treats edge and
        a flat prior, so the weights learnt where those dominate do not carry over. Its pairs
        are scored by this classifier (``head`` = ``"zero-shot"`` in :meth:`predict`).
    zero_shot_trees : bool
        Average the zero-shot head's log-odds with boosted trees' fitted on the same features
        (``drugscreen.repurpose.rephetio_heads``).
    path_bonus : float
        Add ``path_bonus · arcsinh(count)`` to every pair's log-odds, ``count`` the number of
        ``bonus_metapath`` paths on the fitted network (0: none).
    bonus_metapath : str, optional
        The metapath counted (``"CtDrD"``: treats a disease that resembles this one; skipped,
        with a log line, on a network without its edge types).
    degree_features, prior : bool
        Include the degree features and the prior logit.
    prior_permutations : int
        Permutations of the treats edges behind the prior.
    max_iter, tol : int, float
        Iterations and tolerance of the solver (L-BFGS, or saga for an elastic net).
    random_state : int
        Seeds the negative sample, the prior's permutations and the solver.
    progress : bool
        Progress bar over the metapaths.

    Attributes
    ----------
    metapaths_ : list of str
        Every metapath whose features were computed.
    feature_names_ : list of str
        The features the model uses (selected metapaths, degrees, prior).
    coef_ : pandas.Series
        Coefficient of each standardised feature (the ``"treated"`` head).
    intercept_ : float
    C_ : float
        The regularisation strength used.
    zero_shot_ : FittedClassifier or None
        The head for diseases without a treats edge (None without ``zero_shot``).
    unseen_targets_ : ndarray of bool
        The target nodes (diseases) without a treats edge in the fitted network.

    Examples
    --------
    >>> model = Rephetio(max_length=3).fit(net)         # doctest: +SKIP
    >>> model.predict().nlargest(10, "score")          # doctest: +SKIP
    """

    def __init__(
        self,
        metapaths: Sequence[str] | None = None,
        *,
        source: str = "Compound",
        target: str = "Disease",
        treats: str = "CtD",
        min_length: int = 2,
        max_length: int = 3,
        damping: float = DAMPING,
        l1_ratio: float = 0.0,
        C: float | None = None,
        Cs: Sequence[float] = C_GRID,
        n_negatives: int | None = 30_000,
        max_metapaths: int | None = 100,
        feature_folds: int | None = 5,
        zero_shot: bool = True,
        zero_shot_trees: bool = True,
        path_bonus: float = 0.5,
        bonus_metapath: str | None = "CtDrD",
        degree_features: bool = True,
        prior: bool = True,
        prior_permutations: int = 100,
        max_iter: int = 500,
        tol: float = 1e-3,
        random_state: int = 0,
        progress: bool = True,
    ) -> None:
        self.metapaths = metapaths
        self.source = source
        self.target = target
        self.treats = treats
        self.min_length = min_length
        self.max_length = max_length
        self.damping = damping
        self.l1_ratio = l1_ratio
        self.C = C
        self.Cs = Cs
        self.n_negatives = n_negatives
        self.max_metapaths = max_metapaths
        self.feature_folds = feature_folds
        self.zero_shot = zero_shot
        self.zero_shot_trees = zero_shot_trees
        self.path_bonus = path_bonus
        self.bonus_metapath = bonus_metapath
        self.degree_features = degree_features
        self.prior = prior
        self.prior_permutations = prior_permutations
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.progress = progress

    # ------------------------------------------------------------------ pieces shared with CV
    def check_params(self) -> None:
        """Check every setting (:class:`~drugscreen.InputError`, one line naming it, if one is wrong).

        :meth:`fit` and :func:`~drugscreen.repurpose.cross_validate` call this before any work.
        """
        check_settings(self)

    def resolve_metapaths(self, hetnet: Hetnet) -> list[Metapath]:
        """The metapaths this model uses on ``hetnet`` (checked against its metagraph)."""
        if not isinstance(hetnet, Hetnet):
            raise InputError(f"expected a Hetnet, got {type(hetnet).__name__}")
        if self.treats not in hetnet.metagraph.metaedges:
            raise InputError(f"no {self.treats!r} metaedge to learn from in this network")
        if self.metapaths is not None:
            given = [self.metapaths] if isinstance(self.metapaths, str) else list(self.metapaths)
            paths = [hetnet.parse(m) for m in given]
        else:
            paths = hetnet.metapaths(self.source, self.target, self.max_length, self.min_length)
        source, target = hetnet.metagraph.kind(self.source), hetnet.metagraph.kind(self.target)
        if source == target:
            raise InputError(f"pairs within one kind ({source}) are not supported: give two different kinds")
        wrong = [str(p) for p in paths if (p.source, p.target) != (source, target)]
        if wrong:
            raise InputError(f"metapaths {wrong[:3]} do not join {source} to {target}")
        if not paths:
            raise InputError(f"no metapaths from {source} to {target}")
        return paths

    def features(self, hetnet: Hetnet, raw_dwpc: np.ndarray, paths: Sequence[Metapath]) -> PairFeatures:
        """All features of all pairs on ``hetnet`` from its raw DWPC block."""
        return pair_features(
            hetnet,
            raw_dwpc,
            paths,
            source=hetnet.metagraph.kind(self.source),
            target=hetnet.metagraph.kind(self.target),
            treats=self.treats,
            degrees=self.degree_features,
            treats_degrees=self.feature_folds is not None,
            prior=self.prior,
            prior_permutations=self.prior_permutations,
            seed=self.random_state,
        )

    def training_rows(self, labels: np.ndarray) -> np.ndarray:
        """Rows (pair numbers) of every positive and of the sampled negatives."""
        return sample_pairs(labels, self.n_negatives, self.random_state)

    def features_without(
        self, hetnet: Hetnet, raw: np.ndarray, paths: Sequence[Metapath], held: np.ndarray
    ) -> PairFeatures:
        """Every pair's features on ``hetnet`` without the treats edges of the pairs ``held``.

        ``raw`` holds the DWPC of the full network; the metapaths through the treats metaedge
        are recomputed on the reduced network (in a copy), the others reused.
        """
        source, target = hetnet.metagraph.kind(self.source), hetnet.metagraph.kind(self.target)
        reduced = without_pairs(hetnet, self.treats, held, raw.shape[:2])
        using = [i for i, p in enumerate(paths) if self.treats in p.metaedges]
        if using:
            raw = raw.copy()
            raw[:, :, using] = metapath_block(
                reduced, [paths[i] for i in using], self.damping, source, target
            )
        return self.features(reduced, raw, paths)

    def crossfit_features(
        self,
        hetnet: Hetnet,
        raw: np.ndarray,
        paths: Sequence[Metapath],
        labels: np.ndarray,
        rows: np.ndarray,
        by: str = "edges",
    ) -> np.ndarray:
        """Features of the training ``rows``, each fold's computed without its treats edges.

        ``by="edges"`` deals the rows into folds (positives and negatives each evenly) and
        holds out the fold's own treats edges; ``by="diseases"`` deals the target nodes
        (diseases) into folds and holds out every treats edge of the fold's diseases, so the
        rows look like pairs of a disease with no known treatment.
        """
        return crossfit(
            labels,
            rows,
            int(self.feature_folds or 1),
            self.random_state,
            by,
            lambda held: self.features_without(hetnet, raw, paths, held),
        )

    def fit_classifier(self, x: np.ndarray, y: np.ndarray, names: Sequence[str]) -> FittedClassifier:
        """Select metapaths, standardise, choose C (when None) and fit the elastic net."""
        if y.sum() < 2 or (1 - y).sum() < 2:
            raise InputError(
                f"need at least two positive and two negative pairs, got {int(y.sum())} positives"
            )
        columns = select_columns(x, y, names, self.max_metapaths)
        scaler = StandardScaler().fit(x[:, columns])
        xs = scaler.transform(x[:, columns])
        C = self.C if self.C is not None else self._choose_c(xs, y)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model = self._classifier(C).fit(xs, y)
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            logger.warning(
                "rephetio: the solver did not converge in %d iterations; raise max_iter", self.max_iter
            )
        return FittedClassifier(columns, scaler, model, float(C))

    def _classifier(self, C: float) -> LogisticRegression:
        return LogisticRegression(
            C=C,
            l1_ratio=self.l1_ratio,
            # a pure L2 penalty has a smooth objective: L-BFGS solves it in a fraction of saga's time
            solver="lbfgs" if self.l1_ratio == 0 else "saga",
            max_iter=self.max_iter,
            tol=self.tol,
            random_state=self.random_state,
        )

    def _choose_c(self, xs: np.ndarray, y: np.ndarray) -> float:
        """The C of ``rephetio_classifier.choose_c`` for these settings."""
        return choose_c(xs, y, self.Cs, self._classifier, self.random_state)

    # ------------------------------------------------------------------ estimator API
    def fit(
        self,
        hetnet: Hetnet,
        labels: sparse.sparray | np.ndarray | None = None,
        *,
        dwpc: np.ndarray | None = None,
    ) -> Rephetio:
        """Compute every pair's features on ``hetnet`` and fit on the treats edges.

        ``labels`` (a ``[n_source, n_target]`` 0/1 matrix) replaces the treats edges as the
        target, e.g. to train on a permuted network with the real labels. ``dwpc`` is the raw
        DWPC block of :meth:`resolve_metapaths` on ``hetnet`` if already computed
        (``[n_source, n_target, n_metapaths]``, e.g. by
        :func:`~drugscreen.repurpose.harness.rephetio_scorer`, which shares the metapaths that
        do not use treats edges between splits); it is not modified.
        """
        self.check_params()
        paths = self.resolve_metapaths(hetnet)
        source, target = hetnet.metagraph.kind(self.source), hetnet.metagraph.kind(self.target)
        if dwpc is None:
            raw = metapath_block(hetnet, paths, self.damping, source, target, progress=self.progress)
        else:
            raw = np.asarray(dwpc)
            expected = (len(hetnet.node_ids(source)), len(hetnet.node_ids(target)), len(paths))
            if raw.shape != expected:
                raise InputError(f"dwpc has shape {raw.shape}, expected {expected}")
        features = self.features(hetnet, raw, paths)
        y_all = pair_labels(hetnet, source, target, self.treats, labels)
        rows = self.training_rows(y_all)
        y_rows = y_all.ravel()[rows]
        self.zero_shot_: FittedClassifier | None = None
        if self.feature_folds is None:
            x = features.values[rows]
        else:
            # the treats edges behind the features are the network's; with other labels given,
            # the network's own edges are what each fold holds out
            edges = pair_labels(hetnet, source, target, self.treats)
            x = self.crossfit_features(hetnet, raw, paths, edges, rows)
            if self.zero_shot:
                unseen = self.crossfit_features(hetnet, raw, paths, edges, rows, by="diseases")
                self.zero_shot_ = self.fit_classifier(unseen, y_rows, features.names)
                if self.zero_shot_trees:
                    self.zero_shot_.trees = fit_trees(unseen, y_rows, self.random_state)
        self.classifier_ = self.fit_classifier(x, y_rows, features.names)
        self.unseen_targets_ = pair_labels(hetnet, source, target, self.treats).sum(axis=0) == 0
        self.bonus_ = path_bonus(hetnet, self.bonus_metapath, source, target) if self.path_bonus > 0 else None
        self.C_ = self.classifier_.C
        self.hetnet_ = hetnet
        self.features_ = features
        self.labels_ = y_all
        self.metapaths_ = [str(p) for p in paths]
        self.feature_names_ = [features.names[c] for c in self.classifier_.columns]
        self.coef_ = pd.Series(self.classifier_.model.coef_[0], index=self.feature_names_, name="coef")
        self.intercept_ = float(self.classifier_.model.intercept_[0])
        logger.info(
            "rephetio: %d features (%d non-zero), %d training pairs",
            len(self.coef_),
            int((self.coef_ != 0).sum()),
            len(rows),
        )
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "classifier_"):
            raise InputError("this Rephetio model is not fitted yet: call fit(hetnet) first")

    def predict(self) -> pd.DataFrame:
        """A score for every pair: ``compound, disease, compound_name, disease_name, score, head, prior, known``.

        ``score`` is the model's probability; ``head`` the classifier that gave it
        (``"treated"``, or ``"zero-shot"`` for a disease without any treats edge, see
        ``zero_shot``); ``prior`` the degree-based prior (when used); ``known`` whether the
        pair is a training positive.
        """
        self._check_fitted()
        net, shape = self.hetnet_, self.features_.shape
        source, target = net.metagraph.kind(self.source), net.metagraph.kind(self.target)
        scores = self.classifier_.predict_proba(self.features_.values)
        heads = np.full(shape, "treated", dtype=object)
        if self.zero_shot_ is not None and self.unseen_targets_.any():
            grid = self.features_.values.reshape(shape[0], shape[1], -1)
            unseen = grid[:, self.unseen_targets_].reshape(-1, grid.shape[-1])
            scores = scores.reshape(shape)
            scores[:, self.unseen_targets_] = self.zero_shot_.predict_proba(unseen).reshape(shape[0], -1)
            scores = scores.ravel()
            heads[:, self.unseen_targets_] = "zero-shot"
        if self.bonus_ is not None:
            logit = np.log(np.clip(scores, 1e-300, None)) - np.log1p(-np.clip(scores, None, 1 - 1e-16))
            scores = expit(logit + self.path_bonus * self.bonus_.ravel())
        names = net.nodes.set_index("id")["name"]
        sources, targets = net.node_ids(source).to_numpy(), net.node_ids(target).to_numpy()
        table = pd.DataFrame(
            {
                source.lower(): np.repeat(sources, shape[1]),
                target.lower(): np.tile(targets, shape[0]),
                f"{source.lower()}_name": np.repeat(names.reindex(sources).to_numpy(), shape[1]),
                f"{target.lower()}_name": np.tile(names.reindex(targets).to_numpy(), shape[0]),
                "score": scores,
                "head": heads.ravel(),
            }
        )
        if self.features_.prior is not None:
            table["prior"] = self.features_.prior.ravel()
        table["known"] = self.labels_.ravel().astype(bool)
        return table

    def rank(self, node: str, *, top: int | None = 20, include_known: bool = False) -> pd.DataFrame:
        """Candidates for one disease (or compound), best first, known treatments left out by default.

        ``top`` is a whole number >= 1, or None for all of them.
        """
        check_top(top)
        table = self.predict()
        source, target = (self.hetnet_.metagraph.kind(k).lower() for k in (self.source, self.target))
        column = target if (table[target] == node).any() else source
        if not (table[column] == node).any():
            raise InputError(f"{node!r} is neither a {target} nor a {source} of the network")
        hits = table[table[column] == node]
        if not include_known:
            hits = hits[~hits["known"]]
        hits = hits.sort_values("score", ascending=False, kind="stable")
        return (hits if top is None else hits.head(top)).reset_index(drop=True)

    def contributions(self, source_id: str, target_id: str) -> pd.DataFrame:
        """Each feature's share of one pair's score: ``feature, value, coef, contribution``.

        ``value`` is the standardised feature, ``contribution = coef · value`` (the terms of
        the log-odds, which add up to it with the intercept of the pair's head); non-zero
        coefficients only, largest ``|contribution|`` first. With the path-count bonus its term
        is a row too (``feature`` = ``bonus_<metapath>``, ``value`` = arcsinh of the count,
        ``coef`` = ``path_bonus``). A zero-shot pair's terms are the linear part of its head;
        with ``zero_shot_trees`` its log-odds also average in the trees', which have no terms.
        """
        self._check_fitted()
        net = self.hetnet_
        i = int(net.positions(self.source, [source_id])[0])
        j = int(net.positions(self.target, [target_id])[0])
        row = i * self.features_.shape[1] + j
        fitted = self.classifier_
        if self.zero_shot_ is not None and self.unseen_targets_[j]:
            fitted = self.zero_shot_
        values = fitted.scaler.transform(self.features_.values[row : row + 1, fitted.columns])[0]
        names = [self.features_.names[c] for c in fitted.columns]
        table = pd.DataFrame({"feature": names, "value": values, "coef": fitted.model.coef_[0]})
        if fitted.trees is not None:  # the linear half of an averaged head: its terms count half
            table["coef"] *= 0.5
        if self.bonus_ is not None:
            bonus = {"feature": f"bonus_{self.bonus_metapath}", "value": float(self.bonus_[i, j]),
                     "coef": self.path_bonus}  # fmt: skip
            table = pd.concat([table, pd.DataFrame([bonus])], ignore_index=True)
        table["contribution"] = table["value"] * table["coef"]
        table = table[table["coef"] != 0]
        order = table["contribution"].abs().sort_values(ascending=False, kind="stable").index
        return table.loc[order].reset_index(drop=True)
