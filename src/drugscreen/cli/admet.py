"""``drugscreen admet``: the shipped ADMET panel for a library of any size; resumable."""

from __future__ import annotations

import argparse
from typing import Any

from drugscreen.cli.options import add_input_args, number, reader_kwargs


def register(sub: Any) -> None:
    p = sub.add_parser(
        "admet",
        help="predict the shipped ADMET panel (34 endpoints) for a library (streamed, resumable)",
        description="Predict the shipped ADMET panel for every molecule of a library file: per "
        "endpoint the prediction, its spread over the ensemble, a 90 % conformal interval "
        "(regression), the nearest training molecule's similarity and an out-of-domain flag, and "
        "the percentile among approved drugs; physicochemical columns and PAINS/Brenk/NIH alerts. "
        "The library is read in chunks and each finished chunk is checkpointed in OUTPUT.parts/: "
        "the same command after an interruption resumes and writes exactly what an uninterrupted "
        "run would. `drugscreen admet --list` prints the endpoints with their cross-validated "
        "figures.",
    )
    p.add_argument(
        "library", nargs="?", help="library file: .smi, .csv, .tsv, .sdf (optionally .gz) or .parquet"
    )
    p.add_argument("-o", "--output", help="predictions file (.parquet or .csv)")
    p.add_argument("--list", action="store_true", help="print the endpoints (units, CV metric) and exit")
    p.add_argument("--endpoints", help="comma-separated endpoint names [all]")
    p.add_argument("--no-alerts", action="store_true", help="leave out the structural-alert column")
    p.add_argument("--no-percentiles", action="store_true", help="leave out the _pct columns")
    p.add_argument(
        "--reference", help="molecules to compute percentiles against [the shipped approved drugs]"
    )
    p.add_argument(
        "--chunk-size",
        type=number,
        default=20_000,
        help="records per checkpointed chunk; memory grows with it, about 1.6 GB at 20000 [20000]",
    )
    p.add_argument("--overwrite", action="store_true", help="replace OUTPUT (or another job's parts)")
    p.add_argument("-j", "--jobs", type=number, default=-1, help="worker processes (-1 = all cores) [-1]")
    add_input_args(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.errors import InputError

    if args.list:
        from drugscreen.admet.predictor import endpoint_table

        print(endpoint_table().to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        return 0
    if not args.library or not args.output:
        raise InputError("give a LIBRARY and -o OUTPUT (or --list)")
    from drugscreen.admet.predictor import AdmetPanel
    from drugscreen.screen.predict import check_prediction_job, predict_library

    # paths, numbers and the library's first record before the reference is predicted
    check_prediction_job(args.library, args.output, args.chunk_size, args.overwrite, **reader_kwargs(args))
    panel = AdmetPanel(
        args.endpoints,
        alerts=not args.no_alerts,
        percentiles=not args.no_percentiles,
        reference=args.reference,
        n_jobs=args.jobs,
        progress=False,
    )
    result = predict_library(
        panel,
        args.library,
        args.output,
        chunk_size=args.chunk_size,
        overwrite=args.overwrite,
        progress=not args.quiet,
        **reader_kwargs(args),
    )
    print(f"{result.records} records, {result.failed} without a prediction: {result.path}")
    return 0
