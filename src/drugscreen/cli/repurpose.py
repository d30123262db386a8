"""``drugscreen repurpose``: knowledge-graph repurposing on a Hetionet-style network.

Actions: ``metapaths`` (list them), ``dwpc`` (path features of every pair), ``predict`` (fit
the Rephetio-style model, optionally cross-validate, write ranked candidates) and
``explain`` (the paths behind one pair's DWPC).
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from drugscreen.cli.options import number
from drugscreen.validate import check_table_output, check_table_outputs

logger = logging.getLogger("drugscreen")

EPILOG = """examples:
  drugscreen repurpose metapaths nodes.tsv.gz edges.sif.gz --max-length 3
  drugscreen repurpose dwpc nodes.tsv.gz edges.sif.gz --metapath CbGaD CrCtD -o dwpc.parquet
  drugscreen repurpose predict nodes.tsv.gz edges.sif.gz --disease Disease::DOID:1612 --top 25 -o ranked.csv
  drugscreen repurpose predict nodes.tsv.gz edges.sif.gz --cv 5 --cv-output cv.csv -o all_pairs.parquet
  drugscreen repurpose explain nodes.tsv.gz edges.sif.gz --metapath CbGaD \\
      --source Compound::DB00945 --target Disease::DOID:1612
"""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "repurpose",
        help="knowledge-graph repurposing: metapaths, DWPC features, a Rephetio-style model",
        description="Score compound-disease pairs of a heterogeneous network (Hetionet's node "
        "TSV and edge SIF, gzip allowed) by degree-weighted path counts over metapaths "
        "(Himmelstein et al. 2017). Paths never visit a node twice.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    def common(name: str, help: str) -> argparse.ArgumentParser:
        q = actions.add_parser(name, help=help, description=help)
        q.add_argument("nodes", help="node table: id, name, kind (TSV)")
        q.add_argument("edges", help="edge table: source, metaedge, target (TSV/SIF)")
        q.add_argument(
            "--extra-edges",
            nargs="+",
            default=[],
            metavar="FILE",
            help="more edge files of the same format, read with EDGES (e.g. Hetionet's extra edge types)",
        )
        q.add_argument("--source-kind", default="Compound", help="kind of the first node [Compound]")
        q.add_argument("--target-kind", default="Disease", help="kind of the last node [Disease]")
        return q

    q = common("metapaths", "list the metapaths between two node kinds")
    q.add_argument("--max-length", type=number, default=4, help="longest metapath [4]")
    q.add_argument("--min-length", type=number, default=1, help="shortest metapath [1]")
    q.set_defaults(handler=_metapaths)

    q = common("dwpc", "degree-weighted path counts of every source x target pair")
    q.add_argument("--metapath", nargs="+", help="metapaths (e.g. CbGaD CbG<rGaD) [all up to --max-length]")
    q.add_argument("--max-length", type=number, default=3, help="with no --metapath: longest [3]")
    q.add_argument("--damping", type=number, default=0.4, help="damping exponent w; 0 counts paths [0.4]")
    q.add_argument("--nonzero", action="store_true", help="only pairs with a path on some metapath")
    q.add_argument("-o", "--output", required=True, help="output .parquet, .csv or .tsv")
    q.set_defaults(handler=_dwpc)

    q = common("predict", "fit the Rephetio-style model and write a score for every pair")
    q.add_argument("--treats", default="CtD", help="metaedge of the positive labels [CtD]")
    q.add_argument("--max-length", type=number, default=3, help="longest metapath [3]")
    q.add_argument("--metapath", nargs="+", help="use only these metapaths")
    q.add_argument("--max-metapaths", type=number, default=100, help="metapaths kept by training AUROC [100]")
    q.add_argument("--C", type=number, help="inverse regularisation [chosen by 3-fold AUROC]")
    q.add_argument("--negatives", type=number, default=30000, help="sampled negative pairs [30000]")
    q.add_argument("--disease", "--node", dest="node", help="only this target (or source) node, ranked")
    q.add_argument("--top", type=number, help="with --node: how many candidates [all]")
    q.add_argument("--cv", type=number, metavar="K", help="also cross-validate (K folds, edges held out)")
    q.add_argument("--cv-output", help="per-fold metrics of --cv (.csv/.tsv/.parquet)")
    q.add_argument("--coefficients", help="write the model's coefficients here")
    q.add_argument("--seed", type=number, default=0, help="seed [0]")
    q.add_argument("-o", "--output", required=True, help="output .parquet, .csv or .tsv")
    q.set_defaults(handler=_predict)

    q = common("explain", "the paths behind one pair's DWPC, largest share first")
    q.add_argument("--metapath", required=True, help="e.g. CbGiGaD")
    q.add_argument("--source", required=True, help="id of the first node")
    q.add_argument("--target", required=True, help="id of the last node")
    q.add_argument("--damping", type=number, default=0.4, help="damping exponent w [0.4]")
    q.add_argument("--limit", type=number, default=20, help="paths shown [20]")
    q.add_argument("-o", "--output", help="write the table here instead of printing it")
    q.set_defaults(handler=_explain)


def _load(args: argparse.Namespace) -> Any:
    from drugscreen.network.hetnet import Hetnet

    net = Hetnet.from_files(args.nodes, [args.edges, *args.extra_edges])
    logger.info("%r read from %s and %s", net, args.nodes, ", ".join([args.edges, *args.extra_edges]))
    return net


def _metapaths(args: argparse.Namespace) -> int:
    from drugscreen.network.metagraph import check_lengths

    check_lengths(args.max_length, args.min_length)  # before the network is read
    net = _load(args)
    for path in net.metapaths(args.source_kind, args.target_kind, args.max_length, args.min_length):
        print(f"{path}\t{len(path)}\t{' '.join(path.metaedges)}")
    return 0


def _dwpc(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from drugscreen.chem.io import write_table
    from drugscreen.network.metagraph import check_lengths
    from drugscreen.repurpose.dwpc import check_damping, dwpc_features

    output = check_table_output(args.output)
    check_damping(args.damping)
    if not args.metapath:
        check_lengths(args.max_length, 2)
    net = _load(args)
    paths = args.metapath or net.metapaths(args.source_kind, args.target_kind, args.max_length, 2)
    values, names = dwpc_features(net, paths, args.damping, progress=not args.quiet)
    n_s, n_t, m = values.shape
    first = net.parse(paths[0])
    table = pd.DataFrame(values.reshape(n_s * n_t, m), columns=names)
    table.insert(0, "target", np.tile(net.node_ids(first.target).to_numpy(), n_s))
    table.insert(0, "source", np.repeat(net.node_ids(first.source).to_numpy(), n_t))
    if args.nonzero:
        table = table[(table[names] > 0).any(axis=1)]
    write_table(table.reset_index(drop=True), output)
    logger.info("%d pairs x %d metapaths written to %s", len(table), m, output)
    return 0


def _predict(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import write_table
    from drugscreen.errors import InputError

    if args.cv_output and args.cv is None:
        raise InputError("--cv-output needs --cv K")
    if args.top is not None and not args.node:
        raise InputError("--top needs --disease (or --node)")
    from drugscreen.repurpose.rephetio import Rephetio, check_top
    from drugscreen.repurpose.rephetio_eval import cross_validate
    from drugscreen.validate import check_number

    output = check_table_output(args.output)
    cv_output, coefficients_output = check_table_outputs(
        (args.cv_output, "--cv-output"), (args.coefficients, "--coefficients"), (output, "output")
    )[:2]
    model = Rephetio(
        args.metapath,
        source=args.source_kind,
        target=args.target_kind,
        treats=args.treats,
        max_length=args.max_length,
        max_metapaths=args.max_metapaths,
        C=args.C,
        n_negatives=args.negatives,
        random_state=args.seed,
        progress=not args.quiet,
    )
    # every setting is checked before the network is read (the API checks them again)
    model.check_params()
    check_top(args.top)
    if args.cv is not None and check_number("n_folds", args.cv, integer=True) < 2:
        raise InputError(f"cross-validation needs at least 2 folds, got {args.cv}")
    net = _load(args)
    if args.cv is not None:
        result = cross_validate(model, net, n_folds=args.cv, seed=args.seed, progress=not args.quiet)
        print(result.summary().to_string(index=False, float_format="%.4f"))
        if cv_output is not None:
            write_table(result.folds, cv_output)
    model.fit(net)
    if coefficients_output is not None:
        coefficients = model.coef_.rename_axis("feature").reset_index()
        write_table(coefficients[coefficients["coef"] != 0], coefficients_output)
    table = model.rank(args.node, top=args.top) if args.node else model.predict()
    write_table(table, output)
    logger.info("%d scored pairs written to %s", len(table), output)
    return 0


def _explain(args: argparse.Namespace) -> int:
    from drugscreen.chem.io import write_table
    from drugscreen.repurpose.dwpc import check_explain, explain

    (output,) = check_table_outputs((args.output, "output"))
    check_explain(args.damping, args.limit)
    net = _load(args)
    table = explain(net, args.metapath, args.source, args.target, args.damping, limit=args.limit)
    if output is not None:
        write_table(table, output)
    else:
        print(table[["path", "pdp", "share"]].to_string(index=False, float_format="%.4g"))
    return 0
