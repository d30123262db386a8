"""Command line: ``drugscreen fingerprint | db build|append|info | search | demo``.

Thin by design: parse arguments, call the library, write results. Errors from the library
end the program with exit status 1 and a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger("drugscreen")

EPILOG = """examples:
  drugscreen db build library.smi library.dsdb --kind morgan --radius 2 --nbits 2048
  drugscreen search library.dsdb "CC(=O)Oc1ccccc1C(=O)O" --top-k 10
  drugscreen search library.dsdb --queries actives.smi --threshold 0.7 -o hits.parquet
"""


def _add_spec_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("fingerprint spec")
    g.add_argument(
        "--kind",
        default="morgan",
        help="morgan (ECFP), feature-morgan (FCFP), rdkit, atom-pair, torsion, maccs [morgan]",
    )
    g.add_argument("--radius", type=int, default=2, help="Morgan radius [2]")
    g.add_argument("--nbits", type=int, default=2048, help="fingerprint length [2048]")
    g.add_argument("--counts", action="store_true", help="count fingerprints instead of bits")
    g.add_argument("--chirality", action="store_true", help="include chirality")
    g.add_argument("--min-path", type=int, default=1, help="RDKit path fingerprint: shortest path [1]")
    g.add_argument("--max-path", type=int, default=7, help="RDKit path fingerprint: longest path [7]")


def _add_input_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("input")
    g.add_argument(
        "--smiles-column", help="CSV/TSV/Parquet column with SMILES [first column named like 'smiles']"
    )
    g.add_argument("--id-column", help="CSV/TSV/Parquet column with identifiers")
    g.add_argument("--id-property", help="SDF property with identifiers [title line]")
    g.add_argument(
        "--format",
        dest="fmt",
        choices=["smi", "csv", "tsv", "sdf", "parquet"],
        help="input format [from the file name]",
    )


def _add_jobs(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-j", "--jobs", type=int, default=-1, help="processes/threads to use (-1 = all cores) [-1]"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drugscreen",
        description="Fingerprint similarity screening of compound libraries.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from drugscreen import __version__

    parser.add_argument("--version", action="version", version=f"drugscreen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars, warnings and errors only"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fp = sub.add_parser(
        "fingerprint",
        help="compute fingerprints of a molecule file into Parquet",
        description="Compute fingerprints of every molecule in INPUT and write them, with ids "
        "and SMILES, to a Parquet file. Bad records are reported and skipped.",
    )
    fp.add_argument("input", help="molecules: .smi, .csv, .tsv, .sdf(.gz) or .parquet")
    fp.add_argument("-o", "--output", required=True, help="output .parquet file")
    _add_spec_args(fp)
    _add_input_args(fp)
    _add_jobs(fp)

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
    build.add_argument("input", help="molecules: .smi, .csv, .tsv, .sdf(.gz) or .parquet")
    build.add_argument("database", help="database directory to create")
    build.add_argument("--shard-size", type=int, default=250_000, help="rows per shard [250000]")
    build.add_argument("--overwrite", action="store_true", help="replace an existing database")
    _add_spec_args(build)
    _add_input_args(build)
    _add_jobs(build)
    append = dbsub.add_parser(
        "append",
        help="add molecules to a database",
        description="Append molecules as new shards (atomic: all or nothing).",
    )
    append.add_argument("database", help="existing database directory")
    append.add_argument("input", help="molecules to add")
    _add_input_args(append)
    _add_jobs(append)
    info = dbsub.add_parser("info", help="describe a database", description="Print a database's summary.")
    info.add_argument("database", help="database directory")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.add_argument("--no-verify", action="store_true", help="skip the sha256 check of the shard files")

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
    search.add_argument("-t", "--threshold", type=float, help="minimum similarity (0-1)")
    search.add_argument("-k", "--top-k", type=int, help="best k hits per query")
    search.add_argument(
        "-m",
        "--metric",
        default="tanimoto",
        choices=["tanimoto", "dice", "cosine", "tversky"],
        help="similarity metric [tanimoto]",
    )
    search.add_argument("--alpha", type=float, default=0.5, help="Tversky weight of the query [0.5]")
    search.add_argument(
        "--beta", type=float, default=0.5, help="Tversky weight of the database molecule [0.5]"
    )
    search.add_argument("--fusion", choices=["max", "mean"], help="group fusion: one score per molecule")
    search.add_argument("-o", "--output", help="write hits to .csv, .tsv or .parquet [print to stdout]")
    _add_input_args(search)
    _add_jobs(search)

    demo = sub.add_parser(
        "demo",
        help="build a database from the bundled MOSES subset and screen known drugs",
        description="The main job on data shipped with drugscreen: build a 25,000-molecule "
        "database and screen it against a handful of known drugs.",
    )
    demo.add_argument("--out", default="demo-output", help="output directory [demo-output]")
    _add_jobs(demo)
    return parser


def _spec(args: argparse.Namespace) -> Any:
    from drugscreen.spec import FingerprintSpec

    return FingerprintSpec(
        kind=args.kind,
        radius=args.radius,
        nbits=args.nbits,
        counts=args.counts,
        chirality=args.chirality,
        min_path=args.min_path,
        max_path=args.max_path,
    )


def _reader_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "smiles_column": args.smiles_column,
        "id_column": args.id_column,
        "id_property": args.id_property,
        "fmt": args.fmt,
    }


def _report(report: Any, what: str) -> None:
    logger.info(
        "%s: %d records read, %d added, %d rejected, %.1f s",
        what,
        report.n_records,
        report.n_added,
        report.n_failed,
        report.seconds,
    )


def _cmd_fingerprint(args: argparse.Namespace) -> int:
    from drugscreen.fingerprints import iter_fingerprint_chunks
    from drugscreen.fpfile import write_fingerprints
    from drugscreen.io import iter_records

    spec = _spec(args)
    failed = 0

    def chunks() -> Any:
        nonlocal failed
        records = iter_records(args.input, **_reader_kwargs(args))
        for chunk in iter_fingerprint_chunks(records, spec, n_jobs=args.jobs, progress=not args.quiet):
            for rec, reason in chunk.errors:
                logger.warning("skipping %s: %s", rec.where, reason)
            failed += len(chunk.errors)
            yield chunk

    n = write_fingerprints(args.output, chunks(), spec)
    logger.info("wrote %d fingerprints (%s) to %s; %d records rejected", n, spec.label, args.output, failed)
    return 0


def _cmd_db(args: argparse.Namespace) -> int:
    from drugscreen.db import FingerprintDB

    if args.db_command == "build":
        db = FingerprintDB.build(
            args.database,
            args.input,
            _spec(args),
            n_jobs=args.jobs,
            shard_size=args.shard_size,
            overwrite=args.overwrite,
            progress=not args.quiet,
            **_reader_kwargs(args),
        )
        assert db.last_report is not None
        _report(db.last_report, f"built {db.path}")
        return 0
    if args.db_command == "append":
        db = FingerprintDB.open(args.database, verify=False)
        _report(
            db.append(args.input, n_jobs=args.jobs, progress=not args.quiet, **_reader_kwargs(args)),
            f"appended to {db.path}",
        )
        return 0
    db = FingerprintDB.open(args.database, verify=not args.no_verify)
    info = db.info()
    if args.json:
        print(json.dumps(info, indent=1))
    else:
        for key in (
            "path",
            "n_rows",
            "spec_label",
            "n_shards",
            "bytes",
            "n_batches",
            "n_rejected",
            "created",
        ):
            print(f"{key:12s} {info[key]}")
    return 0


def _read_queries(args: argparse.Namespace) -> tuple[list[Any], list[str]]:
    """Query molecules and labels from arguments and --queries; bad ones are reported and skipped."""
    from drugscreen.io import read_molecules

    mols: list[Any] = []
    labels: list[str] = []
    sources: list[tuple[Any, dict[str, Any]]] = []
    if args.smiles:
        sources.append((list(args.smiles), {}))
    if args.queries:
        sources.append((args.queries, _reader_kwargs(args)))
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
            from rdkit import Chem

            labels.append(rec.id if rec.id is not None else Chem.MolToSmiles(rec.mol))
    return mols, labels


def _cmd_search(args: argparse.Namespace) -> int:
    from drugscreen.db import FingerprintDB
    from drugscreen.errors import InputError
    from drugscreen.io import write_table

    if not args.smiles and not args.queries:
        raise InputError("no queries: give SMILES arguments or --queries FILE")
    if args.output and not args.output.lower().endswith((".csv", ".tsv", ".parquet")):
        raise InputError(f"cannot write {args.output!r}: use a .csv, .tsv or .parquet file name")
    db = FingerprintDB.open(args.database)
    mols, labels = _read_queries(args)
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
        progress=not args.quiet,
    )
    if args.output:
        write_table(hits, args.output)
        logger.info("%d hits for %d queries written to %s", len(hits), len(mols), args.output)
    else:
        hits.to_csv(sys.stdout, index=False)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from drugscreen.demo import run_demo

    result = run_demo(Path(args.out), n_jobs=args.jobs, progress=not args.quiet)
    print(
        f"Screened {len(result.hits['query'].unique())} drugs against {result.n_molecules} MOSES molecules "
        "(Morgan r2, 2048 bits, Tanimoto). Top hits:"
    )
    with_cols = result.hits[["query", "id", "score", "smiles"]]
    print(with_cols.groupby("query", sort=False).head(3).to_string(index=False, float_format="%.3f"))
    print(f"\nDatabase: {result.database}\nAll hits: {result.hits_file}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``drugscreen`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    logging.getLogger("drugscreen").setLevel(level)
    from drugscreen.errors import DrugscreenError

    handlers = {"fingerprint": _cmd_fingerprint, "db": _cmd_db, "search": _cmd_search, "demo": _cmd_demo}
    try:
        return handlers[args.command](args)
    except (DrugscreenError, OSError, ValueError) as exc:
        # ValueError covers malformed inputs reported by pandas/pyarrow/RDKit
        print(f"drugscreen: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("drugscreen: interrupted; no partial output was left behind", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
