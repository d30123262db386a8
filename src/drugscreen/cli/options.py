"""Argument groups shared by several commands (fingerprint spec, input format, jobs)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

logger = logging.getLogger("drugscreen")


def add_spec_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("fingerprint spec")
    g.add_argument(
        "--kind",
        default="morgan",
        help="morgan (ECFP), feature-morgan (FCFP), rdkit, atom-pair, torsion, maccs [morgan]",
    )
    g.add_argument("--radius", type=number, default=2, help="Morgan radius [2]")
    g.add_argument("--nbits", type=number, default=2048, help="fingerprint length [2048]")
    g.add_argument("--counts", action="store_true", help="count fingerprints instead of bits")
    g.add_argument("--chirality", action="store_true", help="include chirality")
    g.add_argument("--min-path", type=number, default=1, help="RDKit path fingerprint: shortest path [1]")
    g.add_argument("--max-path", type=number, default=7, help="RDKit path fingerprint: longest path [7]")


def add_input_args(p: argparse.ArgumentParser) -> None:
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


def add_jobs(p: argparse.ArgumentParser) -> None:
    # parsed as any number (or text) so that the API's check gives the one-line error
    p.add_argument(
        "-j", "--jobs", type=number, default=-1, help="processes/threads to use (-1 = all cores) [-1]"
    )


def spec_from_args(args: argparse.Namespace) -> Any:
    from drugscreen.chem.spec import FingerprintSpec

    return FingerprintSpec(
        kind=args.kind,
        radius=args.radius,
        nbits=args.nbits,
        counts=args.counts,
        chirality=args.chirality,
        min_path=args.min_path,
        max_path=args.max_path,
    )


def reader_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "smiles_column": args.smiles_column,
        "id_column": args.id_column,
        "id_property": args.id_property,
        "fmt": args.fmt,
    }


def log_report(report: Any, what: str) -> None:
    filtered = f", {report.n_filtered} left out by filters" if report.n_filtered else ""
    logger.info(
        "%s: %d records read, %d added, %d rejected%s, %.1f s",
        what,
        report.n_records,
        report.n_added,
        report.n_failed,
        filtered,
        report.seconds,
    )


def add_prepare_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("preparation (RDKit rdMolStandardize, filters)")
    g.add_argument(
        "--standardize",
        action="store_true",
        help="standardise: cleanup, keep the largest organic fragment, neutralise",
    )
    g.add_argument("--tautomer", action="store_true", help="also canonicalise the tautomer (slow)")
    g.add_argument(
        "--filters",
        metavar="NAMES",
        help="comma-separated filters: ro5, veber, ghose, leadlike, qed, pains, pains_a, pains_b, "
        "pains_c, brenk, nih",
    )


def standardize_from_args(args: argparse.Namespace) -> Any:
    """The ``standardize=`` value of ``--standardize`` / ``--tautomer``."""
    if args.standardize:
        return "default+tautomer" if args.tautomer else "default"
    return ["tautomer"] if args.tautomer else False


def number(text: str) -> int | float | str:
    """A numeric option as parsed: an int, else a float (``nan``, ``inf`` included), else the text.

    The command line only parses: the API checks the value (``check_number``) and refuses a
    bad one, ``x`` or ``-1`` or ``nan`` alike, with the same one-line error as from Python.
    """
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text
