"""What every campaign step reads and returns (:class:`Context`, :class:`StepOutput`) and the step order.

The step modules (:mod:`~drugscreen.campaign.steps_screen`, :mod:`~drugscreen.campaign.steps_model`,
:mod:`~drugscreen.campaign.steps_rank`) import these from here, and :mod:`drugscreen.campaign.steps`
imports the step modules to build its registry: with the shared types in a module below both,
neither needs to import the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from drugscreen.campaign.sections import CampaignConfig

#: The steps in the order they run.
STEPS = ("screen", "candidates", "activity", "admet", "rules", "rank", "select")
#: With the last one, which writes the report and the shortlist files.
ALL_STEPS = (*STEPS, "report")


@dataclass
class StepOutput:
    """What a step returns: its table (keyed by ``row``), counts and facts for the report.

    A step whose table can be larger than memory (the screen's score of every library
    molecule) gives the Parquet ``file`` it wrote instead of a table.
    """

    table: pd.DataFrame | None
    file: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


class StepTables:
    """``table(name)``: a step's output, read once from its Parquet file (the contexts of every
    campaign kind share it; each is a dataclass with ``files`` and ``_cache`` fields)."""

    files: dict[str, Path]
    _cache: dict[str, Any]

    def table(self, name: str) -> pd.DataFrame:
        """The output of step ``name`` (read once from its Parquet file)."""
        key = f"table:{name}"
        if key not in self._cache:
            self._cache[key] = pd.read_parquet(self.files[name])
        return self._cache[key]  # type: ignore[no-any-return]


@dataclass
class Context(StepTables):
    """What every step may read: the configuration, the campaign directory, earlier outputs."""

    config: CampaignConfig
    directory: Path
    progress: bool
    client: Any = None
    files: dict[str, Path] = field(default_factory=dict)
    infos: dict[str, dict[str, Any]] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)

    def spec(self) -> Any:
        """The fingerprint of ``[actives]`` (the default fingerprint when there are no actives)."""
        from drugscreen.chem.spec import FingerprintSpec

        a = self.config.actives
        return FingerprintSpec(kind=a.fingerprint, radius=a.radius, nbits=a.nbits) if a else FingerprintSpec()
