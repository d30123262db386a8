"""``drugscreen pick``: a diverse subset of a database (MaxMin or leader, identical to RDKit)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from drugscreen.cli.options import add_jobs, number

logger = logging.getLogger("drugscreen")


def register(sub: Any) -> None:
    pick = sub.add_parser(
        "pick",
        help="pick a diverse subset of a database (MaxMin or leader, identical to RDKit)",
        description="Pick diverse molecules from a database. maxmin: each pick is the molecule "
        "farthest (1 - Tanimoto) from all picks so far, starting from a seeded random one or "
        "from --existing; leader: molecules in row order that are farther than --threshold from "
        "every earlier pick. Writes pick, row, id (and distance for maxmin).",
        epilog="examples:\n"
        "  drugscreen pick library.dsdb -n 1000 --seed 42 -o picks.csv\n"
        "  drugscreen pick library.dsdb -n 500 --existing bought.dsdb -o next_order.csv\n"
        "  drugscreen pick library.dsdb --method leader --threshold 0.6 -o leaders.parquet",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    pick.add_argument("database", help="database directory")
    pick.add_argument("-n", "--n-picks", type=number, help="number of picks (maxmin: required)")
    pick.add_argument("--method", choices=("maxmin", "leader"), default="maxmin", help="picker [maxmin]")
    pick.add_argument(
        "--seed",
        type=number,
        help="seed of the random first pick, 0 to 2147483647 (RDKit's seed); default random",
    )
    pick.add_argument(
        "--threshold",
        type=number,
        help="distance: leader picks lie farther apart than this (required); maxmin stops before "
        "a pick this close",
    )
    pick.add_argument(
        "--existing", metavar="DB", help="maxmin: a database of molecules already chosen; picks avoid them"
    )
    pick.add_argument("-o", "--output", required=True, help="output .parquet, .csv or .tsv")
    add_jobs(pick)
    pick.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import write_table
    from drugscreen.cluster import leader, maxmin
    from drugscreen.cluster.pick import check_seed
    from drugscreen.errors import InputError
    from drugscreen.similarity.db import FingerprintDB
    from drugscreen.validate import check_table_output, user_path

    # the output and the options are checked before any database is read
    output = check_table_output(args.output, what="-o/--output")
    if args.method == "leader":
        if args.threshold is None:
            raise InputError("--method leader needs --threshold (a distance, e.g. 0.6)")
        if args.existing is not None or args.seed is not None:
            raise InputError("--existing and --seed apply to --method maxmin only")
    elif args.n_picks is None:
        raise InputError("--method maxmin needs -n/--n-picks")
    else:
        check_seed(args.seed)
    db = FingerprintDB.open(user_path(args.database))
    if args.method == "leader":
        table = leader(db, args.threshold, n=args.n_picks)
    else:
        existing = FingerprintDB.open(user_path(args.existing)).fingerprints() if args.existing else None
        table = maxmin(
            db, args.n_picks, seed=args.seed, existing=existing, threshold=args.threshold, n_jobs=args.jobs
        )
    write_table(table, output)
    logger.info("%d of %d molecules picked (%s) and written to %s", len(table), len(db), args.method, output)
    return 0
