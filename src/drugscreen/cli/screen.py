"""``drugscreen screen``: a resumable streaming screening job over a library file."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from drugscreen.cli.options import (
    add_input_args,
    add_jobs,
    add_prepare_args,
    add_spec_args,
    number,
    reader_kwargs,
    spec_from_args,
    standardize_from_args,
)

logger = logging.getLogger("drugscreen")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "screen",
        help="screen a library file (any size) against queries; resumable",
        description="Screen a library file larger than memory against many queries: it is read in "
        "chunks, fingerprinted in parallel and searched, and each finished chunk is checkpointed in "
        "OUT_DIR. Killed and started again with the same command, the job resumes after the last "
        "finished chunk and writes exactly what an uninterrupted run would. OUT_DIR ends up with "
        "hits.parquet (query, id, row = record number in the library, score, smiles), rejects.csv "
        "(unreadable records with line and reason) and summary.json.",
    )
    p.add_argument("library", help="library file: .smi, .csv, .tsv, .sdf (optionally .gz) or .parquet")
    p.add_argument("--queries", help="file of query molecules (.smi, .csv, .tsv, .sdf, .parquet)")
    p.add_argument(
        "--query", action="append", default=[], metavar="SMILES", help="a query SMILES (repeatable)"
    )
    p.add_argument("-t", "--threshold", type=number, help="keep hits scoring at least this (0-1)")
    p.add_argument("-k", "--top-k", type=number, help="keep the best k hits per query over the whole library")
    p.add_argument(
        "-m",
        "--metric",
        default="tanimoto",
        choices=["tanimoto", "dice", "cosine", "tversky"],
        help="[tanimoto]",
    )
    p.add_argument("--alpha", type=number, default=0.5, help="Tversky weight of the query [0.5]")
    p.add_argument("--beta", type=number, default=0.5, help="Tversky weight of the library molecule [0.5]")
    p.add_argument("-o", "--out-dir", required=True, help="job directory (created; reused to resume)")
    p.add_argument(
        "--chunk-size", type=number, default=100_000, help="records per checkpointed chunk [100000]"
    )
    p.add_argument(
        "--device", default="cpu", choices=["cpu", "cuda", "auto"], help="where the search runs [cpu]"
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace OUT_DIR if it holds another job's output"
    )
    g = p.add_argument_group("property model stage (before the search)")
    g.add_argument(
        "--model", metavar="MODEL_DIR", help="add this model's predictions (pred_<task>) to every hit"
    )
    g.add_argument("--keep-min", type=number, help="screen only molecules predicted at least this")
    g.add_argument("--keep-max", type=number, help="screen only molecules predicted at most this")
    add_spec_args(p)
    add_input_args(p)
    add_prepare_args(p)
    add_jobs(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.cli.search import read_queries
    from drugscreen.errors import InputError
    from drugscreen.screen.pipeline import screen

    if not args.query and not args.queries:
        raise InputError("no queries: give --queries FILE and/or --query SMILES")
    # the input options (--smiles-column, ...) describe the library, not the query file
    query_args = argparse.Namespace(
        smiles=args.query,
        queries=args.queries,
        smiles_column=None,
        id_column=None,
        id_property=None,
        fmt=None,
    )
    mols, labels = read_queries(query_args)
    if not mols:
        raise InputError("none of the queries could be parsed")
    filters = args.filters.split(",") if args.filters else None
    stages = []
    if args.model:
        from drugscreen.screen.model_stage import PredictionStage

        stages.append(PredictionStage(args.model, keep_min=args.keep_min, keep_max=args.keep_max))
    elif args.keep_min is not None or args.keep_max is not None:
        raise InputError("--keep-min / --keep-max filter on a model's predictions: give --model too")
    result = screen(
        args.library,
        mols,
        args.out_dir,
        threshold=args.threshold,
        k=args.top_k,
        metric=args.metric,
        alpha=args.alpha,
        beta=args.beta,
        spec=spec_from_args(args),
        query_ids=labels,
        stages=stages,
        standardize=standardize_from_args(args),
        filters=filters,
        chunk_size=args.chunk_size,
        n_jobs=args.jobs,
        device=args.device,
        overwrite=args.overwrite,
        progress=not args.quiet,
        **{key: value for key, value in reader_kwargs(args).items() if value is not None},
    )
    print(
        f"hits: {result.hits_path}\nrejects: {result.rejects_path}\nsummary: {result.out_dir / 'summary.json'}"
    )
    return 0
