"""Training a model from a table, end to end: split, fit, calibrate, evaluate, save.

What ``drugscreen train`` runs. The model directory gets, beside the model itself,
``split.json`` (chemprop's split-file format, so other tools can reuse the split),
``metrics.json`` (test-set metrics per task, and the calibration report),
``learning_curve.csv`` (loss per epoch and ensemble member; a ``.png`` too when matplotlib is
installed) and ``test_predictions.csv``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.chem.io import describe_read_error
from drugscreen.errors import InputError
from drugscreen.models.store import check_model_target
from drugscreen.validate import user_path

logger = logging.getLogger("drugscreen")

MODELS = ("dmpnn", "gin", "attentivefp", "fingerprint")


def make_model(name: str, task: str, **params: Any) -> Any:
    """A model by its command-line name."""
    from drugscreen.models import baseline, estimators

    classes = {
        "dmpnn": estimators.DMPNN,
        "gin": estimators.GIN,
        "attentivefp": estimators.AttentiveFP,
        "fingerprint": baseline.FingerprintModel,
    }
    if name not in classes:
        raise InputError(f"model must be one of {MODELS}, not {name!r}")
    cls = classes[name]
    known = cls().get_params()
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise InputError(f"{cls.__name__} has no parameter(s) {unknown}")
    return cls(task=task, **params)


def read_training_table(
    path: str | os.PathLike[str], smiles_column: str, target_columns: list[str]
) -> pd.DataFrame:
    """The SMILES and target columns of a CSV / TSV / Parquet file (optionally gzipped)."""
    path = user_path(path)
    name = str(path).lower()
    if not path.is_file():
        raise InputError(f"training data not found: {path}")
    try:
        if name.endswith(".parquet"):
            table = pd.read_parquet(path)
        else:
            table = pd.read_csv(path, sep="\t" if name.endswith((".tsv", ".tsv.gz")) else ",")
    except Exception as exc:  # pandas, pyarrow, gzip and zlib each raise their own types
        raise InputError(f"{path}: cannot be read as a table ({describe_read_error(exc)})") from exc
    missing = [c for c in [smiles_column, *target_columns] if c not in table.columns]
    if missing:
        raise InputError(f"{path}: no column(s) {missing}; the columns are {list(table.columns)[:20]}")
    return table


@dataclass(frozen=True)
class TrainReport:
    """What training wrote and found."""

    model_dir: Path
    metrics: dict[str, Any]


def evaluate(model: Any, smiles: list[str], y: np.ndarray) -> dict[str, Any]:
    """Test metrics per task: RMSE, MAE, R² (regression); ROC-AUC, PRC-AUC (classification)."""
    from drugscreen.models import metrics as m

    t = model.targets_
    out: dict[str, Any] = {}
    if t.task == "regression":
        pred = np.asarray(model.predict(smiles), dtype=np.float64).reshape(len(y), -1)
        for j, name in enumerate(t.names):
            out[name] = {
                "rmse": m.mean_rmse(y[:, j], pred[:, j]),
                "mae": m.mean_mae(y[:, j], pred[:, j]),
                "r2": m.mean_r2(y[:, j], pred[:, j]),
            }
    elif t.task == "classification":
        probs = model._probabilities(smiles)[0]
        codes, mask = t.encode(y if not t.one_dimensional else y[:, 0])
        for j, name in enumerate(t.names):
            truth = np.where(mask[:, j], codes[:, j], np.nan)
            out[name] = {
                "auroc": m.mean_auroc(truth, probs[:, j]),
                "prc_auc": m.mean_prc_auc(truth, probs[:, j]),
            }
    else:
        out[t.names[0]] = {"accuracy": model.score(smiles, y[:, 0])}
    return out


def train_from_table(
    data: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    smiles_column: str,
    target_columns: list[str],
    model: str = "dmpnn",
    task: str = "regression",
    split: str = "random",
    split_file: str | os.PathLike[str] | None = None,
    sizes: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    overwrite: bool = False,
    **params: Any,
) -> TrainReport:
    """Split the table, train on the training part (early stopping on the validation part),
    calibrate on the validation part, evaluate on the test part and save everything.

    Parameters
    ----------
    data : path
        CSV, TSV or Parquet with a SMILES column and one column per target.
    out_dir : path
        The model directory to write.
    split : {"random", "scaffold", "stratified", "cluster"}
        How rows are split (ignored with ``split_file``).
    split_file : path, optional
        A chemprop-format split file to use instead.
    params
        Model hyperparameters (e.g. ``epochs=30``, ``ensemble_size=5``).
    """
    from drugscreen.models.splits import Split, make_split

    table = read_training_table(data, smiles_column, target_columns)
    smiles = table[smiles_column].astype(str).tolist()
    y = table[target_columns].to_numpy()
    target = check_model_target(out_dir, overwrite=overwrite)
    estimator = make_model(model, task, random_state=seed, **params)
    if split_file is not None:
        parts = Split.from_json(split_file, n_rows=len(table))
    else:
        # rows that do not parse are split nowhere (the model would drop them anyway); the
        # split file names rows of the table as given, so other tools can read it directly
        readable = np.flatnonzero([_parses(x) for x in smiles])
        if len(readable) < len(smiles):
            logger.warning(
                "%d of %d rows have SMILES that do not parse and are left out",
                len(smiles) - len(readable),
                len(smiles),
            )
        labels = y[readable, 0] if split == "stratified" else None
        local = make_split(
            split, n=len(readable), smiles=[smiles[i] for i in readable], y=labels, sizes=sizes, seed=seed
        )
        parts = Split(
            readable[local.train], readable[local.val], readable[local.test], kind=local.kind, seed=local.seed
        )
    s = np.asarray(smiles, dtype=object)
    y_fit: Any = (
        pd.DataFrame(y[parts.train], columns=target_columns)
        if len(target_columns) > 1
        else pd.Series(y[parts.train, 0], name=target_columns[0])
    )
    y_val = y[parts.val] if len(target_columns) > 1 else y[parts.val, 0]
    if model == "fingerprint":
        estimator.fit(list(s[parts.train]), y_fit)
    else:
        estimator.fit(
            list(s[parts.train]),
            y_fit,
            X_val=list(s[parts.val]) if len(parts.val) else None,
            y_val=y_val if len(parts.val) else None,
        )
    calibration: dict[str, Any] = {}
    if task != "multiclass" and len(parts.val) >= 10:
        calibration = estimator.calibrate(
            list(s[parts.val]), y_val, method="conformal" if task == "regression" else "platt"
        )
    metrics = {
        "n_rows": len(table),
        "n_train": len(parts.train),
        "n_val": len(parts.val),
        "n_test": len(parts.test),
        "n_unsplit": len(table) - len(parts.train) - len(parts.val) - len(parts.test),
        "n_dropped": estimator.n_dropped_,
        "calibration": calibration,
    }
    test_smiles = list(s[parts.test])
    if len(parts.test):
        metrics["test"] = evaluate(estimator, test_smiles, y[parts.test].reshape(len(parts.test), -1))
    path = estimator.save(target, overwrite=overwrite)
    parts.to_json(path / "split.json")
    (path / "metrics.json").write_text(json.dumps(metrics, indent=1, default=float))
    if len(parts.test):
        predictions = estimator.predict_table(test_smiles)
        predictions.insert(0, "row", parts.test)
        predictions.to_csv(path / "test_predictions.csv", index=False)
    if hasattr(estimator, "history_"):
        estimator.history_.to_csv(path / "learning_curve.csv", index=False)
        _plot_learning_curve(estimator.history_, path / "learning_curve.png")
    logger.info("model written to %s; test metrics %s", path, metrics.get("test"))
    return TrainReport(path, metrics)


def _parses(smiles: str) -> bool:
    from drugscreen.chem.parse import parse_record

    return parse_record(smiles)[0] is not None


def _plot_learning_curve(history: pd.DataFrame, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        logger.info("matplotlib is not installed: no learning-curve plot (the CSV has the numbers)")
        return
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for member, rows in history.groupby("member"):
        ax.plot(
            rows["epoch"], rows["train_loss"], color="C0", alpha=0.7, label="train" if member == 0 else None
        )
        if "val_loss" in rows:
            ax.plot(
                rows["epoch"],
                rows["val_loss"],
                color="C1",
                alpha=0.7,
                label="validation" if member == 0 else None,
            )
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
