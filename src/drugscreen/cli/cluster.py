"""``drugscreen cluster``: Taylor-Butina or sphere-exclusion clustering of a fingerprint database."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from drugscreen.cli.options import add_jobs, number

logger = logging.getLogger("drugscreen")


def register(sub: Any) -> None:
    cluster = sub.add_parser(
        "cluster",
        help="cluster a database (Taylor-Butina identical to RDKit, or sphere exclusion)",
        description="Cluster every molecule of a database at a distance cut-off (1 - Tanimoto). "
        "butina: Taylor-Butina from the sparse neighbour lists, identical to RDKit, rows in RDKit's "
        "cluster order. sphere: sphere exclusion on the database search, memory linear in the "
        "number of molecules (for libraries whose neighbour lists do not fit), rows in row order. "
        "Writes a table row, id, cluster, is_centroid.",
    )
    cluster.add_argument("database", help="database directory")
    cluster.add_argument(
        "--cutoff", type=number, default=0.35, help="distance cut-off, 1 - similarity [0.35]"
    )
    cluster.add_argument(
        "--method", choices=("butina", "sphere"), default="butina", help="algorithm [butina]"
    )
    cluster.add_argument(
        "--reordering", action="store_true", help="recount neighbours after each cluster (RDKit's reordering)"
    )
    cluster.add_argument("-o", "--output", required=True, help="output .parquet, .csv or .tsv")
    add_jobs(cluster)
    cluster.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import write_table
    from drugscreen.cluster import butina, sphere_exclusion
    from drugscreen.errors import InputError
    from drugscreen.similarity.db import FingerprintDB
    from drugscreen.validate import check_table_output, user_path

    output = check_table_output(args.output, what="-o/--output")  # before any work
    if args.method == "sphere" and args.reordering:
        raise InputError("--reordering applies to --method butina only")
    db = FingerprintDB.open(user_path(args.database))
    if args.method == "sphere":
        table = sphere_exclusion(db, args.cutoff, n_jobs=args.jobs, progress=not args.quiet)
    else:
        table = butina(db, args.cutoff, reordering=args.reordering, n_jobs=args.jobs)
    write_table(table, output)
    n_clusters = int(table["cluster"].max()) + 1 if len(table) else 0
    singletons = int((table.groupby("cluster").size() == 1).sum()) if len(table) else 0
    logger.info(
        "%d molecules in %d clusters (%d singletons) at distance %.3g written to %s",
        len(table),
        n_clusters,
        singletons,
        args.cutoff,
        output,
    )
    return 0
