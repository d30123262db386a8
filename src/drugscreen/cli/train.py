"""``drugscreen train``: train a property model on a table and save it with its metrics."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from drugscreen.cli.options import number

logger = logging.getLogger("drugscreen")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "train",
        help="train a property model (D-MPNN, GIN, AttentiveFP, fingerprint baseline)",
        description="Train a property model on a CSV/TSV/Parquet table: the rows are split (or a "
        "chemprop-format split file is read), the model trains on the training rows with early "
        "stopping on the validation rows, is calibrated on them and evaluated on the test rows. "
        "MODEL_DIR gets the model (config.json + weights.safetensors), split.json, metrics.json, "
        "learning_curve.csv/.png and test_predictions.csv.",
    )
    p.add_argument("data", help="training table (.csv, .tsv, .parquet)")
    p.add_argument("--smiles-column", default="smiles", help="column with SMILES [smiles]")
    p.add_argument("--target-columns", nargs="+", required=True, metavar="COLUMN", help="target column(s)")
    p.add_argument(
        "--model", default="dmpnn", choices=["dmpnn", "gin", "attentivefp", "fingerprint"], help="[dmpnn]"
    )
    p.add_argument(
        "--task",
        default="regression",
        choices=["regression", "classification", "multiclass"],
        help="[regression]",
    )
    p.add_argument("-o", "--out-dir", required=True, metavar="MODEL_DIR", help="model directory to write")
    g = p.add_argument_group("split")
    g.add_argument(
        "--split", default="random", choices=["random", "scaffold", "stratified", "cluster"], help="[random]"
    )
    g.add_argument("--split-file", help="chemprop-format split file to use instead of --split")
    g.add_argument(
        "--sizes",
        nargs=3,
        type=number,
        default=[0.8, 0.1, 0.1],
        metavar=("TRAIN", "VAL", "TEST"),
        help="[0.8 0.1 0.1]",
    )
    g.add_argument("--seed", type=number, default=0, help="seed of the split and the model [0]")
    m = p.add_argument_group("model (defaults: the model's own)")
    m.add_argument("--epochs", type=number)
    m.add_argument("--batch-size", type=number)
    m.add_argument("--hidden-size", type=number)
    m.add_argument("--depth", type=number)
    m.add_argument("--dropout", type=number)
    m.add_argument("--learning-rate", type=number)
    m.add_argument("--patience", type=number, help="stop after this many epochs without improvement")
    m.add_argument("--ensemble-size", type=number)
    m.add_argument("--uncertainty", choices=["ensemble", "mve", "dropout"])
    m.add_argument(
        "--descriptors",
        action=argparse.BooleanOptionalAction,
        help="RDKit 2D descriptors beside the graph (chemprop-RDKit) [graph models: off; fingerprint: on]",
    )
    m.add_argument("--class-weight", choices=["balanced"])
    m.add_argument("--device", choices=["cpu", "cuda", "auto"])
    p.add_argument("--overwrite", action="store_true", help="replace MODEL_DIR if it exists")
    p.add_argument(
        "-j", "--jobs", type=number, default=-1, help="featurising processes (-1 = all cores) [-1]"
    )
    p.set_defaults(handler=run)


#: Options passed to the model when given, by model parameter name.
MODEL_OPTIONS = (
    "epochs",
    "batch_size",
    "hidden_size",
    "depth",
    "dropout",
    "learning_rate",
    "patience",
    "ensemble_size",
    "uncertainty",
    "class_weight",
    "device",
)


def run(args: argparse.Namespace) -> int:
    from drugscreen.models.workflow import train_from_table

    params = {name: getattr(args, name) for name in MODEL_OPTIONS if getattr(args, name) is not None}
    if args.descriptors is not None:
        params["descriptors"] = args.descriptors
    params["n_jobs"] = args.jobs
    if args.model != "fingerprint":
        params["progress"] = not args.quiet if hasattr(args, "quiet") else True
    report = train_from_table(
        args.data,
        args.out_dir,
        smiles_column=args.smiles_column,
        target_columns=args.target_columns,
        model=args.model,
        task=args.task,
        split=args.split,
        split_file=args.split_file,
        sizes=tuple(args.sizes),
        seed=args.seed,
        overwrite=args.overwrite,
        **params,
    )
    for name, values in report.metrics.get("test", {}).items():
        print(f"{name}: " + ", ".join(f"{k} {v:.4f}" for k, v in values.items()))
    print(f"model: {report.model_dir}")
    return 0
