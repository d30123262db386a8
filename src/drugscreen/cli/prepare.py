"""``drugscreen prepare``: standardise, de-duplicate, filter and describe a library."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from drugscreen.cli.options import (
    add_input_args,
    add_jobs,
    add_prepare_args,
    reader_kwargs,
    standardize_from_args,
)

logger = logging.getLogger("drugscreen")


def register(sub: Any) -> None:
    prepare = sub.add_parser(
        "prepare",
        help="standardise, de-duplicate, filter and describe a library (RDKit)",
        description="Prepare a molecule library: standardise with RDKit's rdMolStandardize, "
        "de-duplicate, compute drug-likeness filters and structural alerts, and RDKit 2D "
        "descriptors. Writes one table, one row per input record (or per unique molecule with "
        "--dedup): row, id, input_smiles, smiles, inchikey, error, then the columns asked for. "
        "Without --standardize the molecules are only written as canonical SMILES.",
    )
    prepare.add_argument(
        "input", help="molecules: .smi, .csv, .tsv, .sdf(.gz) or .parquet; '-' reads standard input"
    )
    prepare.add_argument("-o", "--output", required=True, help="output .parquet, .csv or .tsv")
    add_prepare_args(prepare)
    prepare.add_argument(
        "--dedup",
        choices=["inchikey", "smiles"],
        help="keep the first record of each molecule, with the ids merged into it (merged_ids)",
    )
    prepare.add_argument(
        "--drop-failing",
        action="store_true",
        help="leave out records that failed, and with --filters those failing any filter",
    )
    prepare.add_argument(
        "--descriptors",
        action="store_true",
        help="add every RDKit 2D descriptor (Descriptors._descList, some 200 columns)",
    )
    add_input_args(prepare)
    add_jobs(prepare)
    prepare.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import STDIN, write_table
    from drugscreen.chem.prepare import prepare_library
    from drugscreen.validate import check_table_output, user_path

    output = check_table_output(args.output, what="-o/--output")  # before any work
    source = args.input if args.input == STDIN else str(user_path(args.input))
    table, summary = prepare_library(
        source,
        standardize_steps=standardize_from_args(args),
        filters=args.filters,
        dedup_key=args.dedup,
        drop_failing=args.drop_failing,
        descriptor_names=args.descriptors,
        n_jobs=args.jobs,
        progress=not args.quiet,
        **reader_kwargs(args),
    )
    if output.suffix.lower() in (".csv", ".tsv"):
        # text tables have no list type: the merged rows and ids become ";"-joined text
        for col in ("merged_rows", "merged_ids"):
            if col in table.columns:
                table[col] = table[col].map(lambda items: ";".join(map(str, items)))
    write_table(table, output)
    logger.info(
        "%d records: %d failed, %d duplicates merged, %d failing filters, %d dropped; %d rows written to %s",
        summary.n_records,
        summary.n_failed,
        summary.n_duplicates,
        summary.n_failing_filters,
        summary.n_dropped,
        summary.n_out,
        output,
    )
    return 0
