"""The knowledge-graph model's validation figures, as the evaluation harness measured them.

``benchmarks/bench_repurpose.py`` runs the harness (:mod:`drugscreen.repurpose.harness`) on
Hetionet and writes ``harness_summary.json`` beside this module: for each network, protocol
(leave diseases out, leave edges out, external indications) and metric, the model's value
and the best single baseline's. A repurposing campaign's report shows them beside its
ranking; they are the figures of that benchmark's graph, not recomputed for a campaign's.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

#: The file the benchmark writes and the report reads.
SUMMARY = "harness_summary.json"


def harness_summary() -> dict[str, Any]:
    """The shipped figures: ``{"date", "machine", "command", "wins": [...]}`` (empty when absent)."""
    path = resources.files("drugscreen.repurpose").joinpath(SUMMARY)
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def summary_record(wins: list[dict[str, Any]], *, date: str, machine: dict[str, Any]) -> dict[str, Any]:
    """What the benchmark writes: its per-metric model / best-baseline rows, with when and where."""
    return {"command": "python benchmarks/bench_repurpose.py", "date": date, "machine": machine, "wins": wins}
