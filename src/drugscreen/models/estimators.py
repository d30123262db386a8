"""Graph neural network property models as scikit-learn estimators: D-MPNN, GIN, AttentiveFP.

``ds.models.DMPNN(task="regression").fit(smiles, y)`` featurises the molecules, holds out a
validation split (``val_fraction``) for early stopping, trains ``ensemble_size`` networks with
seeds ``random_state, random_state + 1, ...`` and keeps the best epoch of each. Molecules that do
not parse are dropped from training with a warning and a count (``n_dropped_``); at prediction
time they get NaN, and :meth:`predict_table` says why.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from drugscreen.errors import InputError
from drugscreen.models.calibration import CalibratedOutputs
from drugscreen.models.data import DescriptorScaler, as_smiles, descriptors_for, graphs_for
from drugscreen.models.featurize import MolGraphs
from drugscreen.models.outputs import ModelOutputs
from drugscreen.models.targets import Targets
from drugscreen.validate import check_number

logger = logging.getLogger("drugscreen")

UNCERTAINTIES = (None, "ensemble", "mve", "dropout")

#: Molecules featurised and predicted at a time by :meth:`predict`: bounds memory on any input.
PREDICT_CHUNK = 20_000


class GraphModel(CalibratedOutputs, ModelOutputs, BaseEstimator):
    """What the graph models share (use DMPNN, GIN or AttentiveFP).

    Parameters
    ----------
    task : {"regression", "classification", "multiclass"}
        Regression (targets scaled to zero mean, unit variance for training), binary
        classification (multilabel when ``y`` has several columns) or one multiclass label.
        Missing labels (NaN) are masked out of the loss.
    hidden_size, depth, dropout : optional
        Width, number of message-passing steps and dropout of the encoder (None: the
        architecture's default, see the class).
    aggregation : {"mean", "sum", "norm"}, optional
        How atom vectors pool into a molecule vector (D-MPNN and GIN; "norm" is the sum over
        100, chemprop's default). None: the architecture's default.
    timesteps : int
        Molecule-level attention steps (AttentiveFP).
    ffn_hidden_size, ffn_layers : int
        The head's hidden width and number of hidden layers.
    descriptors : bool
        Append the 217 RDKit 2D descriptors (z-scored on the training set) to the molecule
        vector before the head: chemprop's "D-MPNN + RDKit features" recipe.
    epochs, batch_size, learning_rate, warmup_epochs : training schedule
        Adam with linear warm-up to ``learning_rate`` and exponential decay to a tenth of it.
    grad_clip : float, optional
        Clip the gradient norm to this value.
    patience : int, optional
        Stop after this many epochs without a better validation score (the best epoch's
        weights are restored either way).
    validation_metric : {"loss", "rmse", "mae", "auroc"}
        What picks the best epoch.
    val_fraction : float
        Share of the training molecules held out for validation when ``fit`` is not given
        ``X_val``/``y_val``.
    ensemble_size : int
        Networks trained with consecutive seeds; predictions are their mean.
    uncertainty : {None, "ensemble", "mve", "dropout"}
        What ``predict(..., return_std=True)`` reports: the spread of the ensemble,
        mean-variance estimation (the network predicts a variance too; Gaussian likelihood
        loss; combined with the ensemble spread when ``ensemble_size > 1``), or Monte-Carlo
        dropout over ``mc_samples`` passes (needs ``dropout > 0``; the passes are seeded, so
        predictions repeat, and ``predict(X, return_std=True)`` returns their mean while
        ``predict(X)`` is the plain pass with dropout off).
    class_weight : {None, "balanced"}
        Weigh classes inversely to their frequency in the loss.
    device : {"cpu", "cuda", "auto"}
        Where the networks run.
    n_jobs : int
        Processes featurising the molecules.
    random_state : int
        Seed of the validation split, the initial weights and the batch order.
    cache_dir : path, optional
        Keep featurised graphs (and descriptors) of each data set here.
    progress : bool
        Show progress bars.
    """

    _architecture = ""
    _defaults: dict[str, Any] = {}

    def __init__(
        self,
        task: str = "regression",
        *,
        hidden_size: int | None = None,
        depth: int | None = None,
        dropout: float | None = None,
        aggregation: str | None = None,
        timesteps: int = 2,
        ffn_hidden_size: int = 300,
        ffn_layers: int = 1,
        descriptors: bool = False,
        epochs: int = 50,
        batch_size: int = 64,
        learning_rate: float = 1e-3,
        warmup_epochs: float = 2.0,
        grad_clip: float | None = None,
        patience: int | None = None,
        validation_metric: str = "loss",
        val_fraction: float = 0.1,
        ensemble_size: int = 1,
        uncertainty: str | None = None,
        mc_samples: int = 20,
        class_weight: str | None = None,
        device: str = "cpu",
        n_jobs: int | None = 1,
        random_state: int = 0,
        cache_dir: str | None = None,
        progress: bool = False,
    ) -> None:
        self.task = task
        self.hidden_size = hidden_size
        self.depth = depth
        self.dropout = dropout
        self.aggregation = aggregation
        self.timesteps = timesteps
        self.ffn_hidden_size = ffn_hidden_size
        self.ffn_layers = ffn_layers
        self.descriptors = descriptors
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.warmup_epochs = warmup_epochs
        self.grad_clip = grad_clip
        self.patience = patience
        self.validation_metric = validation_metric
        self.val_fraction = val_fraction
        self.ensemble_size = ensemble_size
        self.uncertainty = uncertainty
        self.mc_samples = mc_samples
        self.class_weight = class_weight
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.cache_dir = cache_dir
        self.progress = progress

    # -- configuration -------------------------------------------------------------------------

    def network_params(self) -> dict[str, Any]:
        """Hyperparameters of the network, architecture defaults filled in."""
        params = {
            "hidden_size": self.hidden_size,
            "depth": self.depth,
            "dropout": self.dropout,
            "aggregation": self.aggregation,
            "timesteps": self.timesteps,
            "ffn_hidden_size": self.ffn_hidden_size,
            "ffn_layers": self.ffn_layers,
        }
        for name, default in self._defaults.items():
            if params[name] is None:
                params[name] = default
        return params

    def _check_params(self) -> None:
        from drugscreen.models.training import METRICS

        if self.uncertainty not in UNCERTAINTIES:
            raise InputError(f"uncertainty must be one of {UNCERTAINTIES}, not {self.uncertainty!r}")
        if self.uncertainty == "ensemble" and self.ensemble_size < 2:
            raise InputError("uncertainty='ensemble' needs ensemble_size >= 2")
        if self.uncertainty == "mve" and self.task != "regression":
            raise InputError("mean-variance estimation (uncertainty='mve') is for regression")
        if self.uncertainty == "dropout" and not self.network_params()["dropout"]:
            raise InputError("uncertainty='dropout' needs dropout > 0")
        if self.validation_metric not in METRICS:
            raise InputError(f"validation_metric must be one of {METRICS}, not {self.validation_metric!r}")
        fits = {
            "regression": ("loss", "rmse", "mae"),
            "classification": ("loss", "auroc"),
            "multiclass": ("loss",),
        }
        if self.validation_metric not in fits.get(self.task, METRICS):
            raise InputError(
                f"validation_metric {self.validation_metric!r} does not apply to a {self.task} model: "
                f"use one of {fits[self.task]}"
            )
        from drugscreen.models.nn.readout import AGGREGATIONS

        if self.network_params()["aggregation"] not in AGGREGATIONS:
            raise InputError(f"aggregation must be one of {AGGREGATIONS}, not {self.aggregation!r}")
        check_number("val_fraction", self.val_fraction, low=0, high=1, high_open=True)
        net = self.network_params()
        whole = {"epochs": 1, "batch_size": 1, "ensemble_size": 1, "mc_samples": 1, "random_state": 0}
        whole |= {"hidden_size": 1, "depth": 1, "timesteps": 1, "ffn_hidden_size": 1, "ffn_layers": 1}
        for name, low in whole.items():
            check_number(name, net[name] if name in net else getattr(self, name), low=low, integer=True)
        if self.patience is not None:
            check_number("patience", self.patience, low=1, integer=True)
        check_number("dropout", net["dropout"], low=0, high=1, high_open=True)
        check_number("learning_rate", self.learning_rate, low=0, low_open=True)
        check_number("warmup_epochs", self.warmup_epochs, low=0)
        if self.grad_clip is not None:
            check_number("grad_clip", self.grad_clip, low=0, low_open=True)

    def _device(self) -> str:
        from drugscreen.backends.parallel import check_device

        return "cuda" if check_device(self.device) == "cuda" else "cpu"

    # -- inputs --------------------------------------------------------------------------------

    def _inputs(self, X: Any, progress: bool, cache: bool = True) -> tuple[MolGraphs, np.ndarray | None]:
        """Graphs and raw descriptors of X (SMILES), or of a ready :class:`MolGraphs`; the
        ``cache_dir`` is used for training data only (a library predicted in chunks would fill it)."""
        cache_dir = self.cache_dir if cache else None
        if isinstance(X, MolGraphs):
            if self.descriptors:
                raise InputError("a model with descriptors=True needs SMILES, not graphs")
            return X, None
        smiles = as_smiles(X)
        graphs = graphs_for(smiles, n_jobs=self.n_jobs, cache_dir=cache_dir, progress=progress)
        desc = None
        if self.descriptors:
            desc = descriptors_for(smiles, n_jobs=self.n_jobs, cache_dir=cache_dir, progress=progress)
        return graphs, desc

    # -- fit -----------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any, X_val: Any = None, y_val: Any = None) -> GraphModel:
        """Train on SMILES ``X`` and labels ``y``.

        Parameters
        ----------
        X : sequence of str or MolGraphs
            Training molecules.
        y : array-like, shape (n,) or (n, n_tasks)
            Labels; NaN marks a missing label. A DataFrame's column names name the tasks.
        X_val, y_val : optional
            Validation molecules for early stopping; by default ``val_fraction`` of ``X`` is
            held out at random.

        Returns
        -------
        self
        """
        from drugscreen.models.nn.heads import build_network
        from drugscreen.models.training import TrainConfig, fit_network

        self._check_params()
        if len(X) != len(y):
            raise InputError(f"X has {len(X)} molecules and y {len(y)} labels")
        if (X_val is None) != (y_val is None):
            raise InputError("pass both X_val and y_val, or neither")
        targets_ = Targets.fit(y, self.task, self.class_weight)
        train = self._training_data(X, y, targets_)
        rng = np.random.default_rng(self.random_state)
        if X_val is not None:
            graphs_val, desc_val = self._inputs(X_val, self.progress)
            val_data = self._data(graphs_val, desc_val, y_val, targets_, self._scaler)
            data, train_idx, val_idx = _stack(train, val_data)
        else:
            data = train
            order = rng.permutation(len(train.targets))
            n_val = int(round(self.val_fraction * len(order))) if len(order) > 2 else 0
            val_idx, train_idx = np.sort(order[:n_val]), np.sort(order[n_val:])
        self.targets_ = targets_
        self.n_outputs_ = targets_.n_tasks * (len(targets_.classes or []) if self.task == "multiclass" else 1)
        device = self._device()
        cfg = TrainConfig(
            task=self.task,
            epochs=int(self.epochs),
            batch_size=int(self.batch_size),
            learning_rate=float(self.learning_rate),
            warmup_epochs=float(self.warmup_epochs),
            grad_clip=self.grad_clip,
            patience=self.patience,
            metric=self.validation_metric,
            n_classes=len(targets_.classes or [0]),
            class_weights=targets_.class_weights,
            device=device,
            progress=self.progress,
        )
        import torch

        self.networks_, histories = [], []
        n_desc = 0 if data.descriptors is None else data.descriptors.shape[1]
        for member in range(int(self.ensemble_size)):
            seed = int(self.random_state) + member
            with torch.random.fork_rng(devices=[]):  # seeds the weights without touching the caller's RNG
                torch.manual_seed(seed)
                net = build_network(
                    self._architecture,
                    self.network_params(),
                    self.n_outputs_,
                    n_desc,
                    self.uncertainty == "mve",
                )
                history = fit_network(net, data, train_idx, val_idx, cfg, seed)
            histories.append(pd.DataFrame(history).assign(member=member))
            self.networks_.append(net.cpu())
        self.history_ = pd.concat(histories, ignore_index=True)
        self.n_descriptors_ = n_desc
        self.descriptor_scaler_ = self._scaler
        self.n_train_, self.n_val_ = len(train_idx), len(val_idx)
        self.calibration_ = None
        return self

    def _training_data(self, X: Any, y: Any, targets: Targets) -> Any:
        graphs, desc = self._inputs(X, self.progress)
        self._scaler = DescriptorScaler.fit(desc[graphs.valid]) if desc is not None else None
        self.n_dropped_ = int((~graphs.valid).sum())
        if self.n_dropped_:
            bad = np.flatnonzero(~graphs.valid)[:3]
            logger.warning(
                "%d of %d training molecules could not be featurised and are left out, e.g. %s",
                self.n_dropped_,
                len(graphs),
                "; ".join(f"row {i}: {graphs.errors[i]}" for i in bad),
            )
        data = self._data(graphs, desc, y, targets, self._scaler)
        if not len(data.targets):
            raise InputError("no training molecule could be featurised")
        return data

    @staticmethod
    def _data(
        graphs: MolGraphs, desc: np.ndarray | None, y: Any, targets: Targets, scaler: DescriptorScaler | None
    ) -> Any:
        """TrainData of the valid molecules."""
        from drugscreen.models.training import TrainData

        if len(graphs) != len(y):
            raise InputError(f"{len(graphs)} molecules and {len(y)} labels")
        values, mask = targets.encode(y)
        keep = np.flatnonzero(graphs.valid)
        d = scaler.transform(desc[keep]) if (scaler is not None and desc is not None) else None
        return TrainData(graphs.subset(keep), values[keep], mask[keep], d)

    # -- predict -------------------------------------------------------------------------------

    def _raw_outputs(
        self, X: Any, dropout_samples: int = 0
    ) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
        """Raw outputs ``[members, n, outputs]`` (NaN for invalid molecules), validity, errors."""
        from drugscreen.models.training import TrainData, predict_raw

        self._check_fitted()
        device = self._device()
        if not isinstance(X, MolGraphs):
            X = as_smiles(X)
        n = len(X)
        valid_all = np.zeros(n, dtype=bool)
        errors: list[str | None] = []
        width = self.networks_[0].n_raw
        passes = [(net, False) for net in self.networks_]
        if dropout_samples:
            passes = [(net, True) for net in self.networks_ for _ in range(dropout_samples)]
        out = np.full((len(passes), n, width), np.nan, dtype=np.float32)
        for start in range(0, n, PREDICT_CHUNK):
            stop = min(n, start + PREDICT_CHUNK)
            chunk = X.subset(np.arange(start, stop)) if isinstance(X, MolGraphs) else X[start:stop]
            graphs, desc = self._inputs(chunk, progress=False, cache=False)
            keep = np.flatnonzero(graphs.valid)
            valid_all[start + keep] = True
            errors += graphs.errors
            d = None
            if self.descriptor_scaler_ is not None and desc is not None:
                d = self.descriptor_scaler_.transform(desc[keep])
            data = TrainData(
                graphs.subset(keep), np.zeros((len(keep), 0), np.float32), np.zeros((len(keep), 0), bool), d
            )
            index = np.arange(len(keep))
            for p, (net, dropout) in enumerate(passes):
                net.to(device)
                seed = int(self.random_state) + p
                out[p, start + keep] = predict_raw(net, data, index, 256, device, dropout, seed).numpy()
                net.cpu()
        return out, valid_all, errors

    def __sklearn_tags__(self) -> Any:
        return self._tags_for_task(super().__sklearn_tags__())


class DMPNN(GraphModel):
    """Directed message-passing neural network (chemprop's D-MPNN, Yang et al. 2019).

    Defaults are chemprop v2's: hidden size 300, depth 3, no dropout, "norm" aggregation, one
    hidden layer of 300 in the head, 50 epochs, batch 64, learning rate 1e-3 after a 2-epoch
    warm-up. All parameters are those of :class:`GraphModel`.

    Examples
    --------
    >>> import drugscreen as ds
    >>> smiles = ["CCO", "CCN", "CCC", "c1ccccc1", "CC(=O)O", "CCCl"] * 4
    >>> model = ds.models.DMPNN(epochs=2, hidden_size=32).fit(smiles, range(24))
    >>> model.predict(["CCO", "not a smiles"]).shape
    (2,)
    """

    _architecture = "dmpnn"
    _defaults = {"hidden_size": 300, "depth": 3, "dropout": 0.0, "aggregation": "norm"}


class GIN(GraphModel):
    """Graph isomorphism network with edge features (GINE; Xu et al. 2019, Hu et al. 2020).

    Defaults: hidden size 300, 4 layers with batch norm and residual connections, no dropout,
    mean readout. All parameters are those of :class:`GraphModel`.
    """

    _architecture = "gin"
    _defaults = {"hidden_size": 300, "depth": 4, "dropout": 0.0, "aggregation": "mean"}


class AttentiveFP(GraphModel):
    """AttentiveFP (Xiong et al. 2020): graph attention with GRU updates on atoms and on a
    molecule node.

    Defaults: hidden size 200, 2 atom layers, 2 molecule ``timesteps``, dropout 0.1.
    ``aggregation`` is not used (the molecule node attends over its atoms). All parameters are
    those of :class:`GraphModel`.
    """

    _architecture = "attentivefp"
    _defaults = {"hidden_size": 200, "depth": 2, "dropout": 0.1, "aggregation": "mean"}


def _stack(a: Any, b: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    """One TrainData of training and validation data, and the index of each part."""
    from drugscreen.models.featurize import concat_graphs
    from drugscreen.models.training import TrainData

    desc = None if a.descriptors is None else np.concatenate([a.descriptors, b.descriptors])
    data = TrainData(
        concat_graphs([a.graphs, b.graphs]),
        np.concatenate([a.targets, b.targets]),
        np.concatenate([a.mask, b.mask]),
        desc,
    )
    n_a = len(a.targets)
    return data, np.arange(n_a), np.arange(n_a, n_a + len(b.targets))
