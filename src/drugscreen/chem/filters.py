"""Drug-likeness rules, QED and structural alerts, as RDKit computes them.

Property rules (descriptors as RDKit computes them; a value exactly at a limit passes):

``ro5`` -- Lipinski's rule of five (Lipinski et al., Adv. Drug Deliv. Rev. 23, 3 (1997); 46, 3
    (2001)): ``MolWt`` <= 500, ``MolLogP`` <= 5, ``NHOHCount`` <= 5 (N-H and O-H, Lipinski's donor
    count), ``NOCount`` <= 10 (N and O atoms, his acceptor count). Passes with **at most one**
    violation, as in the paper ("poor absorption is more likely when more than one of these").
``veber`` -- Veber et al., J. Med. Chem. 45, 2615 (2002): ``NumRotatableBonds`` <= 10 and
    ``TPSA`` <= 140 A^2; both must hold.
``ghose`` -- Ghose et al., J. Comb. Chem. 1, 55 (1999), the qualifying ranges: 160 <= ``MolWt``
    <= 480, -0.4 <= ``MolLogP`` <= 5.6, 40 <= ``MolMR`` <= 130, 20 <= ``NumAtoms`` <= 70 (all
    atoms, hydrogens included); all must hold.
``leadlike`` -- lead-likeness after Teague et al., Angew. Chem. Int. Ed. 38, 3743 (1999), with
    the limits of ZINC's lead-like subset and SwissADME (Irwin & Shoichet, J. Chem. Inf. Model.
    45, 177 (2005); Daina et al., Sci. Rep. 7, 42717 (2017)): 250 <= ``MolWt`` <= 350,
    ``MolLogP`` <= 3.5, ``NumRotatableBonds`` <= 7; all must hold.
``qed`` -- quantitative estimate of drug-likeness (Bickerton et al., Nat. Chem. 4, 90 (2012)),
    RDKit's ``QED.qed`` with its default weights; passes at ``qed_threshold`` (0.5, a common
    convention, not a value from the paper) or above.

The descriptors: ``MolWt`` = ``Descriptors.MolWt`` (average mass), ``MolLogP`` and ``MolMR`` =
Wildman-Crippen (``Crippen.MolLogP``, ``Crippen.MolMR``; RDKit's stand-in for the papers' CLogP,
ALogP and XLOGP3), ``NHOHCount`` / ``NOCount`` = ``rdMolDescriptors.CalcNumLipinskiHBD`` /
``CalcNumLipinskiHBA``, ``NumRotatableBonds`` = ``rdMolDescriptors.CalcNumRotatableBonds``
(RDKit's strict definition), ``TPSA`` = ``rdMolDescriptors.CalcTPSA`` (Ertl, N and O only),
``NumAtoms`` = ``rdMolDescriptors.CalcNumAtoms``. The names are those of
:func:`drugscreen.descriptors`, where the values can be looked up.

Structural alerts (RDKit's ``FilterCatalog``; a molecule passes when no entry matches):
``pains`` (PAINS A, B and C together; Baell & Holloway, J. Med. Chem. 53, 2719 (2010)), also
``pains_a``, ``pains_b``, ``pains_c`` one family at a time; ``brenk`` (unwanted groups, Brenk
et al., ChemMedChem 3, 435 (2008)); ``nih`` (NCGC's annotated alerts, Jadhav et al., J. Med.
Chem. 53, 37 (2010)).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from drugscreen.chem.batches import Text, log_failures, map_batches, parse_texts
from drugscreen.chem.io import iter_records
from drugscreen.errors import InputError


@dataclass(frozen=True)
class Rule:
    """A property rule: ``(descriptor, low, high)`` limits, and how many may be violated."""

    limits: tuple[tuple[str, float | None, float | None], ...]
    max_violations: int = 0


RULES: dict[str, Rule] = {
    "ro5": Rule(
        (("MolWt", None, 500), ("MolLogP", None, 5), ("NHOHCount", None, 5), ("NOCount", None, 10)),
        max_violations=1,
    ),
    "veber": Rule((("NumRotatableBonds", None, 10), ("TPSA", None, 140))),
    "ghose": Rule((("MolWt", 160, 480), ("MolLogP", -0.4, 5.6), ("MolMR", 40, 130), ("NumAtoms", 20, 70))),
    "leadlike": Rule((("MolWt", 250, 350), ("MolLogP", None, 3.5), ("NumRotatableBonds", None, 7))),
}

#: Alert filters and the RDKit ``FilterCatalogs`` each one is made of.
CATALOGS: dict[str, tuple[str, ...]] = {
    "pains": ("PAINS_A", "PAINS_B", "PAINS_C"),
    "pains_a": ("PAINS_A",),
    "pains_b": ("PAINS_B",),
    "pains_c": ("PAINS_C",),
    "brenk": ("BRENK",),
    "nih": ("NIH",),
}

#: The filters :func:`filter_molecules` applies by default.
FILTERS: tuple[str, ...] = ("ro5", "veber", "ghose", "leadlike", "qed", "pains", "brenk", "nih")
#: Every valid filter name.
ALL_FILTERS: tuple[str, ...] = (*FILTERS, "pains_a", "pains_b", "pains_c")
QED_THRESHOLD = 0.5


@functools.cache
def _descriptor_functions() -> dict[str, Callable[[Any], float]]:
    from rdkit.Chem import Crippen, Descriptors, rdMolDescriptors

    # RDKit defines these three as module-level lambdas, which its type stubs do not list
    crippen: Any = Crippen
    descriptors: Any = Descriptors
    return {
        "MolWt": descriptors.MolWt,
        "MolLogP": crippen.MolLogP,
        "MolMR": crippen.MolMR,
        "NHOHCount": rdMolDescriptors.CalcNumLipinskiHBD,
        "NOCount": rdMolDescriptors.CalcNumLipinskiHBA,
        "NumRotatableBonds": rdMolDescriptors.CalcNumRotatableBonds,
        "TPSA": rdMolDescriptors.CalcTPSA,
        "NumAtoms": rdMolDescriptors.CalcNumAtoms,
    }


@functools.cache
def _catalog(name: str) -> Any:
    # building a catalog parses hundreds of SMARTS: once per filter and (worker) process
    from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

    params = FilterCatalogParams()
    for part in CATALOGS[name]:
        params.AddCatalog(getattr(FilterCatalogParams.FilterCatalogs, part))
    return FilterCatalog(params)


def resolve_filters(filters: str | Sequence[str] | None) -> tuple[str, ...]:
    """Filter names from a sequence or a comma-separated string, checked, duplicates removed.

    Raises
    ------
    InputError
        For an unknown name (the message lists the valid ones) or no name at all.

    Examples
    --------
    >>> resolve_filters("ro5, pains,ro5")
    ('ro5', 'pains')
    """
    if filters is None:
        names: list[str] = []
    elif isinstance(filters, str):
        names = [part.strip() for part in filters.split(",") if part.strip()]
    else:
        names = list(filters)
    bad = [n for n in names if not isinstance(n, str) or n not in ALL_FILTERS]
    if bad:
        raise InputError(f"unknown filter(s) {bad}: the filters are {', '.join(ALL_FILTERS)}")
    if not names:
        raise InputError(f"no filter named: choose from {', '.join(ALL_FILTERS)}")
    return tuple(dict.fromkeys(names))


def rule_violations(mol: Any, rule: Rule, values: dict[str, float]) -> list[str]:
    """The limits of ``rule`` that ``mol`` violates, e.g. ``["MolWt > 500"]``.

    ``values`` caches descriptor values between the rules applied to one molecule.
    """
    functions = _descriptor_functions()
    out = []
    for name, low, high in rule.limits:
        if name not in values:
            values[name] = float(functions[name](mol))
        value = values[name]
        if low is not None and value < low:
            out.append(f"{name} < {low:g}")
        if high is not None and value > high:
            out.append(f"{name} > {high:g}")
    return out


def alerts(mol: Any, name: str) -> list[str]:
    """Descriptions of the entries of alert filter ``name`` that match ``mol``, in catalog order."""
    return list(dict.fromkeys(entry.GetDescription() for entry in _catalog(name).GetMatches(mol)))


def alert_matches(mol: Any, name: str) -> list[tuple[str, list[int]]]:
    """Each entry of alert filter ``name`` that matches ``mol`` with the atoms it matched
    (every match of its patterns), in catalog order: what a depiction highlights."""
    out: dict[str, set[int]] = {}
    for entry in _catalog(name).GetMatches(mol):
        atoms = out.setdefault(entry.GetDescription(), set())
        for match in entry.GetFilterMatches(mol):
            atoms.update(int(pair[1]) for pair in match.atomPairs)
    return [(description, sorted(atoms)) for description, atoms in out.items()]


def evaluate(mol: Any, names: Sequence[str], qed_threshold: float = QED_THRESHOLD) -> list[tuple[bool, Any]]:
    """Per filter ``(passed, detail)``: violations or alerts ``;``-joined, or the QED value."""
    from rdkit.Chem import QED

    values: dict[str, float] = {}
    out: list[tuple[bool, Any]] = []
    for name in names:
        if name == "qed":
            score = float(QED.qed(mol))
            out.append((score >= qed_threshold, score))
        elif name in RULES:
            violated = rule_violations(mol, RULES[name], values)
            out.append((len(violated) <= RULES[name].max_violations, ";".join(violated)))
        else:
            found = alerts(mol, name)
            out.append((not found, ";".join(found)))
    return out


def filter_failures(mol: Any, names: Sequence[str], qed_threshold: float = QED_THRESHOLD) -> str | None:
    """Why ``mol`` fails filters ``names``, e.g. ``"pains (catechol_A(92))"``; None if it passes all."""
    failed = []
    for name, (passed, detail) in zip(names, evaluate(mol, names, qed_threshold), strict=True):
        if not passed:
            failed.append(f"{name} ({detail:.3f})" if name == "qed" else f"{name} ({detail})")
    return ", ".join(failed) or None


def _filter_chunk(
    items: list[Text], names: tuple[str, ...], qed_threshold: float
) -> list[tuple[str | None, str | None, list[tuple[bool, Any]] | None]]:
    """Worker task: ``(smiles, error, evaluate(...))`` per record."""
    from rdkit import Chem, rdBase

    out: list[tuple[str | None, str | None, list[tuple[bool, Any]] | None]] = []
    for (text, fmt, _), (mol, error) in zip(items, parse_texts(items), strict=True):
        given = text if fmt == "smiles" else None
        if mol is None:
            out.append((given, error, None))
            continue
        try:
            with rdBase.BlockLogs():
                result = evaluate(mol, names, qed_threshold)
        except Exception as exc:  # one molecule RDKit cannot score is a bad record, not a crash
            out.append((given, f"filters failed: {exc}", None))
            continue
        out.append((given if given is not None else Chem.MolToSmiles(mol), None, result))
    return out


def _columns(names: Sequence[str]) -> list[str]:
    cols = []
    for name in names:
        if name == "qed":
            cols += ["qed", "pass_qed"]
        else:
            detail = "violations" if name in RULES else "alerts"
            cols += [f"pass_{name}", f"{detail}_{name}"]
    return cols


def filter_molecules(
    molecules: Any,
    filters: str | Sequence[str] = FILTERS,
    *,
    qed_threshold: float = QED_THRESHOLD,
    n_jobs: int | None = -1,
    progress: bool = True,
    chunk_size: int | None = None,
    **reader_kwargs: Any,
) -> pd.DataFrame:
    """Drug-likeness rules, QED and structural alerts of every molecule.

    The rules, limits and references are in the module docstring (and the user guide's
    *Library preparation* page).

    Parameters
    ----------
    molecules : path, iterable of str or pandas.DataFrame
        As for :func:`drugscreen.standardize` (e.g. its output, whose ``smiles`` column is then
        what is filtered).
    filters : str or sequence of str
        Names from ``ro5, veber, ghose, leadlike, qed, pains, brenk, nih`` (the default: all of
        them) and ``pains_a, pains_b, pains_c``; a string may list several, comma-separated.
    qed_threshold : float
        ``pass_qed`` is ``qed >= qed_threshold``.
    n_jobs : int
        Worker processes (-1 = all cores); input within one chunk runs in this process.
    progress : bool
        Show a progress bar (only when the input spans more than one chunk).
    chunk_size : int, optional
        Records per worker task (default 2,000).
    reader_kwargs
        ``smiles_column``, ``id_column``, ``id_property``, ``fmt``.

    Returns
    -------
    pandas.DataFrame
        ``row, id, smiles, error, pass_all``, then per filter, in the order given: for a rule
        ``pass_<name>`` and ``violations_<name>`` (the violated limits, e.g. ``MolWt > 500``,
        ``;``-joined, ``""`` when none); for an alert filter ``pass_<name>`` and
        ``alerts_<name>`` (descriptions of the matching alerts, ``;``-joined, ``""`` when
        none); for ``qed`` the ``qed`` value and ``pass_qed``. ``pass_all`` is True when every
        requested filter passed. A record that cannot be parsed fails every filter (``pass_*``
        False, details None, ``qed`` NaN) and has the reason in ``error``.

    Raises
    ------
    InputError
        For an unknown filter name (the message lists the valid ones), or input that cannot be
        read at all.

    Examples
    --------
    >>> t = filter_molecules(["CC(=O)Oc1ccccc1C(=O)O", "Oc1ccccc1O"], ["ro5", "pains"])
    >>> t[["pass_ro5", "pass_pains", "alerts_pains"]].values.tolist()
    [[True, True, ''], [True, False, 'catechol_A(92)']]
    """
    names = resolve_filters(filters)
    if isinstance(qed_threshold, bool) or not isinstance(qed_threshold, int | float):
        raise InputError(f"qed_threshold must be a number, got {qed_threshold!r}")
    cols = _columns(names)
    rows: list[int] = []
    ids: list[str | None] = []
    smiles: list[str | None] = []
    errors: list[str | None] = []
    values: list[list[Any]] = []
    for batch, result in map_batches(
        _filter_chunk,
        iter_records(molecules, **reader_kwargs),
        (names, float(qed_threshold)),
        n_jobs=n_jobs,
        chunk_size=chunk_size,
        progress=progress,
        desc="filtering",
    ):
        for rec, (smi, error, evaluated) in zip(batch, result, strict=True):
            rows.append(rec.row)
            ids.append(rec.id)
            smiles.append(smi)
            errors.append(error)
            values.append(_row_values(names, evaluated))
    table = pd.DataFrame(
        {
            "row": pd.Series(rows, dtype="int64"),
            "id": pd.Series(ids, dtype=object),
            "smiles": pd.Series(smiles, dtype=object),
            "error": pd.Series(errors, dtype=object),
        }
    )
    by_column = list(zip(*values, strict=True)) if values else [() for _ in cols]
    for col, column in zip(cols, by_column, strict=True):
        dtype = "float64" if col == "qed" else bool if col.startswith("pass_") else object
        table[col] = pd.Series(list(column), dtype=dtype)
    passes = [c for c in cols if c.startswith("pass_")]
    table.insert(4, "pass_all", table[passes].all(axis=1) if len(table) else pd.Series([], dtype=bool))
    log_failures(table, "filtered")
    return table


def _row_values(names: Sequence[str], evaluated: list[tuple[bool, Any]] | None) -> list[Any]:
    """One row of the per-filter columns (the order of :func:`_columns`)."""
    out: list[Any] = []
    for i, name in enumerate(names):
        if evaluated is None:
            out += [math.nan, False] if name == "qed" else [False, None]
            continue
        passed, detail = evaluated[i]
        out += [detail, passed] if name == "qed" else [passed, detail]
    return out
