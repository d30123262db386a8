"""A target-discovery campaign's configuration (``kind = "targets"``): sections and their parser.

:func:`drugscreen.campaign.load_config` hands a configuration whose ``kind`` is ``"targets"`` to
:func:`parse_targets`. Every key is checked and every file found before any work starts. The
keys are documented in ``docs/guide/target_campaign.rst``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from drugscreen.campaign.sections import resolve_path
from drugscreen.campaign.values import check_unknown, get_flag, get_names, get_real, get_text, get_whole
from drugscreen.errors import InputError


@dataclass(frozen=True)
class TargetDiseaseSection:
    """``[disease]``: the disease's known genes — a list, or one entry of a GMT / gene-set table."""

    name: str
    genes: list[str] | None = None
    seeds: str | None = None
    entry: str | None = None


@dataclass(frozen=True)
class PropagationSection:
    """``[propagation]``: how the network ranks genes (:func:`drugscreen.targets.prioritize`)."""

    method: str = "heat"
    restart: float = 0.3
    time: float = 3.0
    n_permutations: int = 200
    min_bin_size: int = 100


@dataclass(frozen=True)
class GeneticsSection:
    """``[genetics]``: evidence tables ``disease, gene, source, score`` and source weights."""

    tables: list[str] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetDrugsSection:
    """``[drugs]``: known drug targets (``drug, gene[, approved]``), library hits
    (``compound, gene``) and ligands (``gene, smiles``) for a follow-up screening campaign."""

    targets: str | None = None
    library: str | None = None
    ligands: str | None = None


@dataclass(frozen=True)
class TargetRankSection:
    """``[rank]``: the parts' weights and the shortlist's length."""

    network: float = 1.0
    genetics: float = 1.0
    tractability: float = 0.5
    top: int = 25
    include_seeds: bool = True


@dataclass(frozen=True)
class TargetValidationSection:
    """``[validation]``: k-fold recovery of the disease's own genes, method against degree."""

    enabled: bool = True
    folds: int = 5


@dataclass(frozen=True)
class TargetReportSection:
    """``[report]``: the HTML page."""

    title: str = "Target discovery campaign"
    neighbours: int = 12


@dataclass(frozen=True)
class TargetRunSection:
    """``[run]``: the seed of the permutations and folds."""

    seed: int = 0


@dataclass(frozen=True)
class TargetsConfig:
    """A validated target-discovery campaign configuration (``kind = "targets"``)."""

    disease: TargetDiseaseSection
    interactome: str
    propagation: PropagationSection = field(default_factory=PropagationSection)
    genetics: GeneticsSection = field(default_factory=GeneticsSection)
    drugs: TargetDrugsSection = field(default_factory=TargetDrugsSection)
    rank: TargetRankSection = field(default_factory=TargetRankSection)
    validation: TargetValidationSection = field(default_factory=TargetValidationSection)
    report: TargetReportSection = field(default_factory=TargetReportSection)
    run: TargetRunSection = field(default_factory=TargetRunSection)
    kind: str = "targets"
    base_dir: str = "."

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (what ``campaign.json`` and the report show)."""
        out = asdict(self)
        out.pop("base_dir")
        return out

    def resolve(self, path: str) -> Path:
        """A path of the configuration, relative ones taken from the TOML's folder."""
        return resolve_path(self.base_dir, path)


def _disease(raw: dict[str, Any], where: str) -> TargetDiseaseSection:
    check_unknown(raw, list(TargetDiseaseSection.__dataclass_fields__), where)
    genes = raw.get("genes")
    if genes is not None and (
        not isinstance(genes, list)
        or not genes
        or not all(isinstance(g, str | int) and not isinstance(g, bool) for g in genes)
    ):
        raise InputError(f"config: disease.genes must be a list of gene ids, not {genes!r}")
    section = TargetDiseaseSection(
        name=get_text(raw, "name", where, ""),
        genes=None if genes is None else [str(g) for g in genes],
        seeds=get_text(raw, "seeds", where),
        entry=get_text(raw, "entry", where),
    )
    if (section.genes is None) == (section.seeds is None):
        raise InputError(
            "config: disease: give exactly one of genes (a list) or seeds (a GMT or gene-set file)"
        )
    if not section.name and section.entry is None:
        raise InputError("config: disease.name is required (with disease.seeds, disease.entry may name it)")
    if section.entry is not None and section.seeds is None:
        raise InputError("config: disease.entry picks an entry of disease.seeds: give disease.seeds")
    return section


def _propagation(raw: dict[str, Any], where: str) -> PropagationSection:
    check_unknown(raw, list(PropagationSection.__dataclass_fields__), where)
    return PropagationSection(
        method=get_text(raw, "method", where, "heat", choices=("rwr", "heat", "neighbours", "diamond")),
        restart=get_real(raw, "restart", where, 0.3, 1e-6, 1.0),
        time=get_real(raw, "time", where, 3.0, 1e-6, 1000.0),
        n_permutations=get_whole(raw, "n_permutations", where, 200, 0, 100_000),
        min_bin_size=get_whole(raw, "min_bin_size", where, 100, 1),
    )


def _genetics(raw: dict[str, Any], where: str) -> GeneticsSection:
    check_unknown(raw, ["tables", "weights"], where)
    weights = raw.get("weights", {})
    if not isinstance(weights, dict):
        raise InputError(f"config: genetics.weights must be a table of source = weight, not {weights!r}")
    return GeneticsSection(
        tables=get_names(raw, "tables", where) or [],
        weights={str(k): get_real(v, k, f"{where}.weights", low=0.0, high=1.0) for k, v in weights.items()},
    )


def _drugs(raw: dict[str, Any], where: str) -> TargetDrugsSection:
    check_unknown(raw, list(TargetDrugsSection.__dataclass_fields__), where)
    return TargetDrugsSection(*(get_text(raw, k, where) for k in ("targets", "library", "ligands")))


def _rank(raw: dict[str, Any], where: str) -> TargetRankSection:
    check_unknown(raw, list(TargetRankSection.__dataclass_fields__), where)
    section = TargetRankSection(
        network=get_real(raw, "network", where, 1.0, 0.0),
        genetics=get_real(raw, "genetics", where, 1.0, 0.0),
        tractability=get_real(raw, "tractability", where, 0.5, 0.0),
        top=get_whole(raw, "top", where, 25, 1, 100_000),
        include_seeds=get_flag(raw, "include_seeds", where, True),
    )
    if section.network == 0 and section.genetics == 0:
        raise InputError(
            "config: rank: network and genetics weights are both 0: nothing would rank the genes"
        )
    return section


def _validation(raw: dict[str, Any], where: str) -> TargetValidationSection:
    check_unknown(raw, ["enabled", "folds"], where)
    return TargetValidationSection(
        get_flag(raw, "enabled", where, True), get_whole(raw, "folds", where, 5, 2, 20)
    )


def _report(raw: dict[str, Any], where: str) -> TargetReportSection:
    check_unknown(raw, ["title", "neighbours"], where)
    return TargetReportSection(
        get_text(raw, "title", where, "Target discovery campaign"),
        get_whole(raw, "neighbours", where, 12, 1, 50),
    )


def _run(raw: dict[str, Any], where: str) -> TargetRunSection:
    check_unknown(raw, ["seed"], where)
    return TargetRunSection(get_whole(raw, "seed", where, 0, 0, 2**31 - 1))


_PARSERS = {"disease": _disease, "propagation": _propagation, "genetics": _genetics, "drugs": _drugs,
            "rank": _rank, "validation": _validation, "report": _report, "run": _run}  # fmt: skip


def parse_targets(config: dict[str, Any], base: str) -> TargetsConfig:
    """A target-discovery configuration (the TOML as a dict, without ``kind``), checked."""
    check_unknown(config, [*_PARSERS, "interactome"], "config")
    if "disease" not in config:
        raise InputError(
            "config: the [disease] section is required (disease.name and disease.genes or seeds)"
        )
    interactome = get_text(config, "interactome", "config")
    if interactome is None:
        raise InputError("config: interactome (the gene network's edge file) is required")
    sections: dict[str, Any] = {}
    for name, parser in _PARSERS.items():
        if name in config:
            raw = config[name]
            if not isinstance(raw, dict):
                raise InputError(f"config: {name} must be a table ([{name}]), not {type(raw).__name__}")
            sections[name] = parser(raw, name)
    result = TargetsConfig(interactome=interactome, base_dir=base, **sections)
    check_targets(result)
    return result


def check_targets(result: TargetsConfig) -> None:
    """Checks across sections, and that every input file is there (before any work starts)."""
    files = [("interactome", result.interactome), ("disease.seeds", result.disease.seeds),
             ("drugs.targets", result.drugs.targets), ("drugs.library", result.drugs.library),
             ("drugs.ligands", result.drugs.ligands)]  # fmt: skip
    files += [(f"genetics.tables[{i}]", t) for i, t in enumerate(result.genetics.tables)]
    for key, value in files:
        if value is not None and not result.resolve(value).is_file():
            raise InputError(f"config: {key}: file not found: {result.resolve(value)}")
    if result.rank.network == 0 and not result.genetics.tables:
        raise InputError(
            "config: rank.network is 0 and there is no genetics table: nothing would rank the genes"
        )
