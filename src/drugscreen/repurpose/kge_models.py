"""The four knowledge-graph embedding models, their losses, the negative sampler and the training loop.

Each model holds an entity and a relation table and scores triples; everything here is plain
torch on tensors of integer ids. :class:`~drugscreen.repurpose.KGEmbedding` (``kge.py``) wraps
it as an estimator. Initialisation, constraints, losses and regularisers follow PyKEEN 1.11's
defaults for each model, so that both train the same model from the same settings:

========  ==============================  =======================  ==========================
model     score f(h, r, t)                default loss             after each step
========  ==============================  =======================  ==========================
TransE    −‖h + r − t‖₁                   margin ranking, 1        entities to unit L2 norm
DistMult  Σ h·r·t                         margin ranking, 1        entities to unit L2 norm
ComplEx   Re Σ h·r·conj(t)  (complex)     softplus                 —
RotatE    −‖h∘r − t‖₂  (complex, |r|=1)   margin ranking, 1        relations to unit modulus
========  ==============================  =======================  ==========================

DistMult adds 0.1 × the mean L2 norm / √dim of the relation vectors of each batch, ComplEx
0.01 × that of the entity and relation vectors (PyKEEN's ``LpRegularizer(normalize=True)``).
Complex embeddings are stored as real tensors ``[n, dim, 2]`` (real, imaginary).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional

from drugscreen.backends.progress import progress_bar
from drugscreen.errors import DrugscreenError

#: The models :class:`~drugscreen.repurpose.KGEmbedding` knows.
MODELS = ("TransE", "DistMult", "ComplEx", "RotatE")
#: The losses it knows: margin ranking (pairwise hinge) and softplus (pointwise logistic).
LOSSES = ("margin", "softplus")
#: Each model's loss when none is given (PyKEEN's defaults).
DEFAULT_LOSS = {"TransE": "margin", "DistMult": "margin", "ComplEx": "softplus", "RotatE": "margin"}
#: Each model's regularisation weight when none is given (PyKEEN's defaults).
DEFAULT_REGULARIZATION = {"TransE": 0.0, "DistMult": 0.1, "ComplEx": 0.01, "RotatE": 0.0}

Tensor = torch.Tensor


class Interaction(ABC):
    """A model's scoring function, initialisation and constraints (one subclass per model)."""

    complex = False
    regularize_entities = False
    regularize_relations = False

    @abstractmethod
    def init(
        self, n_entities: int, n_relations: int, dim: int, gen: torch.Generator
    ) -> tuple[Tensor, Tensor]:
        """Fresh entity and relation tables."""

    def constrain(self, entity: Tensor, relation: Tensor) -> None:
        """Project the tables back onto the model's constraints (in place, after a step).

        The default leaves them free (ComplEx has no constraint).
        """
        return None

    @abstractmethod
    def score(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:
        """Scores of triples whose vectors broadcast against each other (last axes: the vector)."""

    @abstractmethod
    def score_tails(self, h: Tensor, r: Tensor, entity: Tensor) -> Tensor:
        """``[B, n_entities]`` scores of ``(h[i], r[i], e)`` for every entity ``e``."""

    @abstractmethod
    def score_heads(self, r: Tensor, t: Tensor, entity: Tensor) -> Tensor:
        """``[B, n_entities]`` scores of ``(e, r[i], t[i])`` for every entity ``e``."""


def _uniform(shape: tuple[int, ...], bound: float, gen: torch.Generator) -> Tensor:
    return (torch.rand(shape, generator=gen) * 2.0 - 1.0) * bound


def _flat(x: Tensor) -> Tensor:
    """``[..., dim, 2]`` complex-as-real to ``[..., 2 dim]``."""
    return x.reshape(*x.shape[:-2], -1)


def _cmul(a: Tensor, b: Tensor) -> Tensor:
    """Element-wise complex product of ``[..., 2]`` tensors."""
    re = a[..., 0] * b[..., 0] - a[..., 1] * b[..., 1]
    im = a[..., 0] * b[..., 1] + a[..., 1] * b[..., 0]
    return torch.stack((re, im), dim=-1)


def _conj(a: Tensor) -> Tensor:
    return torch.stack((a[..., 0], -a[..., 1]), dim=-1)


def _cdist(x: Tensor, y: Tensor, p: float) -> Tensor:
    """Exact pairwise distances (no ``‖x‖² + ‖y‖² − 2xy`` shortcut, which breaks ties)."""
    return torch.cdist(x, y, p=p, compute_mode="donot_use_mm_for_euclid_dist")


class TransE(Interaction):
    """Bordes et al. 2013: ``h + r ≈ t``; L1 distance, entities on the unit sphere."""

    def init(
        self, n_entities: int, n_relations: int, dim: int, gen: torch.Generator
    ) -> tuple[Tensor, Tensor]:
        entity = functional.normalize(_uniform((n_entities, dim), math.sqrt(6.0 / dim), gen), dim=-1)
        bound = math.sqrt(6.0 / (n_relations + dim))  # torch's xavier_uniform_ on [n_relations, dim]
        relation = functional.normalize(_uniform((n_relations, dim), bound, gen), dim=-1)
        return entity, relation

    def constrain(self, entity: Tensor, relation: Tensor) -> None:
        entity.copy_(functional.normalize(entity, dim=-1))

    def score(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:
        return -torch.linalg.vector_norm(h + r - t, ord=1, dim=-1)

    def score_tails(self, h: Tensor, r: Tensor, entity: Tensor) -> Tensor:
        return -_cdist(h + r, entity, p=1.0)

    def score_heads(self, r: Tensor, t: Tensor, entity: Tensor) -> Tensor:
        return -_cdist(t - r, entity, p=1.0)


class DistMult(TransE):
    """Yang et al. 2014: a diagonal bilinear form; entities on the unit sphere."""

    regularize_relations = True

    def init(
        self, n_entities: int, n_relations: int, dim: int, gen: torch.Generator
    ) -> tuple[Tensor, Tensor]:
        entity = functional.normalize(_uniform((n_entities, dim), math.sqrt(6.0 / dim), gen), dim=-1)
        std = math.sqrt(2.0 / (n_relations + dim))  # torch's xavier_normal_
        relation = torch.randn((n_relations, dim), generator=gen) * std
        return entity, functional.normalize(relation, dim=-1)

    def score(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:
        return (h * r * t).sum(dim=-1)

    def score_tails(self, h: Tensor, r: Tensor, entity: Tensor) -> Tensor:
        return (h * r) @ entity.T

    def score_heads(self, r: Tensor, t: Tensor, entity: Tensor) -> Tensor:
        return (r * t) @ entity.T


class ComplEx(Interaction):
    """Trouillon et al. 2016: DistMult in complex space, so that relations can be asymmetric."""

    complex = True
    regularize_entities = True
    regularize_relations = True

    def init(
        self, n_entities: int, n_relations: int, dim: int, gen: torch.Generator
    ) -> tuple[Tensor, Tensor]:
        entity = torch.randn((n_entities, dim, 2), generator=gen)
        relation = torch.randn((n_relations, dim, 2), generator=gen)
        return entity, relation

    def score(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:
        return (_cmul(h, r) * t).sum(dim=(-2, -1))  # Re(x conj(t)) = x_re t_re + x_im t_im

    def score_tails(self, h: Tensor, r: Tensor, entity: Tensor) -> Tensor:
        return _flat(_cmul(h, r)) @ _flat(entity).T

    def score_heads(self, r: Tensor, t: Tensor, entity: Tensor) -> Tensor:
        q = _cmul(r, _conj(t))  # Re(h q) = h_re q_re − h_im q_im
        return _flat(_conj(q)) @ _flat(entity).T


class RotatE(Interaction):
    """Sun et al. 2019: each relation rotates the head in the complex plane (unit modulus)."""

    complex = True

    def init(
        self, n_entities: int, n_relations: int, dim: int, gen: torch.Generator
    ) -> tuple[Tensor, Tensor]:
        # PyKEEN's xavier_uniform_ on the [n, dim, 2] real view: fan-out 2 dim
        entity = _uniform((n_entities, dim, 2), math.sqrt(3.0 / dim), gen)
        phase = 2.0 * math.pi * torch.rand((n_relations, dim), generator=gen)
        return entity, torch.stack((phase.cos(), phase.sin()), dim=-1)

    def constrain(self, entity: Tensor, relation: Tensor) -> None:
        modulus = torch.linalg.vector_norm(relation, dim=-1, keepdim=True)
        relation.div_(modulus.clamp_min(torch.finfo(relation.dtype).eps))

    def score(self, h: Tensor, r: Tensor, t: Tensor) -> Tensor:
        return -torch.linalg.vector_norm(_flat(_cmul(h, r) - t), ord=2, dim=-1)

    def score_tails(self, h: Tensor, r: Tensor, entity: Tensor) -> Tensor:
        return -_cdist(_flat(_cmul(h, r)), _flat(entity), p=2.0)

    def score_heads(self, r: Tensor, t: Tensor, entity: Tensor) -> Tensor:
        # ‖h∘r − t‖ = ‖h − t∘conj(r)‖ for relations of unit modulus
        return -_cdist(_flat(_cmul(t, _conj(r))), _flat(entity), p=2.0)


INTERACTIONS: dict[str, type[Interaction]] = {
    "TransE": TransE,
    "DistMult": DistMult,
    "ComplEx": ComplEx,
    "RotatE": RotatE,
}


def loss_value(name: str, positive: Tensor, negative: Tensor, margin: float) -> Tensor:
    """Mean loss of ``[B]`` positive and ``[B, k]`` negative scores, as PyKEEN's sLCWA loop.

    ``"margin"``: mean over the ``B k`` pairs of ``max(0, margin + negative − positive)``;
    ``"softplus"``: mean over all ``B (k + 1)`` scores of ``log(1 + exp(−label · score))``.
    """
    if name == "margin":
        return functional.relu(margin + negative - positive[:, None]).mean()
    scores = torch.cat((-positive, negative.reshape(-1)))
    return functional.softplus(scores).mean()


def regularization(model: Interaction, weight: float, vectors: tuple[Tensor, Tensor, Tensor]) -> Tensor:
    """PyKEEN's ``LpRegularizer(p=2, normalize=True)``: mean ‖x‖₂ / √dim of each looked-up table."""
    h, r, t = vectors
    dim = h.shape[-2] if model.complex else h.shape[-1]
    parts = ([h, t] if model.regularize_entities else []) + ([r] if model.regularize_relations else [])
    total = sum(torch.linalg.vector_norm(x.reshape(len(x), -1), dim=-1).mean() for x in parts)
    return weight * total / math.sqrt(dim)


@dataclass(frozen=True)
class Pools:
    """Entities grouped by kind, for drawing a corrupted entity of the original's kind.

    ``members[offset[k]:offset[k] + size[k]]`` are the entities of kind ``k``; ``kind[e]`` is the
    kind of entity ``e`` and ``place[e]`` its position within its kind.
    """

    members: Tensor
    offset: Tensor
    size: Tensor
    kind: Tensor
    place: Tensor

    @classmethod
    def from_kinds(cls, kind: np.ndarray) -> Pools:
        """Pools of an int array giving each entity's kind code (``0`` everywhere: one pool)."""
        kind = np.asarray(kind, dtype=np.int64)
        members = np.argsort(kind, kind="stable")
        size = np.bincount(kind)
        offset = np.concatenate(([0], np.cumsum(size)[:-1]))
        place = np.empty(len(kind), dtype=np.int64)
        place[members] = np.arange(len(kind)) - offset[kind[members]]
        return cls(*(torch.from_numpy(np.ascontiguousarray(a)) for a in (members, offset, size, kind, place)))


def corrupt(positive: Tensor, pools: Pools, k: int, gen: torch.Generator) -> Tensor:
    """``[B, k, 3]`` negatives: each copy of a positive with its head or its tail replaced.

    The side is a fair coin per negative; the new entity is drawn uniformly among the *other*
    entities of the original's kind (PyKEEN's basic sampler never redraws the original either).
    A side whose kind has one entity cannot be corrupted and the other side is; a triple with
    both sides so is returned unchanged (its "negative" is the positive itself).
    """
    negative = positive.repeat_interleave(k, dim=0)
    rows = torch.arange(len(negative))
    column = torch.where(torch.rand(len(negative), generator=gen) < 0.5, 0, 2)
    can = pools.size[pools.kind[negative[rows, column]]] > 1
    column = torch.where(can, column, 2 - column)
    original = negative[rows, column]
    kind = pools.kind[original]
    size = pools.size[kind]
    draw = (torch.rand(len(negative), generator=gen, dtype=torch.float64) * (size - 1)).long()
    draw = torch.minimum(draw, (size - 2).clamp_min(0))  # guards rand() * n rounding up to n
    draw += (draw >= pools.place[original]).long()
    replacement = pools.members[(pools.offset[kind] + draw).clamp_max(len(pools.members) - 1)]
    negative[rows, column] = torch.where(size > 1, replacement, original)
    return negative.view(len(positive), k, 3)


@dataclass(frozen=True)
class Settings:
    """What one training run needs, resolved (the loss and the regulariser weight included)."""

    model: str
    dim: int
    epochs: int
    batch_size: int
    learning_rate: float
    num_negatives: int
    loss: str
    margin: float
    regularization: float
    seed: int


def train(
    settings: Settings,
    ids: np.ndarray,
    pools: Pools,
    n_entities: int,
    n_relations: int,
    device: torch.device,
    progress: bool = True,
) -> tuple[Tensor, Tensor, list[float]]:
    """sLCWA training with Adam; returns the entity and relation tables (CPU) and the epoch losses.

    Each epoch visits the triples in a fresh random order in batches; each positive gets
    ``num_negatives`` negatives from :func:`corrupt`; the loss (plus the regulariser) is
    minimised by one Adam step per batch, after which the model's constraints are restored.
    One generator seeded with ``settings.seed`` drives the initial tables, the order and the
    negatives, so a seed gives the same tables on the same machine.
    """
    interaction = INTERACTIONS[settings.model]()
    gen = torch.Generator().manual_seed(settings.seed)
    entity, relation = interaction.init(n_entities, n_relations, settings.dim, gen)
    entity, relation = entity.to(device), relation.to(device)
    with torch.no_grad():
        interaction.constrain(entity, relation)
    entity.requires_grad_(True)
    relation.requires_grad_(True)
    optimizer = torch.optim.Adam([entity, relation], lr=settings.learning_rate)
    positives = torch.from_numpy(ids)
    batch, k = settings.batch_size, settings.num_negatives
    history: list[float] = []
    bar = progress_bar(total=settings.epochs, desc=f"KGE {settings.model}", unit="epoch", enabled=progress)
    try:
        for epoch in range(settings.epochs):
            order = torch.randperm(len(positives), generator=gen)
            total, steps = 0.0, 0
            for begin in range(0, len(order), batch):
                pos = positives[order[begin : begin + batch]]
                neg = corrupt(pos, pools, k, gen).view(-1, 3)
                pos, neg = pos.to(device), neg.to(device)
                vectors = [(entity[b[:, 0]], relation[b[:, 1]], entity[b[:, 2]]) for b in (pos, neg)]
                scores = [interaction.score(*v) for v in vectors]
                loss = loss_value(settings.loss, scores[0], scores[1].view(len(pos), k), settings.margin)
                if settings.regularization:
                    loss = loss + sum(
                        regularization(interaction, settings.regularization, v) for v in vectors
                    )
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                with torch.no_grad():
                    interaction.constrain(entity, relation)
                total += float(loss.detach())
                steps += 1
            history.append(total / steps)
            if not np.isfinite(history[-1]):
                raise DrugscreenError(
                    f"KGEmbedding: the loss became {history[-1]} in epoch {epoch + 1}: lower learning_rate"
                )
            bar.update(1)
            bar.set_postfix(loss=f"{history[-1]:.4g}")
    finally:
        bar.close()
    return entity.detach().cpu(), relation.detach().cpu(), history


@contextmanager
def torch_threads(n_jobs: int | None) -> Iterator[None]:
    """Run torch on ``n_jobs`` threads inside, restoring the count after (None: leave it)."""
    if n_jobs is None:
        yield
        return
    from drugscreen.backends.parallel import resolve_n_jobs

    before = torch.get_num_threads()
    torch.set_num_threads(resolve_n_jobs(n_jobs))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def torch_device(device: str) -> torch.device:
    """``"cpu"``, ``"cuda"`` (an error without a GPU torch can see) or ``"auto"`` as a torch device."""
    if device == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if device == "auto":
        return torch.device("cpu")
    raise DrugscreenError("device='cuda' needs a CUDA GPU that torch can see; use device='cpu' or 'auto'")


def to_numpy(table: Tensor, is_complex: bool) -> np.ndarray:
    """A table as float32, or as complex64 ``[n, dim]`` from the ``[n, dim, 2]`` real form."""
    array = table.numpy().astype(np.float32)
    if is_complex:
        return np.ascontiguousarray(array).view(np.complex64)[..., 0]
    return array


def to_torch(array: np.ndarray) -> Tensor:
    """The inverse of :func:`to_numpy`."""
    if np.iscomplexobj(array):
        real = np.ascontiguousarray(array.astype(np.complex64)).view(np.float32)
        return torch.from_numpy(real.reshape(*array.shape, 2))
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
