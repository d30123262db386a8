"""``drugscreen proximity``: drug–disease network proximity (Guney et al. 2016) with z-scores."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from drugscreen.cli.options import add_jobs, number
from drugscreen.validate import check_table_output

logger = logging.getLogger("drugscreen")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "proximity",
        help="network proximity of drug targets to disease genes, with degree-matched z-scores",
        description="Score every drug against every disease on an interactome (Guney et al. "
        "2016): the distance d between the drug's targets and the disease genes, and its z-score "
        "against degree-matched random sets. The distance matrix is computed once (a parallel "
        "BFS) and, with --cache-dir, memory-mapped on later runs. Gene sets are long tables "
        "(first column: drug or disease name; second column or --gene-column: one gene per row) "
        "or GMT files. Writes drug, disease, distance, d, z, p, mean_random, sd_random, "
        "n_targets, n_genes, n_targets_missing, n_genes_missing, note.",
        epilog="examples:\n"
        "  drugscreen proximity interactome.tsv --targets drug_targets.tsv --genes diseases.gmt -o prox.csv\n"
        "  drugscreen proximity net.sif --targets t.csv --genes g.csv --distance closest separation \\\n"
        "      --n-random 1000 --cache-dir ~/.cache/drugscreen -o prox.parquet",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("network", help="edge list: .tsv, .csv or .sif (gzip allowed); '#' lines are comments")
    p.add_argument("--columns", nargs=2, metavar=("A", "B"), help="header names of the two gene columns")
    p.add_argument("--targets", required=True, help="drug targets: table (drug, gene) or .gmt")
    p.add_argument("--genes", required=True, help="disease genes: table (disease, gene) or .gmt")
    p.add_argument("--gene-column", help="column holding the genes in both tables [the second]")
    p.add_argument("--pairs", help="table of (drug, disease) pairs to score [all pairs]")
    p.add_argument(
        "--distance",
        nargs="+",
        default=["closest"],
        choices=("closest", "shortest", "kernel", "centre", "center", "separation", "all"),
        metavar="NAME",
        help="one or more of closest, shortest, kernel, centre, separation, all [closest]",
    )
    p.add_argument("--n-random", type=number, default=1000, help="degree-matched random sets [1000]")
    p.add_argument("--min-bin-size", type=number, default=100, help="smallest degree bin [100]")
    p.add_argument("--seed", type=number, default=0, help="seed of the random sets [0]")
    p.add_argument(
        "--degree",
        choices=("neighbours", "networkx"),
        default="neighbours",
        help="degree for the bins: distinct neighbours, or networkx's (a self-loop adds 2; the "
        "paper's convention) [neighbours]",
    )
    p.add_argument("--cache-dir", help="keep the distance matrix here and memory-map it next time")
    p.add_argument("-o", "--output", required=True, help="output .parquet, .csv or .tsv")
    add_jobs(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import write_table
    from drugscreen.network.edgelist import read_gene_sets, read_table
    from drugscreen.network.interactome import Interactome
    from drugscreen.repurpose.proximity import proximity

    output = check_table_output(args.output)
    net = Interactome.from_file(
        args.network, columns=tuple(args.columns) if args.columns else None, cache_dir=args.cache_dir
    )
    logger.info("%r read from %s", net, args.network)
    targets = read_gene_sets(args.targets, gene_column=args.gene_column, what="drug target")
    genes = read_gene_sets(args.genes, gene_column=args.gene_column, what="disease gene")
    pairs = read_table(args.pairs, "pairs") if args.pairs else None
    table = proximity(
        net,
        targets,
        genes,
        pairs=pairs,
        distance=args.distance,
        n_random=args.n_random,
        min_bin_size=args.min_bin_size,
        seed=args.seed,
        degree=args.degree,
        n_jobs=args.jobs,
        progress=not args.quiet,
    )
    write_table(table, output)
    unscored = int(table.d.isna().sum())
    logger.info(
        "%d rows (%d drugs x %d diseases%s) written to %s%s",
        len(table),
        len(targets),
        len(genes),
        "" if pairs is None else f", {len(pairs)} pairs",
        output,
        f"; {unscored} rows unscored (see the note column)" if unscored else "",
    )
    return 0
