"""A screening campaign's configuration: TOML (or a dict) → typed, validated dataclasses.

Every key is checked before any work starts; a wrong one is a one-line :class:`InputError`
naming it (``config: select.n must be a whole number >= 1, not 0``). The sections, each
optional except ``library``, are documented key by key in the guide page
(``docs/guide/campaign.rst``) and in ``examples/campaign.toml``.

The sections' dataclasses are in :mod:`drugscreen.campaign.sections`; they are imported here
too, so ``from drugscreen.campaign.config import CampaignConfig`` (or any section) still works.
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import tomllib

from drugscreen.campaign.sections import (
    ActivesSection,
    AdmetSection,
    CampaignConfig,
    LibrarySection,
    ModelSection,
    RankSection,
    ReportSection,
    Rule,
    RunSection,
    SelectSection,
    Term,
)
from drugscreen.campaign.values import check_unknown, get_flag, get_names, get_real, get_text, get_whole
from drugscreen.errors import InputError
from drugscreen.validate import user_path

#: What a prepare filter does with a molecule that fails it.
FILTER_ACTIONS = ("pass", "flag", "drop")
#: Rule operators of the ``admet.rules`` strings.
RULE_OPERATORS = ("<=", ">=", "<", ">")
_RULE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|<|>)\s*(\S+)\s*$")


def load_config(config: Any, *, base_dir: str | os.PathLike[str] | None = None) -> Any:
    """Read and validate a campaign configuration.

    The ``kind`` key picks the campaign: ``"screening"`` (the default; a
    :class:`~drugscreen.campaign.CampaignConfig`) or ``"repurpose"`` (a
    :class:`~drugscreen.campaign.RepurposeConfig`, see
    ``drugscreen.campaign.repurpose_config``).

    Parameters
    ----------
    config : path, dict, CampaignConfig, RepurposeConfig or TargetsConfig
        A TOML file (paths in it are relative to its directory), a dict of the same shape
        (paths relative to ``base_dir``, by default the working directory), or an already
        loaded configuration.
    base_dir : path, optional
        What relative paths of a dict are relative to.

    Raises
    ------
    InputError
        One line naming the file or key: unreadable TOML, an unknown section or key, a wrong
        type, a number out of range, an unknown fingerprint, metric, fusion rule, model family,
        filter, rule operator or selection method.
    """
    from drugscreen.campaign.repurpose_config import RepurposeConfig, check_repurpose, parse_repurpose

    if isinstance(config, CampaignConfig):
        _cross_checks(config)  # the files may have gone since, or a field been replaced
        return config
    if isinstance(config, RepurposeConfig):
        check_repurpose(config)
        return config
    from drugscreen.campaign.targets_config import TargetsConfig, check_targets

    if isinstance(config, TargetsConfig):
        check_targets(config)
        return config
    base = os.fspath(base_dir) if base_dir is not None else "."
    if isinstance(config, str | os.PathLike):
        path = user_path(config)
        if path.is_dir():
            raise InputError(f"campaign config {path} is a directory: give the TOML file")
        if not path.is_file():
            raise InputError(f"campaign config not found: {path}")
        try:
            config = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"{path}: not a readable TOML file ({exc})") from exc
        base = str(path.resolve().parent)
    if not isinstance(config, dict):
        raise InputError(f"a campaign config is a TOML file or a dict, not {type(config).__name__}")
    config = dict(config)
    kind = config.pop("kind", "screening")
    if kind == "repurpose":
        return parse_repurpose(config, base)
    if kind == "targets":
        from drugscreen.campaign.targets_config import parse_targets

        return parse_targets(config, base)
    if kind != "screening":
        raise InputError(
            f"config: kind must be 'screening', 'repurpose' or 'targets' (the campaign kinds this version runs), "
            f"not {kind!r}"
        )
    check_unknown(config, list(_PARSERS), "config")
    if "library" not in config:
        raise InputError("config: the [library] section is required (library.path: the molecules to screen)")
    sections: dict[str, Any] = {}
    for name in _PARSERS:
        if name in config:
            raw = config[name]
            if not isinstance(raw, dict):
                raise InputError(f"config: {name} must be a table ([{name}]), not {type(raw).__name__}")
            sections[name] = _PARSERS[name](raw, name)
    result = CampaignConfig(kind=kind, base_dir=base, **sections)
    _cross_checks(result)
    return result


# ---------------------------------------------------------------------------------------------
# sections


def _library(raw: dict[str, Any], where: str) -> LibrarySection:
    from drugscreen.chem.filters import resolve_filters

    check_unknown(raw, list(LibrarySection.__dataclass_fields__), where)
    if "path" not in raw:
        raise InputError("config: library.path is required (a .smi, .csv, .tsv, .sdf or .parquet file)")
    filters = raw.get("filters", {})
    if not isinstance(filters, dict):
        raise InputError(f"config: library.filters must be a table of filter = action, not {filters!r}")
    for name, action in filters.items():
        try:
            resolve_filters([name])
        except InputError as exc:
            raise InputError(f"config: library.filters.{name}: {exc}") from None
        if action not in FILTER_ACTIONS:
            raise InputError(
                f"config: library.filters.{name} must be one of {', '.join(FILTER_ACTIONS)}, not {action!r}"
            )
    return LibrarySection(
        path=get_text(raw, "path", where),
        smiles_column=get_text(raw, "smiles_column", where),
        id_column=get_text(raw, "id_column", where),
        label_column=get_text(raw, "label_column", where),
        standardize=get_flag(raw, "standardize", where, True),
        dedup=get_flag(raw, "dedup", where, True),
        filters=dict(filters),
        chunk_size=get_whole(raw, "chunk_size", where, 100_000, 1, 100_000_000),
    )


def _actives(raw: dict[str, Any], where: str) -> ActivesSection:
    from drugscreen.chem.spec import FingerprintSpec
    from drugscreen.errors import SpecError
    from drugscreen.similarity.params import METRICS

    check_unknown(raw, list(ActivesSection.__dataclass_fields__), where)
    if "path" not in raw:
        raise InputError("config: actives.path is required (a file of known actives)")
    section = ActivesSection(
        path=get_text(raw, "path", where),
        smiles_column=get_text(raw, "smiles_column", where),
        id_column=get_text(raw, "id_column", where),
        activity_column=get_text(raw, "activity_column", where),
        inactives=get_text(raw, "inactives", where),
        fingerprint=get_text(raw, "fingerprint", where, "morgan"),
        radius=get_whole(raw, "radius", where, 2, 1, 6),
        nbits=get_whole(raw, "nbits", where, 2048, 64, 16384),
        metric=get_text(raw, "metric", where, "tanimoto", choices=METRICS),
        fusion=get_text(raw, "fusion", where, "max", choices=("max", "mean")),
        top_n=get_whole(raw, "top_n", where, 1000, 1, 10_000_000),
        threshold=get_real(raw, "threshold", where, 0.0, 0.0, 1.0),
    )
    try:
        FingerprintSpec(kind=section.fingerprint, radius=section.radius, nbits=section.nbits)
    except SpecError as exc:
        raise InputError(f"config: actives.fingerprint: {exc}") from None
    return section


def _model(raw: dict[str, Any], where: str) -> ModelSection:
    from drugscreen.models.workflow import MODELS

    check_unknown(raw, list(ModelSection.__dataclass_fields__), where)
    return ModelSection(
        family=get_text(raw, "family", where, "fingerprint", choices=MODELS),
        folds=get_whole(raw, "folds", where, 5, 2, 20),
    )


def parse_rule(text: Any, where: str = "admet.rules") -> Rule:
    """``"herg <= 0.3"`` → :class:`Rule` (a one-line error naming the rule otherwise)."""
    match = _RULE.match(text) if isinstance(text, str) else None
    if match is None:
        raise InputError(
            f"config: {where}: {text!r} is not a rule such as 'herg <= 0.3' "
            f"(a column, one of {' '.join(RULE_OPERATORS)}, a number)"
        )
    try:
        value = float(match[3])
    except ValueError:
        raise InputError(f"config: {where}: {text!r}: {match[3]!r} is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"config: {where}: {text!r}: the bound must be finite")
    return Rule(match[1], match[2], value)


def _admet(raw: dict[str, Any], where: str) -> AdmetSection:
    from drugscreen.admet.predictor import resolve_endpoints

    check_unknown(raw, list(AdmetSection.__dataclass_fields__), where)
    endpoints = get_names(raw, "endpoints", where)
    if endpoints is not None:
        try:
            endpoints = resolve_endpoints(endpoints)
        except InputError as exc:
            raise InputError(f"config: admet.endpoints: {exc}") from None
    rules = raw.get("rules", [])
    if not isinstance(rules, list):
        raise InputError(
            f"config: admet.rules must be a list of strings such as 'herg <= 0.3', not {rules!r}"
        )
    return AdmetSection(
        enabled=get_flag(raw, "enabled", where, True),
        endpoints=endpoints,
        rules=[parse_rule(r, f"admet.rules[{i}]") for i, r in enumerate(rules)],
    )


def _rank(raw: dict[str, Any], where: str) -> RankSection:
    check_unknown(raw, list(RankSection.__dataclass_fields__), where)
    terms_raw = raw.get("terms", [])
    if not isinstance(terms_raw, list):
        raise InputError("config: rank.terms must be a list of tables ([[rank.terms]])")
    terms: list[Term] = []
    for i, t in enumerate(terms_raw):
        at = f"rank.terms[{i}]"
        if not isinstance(t, dict):
            raise InputError(f"config: {at} must be a table with column, worst, best, weight")
        check_unknown(t, list(Term.__dataclass_fields__), at)
        for key in ("column", "worst", "best"):
            if key not in t:
                raise InputError(f"config: {at}.{key} is required")
        term = Term(
            column=get_text(t, "column", at),
            worst=get_real(t, "worst", at),
            best=get_real(t, "best", at),
            weight=get_real(t, "weight", at, 1.0, 0.0, 1e6),
        )
        if term.worst == term.best:
            raise InputError(f"config: {at}: worst and best must differ (both {term.worst:g})")
        if any(t.column == term.column for t in terms):
            raise InputError(f"config: {at}: column {term.column!r} already has a term (one term per column)")
        terms.append(term)
    if terms and not any(t.weight > 0 for t in terms):
        raise InputError("config: rank.terms: at least one term needs a positive weight")
    return RankSection(terms=terms, combine=get_text(raw, "combine", where, "geometric",
                                                  choices=("geometric", "arithmetic")))  # fmt: skip


def _select(raw: dict[str, Any], where: str) -> SelectSection:
    check_unknown(raw, list(SelectSection.__dataclass_fields__), where)
    return SelectSection(
        method=get_text(raw, "method", where, "butina", choices=("butina", "maxmin")),
        n=get_whole(raw, "n", where, 50, 1, 100_000),
        max_per_cluster=get_whole(raw, "max_per_cluster", where, 3, 1),
        cutoff=get_real(raw, "cutoff", where, 0.6, 0.0, 0.99),
        pool=get_whole(raw, "pool", where, 500, 1, 1_000_000),
    )


def _report(raw: dict[str, Any], where: str) -> ReportSection:
    check_unknown(raw, list(ReportSection.__dataclass_fields__), where)
    return ReportSection(
        title=get_text(raw, "title", where, "Screening campaign"),
        columns=get_names(raw, "columns", where),
        library_sample=get_whole(raw, "library_sample", where, 500, 0, 20_000),
    )


def _run(raw: dict[str, Any], where: str) -> RunSection:
    check_unknown(raw, list(RunSection.__dataclass_fields__), where)
    n_jobs = raw.get("n_jobs", -1)
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise InputError(f"config: run.n_jobs must be -1 (all cores) or a whole number >= 1, not {n_jobs!r}")
    return RunSection(
        n_jobs=n_jobs,
        device=get_text(raw, "device", where, "cpu", choices=("cpu", "cuda")),
        seed=get_whole(raw, "seed", where, 0, 0, 2**31 - 1),
        scheduler=get_text(raw, "scheduler", where),
    )


_PARSERS = {
    "library": _library,
    "actives": _actives,
    "model": _model,
    "admet": _admet,
    "rank": _rank,
    "select": _select,
    "report": _report,
    "run": _run,
}


def _check_label_column(config: CampaignConfig, library: Path) -> None:
    """``library.label_column`` names a column of the library table (checked before any work)."""
    column = config.library.label_column
    if column is None or library.is_dir():
        return
    if config.actives is None:
        raise InputError(
            "config: library.label_column scores the similarity screen retrospectively: it needs [actives]"
        )
    from drugscreen.chem.io import detect_format

    kind = detect_format(library)
    if kind not in ("csv", "tsv", "parquet"):
        raise InputError(
            f"config: library.label_column needs a table (.csv, .tsv, .parquet), not a {kind} file"
        )
    import pandas as pd

    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            names = pq.read_schema(library).names
        else:
            names = list(pd.read_csv(library, sep="\t" if kind == "tsv" else ",", nrows=0).columns)
    except Exception as exc:  # pandas and pyarrow raise assorted types on unreadable tables
        raise InputError(f"config: library.path: {library} cannot be read as a table ({exc})") from None
    if column not in names:
        raise InputError(
            f"config: library.label_column: {library} has no column {column!r} (it has {names[:10]})"
        )


def _cross_checks(config: CampaignConfig) -> None:
    """Checks across sections, and that every input file is there (before any work starts)."""
    from drugscreen.similarity.manifest import is_database

    library = config.resolve(config.library.path)
    paths = [] if library.is_dir() and is_database(library) else [("library.path", config.library.path)]
    if paths and config.run.scheduler:
        raise InputError(
            "config: run.scheduler needs library.path to be a database (drugscreen db build ...): "
            "a library file is screened by this machine's processes"
        )
    if not paths and config.library.label_column:
        raise InputError(
            "config: library.label_column needs a library file (a table with that column), not a database"
        )
    if not paths:
        drop = [name for name, action in config.library.filters.items() if action == "drop"]
        if drop:
            raise InputError(
                f"config: library.filters.{drop[0]} = 'drop' needs a library file: a database is "
                "screened as built (build it with --filters, or use 'flag')"
            )
    if config.actives is not None:
        paths.append(("actives.path", config.actives.path))
        if config.actives.inactives:
            paths.append(("actives.inactives", config.actives.inactives))
    for key, value in paths:
        found = config.resolve(value)
        if found.is_dir():
            raise InputError(
                f"config: {key}: {found} is a directory, neither a file nor a drugscreen database"
            )
        if not found.is_file():
            raise InputError(f"config: {key}: file not found: {found}")
    _check_label_column(config, library)
    if config.select.method == "maxmin" and config.select.pool < config.select.n:
        raise InputError(
            f"config: select.pool ({config.select.pool}) must be at least select.n ({config.select.n})"
        )
    if config.actives is None and any(t.column == "similarity" for t in config.rank.terms):
        raise InputError("config: rank.terms names 'similarity' but there is no [actives] section")
