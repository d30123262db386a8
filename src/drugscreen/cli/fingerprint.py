"""``drugscreen fingerprint``: fingerprints of a molecule file into Parquet."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from drugscreen.cli.options import add_input_args, add_jobs, add_spec_args, reader_kwargs, spec_from_args

logger = logging.getLogger("drugscreen")


def register(sub: Any) -> None:
    fp = sub.add_parser(
        "fingerprint",
        help="compute fingerprints of a molecule file into Parquet",
        description="Compute fingerprints of every molecule in INPUT and write them, with ids "
        "and SMILES, to a Parquet file. Bad records are reported and skipped.",
    )
    fp.add_argument(
        "input", help="molecules: .smi, .csv, .tsv, .sdf(.gz) or .parquet; '-' reads standard input"
    )
    fp.add_argument("-o", "--output", required=True, help="output .parquet file")
    add_spec_args(fp)
    add_input_args(fp)
    add_jobs(fp)
    fp.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.chem.fingerprints import iter_fingerprint_chunks
    from drugscreen.chem.fpfile import write_fingerprints
    from drugscreen.chem.io import iter_records
    from drugscreen.similarity.ingest import LOGGED_REJECTS

    spec = spec_from_args(args)
    failed = 0

    def chunks() -> Any:
        nonlocal failed
        records = iter_records(args.input, **reader_kwargs(args))
        for chunk in iter_fingerprint_chunks(records, spec, n_jobs=args.jobs, progress=not args.quiet):
            for rec, reason in chunk.errors:
                if failed < LOGGED_REJECTS:  # the same cap as db build: a bad file is not 700 lines
                    logger.warning("skipping %s: %s", rec.where, reason)
                failed += 1
            yield chunk

    n = write_fingerprints(args.output, chunks(), spec)
    if failed > LOGGED_REJECTS:
        logger.warning("%d more records could not be parsed (%d in all)", failed - LOGGED_REJECTS, failed)
    logger.info("wrote %d fingerprints (%s) to %s; %d records rejected", n, spec.label, args.output, failed)
    return 0
