"""``drugscreen search``: search a database with SMILES arguments and/or a query file."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from drugscreen.cli.options import add_input_args, add_jobs, number, reader_kwargs

logger = logging.getLogger("drugscreen")


def register(sub: Any) -> None:
    search = sub.add_parser(
        "search",
        help="search a database with one or many queries",
        description="Search a database by similarity. Queries are SMILES arguments and/or a molecule file. "
        "Give --threshold, --top-k or both. Output is a table with query, id, row, score "
        "(and smiles), sorted by query then score.",
    )
    search.add_argument("database", help="database directory")
    search.add_argument("smiles", nargs="*", help="query SMILES")
    search.add_argument("--queries", help="file of query molecules (.smi, .csv, .tsv, .sdf, .parquet)")
    search.add_argument("-t", "--threshold", type=number, help="minimum similarity (0-1)")
    search.add_argument("-k", "--top-k", type=number, help="best k hits per query")
    search.add_argument(
        "-m",
        "--metric",
        default="tanimoto",
        choices=["tanimoto", "dice", "cosine", "tversky"],
        help="similarity metric [tanimoto]",
    )
    search.add_argument("--alpha", type=number, default=0.5, help="Tversky weight of the query [0.5]")
    search.add_argument(
        "--beta", type=number, default=0.5, help="Tversky weight of the database molecule [0.5]"
    )
    search.add_argument("--fusion", choices=["max", "mean"], help="group fusion: one score per molecule")
    search.add_argument("-o", "--output", help="write hits to .csv, .tsv or .parquet [print to stdout]")
    search.add_argument(
        "--device", default="cpu", choices=["cpu", "cuda", "auto"], help="where the search runs [cpu]"
    )
    search.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="search on a Dask cluster, e.g. tcp://scheduler:8786 (needs drugscreen[dask])",
    )
    add_input_args(search)
    add_jobs(search)
    search.set_defaults(handler=run)


def read_queries(args: argparse.Namespace) -> tuple[list[Any], list[str]]:
    """Query molecules and labels from arguments and --queries; bad ones are reported and skipped."""
    from rdkit import Chem

    from drugscreen.chem.parse import read_molecules

    mols: list[Any] = []
    labels: list[str] = []
    sources: list[tuple[Any, dict[str, Any]]] = []
    if args.smiles:
        sources.append((list(args.smiles), {}))
    if args.queries:
        sources.append((args.queries, reader_kwargs(args)))
    for source, kwargs in sources:
        for rec in read_molecules(source, **kwargs):
            if rec.mol is None:
                logger.warning(
                    "skipping query %s: %s",
                    f"{rec.row}" + (f" (line {rec.line})" if rec.line else ""),
                    rec.error,
                )
                continue
            mols.append(rec.mol)
            labels.append(rec.id if rec.id is not None else Chem.MolToSmiles(rec.mol))
    return mols, labels


def run(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import write_table
    from drugscreen.errors import InputError
    from drugscreen.similarity.db import FingerprintDB

    if not args.smiles and not args.queries:
        raise InputError("no queries: give SMILES arguments or --queries FILE")
    if args.output and not args.output.lower().endswith((".csv", ".tsv", ".parquet")):
        raise InputError(f"cannot write {args.output!r}: use a .csv, .tsv or .parquet file name")
    db = FingerprintDB.open(args.database)
    mols, labels = read_queries(args)
    if not mols:
        raise InputError("none of the queries could be parsed")
    hits = db.search(
        mols,
        threshold=args.threshold,
        k=args.top_k,
        metric=args.metric,
        alpha=args.alpha,
        beta=args.beta,
        fusion=args.fusion,
        query_ids=labels,
        with_smiles=True,
        n_jobs=args.jobs,
        device=args.device,
        client=_client(args.scheduler),
        progress=not args.quiet,
    )
    if args.output:
        write_table(hits, args.output)
        logger.info("%d hits for %d queries written to %s", len(hits), len(mols), args.output)
    else:
        hits.to_csv(sys.stdout, index=False)
    return 0


def _client(address: str | None) -> Any:
    """A Dask client connected to ``address`` (None without one)."""
    if address is None:
        return None
    from drugscreen.backends.dask import connect

    return connect(address)
