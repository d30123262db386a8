"""Loading a model directory that :func:`drugscreen.models.store.save` wrote.

The config is checked and its checksum verified first (an edited depth changed every prediction
and kept the model's digest); graph models get their networks rebuilt as saved and the weights
loaded from safetensors; the fingerprint baseline's trees are loaded by skops with exactly the
types a baseline writes trusted. Every damaged file is a one-line :class:`InputError`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from drugscreen.errors import InputError
from drugscreen.models.baseline import FingerprintModel
from drugscreen.models.estimators import DMPNN, GIN, AttentiveFP
from drugscreen.models.store import CONFIG, TREES, WEIGHTS, one_line, read_config, verify_checksum
from drugscreen.validate import user_path

_CLASSES = {c.__name__: c for c in (DMPNN, GIN, AttentiveFP, FingerprintModel)}


def load(path: str | os.PathLike[str], *, device: str | None = None) -> Any:
    """Read a model that ``save`` wrote.

    Parameters
    ----------
    path : path
        The model directory.
    device : {"cpu", "cuda", "auto"}, optional
        Where a graph model predicts (default: as saved, except that a model saved with
        ``"cuda"`` falls back to the CPU on a machine without a GPU).

    Raises
    ------
    InputError
        For a directory that is not a model, another format version or featurizer, missing or
        mismatched weights, or a baseline file holding types other than scikit-learn's.
    """
    path = user_path(path)
    config = read_config(path)
    verify_checksum(config, Path(path))
    try:
        return _build(config, Path(path), device)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"{Path(path) / CONFIG}: damaged model config ({type(exc).__name__}: {one_line(exc)})"
        ) from exc


def _build(config: dict[str, Any], path: Path, device: str | None) -> Any:
    from drugscreen.models.data import DescriptorScaler
    from drugscreen.models.targets import Targets

    cls = _CLASSES[config["class"]]
    params = dict(config["params"])
    if device is not None and "device" in params:
        params["device"] = device
    elif params.get("device") == "cuda":
        params["device"] = "auto"  # trained on a GPU: use one where there is one, else the CPU
    try:
        model = cls(**params)
    except TypeError as exc:
        raise InputError(f"{path}: hyperparameters do not fit {cls.__name__} ({one_line(exc)})") from exc
    state = config["state"]
    if not isinstance(state, dict):
        raise InputError(f"{path / CONFIG}: damaged model config ('state' is not an object)")
    model.targets_ = Targets(**state["targets"])
    model.descriptor_scaler_ = (
        DescriptorScaler(**state["descriptor_scaler"]) if state["descriptor_scaler"] else None
    )
    model.calibration_ = state["calibration"]
    model.n_dropped_ = state["n_dropped"]
    if cls.__name__ == "FingerprintModel":
        model.models_ = _load_trees(Path(path) / TREES, params)
        if model.descriptor_scaler_ is None:
            del model.descriptor_scaler_
        return model
    _load_networks(model, Path(path), state, int(config["ensemble_members"]))
    return model


def _load_trees(file: Path, params: dict[str, Any]) -> Any:
    import skops.io

    if not file.is_file():
        raise InputError(f"{file} is missing")
    try:
        untrusted = skops.io.get_untrusted_types(file=file)
        allowed = _baseline_types(params["estimator"], params["task"])
        foreign = sorted(set(untrusted) - allowed)
        if foreign:
            raise InputError(f"{file} holds types a fingerprint baseline never writes: {foreign[:5]}")
        return skops.io.load(file, trusted=untrusted)
    except InputError:
        raise
    except Exception as exc:  # a damaged zip fails in zipfile, json or skops, each its own way
        raise InputError(f"{file}: unreadable trees ({type(exc).__name__}: {one_line(exc)})") from exc


def _baseline_types(estimator: str, task: str) -> set[str]:
    """Exactly the types skops asks to trust for a baseline of this estimator and task, found
    by writing a tiny one (a name prefix would trust any callable in scikit-learn or NumPy)."""
    import tempfile

    import numpy as np
    import skops.io

    probe = FingerprintModel(task=task, estimator=estimator, n_estimators=2, max_iter=2)
    X = np.random.default_rng(0).random((12, 3))
    y = np.arange(12) % (3 if task == "multiclass" else 2)
    models = [[probe._make(0).fit(X, y.astype(float) if task == "regression" else y)]]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.skops"
        skops.io.dump(models, path)
        return set(skops.io.get_untrusted_types(file=path))


def _load_networks(model: Any, path: Path, state: dict[str, Any], members: int) -> None:
    import pandas as pd
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from drugscreen.models.nn.heads import build_network

    file = path / WEIGHTS
    if not file.is_file():
        raise InputError(f"{file} is missing")
    try:
        tensors = load_file(str(file))
    except (SafetensorError, OSError) as exc:
        raise InputError(f"{file}: unreadable weights ({one_line(exc)})") from exc
    model.n_outputs_ = state["n_outputs"]
    model.n_descriptors_ = state["n_descriptors"]
    model.n_train_, model.n_val_ = state["n_train"], state["n_val"]
    model.history_ = pd.DataFrame(state["history"])
    model.networks_ = []
    for i in range(members):
        prefix = f"member{i}."
        weights = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
        # the architecture as trained, whatever this version's defaults for unset parameters are
        net = build_network(
            model._architecture,
            state["network"],
            model.n_outputs_,
            model.n_descriptors_,
            model.uncertainty == "mve",
        )
        try:
            net.load_state_dict(weights, strict=True)
        except RuntimeError as exc:
            raise InputError(
                f"{file}: weights of member {i} do not fit the network ({one_line(exc)})"
            ) from exc
        net.eval()
        model.networks_.append(net)
