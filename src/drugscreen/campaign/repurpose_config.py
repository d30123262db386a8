"""A repurposing campaign's configuration (``kind = "repurpose"``): sections and their parser.

:func:`drugscreen.campaign.load_config` reads the TOML and hands a configuration whose ``kind``
is ``"repurpose"`` to :func:`parse_repurpose`. Every key is checked, and every file is found,
before any work starts. The keys are documented in ``docs/guide/repurposing_campaign.rst``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from drugscreen.campaign.sections import RunSection, resolve_path
from drugscreen.campaign.values import check_unknown, get_flag, get_names, get_real, get_text, get_whole
from drugscreen.errors import InputError


@dataclass(frozen=True)
class DiseaseSection:
    """``[disease]``: the disease(s) to find drugs for — graph ids, a gene set, or GMT entries."""

    ids: list[str] | None = None
    genes: list[str] | None = None
    name: str | None = None
    gmt: str | None = None
    entries: list[str] | None = None
    treatments: list[str] | None = None
    min_genes: int = 3


@dataclass(frozen=True)
class NetworkSection:
    """``[network]``: the knowledge graph (Hetionet's node table and edge SIF files) and interactome."""

    nodes: str | None = None
    edges: list[str] = field(default_factory=list)
    interactome: str | None = None
    drug_kind: str = "Compound"
    disease_kind: str = "Disease"
    gene_kind: str = "Gene"
    treats: str = "CtD"
    binds: str = "CbG"
    associates: str = "DaG"
    interacts: str = "GiG"


@dataclass(frozen=True)
class DrugsSection:
    """``[drugs]``: a drug–target table and the drugs' structures (both optional)."""

    targets: str | None = None
    smiles: str | None = None
    id_column: str = "id"
    smiles_column: str = "smiles"
    name_column: str = "name"
    sea: bool = True
    sea_max_e_value: float = 1e-5
    sea_top_k: int = 5


@dataclass(frozen=True)
class KnowledgeSection:
    """``[model]``: the knowledge-graph model (:class:`~drugscreen.repurpose.Rephetio`)."""

    enabled: bool = True
    max_length: int = 3
    seeds: int = 3


@dataclass(frozen=True)
class ProximitySection:
    """``[proximity]``: closest-distance network proximity with degree-matched z-scores."""

    enabled: bool = True
    n_random: int = 1000
    min_bin_size: int = 100


@dataclass(frozen=True)
class CandidateRankSection:
    """``[rank]``: how the evidence is combined into one rank, and the shortlist."""

    knowledge: float = 1.0
    proximity: float = 0.0
    top: int = 25
    include_known: bool = False


@dataclass(frozen=True)
class CombinationsSection:
    """``[combinations]``: drug pairs among the top candidates and current treatments."""

    enabled: bool = True
    top: int = 10
    treatments: int = 10


@dataclass(frozen=True)
class FormulasSection:
    """``[formulas]``: multi-ingredient formulas (herbal prescriptions, combination products)."""

    path: str | None = None
    n_random: int = 1000


@dataclass(frozen=True)
class RepurposeReportSection:
    """``[report]``: the HTML page."""

    title: str = "Repurposing campaign"
    paths: int = 3
    metapaths: int = 3
    max_diseases: int = 25


@dataclass(frozen=True)
class RepurposeConfig:
    """A validated repurposing campaign configuration (``kind = "repurpose"``)."""

    disease: DiseaseSection
    network: NetworkSection = field(default_factory=NetworkSection)
    drugs: DrugsSection = field(default_factory=DrugsSection)
    model: KnowledgeSection = field(default_factory=KnowledgeSection)
    proximity: ProximitySection = field(default_factory=ProximitySection)
    rank: CandidateRankSection = field(default_factory=CandidateRankSection)
    combinations: CombinationsSection = field(default_factory=CombinationsSection)
    formulas: FormulasSection = field(default_factory=FormulasSection)
    report: RepurposeReportSection = field(default_factory=RepurposeReportSection)
    run: RunSection = field(default_factory=RunSection)
    kind: str = "repurpose"
    base_dir: str = "."

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (what ``campaign.json`` and the report show)."""
        out = asdict(self)
        out.pop("base_dir")
        for key in ("device", "scheduler"):  # the screening campaign's; not keys of this kind
            out["run"].pop(key)
        return out

    def resolve(self, path: str) -> Path:
        """A path of the configuration, relative to the TOML file's directory."""
        return resolve_path(self.base_dir, path)

    def has_graph(self) -> bool:
        """Whether a knowledge graph is given (``network.nodes`` and ``network.edges``)."""
        return self.network.nodes is not None


# ---------------------------------------------------------------------------------------------
# sections


def _disease(raw: dict[str, Any], where: str) -> DiseaseSection:
    check_unknown(raw, list(DiseaseSection.__dataclass_fields__), where)
    section = DiseaseSection(
        ids=get_names(raw, "ids", where),
        genes=get_names(raw, "genes", where) if not isinstance(raw.get("genes"), list) else _gene_list(raw),
        name=get_text(raw, "name", where),
        gmt=get_text(raw, "gmt", where),
        entries=get_names(raw, "entries", where),
        treatments=get_names(raw, "treatments", where),
        min_genes=get_whole(raw, "min_genes", where, 3, 1, 100_000),
    )
    given = [k for k in ("ids", "genes", "gmt") if getattr(section, k) is not None]
    if len(given) != 1:
        raise InputError(
            "config: disease: give exactly one of ids (graph disease ids, or 'all'), genes (a gene "
            f"set, with name) or gmt (a GMT or gene-set table), not {given or 'none'}"
        )
    if section.genes is not None and section.name is None:
        raise InputError("config: disease.name is required with disease.genes (it names the disease)")
    if section.entries is not None and section.gmt is None:
        raise InputError("config: disease.entries picks entries of disease.gmt: give disease.gmt")
    if section.ids is not None and "all" in section.ids and len(section.ids) > 1:
        raise InputError("config: disease.ids is either 'all' or a list of ids, not both")
    return section


def _gene_list(raw: dict[str, Any]) -> list[str]:
    """Genes as strings (a TOML list of Entrez ids may hold numbers)."""
    values = raw["genes"]
    if not values or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        raise InputError(f"config: disease.genes must be a list of gene ids, not {values!r}")
    return [str(v) for v in values]


def _network(raw: dict[str, Any], where: str) -> NetworkSection:
    check_unknown(raw, list(NetworkSection.__dataclass_fields__), where)
    edges = raw.get("edges", [])
    if isinstance(edges, str):
        edges = [edges]
    if not isinstance(edges, list) or not all(isinstance(e, str) and e for e in edges):
        raise InputError(f"config: network.edges must be a file or a list of files, not {raw['edges']!r}")
    names = {k: get_text(raw, k, where, getattr(NetworkSection, k)) for k in
             ("drug_kind", "disease_kind", "gene_kind", "treats", "binds", "associates", "interacts")}  # fmt: skip
    section = NetworkSection(
        nodes=get_text(raw, "nodes", where),
        edges=list(edges),
        interactome=get_text(raw, "interactome", where),
        **names,
    )
    if (section.nodes is None) != (not section.edges):
        raise InputError(
            "config: network.nodes and network.edges go together (the graph's node and edge files)"
        )
    return section


def _drugs(raw: dict[str, Any], where: str) -> DrugsSection:
    check_unknown(raw, list(DrugsSection.__dataclass_fields__), where)
    return DrugsSection(
        targets=get_text(raw, "targets", where),
        smiles=get_text(raw, "smiles", where),
        id_column=get_text(raw, "id_column", where, "id"),
        smiles_column=get_text(raw, "smiles_column", where, "smiles"),
        name_column=get_text(raw, "name_column", where, "name"),
        sea=get_flag(raw, "sea", where, True),
        sea_max_e_value=get_real(raw, "sea_max_e_value", where, 1e-5, 0.0),
        sea_top_k=get_whole(raw, "sea_top_k", where, 5, 1, 1000),
    )


def _model(raw: dict[str, Any], where: str) -> KnowledgeSection:
    check_unknown(raw, list(KnowledgeSection.__dataclass_fields__), where)
    return KnowledgeSection(
        enabled=get_flag(raw, "enabled", where, True),
        max_length=get_whole(raw, "max_length", where, 3, 2, 4),
        seeds=get_whole(raw, "seeds", where, 3, 1, 20),
    )


def _proximity(raw: dict[str, Any], where: str) -> ProximitySection:
    check_unknown(raw, list(ProximitySection.__dataclass_fields__), where)
    return ProximitySection(
        enabled=get_flag(raw, "enabled", where, True),
        n_random=get_whole(raw, "n_random", where, 1000, 2, 100_000),
        min_bin_size=get_whole(raw, "min_bin_size", where, 100, 1),
    )


def _rank(raw: dict[str, Any], where: str) -> CandidateRankSection:
    check_unknown(raw, list(CandidateRankSection.__dataclass_fields__), where)
    section = CandidateRankSection(
        knowledge=get_real(raw, "knowledge", where, 1.0, 0.0, 1e6),
        proximity=get_real(raw, "proximity", where, 0.0, 0.0, 1e6),
        top=get_whole(raw, "top", where, 25, 1, 100_000),
        include_known=get_flag(raw, "include_known", where, False),
    )
    if section.knowledge + section.proximity <= 0:
        raise InputError("config: rank: at least one of knowledge and proximity needs a positive weight")
    return section


def _combinations(raw: dict[str, Any], where: str) -> CombinationsSection:
    check_unknown(raw, list(CombinationsSection.__dataclass_fields__), where)
    return CombinationsSection(
        enabled=get_flag(raw, "enabled", where, True),
        top=get_whole(raw, "top", where, 10, 1, 200),
        treatments=get_whole(raw, "treatments", where, 10, 0, 200),
    )


def _formulas(raw: dict[str, Any], where: str) -> FormulasSection:
    check_unknown(raw, list(FormulasSection.__dataclass_fields__), where)
    return FormulasSection(
        path=get_text(raw, "path", where), n_random=get_whole(raw, "n_random", where, 1000, 2, 100_000)
    )


def _report(raw: dict[str, Any], where: str) -> RepurposeReportSection:
    check_unknown(raw, list(RepurposeReportSection.__dataclass_fields__), where)
    return RepurposeReportSection(
        title=get_text(raw, "title", where, "Repurposing campaign"),
        paths=get_whole(raw, "paths", where, 3, 0, 20),
        metapaths=get_whole(raw, "metapaths", where, 3, 0, 20),
        max_diseases=get_whole(raw, "max_diseases", where, 25, 1, 100_000),
    )


def _run(raw: dict[str, Any], where: str) -> RunSection:
    check_unknown(raw, ["n_jobs", "seed"], where)
    n_jobs = raw.get("n_jobs", -1)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise InputError(f"config: run.n_jobs must be -1 (all cores) or a whole number >= 1, not {n_jobs!r}")
    return RunSection(n_jobs=n_jobs, seed=get_whole(raw, "seed", where, 0, 0, 2**31 - 1))


_PARSERS = {
    "disease": _disease,
    "network": _network,
    "drugs": _drugs,
    "model": _model,
    "proximity": _proximity,
    "rank": _rank,
    "combinations": _combinations,
    "formulas": _formulas,
    "report": _report,
    "run": _run,
}


def parse_repurpose(config: dict[str, Any], base: str) -> RepurposeConfig:
    """A repurposing configuration (the TOML as a dict, without ``kind``), checked."""
    check_unknown(config, list(_PARSERS), "config")
    if "disease" not in config:
        raise InputError(
            "config: the [disease] section is required (disease.ids, disease.genes or disease.gmt)"
        )
    sections: dict[str, Any] = {}
    for name, parser in _PARSERS.items():
        if name in config:
            raw = config[name]
            if not isinstance(raw, dict):
                raise InputError(f"config: {name} must be a table ([{name}]), not {type(raw).__name__}")
            sections[name] = parser(raw, name)
    result = RepurposeConfig(base_dir=base, **sections)
    check_repurpose(result)
    return result


def check_repurpose(config: RepurposeConfig) -> None:
    """Checks across sections, and that every input file is there (before any work starts)."""
    net, drugs = config.network, config.drugs
    files = [("network.nodes", net.nodes), ("network.interactome", net.interactome),
             ("drugs.targets", drugs.targets), ("drugs.smiles", drugs.smiles),
             ("disease.gmt", config.disease.gmt), ("formulas.path", config.formulas.path)]  # fmt: skip
    files += [(f"network.edges[{i}]", e) for i, e in enumerate(net.edges)]
    for key, value in files:
        if value is None:
            continue
        found = config.resolve(value)
        if not found.is_file():
            raise InputError(f"config: {key}: file not found: {found}")
    ids = config.disease.ids or []
    prefix = f"{net.disease_kind}::"
    bare_ids = [i.removeprefix(prefix) for i in ids]
    twice = sorted({i for i in bare_ids if bare_ids.count(i) > 1})
    if twice:
        raise InputError(f"config: disease.ids names {twice[0]!r} more than once")
    if not config.has_graph():
        if config.disease.ids is not None:
            raise InputError(
                "config: disease.ids names diseases of a knowledge graph: give network.nodes and edges"
            )
        if net.interactome is None or drugs.targets is None:
            raise InputError(
                "config: without a knowledge graph (network.nodes, network.edges) give network.interactome "
                "and drugs.targets (a drug, gene table)"
            )
    if not config.model.enabled and not config.proximity.enabled:
        raise InputError(
            "config: model.enabled and proximity.enabled are both false: nothing would rank the drugs"
        )
    if not config.has_graph() and config.model.enabled and config.rank.proximity == 0:
        raise InputError(
            "config: the knowledge-graph model needs network.nodes and network.edges; without them "
            "set rank.proximity > 0 (rank by network proximity) and model.enabled = false"
        )
    weights = {"knowledge": (config.rank.knowledge, config.model.enabled and config.has_graph()),
               "proximity": (config.rank.proximity, config.proximity.enabled)}  # fmt: skip
    if not any(w > 0 and on for w, on in weights.values()):
        raise InputError("config: rank: every evidence with a positive weight is switched off")
