"""The steps of a screening campaign: each a function from the earlier steps' tables to its own.

The runner (:mod:`drugscreen.campaign.runner`) calls them in :data:`STEPS` order, stores each
output as ``steps/<name>.parquet`` and skips a step whose key (the digest of its options and of
the keys of the steps it reads) is unchanged. Every table is keyed by ``row``: the record's
number in the library file.

The steps are written in one module per job: :mod:`~drugscreen.campaign.steps_screen` (screen,
candidates), :mod:`~drugscreen.campaign.steps_model` (activity, admet) and
:mod:`~drugscreen.campaign.steps_rank` (rules, rank, select); what they share is in
:mod:`~drugscreen.campaign.context`. This module lists them in :data:`RUNNERS`.
"""

from __future__ import annotations

# every name code (and tests) imported from this module before it was split is imported here, so
# ``from drugscreen.campaign.steps import X`` keeps working
from drugscreen.campaign.context import ALL_STEPS, STEPS, Context, StepOutput
from drugscreen.campaign.steps_model import merged, run_activity, run_admet
from drugscreen.campaign.steps_rank import run_rank, run_rules, run_select
from drugscreen.campaign.steps_screen import (
    library_scores,
    read_labelled,
    read_labels,
    run_candidates,
    run_screen,
    top_by_similarity,
    training_set,
)

__all__ = [
    "ALL_STEPS",
    "RUNNERS",
    "STEPS",
    "Context",
    "StepOutput",
    "library_scores",
    "merged",
    "read_labelled",
    "read_labels",
    "run_activity",
    "run_admet",
    "run_candidates",
    "run_rank",
    "run_rules",
    "run_screen",
    "run_select",
    "top_by_similarity",
    "training_set",
]

#: Each step's function, by name (the runner looks a step up here when it runs it).
RUNNERS = {
    "screen": run_screen,
    "candidates": run_candidates,
    "activity": run_activity,
    "admet": run_admet,
    "rules": run_rules,
    "rank": run_rank,
    "select": run_select,
}
