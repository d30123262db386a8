"""``drugscreen db build | append | info``: manage fingerprint databases."""

from __future__ import annotations

import argparse
import json
from typing import Any

from drugscreen.cli.options import (
    add_input_args,
    add_jobs,
    add_prepare_args,
    add_spec_args,
    log_report,
    number,
    reader_kwargs,
    spec_from_args,
    standardize_from_args,
)

INFO_KEYS = ("path", "n_rows", "spec_label", "n_shards", "bytes", "n_batches", "n_rejected", "created")


def register(sub: Any) -> None:
    db = sub.add_parser(
        "db",
        help="build, extend or describe a fingerprint database",
        description="Manage fingerprint databases (directories, conventionally *.dsdb).",
    )
    dbsub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    build = dbsub.add_parser(
        "build",
        help="build a database from a molecule file",
        description="Build a fingerprint database. The database appears only when "
        "complete; an interrupted build leaves nothing behind.",
    )
    build.add_argument(
        "input", help="molecules: .smi, .csv, .tsv, .sdf(.gz) or .parquet; '-' reads standard input"
    )
    build.add_argument("database", help="database directory to create")
    build.add_argument("--shard-size", type=number, default=250_000, help="rows per shard [250000]")
    build.add_argument("--overwrite", action="store_true", help="replace an existing database")
    add_spec_args(build)
    add_prepare_args(build)
    add_input_args(build)
    add_jobs(build)
    build.set_defaults(handler=run_build)

    append = dbsub.add_parser(
        "append",
        help="add molecules to a database",
        description="Append molecules as new shards (atomic: all or nothing).",
    )
    append.add_argument("database", help="existing database directory")
    append.add_argument("input", help="molecules to add ('-' reads standard input)")
    append.add_argument(
        "--allow-duplicate",
        action="store_true",
        help="add the input even if the database already holds a batch with the same content",
    )
    add_input_args(append)
    add_jobs(append)
    append.set_defaults(handler=run_append)

    info = dbsub.add_parser("info", help="describe a database", description="Print a database's summary.")
    info.add_argument("database", help="database directory")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.add_argument(
        "--verify", action="store_true", help="also check the sha256 of every file (reads the whole database)"
    )
    # info used to verify every sha256 by default; the flag is accepted so old scripts keep working
    info.add_argument("--no-verify", action="store_true", help=argparse.SUPPRESS)
    info.set_defaults(handler=run_info)

    verify = dbsub.add_parser(
        "verify",
        help="check every file of a database against its manifest's sha256",
        description="Read every file of the database and compare its sha256 with the manifest. "
        "Exit status 0 when all match, 1 with the name of the first bad file otherwise. "
        "(Opening a database for search checks structure only: files, sizes, array shapes.)",
    )
    verify.add_argument("database", help="database directory")
    verify.set_defaults(handler=run_verify)


def run_build(args: argparse.Namespace) -> int:
    from drugscreen.similarity.db import FingerprintDB

    db = FingerprintDB.build(
        args.database,
        args.input,
        spec_from_args(args),
        n_jobs=args.jobs,
        shard_size=args.shard_size,
        overwrite=args.overwrite,
        progress=not args.quiet,
        standardize=standardize_from_args(args),
        filters=args.filters,
        **reader_kwargs(args),
    )
    assert db.last_report is not None
    log_report(db.last_report, f"built {db.path}")
    return 0


def run_append(args: argparse.Namespace) -> int:
    from drugscreen.similarity.db import FingerprintDB

    db = FingerprintDB.open(args.database, verify=False)
    report = db.append(
        args.input,
        n_jobs=args.jobs,
        progress=not args.quiet,
        allow_duplicate_input=args.allow_duplicate,
        **reader_kwargs(args),
    )
    log_report(report, f"appended to {db.path}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from drugscreen.similarity.db import FingerprintDB

    info = FingerprintDB.open(args.database, verify=args.verify).info()
    if args.json:
        print(json.dumps(info, indent=1))
    else:
        for key in INFO_KEYS:
            print(f"{key:12s} {info[key]}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from drugscreen.similarity.db import FingerprintDB

    db = FingerprintDB.open(args.database)
    db.verify()
    print(f"{db.path}: {len(db)} rows in {len(db.manifest['shards'])} shards, every file matches its sha256")
    return 0
