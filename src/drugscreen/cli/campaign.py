"""``drugscreen campaign run | status``: a screening campaign from a TOML file to its report."""

from __future__ import annotations

import argparse
from typing import Any

from drugscreen.cli.options import number


def register(sub: Any) -> None:
    p = sub.add_parser(
        "campaign",
        help="run a campaign: screening (library + actives -> ranked, diverse shortlist) or "
        "repurposing (disease -> ranked drugs with evidence), with an HTML report",
        description="A screening campaign (kind = 'screening', the default): the library is "
        "screened against the actives (group fusion), the best candidates get an activity model's "
        "score and the ADMET panel, hard rules remove the unacceptable, a multi-parameter score "
        "ranks the rest and a diverse shortlist is picked. A repurposing campaign (kind = "
        "'repurpose'): every drug is ranked for the disease(s) by a knowledge-graph model and "
        "network proximity, explained, paired and (with formulas) scored as formulas. report.html "
        "shows it all. Every step is checkpointed: the same command resumes after an interruption, "
        "and after an edit of the configuration reruns only the steps the edit affects. See "
        "examples/campaign.toml, examples/repurpose.toml and the guide pages.",
    )
    steps = p.add_subparsers(dest="campaign_command", required=True, metavar="ACTION")
    r = steps.add_parser(
        "run",
        help="run or resume a campaign",
        description="Run (or resume) the campaign CONFIG describes in OUT_DIR and write "
        "report.html and all_scores.parquet there, with shortlist.csv and shortlist.sdf (screening) "
        "or candidates.csv, combinations.csv and formulas.csv (repurposing).",
    )
    r.add_argument("config", metavar="CONFIG", help="the campaign's TOML file")
    r.add_argument(
        "-o",
        "--out-dir",
        metavar="OUT_DIR",
        required=True,
        help="campaign directory (created; reused to resume)",
    )
    r.add_argument(
        "-j", "--jobs", type=number, help="processes for the heavy steps (-1 = all cores) [run.n_jobs]"
    )
    r.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="screen a database library on a Dask cluster, e.g. tcp://scheduler:8786 [run.scheduler] "
        "(screening campaigns only)",
    )
    r.set_defaults(handler=run)
    s = steps.add_parser(
        "status",
        help="list a campaign's steps: done or not, counts, seconds",
        description="Print the steps of the campaign in DIR with their counts and times.",
    )
    s.add_argument("directory", metavar="DIR", help="a campaign directory")
    s.set_defaults(handler=status)


def run(args: argparse.Namespace) -> int:
    import dataclasses

    from drugscreen.campaign.config import load_config
    from drugscreen.campaign.runner import run as run_campaign
    from drugscreen.errors import InputError
    from drugscreen.validate import check_n_jobs

    config = load_config(args.config)
    if args.jobs is not None:
        check_n_jobs(args.jobs)
        config = dataclasses.replace(config, run=dataclasses.replace(config.run, n_jobs=args.jobs))
    if args.scheduler and config.kind != "screening":
        raise InputError(
            "--scheduler screens a database library: a repurposing campaign runs on this machine"
        )
    if args.scheduler:
        config = load_config(
            dataclasses.replace(config, run=dataclasses.replace(config.run, scheduler=args.scheduler))
        )
    result = run_campaign(config, args.out_dir, progress=not args.quiet)
    what = "drug-disease candidates" if result.kind == "repurpose" else "compounds"
    print(f"{len(result.shortlist)} {what} shortlisted; report: {result.report_path}")
    return 0


def status(args: argparse.Namespace) -> int:
    from drugscreen.campaign.runner import status as campaign_status

    table = campaign_status(args.directory)
    print(table.astype(object).where(table.notna(), "").to_string(index=False))
    return 0
