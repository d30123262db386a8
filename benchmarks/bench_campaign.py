"""A whole screening campaign against the streaming screen alone; memory; the report's cost.

Usage: python benchmarks/bench_campaign.py [--n 1584663] [--memory-n 200000] [--actives 10]

1. ``ds.screen`` of the first ``--n`` MOSES train molecules (the ``.smi`` file bench_screen.py
   writes) against ``--actives`` MOSES test molecules, group fusion (max), top 3,000, chunks of
   100,000, 2 processes: the screen alone;
2. ``ds.campaign.run`` of the same library and actives with the same screen options (no
   standardisation, no filters), then the ADMET panel on the 3,000 candidates, the ranking, a
   Butina shortlist of 100 and the report (target: wall time <= 1.3x the screen alone);
3. peak RSS (with workers) of the campaign on ``--memory-n`` molecules and on ``--n`` (flat);
4. the same campaign with ``select.n = 1000``: only selection and report rerun; the report
   step's seconds and the size of report.html for a 1,000-compound shortlist (targets: <= 30 s,
   <= 15 MB).
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from bench_screen import library_file
from common import CACHE, PeakRSS, moses_smiles, write_report

import drugscreen as ds


def config(library: Path, actives: Path, n: int) -> dict:
    return {
        "library": {"path": str(library), "standardize": False, "dedup": False},
        "actives": {"path": str(actives), "top_n": 3000},
        "select": {"n": n, "max_per_cluster": 3},
        "report": {"title": "benchmark campaign"},
        "run": {"n_jobs": 2},
    }


def timed_campaign(cfg: dict, out: Path, fresh: bool = True) -> tuple[float, PeakRSS]:
    if fresh:
        shutil.rmtree(out, ignore_errors=True)
    with PeakRSS(interval=0.2) as rss:
        t0 = time.perf_counter()
        ds.campaign.run(cfg, out, progress=False)
        seconds = time.perf_counter() - t0
    return seconds, rss


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_584_663)
    parser.add_argument("--memory-n", type=int, default=200_000)
    parser.add_argument("--actives", type=int, default=10)
    args = parser.parse_args()

    queries = moses_smiles("test", args.actives)
    actives = CACHE / "campaign-actives.smi"
    CACHE.mkdir(exist_ok=True)
    actives.write_text("".join(f"{s} active-{i}\n" for i, s in enumerate(queries)))
    library, small = library_file(args.n), library_file(args.memory_n)
    timed_campaign(config(library_file(2_000), actives, 20), CACHE / "campaign-warmup")  # kernels, panel

    out = CACHE / "campaign-screen"
    shutil.rmtree(out, ignore_errors=True)
    with PeakRSS(interval=0.2) as rss_screen:
        t0 = time.perf_counter()
        ds.screen(library, queries, out, k=3000, fusion="max", n_jobs=2, progress=False)
        screen_s = time.perf_counter() - t0
    big = CACHE / "campaign-big"
    campaign_s, rss_big = timed_campaign(config(library, actives, 100), big)
    steps = {p.stem: json.loads(p.read_text()) for p in (big / "steps").glob("*.json")}
    small_s, rss_small = timed_campaign(config(small, actives, 100), CACHE / "campaign-small")
    rerun_s, _ = timed_campaign(config(library, actives, 1000), big, fresh=False)
    report = json.loads((big / "steps" / "report.json").read_text())
    rows = [
        {"task": f"ds.screen alone, {args.n:,} molecules, {args.actives} actives fused, top 3,000",
         "seconds": screen_s, "peak RSS MiB (with workers)": rss_screen.total / 2**20},
        {"task": "ds.campaign.run, same library and screen, + ADMET on 3,000, rank, shortlist 100, report",
         "seconds": campaign_s, "peak RSS MiB (with workers)": rss_big.total / 2**20},
        *[{"task": f"  step {name}", "seconds": steps[name]["seconds"], "peak RSS MiB (with workers)": ""}
          for name in ("screen", "candidates", "activity", "admet", "rules", "rank", "select", "report")],
        {"task": f"ds.campaign.run, first {args.memory_n:,} molecules (memory)",
         "seconds": small_s, "peak RSS MiB (with workers)": rss_small.total / 2**20},
        {"task": "rerun with select.n = 1000 (selection and report only)",
         "seconds": rerun_s, "peak RSS MiB (with workers)": ""},
        {"task": "  report step for the 1,000-compound shortlist", "seconds": report["seconds"],
         "peak RSS MiB (with workers)": ""},
    ]  # fmt: skip
    extra = {
        "campaign_vs_screen": campaign_s / screen_s,
        "memory_ratio_n_vs_memory_n": rss_big.total / rss_small.total,
        "report_1000_seconds": report["seconds"],
        "report_1000_mib": (big / "report.html").stat().st_size / 2**20,
    }
    print(extra)
    write_report("campaign", "Screening campaign (`python benchmarks/bench_campaign.py`)", rows, extra)


if __name__ == "__main__":
    main()
