"""``drugscreen cluster``: Taylor-Butina clustering of a fingerprint database."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from drugscreen.cli.options import add_jobs

logger = logging.getLogger("drugscreen")


def register(sub: Any) -> None:
    cluster = sub.add_parser(
        "cluster",
        help="cluster a database (Taylor-Butina, identical to RDKit)",
        description="Cluster every molecule of a database by Taylor-Butina at a distance cut-off "
        "(1 - Tanimoto). Writes a table row, id, cluster, is_centroid in RDKit's cluster order.",
    )
    cluster.add_argument("database", help="database directory")
    cluster.add_argument("--cutoff", type=float, default=0.35, help="distance cut-off, 1 - similarity [0.35]")
    cluster.add_argument(
        "--reordering", action="store_true", help="recount neighbours after each cluster (RDKit's reordering)"
    )
    cluster.add_argument("-o", "--output", required=True, help="output .parquet, .csv or .tsv")
    add_jobs(cluster)
    cluster.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import write_table
    from drugscreen.cluster import butina
    from drugscreen.similarity.db import FingerprintDB

    db = FingerprintDB.open(args.database)
    table = butina(db, args.cutoff, reordering=args.reordering, n_jobs=args.jobs)
    write_table(table, args.output)
    n_clusters = int(table["cluster"].max()) + 1 if len(table) else 0
    singletons = int((table.groupby("cluster").size() == 1).sum()) if len(table) else 0
    logger.info(
        "%d molecules in %d clusters (%d singletons) at distance %.3g written to %s",
        len(table),
        n_clusters,
        singletons,
        args.cutoff,
        args.output,
    )
    return 0
