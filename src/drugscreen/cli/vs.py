"""``drugscreen vs-eval``: the retrospective ligand-based screening benchmark."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from drugscreen.cli.options import add_jobs, number

logger = logging.getLogger("drugscreen")


def register(sub: Any) -> None:
    from drugscreen.vs.protocol import DEFAULT_METHODS, DEFAULT_METRICS

    vs = sub.add_parser(
        "vs-eval",
        help="benchmark fingerprints (or scores) at ranking actives early",
        description="Retrospective ligand-based virtual screening. Per target, draw --queries "
        "actives (seeded, --repeats times), score every other molecule by its fused similarity "
        "to them, leave the queries out, and compute AUROC, BEDROC and enrichment factors. Every "
        "method sees the same draws; --compare A B runs a paired Wilcoxon signed-rank test. "
        "DATA is a table (target, smiles, active columns) or a folder with one sub-folder per "
        "target holding actives* and decoys* (or inactives*) SMILES files.",
        epilog="examples:\n"
        "  drugscreen vs-eval hiv.csv --active-column HIV_active -o runs.csv\n"
        "  drugscreen vs-eval dude/ --fp ecfp4,maccs --compare ecfp4 maccs -o runs.parquet\n"
        "  drugscreen vs-eval targets.csv --score-column model_score --fp ecfp4 -o runs.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    vs.add_argument("data", help="table (.csv, .tsv, .parquet) or folder of targets")
    vs.add_argument(
        "--fp",
        default=",".join(DEFAULT_METHODS),
        help=f"fingerprint methods, comma-separated from {', '.join(DEFAULT_METHODS)} [all six]",
    )
    vs.add_argument(
        "--score-column", action="append", default=[], metavar="COL", help="also rank by this column's scores"
    )
    vs.add_argument("--target-column", help="column of target names [target, if there is one]")
    vs.add_argument("--smiles-column", default="smiles", help="column of SMILES [smiles]")
    vs.add_argument("--active-column", default="active", help="column of 0/1 activity [active]")
    vs.add_argument("--id-column", help="column of molecule ids [row numbers]")
    vs.add_argument("--queries", type=number, default=5, help="query actives per draw [5]")
    vs.add_argument("--repeats", type=number, default=50, help="draws per target [50]")
    vs.add_argument("--fusion", choices=("max", "mean"), default="max", help="similarity fusion [max]")
    vs.add_argument(
        "--metrics", default=",".join(DEFAULT_METRICS), help=f"comma-separated [{','.join(DEFAULT_METRICS)}]"
    )
    vs.add_argument("--seed", type=number, default=0, help="seed of the draws [0]")
    vs.add_argument(
        "--ties",
        choices=("stable", "pessimistic", "optimistic"),
        default="stable",
        help="order of equal scores",
    )
    vs.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        help="paired Wilcoxon test of method A against B, on the first of --metrics",
    )
    vs.add_argument(
        "--pair-on", choices=("target", "repeat"), default="target", help="pairs of the test [target]"
    )
    vs.add_argument("-o", "--output", required=True, help="per-run table: .parquet, .csv or .tsv")
    add_jobs(vs)
    vs.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import write_table
    from drugscreen.errors import InputError
    from drugscreen.vs import evaluate
    from drugscreen.vs.protocol import DEFAULT_METHODS

    names = [n.strip() for n in args.fp.split(",") if n.strip()]
    unknown = [n for n in names if n not in DEFAULT_METHODS]
    if unknown:
        raise InputError(f"unknown --fp {unknown[0]!r}; choose from {', '.join(DEFAULT_METHODS)}")
    methods: dict[str, Any] = {n: DEFAULT_METHODS[n] for n in names}
    methods.update({c: c for c in args.score_column})
    for name in args.compare or ():
        if name not in methods:
            raise InputError(f"--compare {name!r} is not one of the methods: {', '.join(methods)}")
    result = evaluate(
        args.data,
        methods,
        n_queries=args.queries,
        repeats=args.repeats,
        fusion=args.fusion,
        metrics=[m.strip() for m in args.metrics.split(",") if m.strip()],
        seed=args.seed,
        ties=args.ties,
        n_jobs=args.jobs,
        progress=not args.quiet,
        target_column=args.target_column,
        smiles_column=args.smiles_column,
        active_column=args.active_column,
        id_column=args.id_column,
    )
    write_table(result.runs, args.output)  # before the test: a long run is never lost
    comparison = None
    if args.compare:
        a, b = args.compare
        comparison = result.compare(a, b, metric=result.metrics[0], pair_on=args.pair_on)
    print(result.summary().round(4).to_string(), file=sys.stdout)
    if comparison is not None:
        c = comparison
        print(
            f"\n{c.a} vs {c.b} ({c.metric}, {c.n_pairs} paired {args.pair_on}s): mean {c.mean_a:.4f} vs "
            f"{c.mean_b:.4f}, {c.wins} wins / {c.losses} losses / {c.draws} draws, Wilcoxon p = "
            f"{c.p_value:.3g}, rank-biserial r = {c.effect_size:+.3f}"
        )
    logger.info(
        "%d runs over %d targets written to %s",
        len(result.runs),
        result.runs["target"].nunique(),
        args.output,
    )
    return 0
