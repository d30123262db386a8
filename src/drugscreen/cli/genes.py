"""``drugscreen genes``: target discovery from a disease's genes — ``rank`` (network
propagation), ``validate`` (k-fold recovery of held-out genes), ``evidence`` (genetic evidence
aggregated) and ``mr`` (Mendelian randomisation from summary statistics)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from drugscreen.cli.options import number
from drugscreen.validate import check_table_output

logger = logging.getLogger("drugscreen")

SEEDS_HELP = "seed genes: .gmt, a table (set/disease, gene[, weight]) or the Menche 2015 disease-gene file"


def _real(text: str) -> float:
    try:
        return float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from exc


def register(sub: Any) -> None:
    p = sub.add_parser(
        "genes",
        help="rank a disease's candidate target genes (network propagation, genetic evidence, MR)",
        description="Target discovery from a disease's known genes and genetic evidence. "
        "See docs/guide/target_discovery.rst.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmds = p.add_subparsers(dest="genes_command", metavar="{rank,validate,evidence,mr}", required=True)

    r = cmds.add_parser(
        "rank",
        help="rank every gene by propagation from each seed set",
        description="Propagate from each seed set over the network (all sets as one matrix) and rank every "
        "gene: random walk with restart, heat diffusion, neighbour count, degree or DIAMOnD. With "
        "--permutations each score also gets a z / p against degree-matched random seed sets. Writes set, "
        "gene, is_seed, rank, score, z, p, degree, degree_rank.",
        epilog="examples:\n"
        "  drugscreen genes rank interactome.tsv disease_genes.gmt --method heat -o ranked.csv\n"
        "  drugscreen genes rank net.tsv genes.csv --sets asthma --permutations 1000 --top 100 -o asthma.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _network_args(r)
    r.add_argument("--method", default="rwr", choices=("rwr", "heat", "neighbours", "degree", "diamond"),
                   help="propagation method [rwr]")  # fmt: skip
    r.add_argument("--restart", type=_real, default=0.3, help="rwr: restart probability [0.3]")
    r.add_argument("--time", type=_real, default=3.0, help="heat: diffusion time [3.0]")
    r.add_argument(
        "--permutations", type=number, default=0, help="degree-matched random seed sets per set [0]"
    )
    r.add_argument("--top", type=number, help="keep each set's best N non-seed genes [all]")
    r.add_argument("--seed", type=number, default=0, help="seed of the permutations [0]")
    r.add_argument("-o", "--output", required=True, help="output .parquet, .csv or .tsv")
    r.set_defaults(handler=run_rank)

    v = cmds.add_parser(
        "validate",
        help="k-fold recovery of each disease's held-out genes (AUROC, recall@20/100)",
        description="Hide one fold of each disease's genes, propagate from the rest, and measure how well the "
        "hidden genes are ranked among all other genes; genes of one complex (or tight clique) share a fold. "
        "Prints the summary per method; -o writes one row per disease, fold and method.",
        epilog="examples:\n"
        "  drugscreen genes validate interactome.tsv.gz DataS2_disease_genes.tsv --blocks complexes \\\n"
        "      --complexes interactome.tsv.gz -o cv.csv\n"
        "  drugscreen genes validate net.tsv genes.gmt --transfer OMIM GWAS",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _network_args(v)
    v.add_argument(
        "--methods", default="rwr,heat,neighbours,degree", help="comma-separated [rwr,heat,neighbours,degree]"
    )
    v.add_argument("--folds", type=number, default=5, help="folds per disease [5]")
    v.add_argument("--blocks", default="cliques", choices=("complexes", "cliques", "none"),
                   help="what stays together in a fold [cliques]")  # fmt: skip
    v.add_argument(
        "--complexes", help="--blocks complexes: edge file with a sources column, or table complex, gene"
    )
    v.add_argument("--min-genes", type=number, default=20, help="smallest disease tested [20]")
    v.add_argument("--transfer", nargs=2, metavar=("SEED_SOURCE", "TARGET_SOURCE"),
                   help="instead of k-fold: seed with one source's genes, recover another's")  # fmt: skip
    v.add_argument("--seed", type=number, default=0, help="seed of the folds [0]")
    v.add_argument("-o", "--output", help="per-test table (.parquet, .csv or .tsv)")
    v.set_defaults(handler=run_validate)

    e = cmds.add_parser(
        "evidence",
        help="aggregate genetic evidence per disease and gene (Open Targets harmonic sum)",
        description="Per disease, gene and source: the harmonic sum of the evidence scores (sorted, s_i / i^2), "
        "normalised; then the weighted harmonic sum over sources. Tables: disease, gene, source, score.",
        epilog="example:\n  drugscreen genes evidence gwas.csv burden.csv --weight burden=0.5 -o evidence.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    e.add_argument("tables", nargs="+", help="evidence tables (.csv, .tsv, .parquet; gzip allowed)")
    e.add_argument("--weight", action="append", default=[], metavar="SOURCE=W", help="a source's weight [1]")
    e.add_argument("-o", "--output", required=True, help="output .parquet, .csv or .tsv")
    e.set_defaults(handler=run_evidence)

    m = cmds.add_parser(
        "mr",
        help="Mendelian randomisation from summary statistics (IVW, MR-Egger, weighted median)",
        description="Two-sample MR of an exposure (e.g. a target's expression or a biomarker) on an outcome "
        "from per-variant associations: columns bx, bx_se, by, by_se (and snp). Prints one row per method.",
        epilog="example:\n  drugscreen genes mr ldl_chd.csv -o mr.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    m.add_argument("table", help="variants: bx, bx_se, by, by_se[, snp]")
    m.add_argument("--seed", type=number, default=0, help="seed of the weighted median's bootstrap [0]")
    m.add_argument("-o", "--output", help="output .parquet, .csv or .tsv")
    m.set_defaults(handler=run_mr)


def _network_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("network", help="edge list: .tsv, .csv or .sif (gzip allowed); '#' lines are comments")
    p.add_argument("seeds", help=SEEDS_HELP)
    p.add_argument("--sets", help="comma-separated set names to use [all]")


def _read(args: argparse.Namespace) -> tuple[Any, Any]:
    from drugscreen.errors import InputError
    from drugscreen.network.interactome import Interactome
    from drugscreen.targets.seeds import read_seed_sets

    net = Interactome.from_file(args.network)
    seeds = read_seed_sets(args.seeds)
    if args.sets:
        wanted = [s.strip() for s in args.sets.split(",") if s.strip()]
        unknown = sorted(set(wanted) - set(seeds["set"]))
        if unknown:
            raise InputError(f"--sets: {unknown[0]!r} is not a set of {args.seeds}")
        seeds = seeds[seeds["set"].isin(wanted)]
    return net, seeds


def run_rank(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import write_table
    from drugscreen.targets.prioritize import prioritize

    output = check_table_output(args.output)
    net, seeds = _read(args)
    settings = {"rwr": {"restart": args.restart}, "heat": {"time": args.time}}.get(args.method)
    table = prioritize(net, seeds, args.method, settings=settings, n_permutations=args.permutations,
                       random_state=args.seed, top=args.top)  # fmt: skip
    write_table(table, output)
    logger.info("%d rows (%d sets) written to %s", len(table), table["set"].nunique(), output)
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import write_table
    from drugscreen.targets.validation import cross_validate, transfer

    output = check_table_output(args.output) if args.output else None
    net, seeds = _read(args)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if args.transfer:
        result = transfer(net, seeds, methods, seed_source=args.transfer[0], target_source=args.transfer[1])
    else:
        blocks = None if args.blocks == "none" else args.blocks
        result = cross_validate(net, seeds, methods, n_folds=args.folds, blocks=blocks, complexes=args.complexes,
                                min_genes=args.min_genes, random_state=args.seed)  # fmt: skip
    print(result.summary.to_string(index=False, float_format="%.3f"))
    if output is not None:
        write_table(result.per_test, output)
    return 0


def run_evidence(args: argparse.Namespace) -> int:
    import pandas as pd

    from drugscreen.chem.io import write_table
    from drugscreen.errors import InputError
    from drugscreen.targets.evidence import aggregate_evidence, read_evidence

    output = check_table_output(args.output)
    weights = {}
    for item in args.weight:
        source, _, value = item.partition("=")
        try:
            if not source.strip():
                raise ValueError(item)
            weights[source.strip()] = float(value)
        except ValueError:
            raise InputError(f"--weight {item!r}: expected SOURCE=NUMBER") from None
    table = pd.concat([read_evidence(t) for t in args.tables], ignore_index=True)
    result = aggregate_evidence(table, weights=weights or None)
    write_table(result, output)
    logger.info("%d disease-gene rows written to %s", len(result), output)
    return 0


def run_mr(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import write_table
    from drugscreen.errors import InputError
    from drugscreen.network.edgelist import read_table
    from drugscreen.targets.mr import mendelian_randomization

    output = check_table_output(args.output) if args.output else None
    table = read_table(args.table, "variant", text=False)
    missing = [c for c in ("bx", "bx_se", "by", "by_se") if c not in table.columns]
    if missing:
        raise InputError(f"{args.table}: no column {missing[0]!r}; columns are {list(table.columns)}")
    snps = table["snp"].astype(str).tolist() if "snp" in table.columns else None
    result = mendelian_randomization(table["bx"], table["bx_se"], table["by"], table["by_se"], snps=snps,
                                     seed=args.seed)  # fmt: skip
    print(result.to_string(index=False, float_format="%.4g"))
    if output is not None:
        write_table(result, output)
    return 0
