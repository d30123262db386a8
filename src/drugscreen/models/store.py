"""Saving fitted models without pickle, and reading back their checked configs.

A model is a directory::

    config.json           class, hyperparameters, fitted state (task, target scaling, classes,
                          descriptor scaling, calibration, training history), featurizer
                          version, package versions
    weights.safetensors   the networks' tensors (graph models), ``member<i>.<name>``
    trees.skops           the scikit-learn models (fingerprint baseline), loaded by skops with
                          scikit-learn and NumPy types as the only trusted ones

Loading (:mod:`drugscreen.models.loading`) never runs pickled code: safetensors holds only
tensors, and skops refuses any type it was not told to trust. The directory is written under
a temporary name and renamed; ``config.json`` carries a checksum of the config and the weights,
verified on load.
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


#: The classes a model directory may hold, by name (:mod:`drugscreen.models.loading` maps them
#: to the classes; this module stays below the models in the import order).
MODEL_CLASSES = ("DMPNN", "GIN", "AttentiveFP", "FingerprintModel")


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
    if name not in MODEL_CLASSES:
        raise InputError(f"cannot save a {name}: drugscreen saves {sorted(MODEL_CLASSES)}")
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
MODEL_FILES = frozenset(
    {CONFIG, WEIGHTS, TREES}
    # what `drugscreen train` (models.workflow) writes beside the model
    | {"split.json", "metrics.json", "test_predictions.csv", "learning_curve.csv", "learning_curve.png"}
)


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
        raise InputError(f"{file}: unreadable model config ({one_line(exc)})") from exc
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise InputError(f"{file} is not a drugscreen model config")
    if config.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"{file}: model format {config.get('format_version')}, this drugscreen reads "
            f"{FORMAT_VERSION}; load it with the drugscreen version that saved it "
            f"({config.get('versions', {}).get('drugscreen')})"
        )
    if config.get("class") not in MODEL_CLASSES:
        raise InputError(f"{file}: unknown model class {config.get('class')!r}")
    if config.get("featurizer") != FEATURIZER_VERSION:
        raise InputError(
            f"{file}: the model was trained on featurizer {config.get('featurizer')!r}, this "
            f"drugscreen makes {FEATURIZER_VERSION!r}; its predictions would be meaningless"
        )
    return config


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


def verify_checksum(config: dict[str, Any], directory: Path) -> None:
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


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (torch's and skops's run to dozens)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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
