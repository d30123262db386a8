"""Training one network: batches, masked losses, the learning-rate schedule, early stopping.

The schedule is chemprop's: linear warm-up from ``lr / 10`` to ``lr`` over ``warmup_epochs``,
then exponential decay to ``lr / 10`` at the last epoch (Adam). After every epoch the
validation loss (or metric) is computed; the best epoch's weights are restored at the end, and
with ``patience`` training stops after that many epochs without improvement.
"""

from __future__ import annotations

import copy
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from drugscreen.models.featurize import GraphBatch, MolGraphs
from drugscreen.models.nn.heads import PropertyNet

logger = logging.getLogger("drugscreen")

METRICS = ("loss", "rmse", "mae", "auroc")


@dataclass
class TrainData:
    """What a network trains on: graphs, encoded targets with their mask, descriptors."""

    graphs: MolGraphs
    targets: np.ndarray  # float32[n, n_tasks]
    mask: np.ndarray  # bool[n, n_tasks]
    descriptors: np.ndarray | None  # float32[n, d], already normalised


@dataclass
class TrainConfig:
    task: str
    epochs: int
    batch_size: int
    learning_rate: float
    warmup_epochs: float
    grad_clip: float | None
    patience: int | None
    metric: str
    n_classes: int
    class_weights: list[float] | None
    device: str
    progress: bool


def to_tensors(batch: GraphBatch, device: str) -> dict[str, torch.Tensor]:
    return {
        name: torch.from_numpy(getattr(batch, name)).to(device)
        for name in ("atom_features", "bond_features", "edge_index", "rev_index", "atom_to_mol")
    }


def _forward(net: PropertyNet, data: TrainData, index: np.ndarray, device: str) -> torch.Tensor:
    batch = data.graphs.batch(index)
    desc = None
    if data.descriptors is not None:
        desc = torch.from_numpy(data.descriptors[index]).to(device)
    return net(to_tensors(batch, device), batch.n_mols, desc)


def loss_of(
    out: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, cfg: TrainConfig, mve: bool
) -> torch.Tensor:
    """Mean loss over the labels present (missing labels weigh nothing)."""
    weight = mask.to(out.dtype)
    if cfg.task == "multiclass":
        logits = out.view(len(out), -1, cfg.n_classes).transpose(1, 2)  # [n, classes, tasks]
        cw = (
            torch.tensor(cfg.class_weights, dtype=out.dtype, device=out.device) if cfg.class_weights else None
        )
        per = F.cross_entropy(logits, target.long(), weight=cw, reduction="none")
    elif cfg.task == "classification":
        pw = (
            torch.tensor(cfg.class_weights, dtype=out.dtype, device=out.device) if cfg.class_weights else None
        )
        per = F.binary_cross_entropy_with_logits(out, target, pos_weight=pw, reduction="none")
    elif mve:
        mean, var = PropertyNet.split_mve(out)
        per = 0.5 * (torch.log(2 * math.pi * var) + (target - mean) ** 2 / var)
    else:
        per = (out - target) ** 2
    return (per * weight).sum() / weight.sum().clamp_min(1.0)


def _schedule(cfg: TrainConfig, steps_per_epoch: int) -> Any:
    warmup = max(1, int(cfg.warmup_epochs * steps_per_epoch))
    total = max(warmup + 1, cfg.epochs * steps_per_epoch)
    decay = (0.1) ** (1.0 / (total - warmup))

    def factor(step: int) -> float:
        if step < warmup:
            return 0.1 + 0.9 * step / warmup
        return float(decay ** (step - warmup))

    return factor


def fit_network(
    net: PropertyNet,
    data: TrainData,
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    cfg: TrainConfig,
    seed: int,
) -> list[dict[str, float]]:
    """Train ``net`` in place; returns one record per epoch (losses, metric, learning rate)."""
    from drugscreen.backends.progress import progress_bar

    rng = np.random.default_rng(seed)
    net.to(cfg.device)
    optimizer = torch.optim.Adam(net.parameters(), lr=cfg.learning_rate)
    n_batches = max(1, math.ceil(len(train_idx) / cfg.batch_size))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _schedule(cfg, n_batches))
    targets = torch.from_numpy(data.targets)
    mask = torch.from_numpy(data.mask)
    best, best_state, stale = math.inf, None, 0
    batch_norm = any(isinstance(m, torch.nn.BatchNorm1d) for m in net.modules())
    history: list[dict[str, float]] = []
    bar = progress_bar(range(cfg.epochs), desc="epochs", unit="epoch", enabled=cfg.progress, leave=False)
    for epoch in bar:
        net.train()
        order = rng.permutation(train_idx)
        total, count = 0.0, 0
        for index in _batches(order, cfg.batch_size):
            if batch_norm and len(index) < 2:
                continue  # batch norm cannot normalise one molecule (only a one-molecule data set)
            out = _forward(net, data, index, cfg.device)
            loss = loss_of(out, targets[index].to(cfg.device), mask[index].to(cfg.device), cfg, net.mve)
            optimizer.zero_grad()
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.grad_clip)
            optimizer.step()
            scheduler.step()
            total += loss.item() * len(index)
            count += len(index)
        record = {"epoch": epoch + 1, "train_loss": total / max(count, 1), "lr": scheduler.get_last_lr()[0]}
        if len(val_idx):
            record.update(evaluate(net, data, val_idx, cfg))
            score = record["val_loss"] if cfg.metric == "loss" else record[f"val_{cfg.metric}"]
            score = -score if cfg.metric == "auroc" else score
            if score < best:  # NaN (e.g. AUROC of one class) never replaces a real score
                best, best_state, stale = score, copy.deepcopy(net.state_dict()), 0
            else:
                stale += 1
        history.append(record)
        bar.set_postfix(loss=f"{record['train_loss']:.4f}")
        if cfg.patience is not None and stale >= cfg.patience:
            logger.info("early stop after epoch %d (%d epochs without improvement)", epoch + 1, stale)
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    elif len(val_idx):
        logger.warning(
            "the validation %s was never a number (one class, or no labels, among the validation "
            "molecules?): the last epoch's weights are kept",
            cfg.metric,
        )
    net.eval()
    return history


def _batches(order: np.ndarray, size: int) -> list[np.ndarray]:
    """Consecutive batches of ``order``; a last batch of one molecule joins the one before."""
    batches = [order[s : s + size] for s in range(0, len(order), size)]
    if len(batches) > 1 and len(batches[-1]) == 1:
        # a batch of one breaks batch norm; pop first, then extend what is now the last batch
        # (``batches[-2] = concat(batches[-2], batches.pop())`` resolved -2 after the pop)
        single = batches.pop()
        batches[-1] = np.concatenate([batches[-1], single])
    return batches


@torch.no_grad()
def evaluate(net: PropertyNet, data: TrainData, index: np.ndarray, cfg: TrainConfig) -> dict[str, float]:
    """Validation loss and metrics on encoded targets (regression metrics in scaled units)."""
    net.eval()
    out = predict_raw(net, data, index, cfg.batch_size * 4, cfg.device)
    target = torch.from_numpy(data.targets[index])
    mask = torch.from_numpy(data.mask[index])
    result = {"val_loss": float(loss_of(out, target, mask, cfg, net.mve))}
    if cfg.task == "regression":
        mean = PropertyNet.split_mve(out)[0] if net.mve else out
        err = (mean - target)[mask]
        result["val_rmse"] = float(err.pow(2).mean().sqrt()) if len(err) else math.nan
        result["val_mae"] = float(err.abs().mean()) if len(err) else math.nan
    elif cfg.task == "classification":
        from drugscreen.models.metrics import mean_auroc

        result["val_auroc"] = mean_auroc(data.targets[index], out.numpy(), data.mask[index])
    return result


@torch.no_grad()
def predict_raw(
    net: PropertyNet,
    data: TrainData,
    index: np.ndarray,
    batch_size: int,
    device: str,
    dropout: bool = False,
    seed: int = 0,
) -> torch.Tensor:
    """Raw network outputs of molecules ``index`` (on the CPU), in batches."""
    net.eval()
    if dropout:  # MC dropout: dropout layers sample, batch norm keeps its running statistics
        for module in net.modules():
            if isinstance(module, torch.nn.Dropout):
                module.train()
    with torch.random.fork_rng(devices=[]):  # the same dropout masks for the same seed
        torch.manual_seed(seed)
        outs = [
            _forward(net, data, index[s : s + batch_size], device).cpu()
            for s in range(0, len(index), batch_size)
        ]
    net.eval()
    if not outs:
        return torch.zeros((0, net.n_raw))
    return torch.cat(outs)
