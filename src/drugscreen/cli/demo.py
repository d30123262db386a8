"""``drugscreen demo``: the main job on data shipped with drugscreen."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from drugscreen.cli.options import add_jobs


def register(sub: Any) -> None:
    demo = sub.add_parser(
        "demo",
        help="build a database from the bundled MOSES subset and screen known drugs",
        description="The main job on data shipped with drugscreen: build a 25,000-molecule "
        "database and screen it against a handful of known drugs.",
    )
    demo.add_argument("--out", default="demo-output", help="output directory [demo-output]")
    add_jobs(demo)
    demo.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from drugscreen.screen.demo import run_demo

    result = run_demo(Path(args.out), n_jobs=args.jobs, progress=not args.quiet)
    print(
        f"Screened {len(result.hits['query'].unique())} drugs against {result.n_molecules} MOSES molecules "
        "(Morgan r2, 2048 bits, Tanimoto). Top hits:"
    )
    with_cols = result.hits[["query", "id", "score", "smiles"]]
    print(with_cols.groupby("query", sort=False).head(3).to_string(index=False, float_format="%.3f"))
    sizes = result.clusters.groupby("cluster").size()
    print(
        f"\nButina clustering of the library at distance 0.35: {len(sizes)} clusters, "
        f"{int((sizes == 1).sum())} singletons, largest {int(sizes.max())} molecules."
    )
    print(f"\nDatabase: {result.database}\nAll hits: {result.hits_file}\nClusters: {result.clusters_file}")
    return 0
