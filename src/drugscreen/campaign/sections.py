"""A campaign configuration's sections: the typed, frozen dataclasses of a loaded configuration.

Only the shapes and their small methods live here; reading and checking a TOML file (or dict)
into them is :func:`drugscreen.campaign.config.load_config`'s job. The steps and the scoring
import the types from here, without the parsers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from drugscreen.validate import user_path


@dataclass(frozen=True)
class LibrarySection:
    """``[library]``: the molecules to screen."""

    path: str
    smiles_column: str | None = None
    id_column: str | None = None
    label_column: str | None = None
    standardize: bool = True
    dedup: bool = True
    filters: dict[str, str] = field(default_factory=dict)
    chunk_size: int = 100_000


@dataclass(frozen=True)
class ActivesSection:
    """``[actives]``: known actives (and optional inactives) and the similarity screen."""

    path: str
    smiles_column: str | None = None
    id_column: str | None = None
    activity_column: str | None = None
    inactives: str | None = None
    fingerprint: str = "morgan"
    radius: int = 2
    nbits: int = 2048
    metric: str = "tanimoto"
    fusion: str = "max"
    top_n: int = 1000
    threshold: float = 0.0


@dataclass(frozen=True)
class ModelSection:
    """``[model]``: the activity model trained on labelled actives and inactives."""

    family: str = "fingerprint"
    folds: int = 5


@dataclass(frozen=True)
class Rule:
    """One hard desirability rule, ``column op value`` (``herg <= 0.3``)."""

    column: str
    op: str
    value: float

    def __str__(self) -> str:
        # repr: the shortest text that reads back as the same float (":g" merged 300.3099 and
        # 300.3101, so an edited rule was taken for the old one)
        return f"{self.column} {self.op} {self.value!r}"


@dataclass(frozen=True)
class AdmetSection:
    """``[admet]``: the shipped ADMET panel and hard rules on its (or any) columns."""

    enabled: bool = True
    endpoints: list[str] | None = None
    rules: list[Rule] = field(default_factory=list)


@dataclass(frozen=True)
class Term:
    """One desirability term of the ranking score: 0 at ``worst``, 1 at ``best``, linear between."""

    column: str
    worst: float
    best: float
    weight: float = 1.0


@dataclass(frozen=True)
class RankSection:
    """``[rank]``: the multi-parameter score (see :func:`drugscreen.campaign.scoring.mpo_score`)."""

    terms: list[Term] = field(default_factory=list)
    combine: str = "geometric"


@dataclass(frozen=True)
class SelectSection:
    """``[select]``: the diverse shortlist."""

    method: str = "butina"
    n: int = 50
    max_per_cluster: int = 3
    cutoff: float = 0.6
    pool: int = 500


@dataclass(frozen=True)
class ReportSection:
    """``[report]``: the HTML page."""

    title: str = "Screening campaign"
    columns: list[str] | None = None
    library_sample: int = 500


@dataclass(frozen=True)
class RunSection:
    """``[run]``: how heavy steps run."""

    n_jobs: int = -1
    device: str = "cpu"
    seed: int = 0
    scheduler: str | None = None


@dataclass(frozen=True)
class CampaignConfig:
    """A validated campaign configuration (see :func:`drugscreen.campaign.load_config`)."""

    library: LibrarySection
    actives: ActivesSection | None = None
    model: ModelSection = field(default_factory=ModelSection)
    admet: AdmetSection = field(default_factory=AdmetSection)
    rank: RankSection = field(default_factory=RankSection)
    select: SelectSection = field(default_factory=SelectSection)
    report: ReportSection = field(default_factory=ReportSection)
    run: RunSection = field(default_factory=RunSection)
    kind: str = "screening"
    base_dir: str = "."

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (what ``campaign.json`` and the report show)."""
        out = asdict(self)
        out["admet"]["rules"] = [str(r) for r in self.admet.rules]
        out.pop("base_dir")
        return out

    def library_is_database(self) -> bool:
        """Whether ``library.path`` is a drugscreen fingerprint database (a ``.dsdb`` directory)."""
        from drugscreen.similarity.manifest import is_database

        path = self.resolve(self.library.path)
        return path.is_dir() and is_database(path)

    def resolve(self, path: str) -> Path:
        """A path of the configuration, relative to the TOML file's directory."""
        return resolve_path(self.base_dir, path)


def resolve_path(base_dir: str, path: str) -> Path:
    """A configuration's path: ``~`` expanded, relative ones taken from ``base_dir`` (the TOML's folder)."""
    p = user_path(path)
    return p if p.is_absolute() else Path(base_dir) / p
