"""What the runner needs to know about each kind of campaign: its steps, their functions and keys,
its context and its report files.

The runner (:mod:`drugscreen.campaign.runner`) is the same for every kind: it keys, checkpoints,
resumes and records the steps a :class:`Plan` lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drugscreen.errors import InputError

#: The report step's files of a screening campaign.
SCREENING_FILES = ("report.html", "shortlist.csv", "shortlist.sdf", "all_scores.parquet")
#: The report step's files of a repurposing campaign.
REPURPOSE_FILES = ("report.html", "candidates.csv", "all_scores.parquet", "combinations.csv", "formulas.csv")
#: The report step's files of a target-discovery campaign.
TARGETS_FILES = ("report.html", "targets.csv", "all_genes.parquet", "top_target_actives.smi")
#: Everything a campaign of any kind writes in its directory: nothing else is ever touched.
OWN_FILES = ("campaign.json", "steps", *dict.fromkeys(SCREENING_FILES + REPURPOSE_FILES + TARGETS_FILES))


@dataclass(frozen=True)
class Plan:
    """One kind of campaign: its steps in order (the last, ``report``, writes the files)."""

    steps: tuple[str, ...]
    runners: Mapping[str, Callable[[Any], Any]]
    keys: Callable[[Any], dict[str, str]]
    context: Callable[..., Any]
    write_outputs: Callable[[Any], list[Path]]
    report_counts: Callable[[Any], dict[str, int]]
    files: tuple[str, ...]
    #: Whether each step's key names everything its output depends on (the steps it reads
    #: included), so a step whose key is unchanged is reused even after an earlier step ran
    #: again; otherwise every step after the first that runs runs too.
    keys_name_inputs: bool = False


def plan_for(kind: str) -> Plan:
    """The plan of a campaign kind (``"screening"``, ``"repurpose"`` or ``"targets"``)."""
    if kind == "screening":
        from drugscreen.campaign.context import ALL_STEPS, Context
        from drugscreen.campaign.keys import step_keys
        from drugscreen.campaign.outputs import write_outputs
        from drugscreen.campaign.steps import RUNNERS

        return Plan(
            steps=ALL_STEPS,
            runners=RUNNERS,
            keys=step_keys,
            context=Context,
            write_outputs=write_outputs,
            report_counts=lambda ctx: {"shortlist": int(ctx.infos["select"]["counts"]["shortlist"])},
            files=SCREENING_FILES,
        )
    if kind == "repurpose":
        from drugscreen.campaign import repurpose_outputs as outputs
        from drugscreen.campaign import repurpose_rank as rank
        from drugscreen.campaign import repurpose_steps as steps

        return Plan(
            steps=steps.ALL_STEPS,
            runners={**steps.RUNNERS, **rank.RUNNERS},
            keys=steps.repurpose_keys,
            context=steps.RepurposeContext,
            write_outputs=outputs.write_outputs,
            report_counts=outputs.report_counts,
            files=REPURPOSE_FILES,
            keys_name_inputs=True,
        )
    if kind == "targets":
        from drugscreen.campaign import targets_outputs
        from drugscreen.campaign import targets_steps as tsteps

        return Plan(
            steps=tsteps.ALL_STEPS,
            runners=tsteps.RUNNERS,
            keys=tsteps.targets_keys,
            context=tsteps.TargetsContext,
            write_outputs=targets_outputs.write_outputs,
            report_counts=targets_outputs.report_counts,
            files=TARGETS_FILES,
            keys_name_inputs=True,
        )
    raise InputError(f"unknown campaign kind {kind!r} (known: screening, repurpose, targets)")
