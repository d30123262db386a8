"""Campaigns: one resumable job from a question to a ranked, explained shortlist and its report.

>>> import drugscreen as ds
>>> result = ds.campaign.run("campaign.toml", "out")     # doctest: +SKIP
>>> result.shortlist.head()                               # doctest: +SKIP
>>> ds.campaign.status("out")                             # doctest: +SKIP

The configuration format (every key, with a complete example) is in the guide pages
``docs/guide/campaign.rst`` (screening), ``docs/guide/repurposing_campaign.rst``
(``kind = "repurpose"``) and ``docs/guide/target_campaign.rst`` (``kind = "targets"``);
``examples/campaign.toml``, ``examples/repurpose.toml`` and ``examples/targets.toml`` are
templates.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "run": "drugscreen.campaign.runner",
    "status": "drugscreen.campaign.runner",
    "load_config": "drugscreen.campaign.config",
    "CampaignConfig": "drugscreen.campaign.sections",
    "RepurposeConfig": "drugscreen.campaign.repurpose_config",
    "TargetsConfig": "drugscreen.campaign.targets_config",
    "CampaignResult": "drugscreen.campaign.result",
    "mpo_score": "drugscreen.campaign.scoring",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'drugscreen.campaign' has no attribute {name!r}")
