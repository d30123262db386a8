"""Saving and loading fitted models without pickle.

A model is a directory::

    config.json           class, hyperparameters, fitted state (task, target scaling, classes,
                          descriptor scaling, calibration, training history), featurizer
                          version, package versions
    weights.safetensors   the networks' tensors (graph models), ``member<i>.<name>``
    trees.skops           the scikit-learn models (fingerprint baseline), loaded by skops with
                          scikit-learn and NumPy types as the only trusted ones

Loading never runs pickled code: safetensors holds only tensors, and skops refuses any type it
was not told to trust. The directory is written under a temporary name and renamed.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from drugscreen.errors import InputError
from drugscreen.validate import user_path

FORMAT = "drugscreen-model"
FORMAT_VERSION = 1
CONFIG = "config.json"
WEIGHTS = "weights.safetensors"
TREES = "trees.skops"


def _versions() -> dict[str, str]:
    import numpy
    import sklearn
    from rdkit import rdBase

    from drugscreen import __version__

    out = {
        "drugscreen": __version__,
        "rdkit": rdBase.rdkitVersion,
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
    }
    try:
        import torch

        out["torch"] = torch.__version__
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    return out


def _classes() -> dict[str, Any]:
    from drugscreen.models.baseline import FingerprintModel
    from drugscreen.models.estimators import DMPNN, GIN, AttentiveFP

    return {c.__name__: c for c in (DMPNN, GIN, AttentiveFP, FingerprintModel)}


def save(model: Any, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a fitted model to the directory ``path``.

    Parameters
    ----------
    model : DMPNN, GIN, AttentiveFP or FingerprintModel
        A fitted model.
    path : path
        The model directory (created; an existing one is replaced only with ``overwrite``).

    Returns
    -------
    Path
    """
    from drugscreen.models.featurize import FEATURIZER_VERSION

    name = type(model).__name__
    if name not in _classes():
        raise InputError(f"cannot save a {name}: drugscreen saves {sorted(_classes())}")
    if not hasattr(model, "targets_"):
        raise InputError(f"this {name} is not fitted: there is nothing to save")
    target = check_model_target(path, overwrite=overwrite)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    scaler = getattr(model, "descriptor_scaler_", None)
    state: dict[str, Any] = {
        "targets": model.targets_.to_config(),
        "descriptor_scaler": scaler.to_config() if scaler is not None else None,
        "calibration": model.calibration_,
        "n_dropped": model.n_dropped_,
    }
    if name == "FingerprintModel":
        import skops.io

        skops.io.dump(model.models_, tmp / TREES)
    else:
        from safetensors.torch import save_file

        state.update(
            network=model.network_params(),
            n_outputs=model.n_outputs_,
            n_descriptors=model.n_descriptors_,
            n_train=model.n_train_,
            n_val=model.n_val_,
            history=model.history_.to_dict(orient="list"),
        )
        tensors = {
            f"member{i}.{key}": value.detach().cpu().contiguous()
            for i, net in enumerate(model.networks_)
            for key, value in net.state_dict().items()
        }
        save_file(tensors, str(tmp / WEIGHTS))
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "class": name,
        "params": {
            k: (os.fspath(v) if isinstance(v, os.PathLike) else v) for k, v in model.get_params().items()
        },
        "featurizer": FEATURIZER_VERSION,
        "ensemble_members": len(getattr(model, "networks_", getattr(model, "models_", []))),
        "state": state,
        "versions": _versions(),
    }
    config = json.loads(json.dumps(config, default=_json_default))  # as it will read back
    config["checksum"] = _checksum(config, tmp)
    (tmp / CONFIG).write_text(json.dumps(config, indent=1))
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old)
    else:
        os.replace(tmp, target)
    return target


#: What a model directory may hold: the only names ``overwrite`` ever replaces.
MODEL_FILES = frozenset({CONFIG, WEIGHTS, TREES})


def check_model_target(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """``path`` (``~`` expanded) if a model may be written there, else an :class:`InputError`.

    Run before training starts. A new path is fine; an existing one is replaced only with
    ``overwrite`` and only when it is a drugscreen model directory holding nothing but model
    files: a user's directory, a regular file or a symbolic link is never deleted or moved.
    """
    target = user_path(path)
    if target.is_symlink():
        raise InputError(f"{target} is a symbolic link; give the model directory itself")
    if not target.exists():
        if target.parent.exists() and not target.parent.is_dir():
            raise InputError(f"{target}: {target.parent} is not a directory")
        return target
    if not target.is_dir():
        raise InputError(f"{target} exists and is not a directory; give a new model directory name")
    if not overwrite:
        raise InputError(f"{target} exists: pass --overwrite (overwrite=True) to replace it")
    others = sorted(e.name for e in target.iterdir() if e.name not in MODEL_FILES)
    if not (target / CONFIG).is_file() or others:
        what = f"files that are not a model's ({', '.join(others[:3])})" if others else "no model"
        raise InputError(
            f"{target} holds {what}: drugscreen replaces only a model directory it wrote; "
            "choose another directory"
        )
    try:
        is_model = json.loads((target / CONFIG).read_text()).get("format") == FORMAT
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        is_model = False
    if not is_model:  # any version of drugscreen's model format may be replaced, nothing else
        raise InputError(f"{target}/{CONFIG} is not a drugscreen model config: not replacing {target}")
    return target


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The checked ``config.json`` of a model directory."""
    from drugscreen.models.featurize import FEATURIZER_VERSION

    file = user_path(path) / CONFIG
    if not file.is_file():
        raise InputError(f"{path} is not a drugscreen model directory (no {CONFIG})")
    try:
        config = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{file}: unreadable model config ({_one_line(exc)})") from exc
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise InputError(f"{file} is not a drugscreen model config")
    if config.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"{file}: model format {config.get('format_version')}, this drugscreen reads "
            f"{FORMAT_VERSION}; load it with the drugscreen version that saved it "
            f"({config.get('versions', {}).get('drugscreen')})"
        )
    if config.get("class") not in _classes():
        raise InputError(f"{file}: unknown model class {config.get('class')!r}")
    if config.get("featurizer") != FEATURIZER_VERSION:
        raise InputError(
            f"{file}: the model was trained on featurizer {config.get('featurizer')!r}, this "
            f"drugscreen makes {FEATURIZER_VERSION!r}; its predictions would be meaningless"
        )
    return config


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
    _verify(config, Path(path))
    try:
        return _build(config, Path(path), device)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(
            f"{Path(path) / CONFIG}: damaged model config ({type(exc).__name__}: {_one_line(exc)})"
        ) from exc


#: Parameters that say where and how a model runs, not what it predicts: a user may edit them.
RUNTIME_PARAMS = ("progress", "n_jobs", "device", "cache_dir")


def _checksum(config: dict[str, Any], directory: Path) -> str:
    """sha256 of what decides a saved model's predictions: its config (less the run-time
    parameters and the checksum itself) and the bytes of its weights or trees file."""
    import hashlib

    decisive = {k: v for k, v in config.items() if k not in ("checksum", "versions")}
    decisive["params"] = {k: v for k, v in config.get("params", {}).items() if k not in RUNTIME_PARAMS}
    h = hashlib.sha256(json.dumps(decisive, sort_keys=True).encode())
    for name in (WEIGHTS, TREES):
        file = directory / name
        if file.is_file():
            h.update(name.encode())
            with open(file, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()


def _verify(config: dict[str, Any], directory: Path) -> None:
    """Refuse a model whose config or weights changed since it was saved (an edited depth
    changed every prediction and kept the model's digest, so a resumed job could mix two)."""
    saved = config.get("checksum")
    if saved is None:
        raise InputError(
            f"{directory / CONFIG} has no checksum: not written by drugscreen's save(); retrain the model"
        )
    if _checksum(config, directory) != saved:
        raise InputError(
            f"{directory}: the model's config or weights changed after it was saved (edited or damaged); "
            "restore the saved files or retrain (only progress, n_jobs, device and cache_dir may be edited)"
        )


def _one_line(exc: BaseException) -> str:
    """The first line of an exception's message (torch's and skops's run to dozens)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _build(config: dict[str, Any], path: Path, device: str | None) -> Any:
    from drugscreen.models.data import DescriptorScaler
    from drugscreen.models.targets import Targets

    cls = _classes()[config["class"]]
    params = dict(config["params"])
    if device is not None and "device" in params:
        params["device"] = device
    elif params.get("device") == "cuda":
        params["device"] = "auto"  # trained on a GPU: use one where there is one, else the CPU
    try:
        model = cls(**params)
    except TypeError as exc:
        raise InputError(f"{path}: hyperparameters do not fit {cls.__name__} ({_one_line(exc)})") from exc
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
        raise InputError(f"{file}: unreadable trees ({type(exc).__name__}: {_one_line(exc)})") from exc


def _baseline_types(estimator: str, task: str) -> set[str]:
    """Exactly the types skops asks to trust for a baseline of this estimator and task, found
    by writing a tiny one (a name prefix would trust any callable in scikit-learn or NumPy)."""
    import tempfile

    import numpy as np
    import skops.io

    from drugscreen.models.baseline import FingerprintModel

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
        raise InputError(f"{file}: unreadable weights ({_one_line(exc)})") from exc
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
                f"{file}: weights of member {i} do not fit the network ({_one_line(exc)})"
            ) from exc
        net.eval()
        model.networks_.append(net)


#: Molecules whose predictions identify a fingerprint baseline's trees in :func:`model_digest`.
DIGEST_PROBES = [
    "CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
    "c1ccc2c(c1)cc[nH]2", "OC(=O)CCl", "CCN(CC)CCOC(=O)c1ccc(N)cc1", "Clc1ccc(cc1)C(c1ccccc1)N1CCNCC1",
    "C1CCOC1",
]  # fmt: skip


def model_digest(model: Any) -> str:
    """sha256 of everything that decides a fitted model's predictions: its class,
    hyperparameters, fitted state and weights (so a job can tell whether it is the same model)."""
    import hashlib

    h = hashlib.sha256(type(model).__name__.encode())
    params = {
        k: v for k, v in model.get_params().items() if k not in ("progress", "n_jobs", "device", "cache_dir")
    }
    h.update(json.dumps(params, sort_keys=True, default=str).encode())
    h.update(json.dumps(model.targets_.to_config(), sort_keys=True, default=str).encode())
    h.update(json.dumps(model.calibration_, sort_keys=True, default=_json_default).encode())
    scaler = getattr(model, "descriptor_scaler_", None)
    h.update(json.dumps(scaler.to_config() if scaler else None).encode())
    if hasattr(model, "networks_"):
        from safetensors.torch import save

        for net in model.networks_:
            h.update(save({k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}))
    else:
        # serialised trees are not byte-stable (skops differs between calls, pickle between
        # loads), so the trees are identified by their outputs on fixed molecules
        import numpy as np

        raw, _, _ = model._raw_outputs(DIGEST_PROBES)
        h.update(np.ascontiguousarray(raw, dtype=np.float64).tobytes())
    return h.hexdigest()
