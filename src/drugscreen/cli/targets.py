"""``drugscreen targets``: predict a molecule's targets from the ligands it resembles (SEA)."""

from __future__ import annotations

import argparse
import gzip
import logging
from typing import Any

from drugscreen.cli.options import number
from drugscreen.validate import check_table_outputs

logger = logging.getLogger("drugscreen")

#: A query argument with one of these endings names a file (a SMILES never ends so).
_FILE_SUFFIXES = {".smi", ".smiles", ".csv", ".tsv", ".txt", ".parquet", ".gz", ".sdf"}


def register(sub: Any) -> None:
    p = sub.add_parser(
        "targets",
        help="target prediction by ligand-set similarity (SEA, Keiser et al. 2007)",
        description="Compare each query molecule with every target's ligand set: the sum of "
        "Tanimoto similarities above --threshold, turned into a z-score against random sets of "
        "the same sizes (a power law in the size product fitted once) and into extreme-value "
        "p- and E-values. Ligand sets are a table with target and smiles columns (an optional "
        "ligand id column). Writes query, target, raw_score, z, p_value, e_value, n_ligands, "
        "max_tc, note; each query's targets by E-value.",
        epilog="examples:\n"
        "  drugscreen targets 'CC(=O)Oc1ccccc1C(=O)O' --ligand-sets chembl_sets.csv --top-k 10\n"
        "  drugscreen targets hits.smi --ligand-sets sets.parquet --max-e-value 1e-5 -o targets.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("queries", help="a SMILES, or a file: .smi (SMILES [id]) or a table with a smiles column")
    p.add_argument(
        "--ligand-sets", required=True, help="table: target, smiles[, ligand] (.csv/.tsv/.parquet)"
    )
    p.add_argument("--smiles-column", default="smiles", help="SMILES column of a query table [smiles]")
    p.add_argument("--id-column", default="id", help="id column of a query table [id]")
    p.add_argument(
        "--threshold", type=number, default=0.15, help="Tanimoto threshold of the raw score [0.15]"
    )
    p.add_argument("--top-k", type=number, help="best targets kept per query [all]")
    p.add_argument("--max-e-value", type=number, help="keep targets with E at most this")
    p.add_argument("--seed", type=number, default=0, help="seed of the background sets [0]")
    p.add_argument("-o", "--output", help="output .parquet, .csv or .tsv [print]")
    p.set_defaults(handler=run)


def _queries(args: argparse.Namespace) -> Any:
    """The queries: a file's molecules, or the argument itself as one SMILES.

    A ``#`` is data (``C#N``); only ``.smi`` lines whose first character is ``#`` are comments.
    An argument that is neither a file nor a usable SMILES is a one-line error, before any work.
    """
    import pandas as pd

    from drugscreen.errors import InputError
    from drugscreen.network.edgelist import read_table
    from drugscreen.validate import user_path

    path = user_path(args.queries)
    if not path.is_file():
        problem = _smiles_problem(args.queries)
        if problem is None:
            return [args.queries]
        looks_like_a_file = "/" in args.queries or path.suffix.lower() in _FILE_SUFFIXES
        if looks_like_a_file or path.exists():
            raise InputError(f"no such query file {args.queries!r}")
        raise InputError(f"query {args.queries!r} is neither a file nor a usable SMILES ({problem})")
    if path.name.lower().removesuffix(".gz").endswith((".smi", ".smiles")):
        rows = []
        opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rt") as fh:
            for line_no, line in enumerate(fh, 1):
                parts = line.split()
                if parts and not line.startswith("#"):
                    rows.append({"id": parts[1] if len(parts) > 1 else f"line{line_no}", "smiles": parts[0]})
        return pd.DataFrame(rows, columns=["id", "smiles"])
    table = read_table(path, "query")
    if args.smiles_column not in table.columns:
        raise InputError(
            f"query table {path} has no {args.smiles_column!r} column (columns: {list(table.columns)})"
        )
    ids = (
        table[args.id_column] if args.id_column in table.columns else pd.Series(range(len(table))).astype(str)
    )
    return pd.DataFrame({"id": ids.to_numpy(), "smiles": table[args.smiles_column].to_numpy()})


def _smiles_problem(text: str) -> str | None:
    """Why ``text`` is not a usable SMILES (as SEA would say for a query), or None."""
    from drugscreen.chem.spec import FingerprintSpec
    from drugscreen.repurpose.sea_inputs import _fingerprints

    _, _, reasons = _fingerprints([text], FingerprintSpec(), 1, False)
    return next(iter(reasons.values()), None)


def run(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import write_table
    from drugscreen.network.edgelist import read_table
    from drugscreen.repurpose.sea import SEA
    from drugscreen.repurpose.sea_inputs import check_filters

    # every check before the fit: a wrong value, query or file name fails at once
    (output,) = check_table_outputs((args.output, "output"))
    check_filters(args.max_e_value, args.top_k)
    queries = _queries(args)
    sets = read_table(args.ligand_sets, "ligand set")
    model = SEA(sets, threshold=args.threshold, seed=args.seed, progress=not args.quiet)
    model.check_params().fit()
    table = model.predict(queries, max_e_value=args.max_e_value, top_k=args.top_k)
    if output is not None:
        write_table(table, output)
        logger.info("%d query-target rows written to %s", len(table), output)
    else:
        print(table.to_string(index=False, float_format="%.4g"))
    return 0
