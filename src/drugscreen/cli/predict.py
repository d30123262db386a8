"""``drugscreen predict``: predict a library of any size with a trained model; resumable."""

from __future__ import annotations

import argparse
from typing import Any

from drugscreen.cli.options import add_input_args, number, reader_kwargs


def register(sub: Any) -> None:
    p = sub.add_parser(
        "predict",
        help="predict a library file with a trained model (streamed, resumable)",
        description="Predict every molecule of a library file with a model written by `drugscreen "
        "train` (or ds.models.save). The library is read in chunks, so memory stays bounded; each "
        "finished chunk is checkpointed in OUTPUT.parts/, and the same command after an "
        "interruption resumes and writes exactly what an uninterrupted run would. OUTPUT has row, "
        "id, smiles, the model's columns (<task>, <task>_std, ...) and error.",
    )
    p.add_argument("model", help="model directory")
    p.add_argument("library", help="library file: .smi, .csv, .tsv, .sdf (optionally .gz) or .parquet")
    p.add_argument("-o", "--output", required=True, help="predictions file (.parquet or .csv)")
    p.add_argument(
        "--chunk-size", type=number, default=100_000, help="records per checkpointed chunk [100000]"
    )
    p.add_argument(
        "--device",
        default="auto",
        choices=["cpu", "cuda", "auto"],
        help="where the model runs: a GPU when there is one [auto]",
    )
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT (or another job's parts)")
    p.add_argument(
        "-j", "--jobs", type=number, default=-1, help="featurising processes (-1 = all cores) [-1]"
    )
    add_input_args(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.models.loading import load
    from drugscreen.screen.predict import predict_library
    from drugscreen.validate import check_n_jobs

    model = load(args.model, device=args.device)
    model.set_params(n_jobs=check_n_jobs(args.jobs))
    result = predict_library(
        model,
        args.library,
        args.output,
        chunk_size=args.chunk_size,
        overwrite=args.overwrite,
        progress=not args.quiet,
        **reader_kwargs(args),
    )
    print(f"{result.records} records, {result.failed} without a prediction: {result.path}")
    return 0
