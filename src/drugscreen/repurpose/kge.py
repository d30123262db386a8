"""Knowledge-graph embeddings (TransE, DistMult, ComplEx, RotatE) as an estimator and a repurposing scorer.

:class:`KGEmbedding` learns a vector per entity and per relation from ``(head, relation,
tail)`` triples so that true triples score higher than corrupted ones, the way PyKEEN's sLCWA
training loop does (Adam; each positive's head or tail replaced at random), with one addition:
given each entity's kind, a corrupted head is drawn only among entities of the head's kind and
a corrupted tail among those of the tail's kind (*type-constrained* negatives: a Compound is
never offered as the disease a drug treats). :meth:`KGEmbedding.rank_metrics` gives PyKEEN's
filtered, realistic, both-side MRR and Hits@k; :func:`kge_scorer` turns the estimator into a
compound–disease scorer for :mod:`drugscreen.repurpose.harness`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, clone

from drugscreen.errors import DrugscreenError, InputError
from drugscreen.network.hetnet import Hetnet
from drugscreen.repurpose.harness import Scorer
from drugscreen.repurpose.kge_data import TRIPLE_COLUMNS, Kinds, encode, encode_training, positions
from drugscreen.repurpose.kge_metrics import filtered_ranks, rank_summary
from drugscreen.repurpose.kge_models import (
    DEFAULT_LOSS,
    DEFAULT_REGULARIZATION,
    INTERACTIONS,
    LOSSES,
    MODELS,
    Interaction,
    Pools,
    Settings,
    to_numpy,
    to_torch,
    torch_device,
    torch_threads,
    train,
)
from drugscreen.validate import check_n_jobs, check_number

logger = logging.getLogger("drugscreen")

#: Scores computed at once are kept under this many (queries × entities).
SCORE_CHUNK = 1 << 22


class KGEmbedding(BaseEstimator):
    """A knowledge-graph embedding model trained on triples (sLCWA, Adam), scikit-learn style.

    Parameters
    ----------
    model : {"TransE", "DistMult", "ComplEx", "RotatE"}
        The scoring function (see ``drugscreen.repurpose.kge_models``).
    dim : int
        Embedding dimension; complex models (ComplEx, RotatE) have ``dim`` complex numbers,
        ``2 dim`` real parameters, per vector (PyKEEN's ``embedding_dim``).
    epochs : int
        Passes over the training triples.
    batch_size : int
        Positive triples per step.
    learning_rate : float
        Adam's step size.
    num_negatives : int
        Negatives per positive (each corrupts the head or the tail, a fair coin).
    loss : {"margin", "softplus"}, optional
        Margin ranking (pairwise hinge) or softplus (pointwise logistic); None: the model's
        default as in PyKEEN (margin for TransE, DistMult and RotatE, softplus for ComplEx).
    margin : float
        The margin of the margin ranking loss.
    regularization : float, optional
        Weight of the L2-norm regulariser; None: the model's PyKEEN default (DistMult 0.1 on
        relations, ComplEx 0.01 on entities and relations, none for TransE and RotatE).
    device : {"cpu", "cuda", "auto"}
        Where torch trains (scoring runs on the CPU, from the fitted numpy tables).
    n_jobs : int, optional
        torch threads while fitting and scoring (-1: all cores); None leaves torch's setting.
    random_state : int
        Seeds the initial embeddings, the batch order and the negatives.
    progress : bool
        Progress over the epochs.

    Attributes
    ----------
    entities_, relations_ : pandas.Index
        Entity and relation labels, in embedding-row order.
    entity_kinds_ : pandas.Series or None
        Each entity's kind, when negatives were type-constrained.
    entity_embeddings_, relation_embeddings_ : ndarray
        ``[n, dim]`` float32, complex64 for ComplEx and RotatE.
    triples_ : ndarray of int64
        ``[n, 3]`` training triples as ids (the default filter of :meth:`rank_metrics`).
    loss_history_ : list of float
        Mean batch loss of each epoch.
    fit_seconds_ : float

    Examples
    --------
    >>> triples = pd.DataFrame({"head": ["a", "b", "c"], "relation": ["r", "r", "r"],
    ...                         "tail": ["b", "c", "a"]})
    >>> model = KGEmbedding("DistMult", dim=8, epochs=2, progress=False).fit(triples)
    >>> model.score_tails(["a"], ["r"]).shape
    (1, 3)
    """

    def __init__(
        self,
        model: str = "TransE",
        dim: int = 64,
        epochs: int = 100,
        batch_size: int = 256,
        learning_rate: float = 0.01,
        num_negatives: int = 1,
        loss: str | None = None,
        margin: float = 1.0,
        regularization: float | None = None,
        device: str = "cpu",
        n_jobs: int | None = None,
        random_state: int = 0,
        progress: bool = True,
    ) -> None:
        self.model = model
        self.dim = dim
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.num_negatives = num_negatives
        self.loss = loss
        self.margin = margin
        self.regularization = regularization
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.progress = progress

    # -- settings ------------------------------------------------------------------------------

    def check_params(self) -> None:
        """Refuse bad hyperparameters with one line naming the parameter."""
        if self.model not in MODELS:
            raise InputError(f"model must be one of {MODELS}, got {self.model!r}")
        if self.loss is not None and self.loss not in LOSSES:
            raise InputError(f"loss must be None or one of {LOSSES}, got {self.loss!r}")
        for name in ("dim", "epochs", "batch_size", "num_negatives"):
            check_number(name, getattr(self, name), low=1, integer=True)
        check_number("random_state", self.random_state, low=0, integer=True)
        check_number("learning_rate", self.learning_rate, low=0, low_open=True)
        check_number("margin", self.margin, low=0, low_open=True)
        if self.regularization is not None:
            check_number("regularization", self.regularization, low=0)
        check_n_jobs(self.n_jobs)
        if self.device not in ("cpu", "cuda", "auto"):
            raise InputError(f"device must be 'cpu', 'cuda' or 'auto', got {self.device!r}")

    # -- fit -----------------------------------------------------------------------------------

    def fit(
        self,
        triples: pd.DataFrame | np.ndarray,
        entity_kinds: Kinds | None = None,
        *,
        n_entities: int | None = None,
        n_relations: int | None = None,
    ) -> KGEmbedding:
        """Learn the embeddings.

        Parameters
        ----------
        triples : DataFrame or ndarray of int
            A table with ``head``, ``relation``, ``tail`` columns (labels of any kind), or an
            ``[n, 3]`` int array of ids ``0 .. n_entities - 1`` and ``0 .. n_relations - 1``.
        entity_kinds : mapping, Series or array, optional
            Each entity's kind (``{"Compound::DB00945": "Compound", ...}``; for an int array
            also a sequence of length ``n_entities``). A corrupted head is then drawn among the
            head's kind only, a tail among the tail's; every entity of the mapping gets an
            embedding, also one in no triple. None: negatives uniform over all entities.
        n_entities, n_relations : int, optional
            For an int array: how many ids there are (default: the largest seen + 1).

        Returns
        -------
        KGEmbedding
            ``self``, fitted.
        """
        self.check_params()
        data = encode_training(triples, entity_kinds, n_entities, n_relations)
        self.entities_, self.relations_, self.entity_kinds_ = data.entities, data.relations, data.kinds
        self.n_entities_, self.n_relations_ = len(data.entities), len(data.relations)
        settings = Settings(
            model=self.model,
            dim=int(self.dim),
            epochs=int(self.epochs),
            batch_size=int(self.batch_size),
            learning_rate=float(self.learning_rate),
            num_negatives=int(self.num_negatives),
            loss=self.loss or DEFAULT_LOSS[self.model],
            margin=float(self.margin),
            regularization=float(
                DEFAULT_REGULARIZATION[self.model] if self.regularization is None else self.regularization
            ),
            seed=int(self.random_state),
        )
        pools = Pools.from_kinds(data.kind_codes)
        lone = pools.size[pools.kind[torch.from_numpy(data.ids[:, [0, 2]])]] == 1
        if bool(lone.all(dim=1).any()):
            logger.warning(
                "KGEmbedding: some triples join two kinds of one entity each: they get no negative"
            )
        start = time.perf_counter()
        with torch_threads(self.n_jobs):
            entity, relation, history = train(
                settings,
                data.ids,
                pools,
                self.n_entities_,
                self.n_relations_,
                torch_device(self.device),
                self.progress,
            )
        self.fit_seconds_ = time.perf_counter() - start
        self.loss_history_ = history
        self.triples_ = data.ids
        is_complex = INTERACTIONS[self.model].complex
        self.entity_embeddings_ = to_numpy(entity, is_complex)
        self.relation_embeddings_ = to_numpy(relation, is_complex)
        logger.info(
            "KGEmbedding: %s on %d triples (%d entities, %d relations), %d epochs in %.1f s, final loss %.4g",
            self.model, len(data.ids), self.n_entities_, self.n_relations_, settings.epochs,
            self.fit_seconds_, history[-1],
        )  # fmt: skip
        return self

    # -- scoring -------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "entity_embeddings_"):
            raise DrugscreenError("this KGEmbedding is not fitted yet: call fit(triples) first")

    def _tables(self) -> tuple[Interaction, torch.Tensor, torch.Tensor]:
        interaction = INTERACTIONS[self.model]()
        return interaction, to_torch(self.entity_embeddings_), to_torch(self.relation_embeddings_)

    def _positions(self, what: str, labels: Any) -> np.ndarray:
        return positions(self.entities_ if what == "entity" else self.relations_, labels, what)

    def score_hrt(self, h: Any, r: Any, t: Any) -> np.ndarray:
        """Scores of the triples ``(h[i], r[i], t[i])`` (labels as in the training triples)."""
        self._check_fitted()
        hi, ri, ti = (
            self._positions("entity", h),
            self._positions("relation", r),
            self._positions("entity", t),
        )
        if not len(hi) == len(ri) == len(ti):
            raise InputError(f"h, r and t differ in length ({len(hi)}, {len(ri)}, {len(ti)})")
        interaction, entity, relation = self._tables()
        with torch.no_grad(), torch_threads(self.n_jobs):
            return interaction.score(entity[hi], relation[ri], entity[ti]).numpy().astype(np.float64)

    def score_tails(self, h: Any, r: Any) -> np.ndarray:
        """``[len(h), n_entities]``: the score of ``(h[i], r[i], e)`` for every entity ``e`` (``entities_`` order)."""
        self._check_fitted()
        return self._score_side("tail", self._positions("entity", h), self._positions("relation", r))

    def score_heads(self, r: Any, t: Any) -> np.ndarray:
        """``[len(t), n_entities]``: the score of ``(e, r[i], t[i])`` for every entity ``e``."""
        self._check_fitted()
        return self._score_side("head", self._positions("relation", r), self._positions("entity", t))

    def _score_side(self, side: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Every entity as the ``side`` of ids ``(h, r)`` (tail) or ``(r, t)`` (head), in chunks."""
        if len(a) != len(b):
            raise InputError(f"the two arguments differ in length ({len(a)} and {len(b)})")
        interaction, entity, relation = self._tables()
        out = np.empty((len(a), len(entity)), dtype=np.float64)
        chunk = max(1, SCORE_CHUNK // max(1, len(entity)))
        with torch.no_grad(), torch_threads(self.n_jobs):
            for start in range(0, len(a), chunk):
                sa, sb = a[start : start + chunk], b[start : start + chunk]
                if side == "tail":
                    scores = interaction.score_tails(entity[sa], relation[sb], entity)
                else:
                    scores = interaction.score_heads(relation[sa], entity[sb], entity)
                out[start : start + len(sa)] = scores.numpy()
        return out

    def rank_metrics(
        self,
        test_triples: pd.DataFrame | np.ndarray,
        filter_triples: pd.DataFrame | np.ndarray | None = None,
        *,
        side: str = "both",
        ks: tuple[int, ...] = (1, 3, 10),
        batch_size: int = 256,
    ) -> dict[str, float]:
        """Filtered link-prediction MRR, Hits@k and mean rank (realistic ranks, as PyKEEN).

        Parameters
        ----------
        test_triples : DataFrame or ndarray of int
            Triples to rank, in the form the model was fitted on.
        filter_triples : DataFrame or ndarray of int, optional
            Other true triples removed from the candidates (with the test triples themselves);
            None: the training triples. Pass the training and validation triples together as
            PyKEEN does when testing.
        side : {"both", "head", "tail"}
            Head prediction, tail prediction, or both pooled (PyKEEN's ``both``).
        ks : tuple of int
            The Hits@k cut-offs.
        batch_size : int
            Test triples scored at once.

        Returns
        -------
        dict
            ``mrr``, ``hits_at_<k>`` for each ``k``, ``mean_rank`` and ``n`` (the ranks pooled).
        """
        self._check_fitted()
        test = self._encode(test_triples, "test_triples")
        known = self.triples_ if filter_triples is None else self._encode(filter_triples, "filter_triples")
        heads, tails = filtered_ranks(
            lambda r, t: self._score_side("head", r, t),
            lambda h, r: self._score_side("tail", h, r),
            test, known, len(self.entities_), len(self.relations_),
            batch_size=check_number("batch_size", batch_size, low=1, integer=True),
        )  # fmt: skip
        return rank_summary(heads, tails, side=side, ks=ks)

    def _encode(self, triples: pd.DataFrame | np.ndarray, name: str) -> np.ndarray:
        return encode(triples, self.entities_, self.relations_, name)


# -- a Hetnet as triples, a model as a repurposing scorer ---------------------------------------


def hetnet_triples(hetnet: Hetnet) -> pd.DataFrame:
    """Every edge of a network as a triple: ``head``, ``relation`` (the metaedge), ``tail`` and kinds.

    An undirected metaedge within one kind (``GiG``) gives both directions of each edge (a
    self-loop once), since an embedding model reads every triple as directed; every other edge
    appears once, from its metaedge's source kind to its target kind.

    >>> from drugscreen.screen.toy_data import toy_hetnet
    >>> hetnet_triples(toy_hetnet()).columns.tolist()
    ['head', 'relation', 'tail', 'head_kind', 'tail_kind']
    """
    parts = []
    for name, edge in hetnet.metagraph.metaedges.items():
        table = hetnet.edges(name)
        if edge.source == edge.target and not edge.directed:
            loops = table["source"] == table["target"]
            back = table.loc[~loops].rename(columns={"source": "target", "target": "source"})
            table = pd.concat([table, back[["source", "target"]]], ignore_index=True)
        parts.append(
            pd.DataFrame(
                {
                    "head": table["source"].to_numpy(dtype=object),
                    "relation": name,
                    "tail": table["target"].to_numpy(dtype=object),
                    "head_kind": edge.source,
                    "tail_kind": edge.target,
                }
            )
        )
    columns = [*TRIPLE_COLUMNS, "head_kind", "tail_kind"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def kge_scorer(
    estimator: KGEmbedding, source: str = "Compound", target: str = "Disease", treats: str = "CtD"
) -> Scorer:
    """A :class:`~drugscreen.repurpose.KGEmbedding` as a compound–disease scorer for the harness.

    On each network it is given the scorer fits a clone of ``estimator`` on all of that
    network's edges (:func:`hetnet_triples`; negatives type-constrained by node kind, every
    node embedded) and returns the score of ``(compound, treats, disease)`` for every pair,
    ``[n_source, n_target]`` in node order, higher = more likely. Only the network given is
    seen: the held-out treats edges of an evaluation split are not in it. Pass the scorer to
    :func:`drugscreen.repurpose.harness.evaluate` beside the others.

    Parameters
    ----------
    estimator : KGEmbedding
        The settings; never fitted in place.
    source, target : str
        Node kinds of the rows and the columns.
    treats : str
        The metaedge whose triples are scored; it must join ``source`` and ``target`` (either
        way round).
    """
    if not isinstance(estimator, KGEmbedding):
        raise InputError(f"kge_scorer needs a KGEmbedding, got {type(estimator).__name__}")
    estimator.check_params()

    def score(net: Hetnet) -> np.ndarray:
        edge = net.metaedge(treats)
        rows_kind, cols_kind = net.metagraph.kind(source), net.metagraph.kind(target)
        if {edge.source, edge.target} != {rows_kind, cols_kind}:
            raise InputError(
                f"treats={treats!r} joins {edge.source} and {edge.target}, not {source} and {target}"
            )
        kinds = pd.Series(net.nodes["kind"].to_numpy(), index=net.nodes["id"].to_numpy())
        model = clone(estimator).fit(hetnet_triples(net)[list(TRIPLE_COLUMNS)], entity_kinds=kinds)
        rows, cols = net.node_ids(rows_kind), net.node_ids(cols_kind)
        columns = model.entities_.get_indexer(cols)
        relation = np.full(len(rows), treats, dtype=object)
        if edge.source == rows_kind:  # (compound, treats, e): every entity as the tail
            scores = model.score_tails(rows.to_numpy(dtype=object), relation)
        else:
            scores = model.score_heads(relation, rows.to_numpy(dtype=object))
        return scores[:, columns]

    return score
