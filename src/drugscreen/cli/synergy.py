"""``drugscreen synergy``: Bliss, HSA, Loewe and ZIP scores of dose–response combination blocks."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

from drugscreen.cli.options import add_jobs

logger = logging.getLogger("drugscreen")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "synergy",
        help="synergy scores (Bliss, HSA, Loewe, ZIP) of dose-response combination blocks",
        description="Score drug-combination blocks given as a long table with columns block_id, "
        "drug_row, drug_col, conc_row, conc_col, response (SynergyFinder's conc_r/conc_c are "
        "recognised; --column maps other names). Each block needs the dose-0 row and column. "
        "Replicates are averaged. Writes one row per block and model (score = mean excess over "
        "the combination cells, > 0 reads synergy); --surface writes every cell. Blocks that "
        "cannot be scored are listed with the reason and skipped: among them 3-drug blocks (a "
        "drug3/conc3 column) and responses that are not percent of --response (fractions, raw "
        "signal); NaN responses are left out and counted in the flag column, as are single-drug "
        "responses that fall with dose (viability given as inhibition?). --musyc also fits the "
        "MuSyC model (potency alpha, efficacy beta, cooperativity gamma) to every block. Every "
        "output name is checked before any work, and either all outputs are written or none.",
        epilog="examples:\n"
        "  drugscreen synergy blocks.csv -o scores.csv\n"
        "  drugscreen synergy screen.csv --response viability --models bliss loewe \\\n"
        "      --column conc_row=dose1 --column conc_col=dose2 --surface cells.parquet -o scores.csv\n"
        "  drugscreen synergy blocks.csv --musyc musyc.csv -o scores.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("blocks", help="long table: .csv, .tsv or .parquet")
    p.add_argument(
        "--models",
        nargs="+",
        default=["bliss", "hsa", "loewe", "zip"],
        choices=("bliss", "hsa", "loewe", "zip"),
    )
    p.add_argument(
        "--response",
        choices=("inhibition", "viability"),
        default="inhibition",
        help="what the response column measures, in percent [inhibition]",
    )
    p.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="OURS=THEIRS",
        help="map a column name, e.g. conc_row=dose_a (repeatable)",
    )
    p.add_argument("--surface", help="also write the per-cell table (.parquet, .csv or .tsv)")
    p.add_argument("--fits", help="also write the single-drug Hill fits (.parquet, .csv or .tsv)")
    p.add_argument(
        "--musyc", metavar="PATH", help="also fit MuSyC to every block and write its parameters (a table)"
    )
    p.add_argument("-o", "--output", required=True, help="output .parquet, .csv or .tsv")
    add_jobs(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.combos.synergy import synergy
    from drugscreen.errors import InputError
    from drugscreen.network.edgelist import read_table
    from drugscreen.validate import check_table_outputs, user_path

    # every output is checked before any work, and all are written or none (see _write_all)
    output, surface, fits_out, musyc_out = check_table_outputs(
        (args.output, "-o/--output"),
        (args.surface, "--surface"),
        (args.fits, "--fits"),
        (args.musyc, "--musyc"),
    )
    columns = {}
    for item in args.column:
        ours, sep, theirs = item.partition("=")
        if not sep or not ours or not theirs:
            raise InputError(f"--column expects OURS=THEIRS, got {item!r}")
        columns[ours] = theirs
    table = read_table(user_path(args.blocks), "blocks", text=False)
    result = synergy(
        table, models=tuple(args.models), response=args.response, columns=columns or None, n_jobs=args.jobs
    )
    for row in result.errors.itertuples():
        logger.warning("block %s not scored: %s", row.block_id, row.reason)
    if result.summary.empty:
        raise InputError(f"no block of {args.blocks!r} could be scored ({len(result.errors)} reported above)")
    tables = [(result.summary, output), (result.surface, surface), (result.fits, fits_out)]
    if musyc_out is not None:
        from drugscreen.combos.musyc import musyc

        fits = musyc(table, response=args.response, columns=columns or None)
        for row in fits[fits.error != ""].itertuples():
            logger.warning("block %s: no MuSyC fit: %s", row.block_id, row.error)
        tables.append((fits, musyc_out))
    _write_all([(df, path) for df, path in tables if path is not None])
    logger.info(
        "%d blocks scored (%s) and written to %s; %d not scored",
        result.summary.block_id.nunique(),
        ", ".join(args.models),
        output,
        len(result.errors),
    )
    return 0


def _write_all(tables: list[tuple[Any, Path]]) -> None:
    """Write every table, or none: each goes to a hidden name first, renamed once all are written."""
    from drugscreen.chem.io import write_table

    staged: list[tuple[Path, Path]] = []
    try:
        for df, path in tables:
            tmp = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
            staged.append((tmp, path))
            write_table(df, tmp)
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
