"""Property models on MoleculeNet: drugscreen D-MPNN / GIN / AttentiveFP / fingerprint GBM vs chemprop v2.

Usage:
    python benchmarks/bench_models.py [--sets esol bbbp ...] [--models dmpnn chemprop ...]
        [--seeds 0 1 2] [--epochs N] [--max-minutes M] [--order dmpnn+chemprop fingerprint ...]
        [--results DIR]
    python benchmarks/bench_models.py --report [--results DIR]
    python benchmarks/bench_models.py --speed [--speed-n 4200] [--speed-repeat 3] [--results DIR]

Accuracy (the default mode). Data: ../shared/data/moleculenet (chemprop-preprocessed copies).
ESOL, FreeSolv and Lipophilicity (RMSE) get random 80/10/10 splits, BBBP, BACE and HIV (ROC-AUC)
chemprop's balanced scaffold 80/10/10 splits (``make_split("scaffold", balanced=True)``).

1. Rows whose SMILES RDKit cannot parse (or with no label) are removed BEFORE splitting; the
   cleaned table is written once to ``RESULTS/models/data/<set>.csv`` (``<set>.json`` lists
   what was dropped), and every split index refers to its rows.
2. One split file per (set, seed), in chemprop's splits-file format, is written once to
   ``RESULTS/models/splits/<set>-seed<seed>.json`` and read by every tool.
3. Every model trains on train, selects its epoch on val (graph models: the best validation
   loss over all epochs; chemprop: its best-``val_loss`` checkpoint) and is scored on test with
   ``drugscreen.models.metrics.mean_rmse`` / ``mean_auroc`` - the same function for every tool.
   Models: ``dmpnn``, ``gin``, ``attentivefp`` (drugscreen, default hyperparameters, given the
   split's val rows as ``X_val``/``y_val`` and ``random_state=seed``; the graphs of a set are
   featurised once and subset), ``fingerprint`` (``FingerprintModel(estimator="gbm")``, count
   ECFP4 + RDKit 2D descriptors; it has no validation step, so val rows go unused - on HIV
   scikit-learn's automatic early stopping holds out 10 % of train internally) and
   ``chemprop`` (``chemprop_peer.py`` in ``benchmarks/.venv-chemprop``: ``chemprop train`` with
   its defaults on the same split file, then ``chemprop predict`` of the test rows).
4. Each (set, model, seed) writes ``RESULTS/models/runs/<set>-<model>-seed<seed>.json``
   (metric, test predictions, train seconds, epochs, seconds per epoch, sizes, versions,
   machine); an existing file is skipped, so an interrupted run resumes. chemprop's working
   files go to ``benchmarks/.cache/models/`` (git-ignored).
5. Loop order: sets of >= 10,000 molecules (HIV) after all others; then the tiers of
   ``--order`` one after another (a tier is one name or names joined by ``+``: ``dmpnn+chemprop``
   runs both for a (set, seed) before the next); within a tier seed outermost, then set, then
   model. Models of ``--models`` missing from ``--order`` come last. ``--max-minutes`` stops
   starting runs after that budget, and skips a run that earlier runs of the same model
   (seconds per epoch per molecule) project to end past it.
6. At the end (or with ``--report`` alone) all run files are aggregated into
   ``RESULTS/models.json`` and ``RESULTS/models.md``: per set, mean +- sd over the available seeds
   for each model, beside chemprop's published figure (ANCHORS.md), and a line naming the sets
   where drugscreen's D-MPNN is at least as accurate as chemprop v2 on the same seeds.

Speed (``--speed``), on the first ``--speed-n`` Lipophilicity molecules, random 80/10/10 split:
(a) featurisation molecules/s, drugscreen ``to_graphs`` with ``n_jobs=1`` and ``-1`` vs chemprop's
``make_mol`` + ``SimpleMoleculeMolGraphFeaturizer`` (``chemprop_peer.py --featurize-only``), in
``--speed-repeat`` alternating rounds, each timed call after an untimed one of the same tool;
(b) CPU prediction molecules/s from SMILES end to end on the test rows of a 10/10/80 split:
drugscreen DMPNN fitted 1 epoch then ``predict(smiles)`` vs ``chemprop predict`` after a 3-epoch
``chemprop train`` (chemprop needs more epochs than its 2 warm-up epochs); (c) seconds per
training epoch at hidden 300 / depth 3 / batch 64 (both tools' defaults), ``--speed-epochs`` (5)
epochs on the 80/10/10 split: drugscreen fit wall time (graphs precomputed, ``X_val`` given) /
epochs trained vs chemprop's ``seconds_per_epoch`` (median of its per-epoch wall times, train +
validation loop; the mean is stored beside it). torch threads are left at each tool's default
and recorded. Writes ``RESULTS/models_speed.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from common import CACHE, RESULTS, SHARED, _fmt, machine

MOLECULENET = SHARED / "moleculenet"
PEER = Path(__file__).resolve().parent / "chemprop_peer.py"
LARGE = 10_000  # sets with at least this many molecules run after all the others

SETS: dict[str, dict[str, Any]] = {
    "esol": {"file": "esol.csv", "smiles": "smiles", "target": "logSolubility", "name": "ESOL",
             "task": "regression", "split": "random"},
    "freesolv": {"file": "freesolv.csv", "smiles": "smiles", "target": "freesolv", "name": "FreeSolv",
                 "task": "regression", "split": "random"},
    "lipophilicity": {"file": "lipophilicity.csv", "smiles": "smiles", "target": "lipo",
                      "name": "Lipophilicity", "task": "regression", "split": "random"},
    "bbbp": {"file": "bbbp.csv", "smiles": "smiles", "target": "p_np", "name": "BBBP",
             "task": "classification", "split": "scaffold"},
    "bace": {"file": "bace.csv", "smiles": "mol", "target": "Class", "name": "BACE",
             "task": "classification", "split": "scaffold"},
    "hiv": {"file": "hiv.csv.gz", "smiles": "smiles", "target": "HIV_active", "name": "HIV",
            "task": "classification", "split": "scaffold"},
}  # fmt: skip

#: chemprop D-MPNN published figures and MoleculeNet's best, from shared/ANCHORS.md "Property
#: models" (BACE is not listed there). ``mean`` is the number the verdict could compare with.
PUBLISHED: dict[str, dict[str, Any]] = {
    "esol": {"chemprop": "0.555 ± 0.047", "mean": 0.555, "moleculenet": "0.58"},
    "freesolv": {"chemprop": "1.075 ± 0.054", "mean": 1.075, "moleculenet": "1.15"},
    "lipophilicity": {"chemprop": "0.555 ± 0.023", "mean": 0.555, "moleculenet": "0.655"},
    "bbbp": {"chemprop": "0.737", "mean": 0.737, "moleculenet": "0.729"},
    "bace": {"chemprop": None, "mean": None, "moleculenet": None},
    "hiv": {"chemprop": "0.776 ± 0.007", "mean": 0.776, "moleculenet": "0.792"},
}

MODELS = ("dmpnn", "gin", "attentivefp", "fingerprint", "chemprop")
LABELS = {
    "dmpnn": "drugscreen D-MPNN",
    "gin": "drugscreen GIN",
    "attentivefp": "drugscreen AttentiveFP",
    "fingerprint": "drugscreen fingerprint GBM (count ECFP4 + RDKit 2D)",
    "chemprop": "chemprop v2 D-MPNN (defaults)",
}
GRAPH_MODELS = {"dmpnn": "DMPNN", "gin": "GIN", "attentivefp": "AttentiveFP"}
DEFAULT_ORDER = ["dmpnn+chemprop", "fingerprint", "gin", "attentivefp"]
DEFAULT_EPOCHS = 50  # both tools' default


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def metric_of(task: str) -> str:
    return "rmse" if task == "regression" else "auroc"


def score(task: str, y: np.ndarray, pred: np.ndarray) -> float:
    from drugscreen.models.metrics import mean_auroc, mean_rmse

    return (mean_rmse if task == "regression" else mean_auroc)(y, pred)


def write_json(path: Path, obj: Any) -> None:
    """Write whole or not at all: a temporary name in the same folder, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(obj, indent=1, default=_json_default) + "\n")
    os.replace(tmp, path)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    return repr(value)


def _finite(value: Any) -> float | None:
    return None if value is None or not math.isfinite(float(value)) else float(value)


def versions() -> dict[str, Any]:
    import sklearn
    import torch

    import drugscreen

    return {
        "drugscreen": drugscreen.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "sklearn": sklearn.__version__,
        **machine(),
    }


# --------------------------------------------------------------------------- data and splits


class Layout:
    """Where everything goes, under ``--results``."""

    def __init__(self, results: Path) -> None:
        self.results = results.resolve()
        self.base = self.results / "models"
        self.data = self.base / "data"
        self.splits = self.base / "splits"
        self.runs = self.base / "runs"
        tag = hashlib.sha1(str(self.results).encode()).hexdigest()[:8]
        self.work = CACHE / "models" / tag  # chemprop's working files, graph caches

    def run_file(self, name: str, model: str, seed: int) -> Path:
        return self.runs / f"{name}-{model}-seed{seed}.json"

    def rel(self, path: Path) -> str:
        return os.path.relpath(path, self.results)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def clean_set(name: str, layout: Layout) -> tuple[pd.DataFrame, Path]:
    """The set without unparseable SMILES or missing labels, written once as CSV; (table, path)."""
    from rdkit import Chem, RDLogger

    info = SETS[name]
    source = MOLECULENET / info["file"]
    if not source.is_file():
        raise SystemExit(f"benchmark data not found: {source} (needs ../shared/data beside the repo)")
    out = layout.data / f"{name}.csv"
    meta_path = layout.data / f"{name}.json"
    digest = _sha256(source)
    if out.is_file() and meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta.get("source_sha256") == digest:
            return pd.read_csv(out), out
    raw = pd.read_csv(source)
    cols = [info["smiles"], info["target"]]
    RDLogger.DisableLog("rdApp.*")
    parsed, dropped = [], []
    for row, (smi, y) in enumerate(zip(raw[cols[0]], raw[cols[1]], strict=True)):
        mol = Chem.MolFromSmiles(smi) if isinstance(smi, str) and smi else None
        if mol is None or mol.GetNumAtoms() == 0:
            dropped.append({"source_row": row, "smiles": str(smi), "why": "RDKit cannot parse"})
        elif pd.isna(y):
            dropped.append({"source_row": row, "smiles": str(smi), "why": "no label"})
        else:
            parsed.append(row)
    table = raw.loc[parsed, cols].reset_index(drop=True)
    if info["task"] == "classification":
        table[info["target"]] = table[info["target"]].astype(int)
    layout.data.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    table.to_csv(tmp, index=False)
    os.replace(tmp, out)
    import rdkit

    write_json(
        meta_path,
        {
            "set": name,
            "source": str(source),
            "source_sha256": digest,
            "source_rows": len(raw),
            "rows": len(table),
            "columns": cols,
            "rdkit": rdkit.__version__,
            "dropped": dropped,
            "note": "row i of the CSV is row i of every split file; source_row maps back",
        },
    )
    log(f"{name}: {len(table)} of {len(raw)} rows kept ({len(dropped)} dropped) -> {out}")
    return table, out


def get_split(name: str, seed: int, table: pd.DataFrame, layout: Layout) -> tuple[Any, Path]:
    """The (set, seed) split, made once and then read back from its file."""
    from drugscreen.models.splits import Split, make_split

    path = layout.splits / f"{name}-seed{seed}.json"
    if path.is_file():
        return Split.from_json(path, n_rows=len(table)), path
    info = SETS[name]
    if info["split"] == "random":
        split = make_split("random", n=len(table), sizes=(0.8, 0.1, 0.1), seed=seed)
    else:
        smiles = table[info["smiles"]].tolist()
        split = make_split("scaffold", smiles=smiles, sizes=(0.8, 0.1, 0.1), seed=seed, balanced=True)
    split.to_json(path)
    log(f"{name} seed {seed}: {split} -> {path}")
    return split, path


class SetData:
    """One cleaned set: table, labels, SMILES, and (lazily) its drugscreen graphs."""

    def __init__(self, name: str, layout: Layout) -> None:
        self.name = name
        self.info = SETS[name]
        self.table, self.csv = clean_set(name, layout)
        self.smiles = self.table[self.info["smiles"]].tolist()
        dtype = float if self.info["task"] == "regression" else int
        self.y = self.table[self.info["target"]].to_numpy(dtype)
        self._graphs: Any = None
        self.featurize_seconds: float | None = None
        self._layout = layout

    def __len__(self) -> int:
        return len(self.table)

    @property
    def graphs(self) -> Any:
        if self._graphs is None:
            from drugscreen.models.data import graphs_for

            t0 = time.perf_counter()
            self._graphs = graphs_for(self.smiles, n_jobs=-1, cache_dir=self._layout.work / "graphs")
            self.featurize_seconds = time.perf_counter() - t0
            bad = int((~self._graphs.valid).sum())
            log(
                f"{self.name}: graphs of {len(self)} molecules in {self.featurize_seconds:.1f} s ({bad} invalid)"
            )
        return self._graphs


# --------------------------------------------------------------------------- one run per tool


def _warmup(epochs: int | None) -> int | None:
    """Warm-up epochs for a short schedule: chemprop needs epochs > warm-up (default 2)."""
    return None if epochs is None or epochs > 2 else epochs - 1


def run_graph(model: str, data: SetData, split: Any, seed: int, epochs: int | None) -> dict[str, Any]:
    import drugscreen as ds

    task = data.info["task"]
    params: dict[str, Any] = {"task": task, "random_state": seed}
    if epochs is not None:
        params["epochs"] = epochs
        if _warmup(epochs) is not None:
            params["warmup_epochs"] = _warmup(epochs)
    est = getattr(ds.models, GRAPH_MODELS[model])(**params)
    g = data.graphs
    train, val, test = g.subset(split.train), g.subset(split.val), g.subset(split.test)
    t0 = time.perf_counter()
    est.fit(train, data.y[split.train], X_val=val, y_val=data.y[split.val])
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = est.predict(test) if task == "regression" else est.predict_proba(test)[:, 1]
    predict_s = time.perf_counter() - t0
    hist = est.history_
    n_epochs = len(hist)
    best = int(hist["val_loss"].to_numpy().argmin()) + 1 if "val_loss" in hist else None
    return {
        "pred": np.asarray(pred, dtype=float),
        "train_seconds": fit_s,
        "fit_seconds": fit_s,
        "epochs": n_epochs,
        "best_epoch": best,
        "seconds_per_epoch": fit_s / n_epochs if n_epochs else None,
        "predict_seconds": predict_s,
        "n_train_used": int(est.n_train_),
        "n_val_used": int(est.n_val_),
        "featurize_seconds_whole_set": data.featurize_seconds,
        "params": {**{k: v for k, v in est.get_params().items()}, "network": est.network_params()},
        "history": {c: hist[c].tolist() for c in ("train_loss", "val_loss") if c in hist},
        "versions": versions(),
    }


def run_fingerprint(data: SetData, split: Any, seed: int) -> dict[str, Any]:
    import drugscreen as ds

    task = data.info["task"]
    est = ds.models.FingerprintModel(
        task=task, estimator="gbm", descriptors=True, random_state=seed, n_jobs=-1
    )
    smi = np.asarray(data.smiles, dtype=object)
    t0 = time.perf_counter()
    est.fit(list(smi[split.train]), data.y[split.train])
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    test = list(smi[split.test])
    pred = est.predict(test) if task == "regression" else est.predict_proba(test)[:, 1]
    predict_s = time.perf_counter() - t0
    return {
        "pred": np.asarray(pred, dtype=float),
        "train_seconds": fit_s,
        "fit_seconds": fit_s,
        "epochs": None,
        "best_epoch": None,
        "seconds_per_epoch": None,
        "predict_seconds": predict_s,
        "note": "featurisation (count ECFP4 + descriptors) is inside train/predict seconds; val unused",
        "params": {k: v for k, v in est.get_params().items()},
        "versions": versions(),
    }


def call_peer(args: list[str], out: Path, log_path: Path) -> dict[str, Any]:
    """Run ``chemprop_peer.py`` in the chemprop venv; its ``timing.json``."""
    from chemprop_env import ensure_chemprop_venv

    python = ensure_chemprop_venv()
    out.mkdir(parents=True, exist_ok=True)
    (out / "timing.json").unlink(missing_ok=True)
    with open(log_path, "w") as handle:
        proc = subprocess.run(
            [str(python), str(PEER), *args, "--out", str(out)], stdout=handle, stderr=subprocess.STDOUT
        )
    if proc.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-25:])
        raise RuntimeError(f"chemprop_peer.py failed (exit {proc.returncode}), log {log_path}:\n{tail}")
    return json.loads((out / "timing.json").read_text())


def peer_train_args(
    csv: Path, info: dict[str, Any], split_file: Path, seed: int, epochs: int | None
) -> list[str]:
    args = [
        "--data", str(csv), "--smiles-column", info["smiles"], "--target-columns", info["target"],
        "--task", info["task"], "--split", str(split_file), "--seed", str(seed),
    ]  # fmt: skip
    if epochs is not None:
        args += ["--epochs", str(epochs)]
        if _warmup(epochs) is not None:
            args += ["--warmup-epochs", str(_warmup(epochs))]
    return args


def run_chemprop(
    data: SetData, split: Any, split_file: Path, seed: int, epochs: int | None, layout: Layout
) -> dict[str, Any]:
    out = layout.work / "chemprop" / f"{data.name}-seed{seed}-e{epochs or DEFAULT_EPOCHS}"
    args = peer_train_args(data.csv, data.info, split_file, seed, epochs)
    t0 = time.perf_counter()
    timing = call_peer(args, out, out.with_suffix(".log"))
    wall = time.perf_counter() - t0
    got = pd.read_csv(out / "test_predictions.csv")
    by_row = dict(zip(got["row"].astype(int), got[data.info["target"]].astype(float), strict=True))
    pred = np.array([by_row.get(int(i), np.nan) for i in split.test], dtype=float)
    epoch_s = timing.get("epoch_seconds") or []
    return {
        "pred": pred,
        "train_seconds": timing["train_seconds"],
        "fit_seconds": timing["fit_seconds"],
        "epochs": timing["epochs"],
        "best_epoch": None,
        "seconds_per_epoch": timing["seconds_per_epoch"],
        "seconds_per_epoch_mean": sum(epoch_s) / len(epoch_s) if epoch_s else None,
        "predict_seconds": timing["predict_seconds"],
        "peer_wall_seconds": wall,
        "n_train_used": timing["n_train"],
        "n_val_used": timing["n_val"],
        "n_invalid": timing["n_invalid"],
        "featurize_mol_per_s": timing["featurize_mol_per_s"],
        "params": {"commands": timing["commands"], "note": "chemprop train defaults"},
        "peer_out": str(out),
        "versions": {  # the chemprop venv's versions, this machine's CPU
            **{k: v for k, v in machine().items() if k in ("cpu", "cores")},
            "chemprop": timing["chemprop_version"],
            "torch": timing["torch_version"],
            "rdkit": timing["rdkit_version"],
            "torch_threads": timing["torch_threads"],
        },
    }


def run_one(
    name: str, model: str, seed: int, data: SetData, epochs: int | None, layout: Layout
) -> dict[str, Any]:
    split, split_file = get_split(name, seed, data.table, layout)
    if model in GRAPH_MODELS:
        res = run_graph(model, data, split, seed, epochs)
    elif model == "fingerprint":
        res = run_fingerprint(data, split, seed)
    else:
        res = run_chemprop(data, split, split_file, seed, epochs, layout)
    task = data.info["task"]
    pred = res.pop("pred")
    y_test = data.y[split.test]
    value = score(task, y_test, pred)
    record = {
        "set": name,
        "model": model,
        "label": LABELS[model],
        "seed": seed,
        "task": task,
        "split": data.info["split"],
        "metric": metric_of(task),
        "value": _finite(value),
        "n_rows": len(data),
        "n_train": len(split.train),
        "n_val": len(split.val),
        "n_test": len(split.test),
        "n_test_scored": int(np.isfinite(pred).sum()),
        "epochs_requested": epochs,
        **res,
        "data_file": layout.rel(data.csv),
        "split_file": layout.rel(split_file),
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "test_pred": [None if not math.isfinite(p) else float(f"{p:.6g}") for p in pred],
    }
    return record


# --------------------------------------------------------------------------- the accuracy loop


def parse_order(order: list[str], models: list[str]) -> list[list[str]]:
    tiers: list[list[str]] = []
    seen: set[str] = set()
    for item in order:
        tier = []
        for m in item.split("+"):
            if m not in MODELS:
                raise SystemExit(f"--order: unknown model {m!r} (choose from {', '.join(MODELS)})")
            if m in models and m not in seen:
                tier.append(m)
                seen.add(m)
        if tier:
            tiers.append(tier)
    tiers += [[m] for m in models if m not in seen]
    return tiers


def plan(sets: list[str], models: list[str], seeds: list[int], order: list[str], sizes: dict[str, int]):
    """(set, model, seed) in run order: small sets first; tiers; seed, set, model."""
    tiers = parse_order(order, models)
    small = [s for s in sets if sizes[s] < LARGE]
    large = sorted((s for s in sets if sizes[s] >= LARGE), key=lambda s: sizes[s])
    out = []
    for group in (small, large):
        for tier in tiers:
            for seed in seeds:
                for name in group:
                    for model in tier:
                        out.append((name, model, seed))
    return out, tiers


def projected_seconds(model: str, n_fit: int, epochs: int, layout: Layout) -> float | None:
    """Seconds a run should take, from earlier runs of ``model``: median train seconds per
    (molecule x epoch), or per molecule for the fingerprint model; None without any."""
    rates = []
    for path in layout.runs.glob(f"*-{model}-seed*.json"):
        try:
            r = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        n = r["n_train"] + r["n_val"]
        e = 1 if model == "fingerprint" else (r.get("epochs") or 0)
        if n and e and r.get("train_seconds"):
            rates.append(r["train_seconds"] / (n * e))
    if not rates:
        return None
    return statistics.median(rates) * n_fit * (1 if model == "fingerprint" else epochs)


def accuracy(args: argparse.Namespace, layout: Layout) -> int:
    t_start = time.perf_counter()
    budget = None if args.max_minutes is None else args.max_minutes * 60
    data: dict[str, SetData] = {}
    for name in args.sets:
        data[name] = SetData(name, layout)
    sizes = {name: len(d) for name, d in data.items()}
    runs, tiers = plan(args.sets, args.models, args.seeds, args.order, sizes)
    log(f"{len(runs)} runs planned; tiers {tiers}; sets {args.sets}; seeds {args.seeds}; "
        f"epochs {args.epochs or 'tool default'}; budget {args.max_minutes} min")  # fmt: skip
    failures, done, skipped = [], 0, 0
    for name, model, seed in runs:
        path = layout.run_file(name, model, seed)
        if path.is_file():
            old = json.loads(path.read_text())
            if old.get("epochs_requested") != args.epochs and model != "fingerprint":
                log(f"note: {path.name} was run with --epochs {old.get('epochs_requested')}; kept")
            continue
        elapsed = time.perf_counter() - t_start
        if budget is not None and elapsed >= budget:
            log(
                f"budget of {args.max_minutes} min reached: no new runs (next was {name} {model} seed {seed})"
            )
            break
        if budget is not None:
            n_fit = sizes[name] * 9 // 10
            guess = projected_seconds(model, n_fit, args.epochs or DEFAULT_EPOCHS, layout)
            if guess is not None and elapsed + guess > budget:
                log(f"skip {name} {model} seed {seed}: projected {guess / 60:.1f} min, "
                    f"{(budget - elapsed) / 60:.1f} min of budget left")  # fmt: skip
                skipped += 1
                continue
        log(f"start {name} {model} seed {seed}")
        t0 = time.perf_counter()
        try:
            record = run_one(name, model, seed, data[name], args.epochs, layout)
        except Exception as exc:  # one failed run must not stop the others
            log(f"FAILED {name} {model} seed {seed}: {exc!r}\n{traceback.format_exc()}")
            failures.append(f"{name}-{model}-seed{seed}: {exc!r}")
            continue
        record["wall_seconds"] = time.perf_counter() - t0
        write_json(path, record)
        done += 1
        log(f"done  {name} {model} seed {seed}: {record['metric']} {record['value']:.4f} "
            f"in {record['wall_seconds']:.0f} s ({record['epochs']} epochs) -> {path.name}")  # fmt: skip
    log(f"{done} runs done, {skipped} skipped for the budget, {len(failures)} failed, "
        f"{(time.perf_counter() - t_start) / 60:.1f} min")  # fmt: skip
    for f in failures:
        log(f"failed: {f}")
    report(layout)
    return 1 if failures else 0


# --------------------------------------------------------------------------- report


def _mean_sd(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return statistics.fmean(values), statistics.stdev(values) if len(values) > 1 else None


def _pm(mean: float | None, sd: float | None, digits: int = 3) -> str:
    if mean is None:
        return "—"
    return f"{mean:.{digits}f}" + (f" ± {sd:.{digits}f}" if sd is not None else "")


def report(layout: Layout) -> dict[str, Any]:
    runs = []
    for path in sorted(layout.runs.glob("*.json")):
        try:
            runs.append(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            log(f"unreadable result {path}: {exc}")
    by: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
    for r in runs:
        by.setdefault((r["set"], r["model"]), {})[r["seed"]] = r
    rows, verdict = [], {}
    header = [
        "### Property models on MoleculeNet: drugscreen vs chemprop v2, same split files, same metric code",
        "",
        "Random 80/10/10 splits (ESOL, FreeSolv, Lipophilicity; RMSE, lower is better) and balanced "
        "scaffold 80/10/10 splits (BBBP, BACE, HIV; ROC-AUC, higher is better), one split file per "
        "(set, seed) read by every model (`results/models/splits/`), unparseable SMILES removed before "
        "splitting (`results/models/data/`). Each model trains on train, selects its epoch on val "
        "(best validation loss) and is scored on test with `drugscreen.models.metrics`. "
        "All models at their defaults (chemprop v2 `chemprop train` defaults; drugscreen D-MPNN "
        "mirrors them). Mean ± sd over the seeds available (sample sd; none for one seed).",
        "",
        "The *published* chemprop figures (ANCHORS.md) come from tuned hyperparameters with RDKit "
        "2D features and other splits: a reference, not a like-for-like comparison; the "
        "like-for-like comparison is the chemprop v2 row, run here on the same split files.",
        "",
    ]
    lines: list[str] = []
    for name, info in SETS.items():
        present = [m for m in MODELS if (name, m) in by]
        if not present:
            continue
        metric = metric_of(info["task"])
        pub = PUBLISHED[name]
        lines += [
            f"#### {info['name']} ({info['split']} 80/10/10, {metric.upper()}, "
            f"{'lower' if metric == 'rmse' else 'higher'} is better)",
            "",
            f"| model | test {metric.upper()} mean ± sd | seeds | chemprop D-MPNN (published) "
            "| MoleculeNet best | epochs | train s / run (median) |",
            "|---|---|---|---|---|---|---|",
        ]
        for model in present:
            seeds = by[(name, model)]
            values = [seeds[s]["value"] for s in sorted(seeds) if seeds[s]["value"] is not None]
            mean, sd = _mean_sd(values)
            epochs = sorted({seeds[s].get("epochs") for s in seeds}, key=str)
            train_s = statistics.median([seeds[s]["train_seconds"] for s in seeds])
            r0 = next(iter(seeds.values()))
            row = {
                "set": name,
                "model": model,
                "label": LABELS[model],
                "metric": metric,
                "mean": mean,
                "sd": sd,
                "n_seeds": len(values),
                "seeds": sorted(seeds),
                "values": values,
                "epochs": epochs,
                "train_seconds_median": train_s,
                "n_train": r0["n_train"],
                "n_val": r0["n_val"],
                "n_test": r0["n_test"],
                "chemprop_published": pub["chemprop"],
                "moleculenet_best": pub["moleculenet"],
            }
            rows.append(row)
            ep = ", ".join("—" if e is None else str(e) for e in epochs)
            lines.append(
                f"| {LABELS[model]} | {_pm(mean, sd)} | {len(values)} ({', '.join(map(str, sorted(seeds)))}) "
                f"| {pub['chemprop'] or '—'} | {pub['moleculenet'] or '—'} | {ep} | {_fmt(float(train_s))} |"
            )
        lines += [
            "",
            f"n train / val / test: {r0['n_train']} / {r0['n_val']} / {r0['n_test']} molecules.",
            "",
        ]
        # verdict: drugscreen D-MPNN vs chemprop v2 on the seeds both have
        ds_runs, cp_runs = by.get((name, "dmpnn"), {}), by.get((name, "chemprop"), {})
        common = sorted(
            s for s in set(ds_runs) & set(cp_runs)
            if ds_runs[s]["value"] is not None and cp_runs[s]["value"] is not None
        )  # fmt: skip
        if common:
            a = statistics.fmean(ds_runs[s]["value"] for s in common)
            b = statistics.fmean(cp_runs[s]["value"] for s in common)
            ok = a <= b if metric == "rmse" else a >= b
            verdict[name] = {"dmpnn": a, "chemprop": b, "seeds": common, "at_least_as_accurate": ok}
    names = list(SETS)
    wins = [n for n in names if verdict.get(n, {}).get("at_least_as_accurate")]
    losses = [n for n in names if n in verdict and not verdict[n]["at_least_as_accurate"]]
    missing = [n for n in names if n not in verdict]

    def _desc(n: str) -> str:
        v = verdict[n]
        return f"{SETS[n]['name']} ({v['dmpnn']:.3f} vs {v['chemprop']:.3f}, seeds {','.join(map(str, v['seeds']))})"

    line = (
        f"**drugscreen D-MPNN is at least as accurate as chemprop v2 (mean test metric over the same seeds; "
        f"lower RMSE / higher ROC-AUC) on {len(wins)} of {len(names)} sets**: "
        + (", ".join(_desc(n) for n in wins) or "none")
        + ". Less accurate on: "
        + (", ".join(_desc(n) for n in losses) or "none")
        + ". Not compared (no run of both on a common seed): "
        + (", ".join(SETS[n]["name"] for n in missing) or "none")
        + "."
    )
    machines = sorted({json.dumps({k: r["versions"].get(k) for k in ("cpu", "cores")}) for r in runs})
    vers = sorted(
        {json.dumps({k: r["versions"][k] for k in ("drugscreen", "chemprop", "torch", "rdkit", "sklearn")
                     if k in r["versions"]}) for r in runs}
    )  # fmt: skip
    lines = [*header, line, "", *lines]
    lines += [
        f"Machines of these runs: {'; '.join(machines) or '—'}. Versions: {'; '.join(vers) or '—'}.",
        "Timings are wall times on a shared machine and are not comparable figures; see `--speed`.",
        "",
    ]
    payload = {
        "benchmark": "models",
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "rows": rows,
        "verdict": {
            "line": line,
            "sets_at_least_as_accurate": wins,
            "sets_less_accurate": losses,
            "sets_not_compared": missing,
            "per_set": verdict,
        },
        "runs": [{k: v for k, v in r.items() if k not in ("test_pred", "history")} for r in runs],
    }
    write_json(layout.results / "models.json", payload)
    text = "\n".join(lines)
    (layout.results / "models.md").write_text(text)
    print(text)
    return payload


# --------------------------------------------------------------------------- speed


def speed(args: argparse.Namespace, layout: Layout) -> int:
    import torch

    import drugscreen as ds
    from drugscreen.models.splits import make_split

    data = SetData("lipophilicity", layout)
    n = min(args.speed_n, len(data))
    work = layout.work / "speed"
    work.mkdir(parents=True, exist_ok=True)
    info = data.info
    table = data.table.iloc[:n].reset_index(drop=True)
    csv = work / f"lipophilicity-{n}.csv"
    table.to_csv(csv, index=False)
    smiles = table[info["smiles"]].tolist()
    y = table[info["target"]].to_numpy(float)
    split = make_split("random", n=n, sizes=(0.8, 0.1, 0.1), seed=0)
    split_file = split.to_json(work / f"split-80-10-10-{n}.json")
    psplit = make_split("random", n=n, sizes=(0.1, 0.1, 0.8), seed=0)
    psplit_file = psplit.to_json(work / f"split-10-10-80-{n}.json")
    log(f"speed: {n} Lipophilicity molecules, torch threads (drugscreen) {torch.get_num_threads()}")

    # (a) featurisation, alternating rounds; each timed call follows an untimed one
    ds.models.to_graphs(smiles[:50], n_jobs=1)
    t1, tall, tcp, cp_feat = [], [], [], None
    for r in range(args.speed_repeat):
        for n_jobs, times in ((1, t1), (-1, tall)):
            ds.models.to_graphs(smiles, n_jobs=n_jobs)
            t0 = time.perf_counter()
            ds.models.to_graphs(smiles, n_jobs=n_jobs)
            times.append(time.perf_counter() - t0)
        out = work / "featurize"
        cp_feat = call_peer(
            [
                "--featurize-only",
                "--data",
                str(csv),
                "--smiles-column",
                info["smiles"],
                "--featurize-repeat",
                "2",
            ],
            out,
            work / "featurize.log",
        )
        tcp.append(cp_feat["featurize_times_s"][-1])
        log(f"round {r + 1}: drugscreen {n / t1[-1]:.0f} / {n / tall[-1]:.0f} mol/s (1 / all), "
            f"chemprop {n / tcp[-1]:.0f} mol/s")  # fmt: skip
    feat = {
        "drugscreen n_jobs=1 mol/s": n / statistics.median(t1),
        "drugscreen n_jobs=-1 mol/s": n / statistics.median(tall),
        "chemprop mol/s": n / statistics.median(tcp),
        "times_s": {"drugscreen n_jobs=1": t1, "drugscreen n_jobs=-1": tall, "chemprop": tcp},
    }

    # (b) prediction from SMILES end to end: 10/10/80 split, predict the 80 %
    pred_smiles = [smiles[i] for i in psplit.test]
    model = ds.models.DMPNN(task="regression", epochs=1, random_state=0)
    model.fit([smiles[i] for i in psplit.train], y[psplit.train])
    model.predict(pred_smiles[:64])
    pt = []
    for _ in range(args.speed_repeat):
        t0 = time.perf_counter()
        model.predict(pred_smiles)
        pt.append(time.perf_counter() - t0)
    cp_pred = call_peer(peer_train_args(csv, info, psplit_file, 0, 3), work / "predict", work / "predict.log")

    # (c) seconds per epoch, 80/10/10, --speed-epochs epochs, graphs precomputed
    g = ds.models.to_graphs(smiles, n_jobs=-1)
    est = ds.models.DMPNN(task="regression", epochs=args.speed_epochs, random_state=0)
    t0 = time.perf_counter()
    est.fit(g.subset(split.train), y[split.train], X_val=g.subset(split.val), y_val=y[split.val])
    fit_s = time.perf_counter() - t0
    ds_epoch = fit_s / len(est.history_)
    cp_train = call_peer(
        peer_train_args(csv, info, split_file, 0, args.speed_epochs), work / "train", work / "train.log"
    )
    cp_epochs = cp_train["epoch_seconds"]
    cp_epoch_mean = sum(cp_epochs) / len(cp_epochs)

    ds_pred = len(pred_smiles) / statistics.median(pt)
    rows = [
        {
            "task": f"featurise {n} SMILES -> graphs, 1 process (median of {args.speed_repeat} rounds)",
            "drugscreen": f"{feat['drugscreen n_jobs=1 mol/s']:,.0f} mol/s",
            "chemprop": f"{feat['chemprop mol/s']:,.0f} mol/s",
            "ratio ds/chemprop": feat["drugscreen n_jobs=1 mol/s"] / feat["chemprop mol/s"],
        },
        {
            "task": f"featurise {n} SMILES, drugscreen n_jobs=-1 ({len(os.sched_getaffinity(0))} cores) "
            "vs chemprop (1 process, its only mode)",
            "drugscreen": f"{feat['drugscreen n_jobs=-1 mol/s']:,.0f} mol/s",
            "chemprop": f"{feat['chemprop mol/s']:,.0f} mol/s",
            "ratio ds/chemprop": feat["drugscreen n_jobs=-1 mol/s"] / feat["chemprop mol/s"],
        },
        {
            "task": f"predict {len(pred_smiles)} SMILES end to end, CPU (D-MPNN 300/3)",
            "drugscreen": f"{ds_pred:,.0f} mol/s",
            "chemprop": f"{cp_pred['predict_mol_per_s']:,.0f} mol/s",
            "ratio ds/chemprop": ds_pred / cp_pred["predict_mol_per_s"],
        },
        {
            "task": f"train epoch (train + val), {len(split.train)} + {len(split.val)} molecules, "
            f"hidden 300, depth 3, batch 64, {args.speed_epochs} epochs (drugscreen: fit s / epochs; "
            "chemprop: median epoch)",
            "drugscreen": f"{ds_epoch:.2f} s",
            "chemprop": f"{cp_train['seconds_per_epoch']:.2f} s (mean {cp_epoch_mean:.2f} s)",
            "ratio ds/chemprop": ds_epoch / cp_train["seconds_per_epoch"],
        },
    ]
    extra = {
        "n": n,
        "featurisation": feat,
        "chemprop featurize timing": cp_feat,
        "prediction": {
            "drugscreen": {
                "n": len(pred_smiles),
                "times_s": pt,
                "mol_per_s": ds_pred,
                "n_jobs": model.n_jobs,
            },
            "chemprop timing.json": cp_pred,
        },
        "epoch": {
            "drugscreen": {"fit_seconds": fit_s, "epochs": len(est.history_), "seconds_per_epoch": ds_epoch},
            "chemprop": {
                "epoch_seconds": cp_epochs,
                "mean": cp_epoch_mean,
                "median": cp_train["seconds_per_epoch"],
            },
            "chemprop timing.json": cp_train,
        },
        "torch_threads": {"drugscreen": torch.get_num_threads(), "chemprop": cp_train["torch_threads"]},
        "versions": versions(),
        "notes": [
            "ratio = drugscreen / chemprop: above 1 is faster for mol/s rows, slower for the s row",
            "chemprop predict seconds: its `predict` command once imported (model load, CSV read, "
            "parse, featurise, forward, CSV write); drugscreen: predict(smiles) on a fitted model",
            "chemprop epoch seconds: lightning train-epoch hooks (train loop + validation loop)",
        ],
    }
    write_speed(layout, n, rows, extra)
    return 0


def write_speed(layout: Layout, n: int, rows: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    payload = {"benchmark": "models_speed", "machine": machine(), "date": time.strftime("%Y-%m-%d"),
               "rows": rows, **extra}  # fmt: skip
    write_json(layout.results / "models_speed.json", payload)
    cols = list(rows[0])
    lines = [
        f"### Property-model speed, drugscreen vs chemprop v2 ({n} Lipophilicity molecules, CPU)",
        "",
        f"Machine: {payload['machine']}; torch threads: drugscreen {extra['torch_threads']['drugscreen']}, "
        f"chemprop {extra['torch_threads']['chemprop']} (both defaults)",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    lines += ["| " + " | ".join(_fmt(r[c]) for c in cols) + " |" for r in rows]
    lines += ["", *(f"- {note}" for note in extra["notes"]), ""]
    text = "\n".join(lines)
    (layout.results / "models_speed.md").write_text(text)
    print(text)


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS))
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=None, help="default: each tool's default (50)")
    parser.add_argument("--max-minutes", type=float, default=None, help="start no run after this budget")
    parser.add_argument(
        "--order",
        nargs="+",
        default=DEFAULT_ORDER,
        help="model tiers in run order; 'a+b' interleaves a and b per (set, seed) "
        f"(default: {' '.join(DEFAULT_ORDER)})",
    )
    parser.add_argument("--results", type=Path, default=RESULTS, help="default: benchmarks/results")
    parser.add_argument("--report", action="store_true", help="only aggregate the run files")
    parser.add_argument("--speed", action="store_true", help="the speed comparison instead")
    parser.add_argument("--speed-n", type=int, default=4200, help="Lipophilicity molecules of --speed")
    parser.add_argument("--speed-repeat", type=int, default=3)
    parser.add_argument("--speed-epochs", type=int, default=5, help="epochs of the s/epoch test (>= 3)")
    args = parser.parse_args()
    if args.epochs is not None and args.epochs < 1:
        parser.error("--epochs must be at least 1")
    if args.speed_epochs < 3:
        parser.error(
            "--speed-epochs must be at least 3 (chemprop trains more epochs than its 2 warm-up ones)"
        )
    layout = Layout(args.results)
    if args.report:
        report(layout)
        return 0
    if args.speed:
        return speed(args, layout)
    return accuracy(args, layout)


if __name__ == "__main__":
    sys.exit(main())
