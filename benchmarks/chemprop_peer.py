"""Train and time chemprop v2 with its own defaults on a given split: the peer of the model benchmarks.

Runs INSIDE the chemprop venv (``chemprop_env.ensure_chemprop_venv()``), so it imports only
chemprop, torch, lightning, numpy, pandas, rdkit and the standard library, never drugscreen.

What it does, in order:

1. **Featurisation speed.** Every row of the CSV goes SMILES -> RDKit mol with chemprop's own
   ``chemprop.utils.make_mol`` (the call its CLI makes) and mol -> ``MolGraph`` with
   ``SimpleMoleculeMolGraphFeaturizer`` built as ``chemprop train`` builds it (V2 multi-hot atom
   features, multi-hot bond features). Timed in this process, on one thread, ``--featurize-repeat``
   times; the median is reported as ``featurize_mol_per_s`` (rows / seconds, parse + featurise),
   with the two parts beside it. Rows whose SMILES chemprop cannot parse (or that give a molecule
   without atoms, as an empty cell does) are found here and called unparseable below.
2. **Training.** ``chemprop train`` with its default settings (D-MPNN, hidden 300, depth 3,
   ``norm`` aggregation, 1-layer FFN of 300, no dropout, batch 64, Adam with learning rate rising
   linearly 1e-4 -> 1e-3 over 2 warm-up epochs then decaying exponentially to 1e-4, 50 epochs,
   checkpoint on best ``val_loss``); the only options given are data, columns, task type,
   ``--splits-file``, ``--data-seed``/``--pytorch-seed``, ``-n`` and, if asked, ``--epochs`` and
   ``--warmup-epochs``. The exact command is stored in ``timing.json``. (Given a
   ``--pytorch-seed``, chemprop also sets lightning's ``deterministic=True``.)
3. **Prediction.** ``chemprop predict`` with ``model_0/best.pt`` (the best-``val_loss`` epoch) on the
   test rows, in split order.

chemprop raises on an unparseable SMILES anywhere in its input, so the CSV handed to it holds the
parseable rows only (SMILES and target columns, values unchanged) and the split indices are mapped
onto it. Unparseable training/validation rows are left out and counted; unparseable test rows stay
in ``test_predictions.csv`` with empty predictions, so that file always has one line per test row
of the split, keyed by ``row``, the 0-based row of the original CSV.

The two chemprop commands run as subprocesses of this venv's python, through ``chemprop``'s own
entry point (``chemprop.cli.main.main``) with an observing lightning callback added to every
``Trainer``: it records wall times of each training epoch (train + validation loop) and of
``fit``/``predict``, and changes nothing else. This lets ``timing.json`` separate interpreter and
import start-up from the work.

``timing.json``:

- ``train_seconds``: wall time of the whole ``chemprop train`` command (start-up, parsing, feature
  caching, fit, its own test-set prediction, saving); ``fit_seconds``: ``Trainer.fit`` alone.
- ``epochs``: epochs trained; ``epoch_seconds``: each one; ``seconds_per_epoch``: their median.
- ``predict_seconds``: ``chemprop predict``'s work once imported (load model, read CSV, parse,
  featurise, forward, write); ``predict_mol_per_s`` = test molecules / ``predict_seconds``;
  ``predict_command_seconds`` adds interpreter start-up and imports.
- ``featurize_mol_per_s``, ``n_rows``, ``n_train``/``n_val``/``n_test``, ``n_invalid``, versions and
  ``torch_threads`` (``torch.get_num_threads()`` inside the chemprop training process).

Written files appear whole: each goes to a temporary name in OUT and is renamed. chemprop's own
inputs (``inputs/``: the filtered CSV, mapped splits, test rows), its output (``train/``: model,
checkpoints, its own ``splits.json`` and test predictions), logs and raw timing records
(``logs/``) are kept in ``OUT/chemprop/``; a failed run leaves them in ``OUT/.work-PID/``.

``--featurize-only`` runs step 1 alone (``--target-columns``, ``--task`` and ``--split`` are then
not needed) and writes ``OUT/timing.json`` with the featurisation figures, row counts, versions
and ``torch_threads``.

Example::

    benchmarks/.venv-chemprop/bin/python benchmarks/chemprop_peer.py \\
        --data esol.csv --smiles-column smiles --target-columns logSolubility \\
        --task regression --split split.json --out /tmp/esol_chemprop --epochs 3
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

CHILD_FLAG = "--_chemprop-cli-timed"


# --------------------------------------------------------------------------- child: the chemprop CLI


def _child(argv: list[str]) -> None:
    """Run chemprop's CLI entry point with a timing callback on every lightning Trainer."""
    t_start = time.perf_counter()
    record_path, cli_args = Path(argv[0]), argv[1:]
    import lightning.pytorch as pl
    import torch
    from chemprop.cli.main import main

    record: dict[str, Any] = {
        "import_seconds": time.perf_counter() - t_start,
        "torch_threads": torch.get_num_threads(),
        "epoch_seconds": [],
        "fit_seconds": None,
        "predict_loop_seconds": [],
    }

    class _Timer(pl.Callback):
        """Observes only: wall clock at the start and end of fit, each train epoch and predict."""

        def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
            self._fit = time.perf_counter()

        def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
            record["fit_seconds"] = time.perf_counter() - self._fit

        def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
            self._epoch = time.perf_counter()

        def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
            # lightning runs the validation loop before this hook: an epoch is train + val.
            record["epoch_seconds"].append(time.perf_counter() - self._epoch)

        def on_predict_start(self, trainer: Any, pl_module: Any) -> None:
            self._predict = time.perf_counter()

        def on_predict_end(self, trainer: Any, pl_module: Any) -> None:
            record["predict_loop_seconds"].append(time.perf_counter() - self._predict)

    base = pl.Trainer

    class _TimedTrainer(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, callbacks: Any = None, **kwargs: Any) -> None:
            callbacks = [*(callbacks or []), _Timer()]
            super().__init__(*args, callbacks=callbacks, **kwargs)

    pl.Trainer = _TimedTrainer  # chemprop.cli.* looks up pl.Trainer when it builds one
    sys.argv = ["chemprop", *cli_args]
    t_main = time.perf_counter()
    main()
    record["main_seconds"] = time.perf_counter() - t_main
    _write_json(record_path, record)


# --------------------------------------------------------------------------- helpers


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(obj, indent=1) + "\n")
    os.replace(tmp, path)


def _write_csv(path: Path, df: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    df.to_csv(tmp, index=False)
    os.replace(tmp, path)


def _log(msg: str) -> None:
    print(f"[chemprop_peer] {msg}", file=sys.stderr, flush=True)


def _parse_indices(idxs: Any) -> list[int]:
    """A split list as chemprop accepts it: a list of ints or a string like '0-2,4'."""
    if isinstance(idxs, str):
        out: list[int] = []
        for part in idxs.split(","):
            if "-" in part:
                lo, hi = map(int, part.split("-"))
                out.extend(range(lo, hi + 1))
            elif part.strip():
                out.append(int(part))
        return out
    return [int(i) for i in idxs]


def _read_split(path: Path, n_rows: int) -> dict[str, list[int]]:
    splits = json.loads(path.read_text())
    if isinstance(splits, dict):
        splits = [splits]
    if not isinstance(splits, list) or len(splits) != 1 or not isinstance(splits[0], dict):
        raise SystemExit(f"{path}: expected a list with one {{train, val, test}} dict")
    split = {k: _parse_indices(splits[0].get(k, [])) for k in ("train", "val", "test")}
    seen: set[int] = set()
    for name, idx in split.items():
        bad = [i for i in idx if not 0 <= i < n_rows]
        if bad:
            raise SystemExit(f"{path}: {name} has rows outside 0..{n_rows - 1}: {bad[:5]}")
        if len(set(idx)) != len(idx) or seen & set(idx):
            raise SystemExit(f"{path}: {name} repeats rows or shares rows with another split")
        seen |= set(idx)
    if not split["train"] or not split["test"]:
        raise SystemExit(f"{path}: train and test must not be empty")
    return split


def _featurize_timing(smiles: list[str], repeat: int) -> tuple[list[bool], dict[str, Any]]:
    """Parse + featurise every SMILES as ``chemprop train`` does; return validity and timings."""
    from chemprop.featurizers import (
        MultiHotAtomFeaturizer,
        MultiHotBondFeaturizer,
        SimpleMoleculeMolGraphFeaturizer,
    )
    from chemprop.utils import make_mol
    from rdkit import RDLogger

    RDLogger.DisableLog("rdApp.*")
    featurizer = SimpleMoleculeMolGraphFeaturizer(
        atom_featurizer=MultiHotAtomFeaturizer.v2(), bond_featurizer=MultiHotBondFeaturizer()
    )

    def parse_all() -> list[Any]:
        mols = []
        for smi in smiles:
            try:
                mol = make_mol(smi, keep_h=False, add_h=False)
            except Exception:  # chemprop raises RuntimeError; odd cells raise others
                mol = None
            # RDKit parses "" (an empty cell) to a molecule without atoms; so it is dropped too.
            mols.append(mol if mol is not None and mol.GetNumAtoms() > 0 else None)
        return mols

    parse_s, feat_s = [], []
    valid: list[bool] = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        mols = parse_all()
        t1 = time.perf_counter()
        for mol in mols:
            if mol is not None:
                featurizer(mol)
        t2 = time.perf_counter()
        parse_s.append(t1 - t0)
        feat_s.append(t2 - t1)
        valid = [m is not None for m in mols]
    total = [p + f for p, f in zip(parse_s, feat_s, strict=True)]
    n = len(smiles)
    med = statistics.median(total)
    return valid, {
        "featurize_mol_per_s": n / med if med > 0 else math.inf,
        "featurize_seconds": med,
        "featurize_parse_seconds": statistics.median(parse_s),
        "featurize_graph_seconds": statistics.median(feat_s),
        "featurize_repeat": len(total),
        "featurize_times_s": total,
        "featurizer": "SimpleMoleculeMolGraphFeaturizer(MultiHotAtomFeaturizer.v2(), "
        "MultiHotBondFeaturizer()) after chemprop.utils.make_mol",
    }


def _run_chemprop(cli_args: list[str], record: Path, log_path: Path) -> dict[str, Any]:
    """Run one chemprop subcommand through the timed entry point; return its timing record."""
    cmd = [sys.executable, str(Path(__file__).resolve()), CHILD_FLAG, str(record), *cli_args]
    _log("chemprop " + " ".join(cli_args))
    t0 = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"chemprop {cli_args[0]} failed (exit {proc.returncode}):\n{tail}")
    rec = json.loads(record.read_text())
    rec["command_seconds"] = wall
    return rec


# --------------------------------------------------------------------------- main


def _featurize_only(args: Any) -> int:
    """``--featurize-only``: step 1 alone; ``OUT/timing.json`` holds the featurisation figures."""
    import chemprop
    import pandas as pd
    import rdkit
    import torch

    df = pd.read_csv(args.data)
    if args.smiles_column not in df.columns:
        raise SystemExit(f"{args.data}: no column {args.smiles_column!r}; has {list(df.columns)}")
    smiles = [s if isinstance(s, str) else "" for s in df[args.smiles_column].tolist()]
    _log(f"featurising {len(smiles)} rows ({args.featurize_repeat}x), featurisation only")
    valid, feat = _featurize_timing(smiles, args.featurize_repeat)
    args.out.mkdir(parents=True, exist_ok=True)
    timing = {
        "n_rows": len(smiles),
        "n_invalid": len(valid) - sum(valid),
        **feat,
        "chemprop_version": chemprop.__version__,
        "rdkit_version": rdkit.__version__,
        "torch_version": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
    }
    _write_json(args.out / "timing.json", timing)
    _log(f"done: {feat['featurize_mol_per_s']:.0f} mol/s -> {args.out / 'timing.json'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--data", required=True, type=Path, help="CSV with a header row")
    ap.add_argument("--smiles-column", required=True)
    ap.add_argument("--target-columns", nargs="+", help="required unless --featurize-only")
    ap.add_argument(
        "--task", choices=["regression", "classification"], help="required unless --featurize-only"
    )
    ap.add_argument("--split", type=Path, help="chemprop splits-file JSON; required unless --featurize-only")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument(
        "--featurize-only",
        action="store_true",
        help="only step 1: time featurisation of every row, write OUT/timing.json, train nothing",
    )
    ap.add_argument("--epochs", type=int, default=None, help="default: chemprop's (50)")
    ap.add_argument(
        "--warmup-epochs",
        type=int,
        default=None,
        help="default: chemprop's (2); chemprop needs --epochs above it, so --epochs 2 needs "
        "--warmup-epochs 1 (a non-default LR schedule)",
    )
    ap.add_argument("--seed", type=int, default=0, help="--data-seed and --pytorch-seed")
    ap.add_argument("--num-workers", type=int, default=0, help="chemprop -n (its default is 0)")
    ap.add_argument("--featurize-repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if args.featurize_only:
        return _featurize_only(args)
    missing_opts = [
        flag
        for flag, value in (
            ("--target-columns", args.target_columns),
            ("--task", args.task),
            ("--split", args.split),
        )
        if value is None
    ]
    if missing_opts:
        ap.error(f"the following arguments are required: {', '.join(missing_opts)}")
    warmup = 2 if args.warmup_epochs is None else args.warmup_epochs  # chemprop's default
    if args.epochs is not None and args.epochs <= warmup:
        ap.error(
            f"chemprop train needs --epochs above its warm-up epochs ({warmup}); "
            f"pass --epochs {warmup + 1} or more, or --warmup-epochs {max(args.epochs - 1, 0)}"
        )

    import chemprop
    import numpy as np
    import pandas as pd
    import rdkit
    import torch

    df = pd.read_csv(args.data)
    missing = [c for c in [args.smiles_column, *args.target_columns] if c not in df.columns]
    if missing:
        raise SystemExit(f"{args.data}: no column(s) {missing}; has {list(df.columns)}")
    n_rows = len(df)
    split = _read_split(args.split, n_rows)
    smiles = [s if isinstance(s, str) else "" for s in df[args.smiles_column].tolist()]

    _log(f"featurising {n_rows} rows ({args.featurize_repeat}x)")
    valid, feat = _featurize_timing(smiles, args.featurize_repeat)
    valid_rows = [i for i in range(n_rows) if valid[i]]
    position = {row: k for k, row in enumerate(valid_rows)}
    mapped = {name: [position[i] for i in idx if i in position] for name, idx in split.items()}
    invalid = {name: [i for i in idx if i not in position] for name, idx in split.items()}
    for name, rows in invalid.items():
        if rows:
            _log(f"{len(rows)} {name} rows have SMILES chemprop cannot parse: left out {rows[:10]}")
    if not mapped["train"] or not mapped["test"]:
        raise SystemExit("no parseable SMILES left in train or test")

    args.out.mkdir(parents=True, exist_ok=True)
    work = args.out / f".work-{os.getpid()}"  # becomes OUT/chemprop once everything succeeded
    if work.exists():
        shutil.rmtree(work)
    for sub in ("inputs", "logs", "predict"):
        (work / sub).mkdir(parents=True)
    data_csv = work / "inputs" / "data.csv"
    _write_csv(data_csv, df.loc[valid_rows, [args.smiles_column, *args.target_columns]])
    splits_json = work / "inputs" / "splits.json"
    _write_json(splits_json, [mapped])
    test_rows = [i for i in split["test"] if i in position]
    test_csv = work / "inputs" / "test.csv"
    test_df = pd.DataFrame({"row": test_rows, args.smiles_column: [smiles[i] for i in test_rows]})
    _write_csv(test_csv, test_df)

    train_dir = work / "train"
    train_args = [
        "train",
        "-i", str(data_csv),
        "-s", args.smiles_column,
        "--target-columns", *args.target_columns,
        "-t", args.task,
        "--splits-file", str(splits_json),
        "--data-seed", str(args.seed),
        "--pytorch-seed", str(args.seed),
        "-n", str(args.num_workers),
        "-o", str(train_dir),
    ]  # fmt: skip
    if args.epochs is not None:
        train_args += ["--epochs", str(args.epochs)]
    if args.warmup_epochs is not None:
        train_args += ["--warmup-epochs", str(args.warmup_epochs)]
    logs = work / "logs"
    train = _run_chemprop(train_args, logs / "train_timing.json", logs / "train.log")

    model = train_dir / "model_0" / "best.pt"
    if not model.is_file():
        raise RuntimeError(f"chemprop train wrote no {model}")
    pred_csv = work / "predict" / "test_preds.csv"
    predict_args = [
        "predict",
        "-i", str(test_csv),
        "-s", args.smiles_column,
        "--model-paths", str(model),
        "-n", str(args.num_workers),
        "-o", str(pred_csv),
    ]  # fmt: skip
    pred = _run_chemprop(predict_args, logs / "predict_timing.json", logs / "predict.log")

    got = pd.read_csv(pred_csv)
    if (
        got["row"].tolist() != test_rows
        or got[args.smiles_column].tolist() != test_df[args.smiles_column].tolist()
    ):
        raise RuntimeError("chemprop predict returned rows in another order than given")
    out = pd.DataFrame({"row": split["test"]})
    out = out.merge(got[["row", *args.target_columns]], on="row", how="left")

    # Cross-check: chemprop train predicts the test set itself (same best checkpoint).
    check: dict[str, Any] = {}
    own = train_dir / "model_0" / "test_predictions.csv"
    if own.is_file():
        own_df = pd.read_csv(own)
        if len(own_df) == len(test_rows):
            a = own_df[args.target_columns].to_numpy(float)
            b = got[args.target_columns].to_numpy(float)
            check["max_abs_diff_vs_train_test_predictions"] = float(np.nanmax(np.abs(a - b)))

    epochs = train["epoch_seconds"]
    n_pred = len(test_rows)
    timing = {
        "train_seconds": train["command_seconds"],
        "fit_seconds": train["fit_seconds"],
        "train_import_seconds": train["import_seconds"],
        "epochs": len(epochs),
        "epoch_seconds": epochs,
        "seconds_per_epoch": statistics.median(epochs) if epochs else None,
        "n_rows": n_rows,
        "n_train": len(mapped["train"]),
        "n_val": len(mapped["val"]),
        "n_test": len(split["test"]),
        "n_test_predicted": n_pred,
        "n_invalid": {k: len(v) for k, v in invalid.items()},
        "invalid_rows": {k: v for k, v in invalid.items() if v},
        "predict_seconds": pred["main_seconds"],
        "predict_mol_per_s": n_pred / pred["main_seconds"] if pred["main_seconds"] > 0 else None,
        "predict_loop_seconds": sum(pred["predict_loop_seconds"]),
        "predict_command_seconds": pred["command_seconds"],
        **feat,
        "chemprop_version": chemprop.__version__,
        "rdkit_version": rdkit.__version__,
        "torch_version": torch.__version__,
        "torch_threads": train["torch_threads"],
        "cpu_count": os.cpu_count(),
        "model": "chemprop/train/model_0/best.pt",
        "commands": {
            "train": "chemprop " + " ".join(train_args),
            "predict": "chemprop " + " ".join(predict_args),
        },
        "checks": check,
    }

    # Publish: the work folder as OUT/chemprop, then the predictions, timing.json last.
    final = args.out / "chemprop"
    timing["commands"] = {k: v.replace(str(work), str(final)) for k, v in timing["commands"].items()}
    if final.exists():
        shutil.rmtree(final)
    os.replace(work, final)
    _write_csv(args.out / "test_predictions.csv", out)
    _write_json(args.out / "timing.json", timing)
    _log(
        f"done: {timing['epochs']} epochs, {timing['seconds_per_epoch']:.2f} s/epoch, "
        f"train {timing['train_seconds']:.1f} s, predict {n_pred} mol in "
        f"{timing['predict_seconds']:.2f} s -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == CHILD_FLAG:
        _child(sys.argv[2:])
    else:
        sys.exit(main())
