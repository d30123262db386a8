"""Herbal prescriptions and combination products scored as multi-ingredient formulas.

:func:`~drugscreen.combos.score_formulas` reads a long ``formula, ingredient, gene`` table
(:func:`~drugscreen.combos.read_formulas`), scores each formula against each disease with
:func:`~drugscreen.combos.score_entity` (closest-distance proximity of the union of the
ingredients' targets, each ingredient alone and the formula without each ingredient), adds the
ingredients' drug-likeness (:func:`~drugscreen.combos.druglikeness`) when SMILES are given, and
flags the two known biases of network pharmacology: one promiscuous ingredient (quercetin-like)
carrying the score, and proximity that runs through hub genes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.combos.formulas_io import KNOWN_COLUMNS, druglikeness, read_formulas
from drugscreen.combos.separation import score_entity
from drugscreen.errors import InputError
from drugscreen.network.edgelist import gene_sets
from drugscreen.network.interactome import Interactome
from drugscreen.network.randomize import MAX_RANDOM_DRAWS
from drugscreen.repurpose.proximity import require_connected
from drugscreen.validate import check_n_jobs, check_number

logger = logging.getLogger("drugscreen")

WARNING_COLUMNS = ["formula", "disease", "kind", "message"]


@dataclass
class FormulaScores:
    """Formulas scored against diseases (:func:`~drugscreen.combos.score_formulas`).

    Attributes
    ----------
    formulas : DataFrame
        One row per formula and disease: ``formula, disease, n_ingredients, d, z, p,
        mean_random, sd_random, n_targets, n_genes, n_targets_missing, n_genes_missing,
        note, closest_min, n_closest, hub_share`` and, with SMILES, ``n_structures,
        druglike_fraction``.
    ingredients : DataFrame
        One row per formula, ingredient and disease: ``formula, ingredient, [herb,]
        disease, d, z, n_targets, target_share, d_without, z_without, contribution``, the
        drug-likeness columns with SMILES, and user columns that hold one value per
        ingredient of a formula (e.g. ``ob``, ``dl``).
    warnings : DataFrame
        ``formula, disease, kind, message``: ``kind`` is ``"promiscuous ingredient"`` or
        ``"hub genes"`` (see :func:`~drugscreen.combos.score_formulas`).
    pairs : DataFrame
        Exposure classes of every pair of ingredients of a formula
        (:func:`~drugscreen.combos.exposure_classes` columns after ``formula``).
    """

    formulas: pd.DataFrame
    ingredients: pd.DataFrame
    warnings: pd.DataFrame
    pairs: pd.DataFrame


def score_formulas(
    net: Interactome,
    formulas: str | os.PathLike[str] | pd.DataFrame,
    disease_genes: Mapping[Any, Iterable[Any]] | pd.DataFrame,
    *,
    n_random: int = 1000,
    min_bin_size: int = 100,
    seed: int = 0,
    hub_quantile: float = 0.99,
    hub_share: float = 0.5,
    promiscuity: float = 0.5,
    carry_z: float = 1.0,
    degree: str = "neighbours",
    exclude_self: bool = True,
    n_jobs: int | None = -1,
) -> FormulaScores:
    """Score multi-ingredient formulas (herbal prescriptions, combination products) against diseases.

    Each formula is one entity, the union of its ingredients' targets, scored with the
    ``closest`` distance of :func:`drugscreen.repurpose.proximity` (Guney et al. 2016): ``d``
    is the mean over the formula's targets of the hop distance to the nearest disease gene;
    ``z = (d - mean) / sd`` against ``n_random`` degree-matched random draws, in which every
    target and every disease gene is replaced by a gene of its degree bin (a node permutation
    within degree bins, not a rewired network). ``p`` is what ``proximity`` reports,
    ``Phi(z)``: the one-sided normal approximation of the z-score (small distances are
    proximal), not an empirical count of random draws at or below ``d``; closest distances
    are discrete, so read a very small ``p`` as "far in the tail", not as an exact level.
    Each ingredient gets its own ``d``/``z`` and its ``contribution = z_without - z``, the
    rise of the formula's z-score when it is left out (:func:`drugscreen.combos.score_entity`).

    Parameters
    ----------
    net : Interactome
        A connected network.
    formulas : path or DataFrame
        Anything :func:`drugscreen.combos.read_formulas` reads: ``formula, ingredient, gene``
        (or ``formula, gene``), optionally ``herb``, ``smiles`` and user columns.
    disease_genes : dict or DataFrame
        Disease gene sets, ``{disease: genes}`` or a long ``disease, gene`` table.
    n_random, min_bin_size, seed, degree, exclude_self, n_jobs
        As for :func:`drugscreen.repurpose.proximity` (``n_random=0``: distances only, no z,
        no contributions, no promiscuity warnings).
    hub_quantile : float
        Hub genes are those whose degree is at least this quantile of the network's degrees
        (0.99: about the top 1 %); in (0, 1).
    hub_share : float
        The "hub genes" warning fires when more than this share of the targets nearest the
        disease module are hubs; in [0, 1).
    promiscuity : float
        Share of the formula's network targets that makes an ingredient promiscuous; in (0, 1].
    carry_z : float
        Least rise of the formula's z-score, when the ingredient is left out, that counts as
        the ingredient carrying the score; >= 0.

    Returns
    -------
    FormulaScores
        ``closest_min`` is the smallest closest distance of a target to the disease module,
        ``n_closest`` how many targets are at it and ``hub_share`` the share of those that are
        hub genes; ``druglike_fraction`` the share of the formula's ingredients with a parsed
        structure that pass both Lipinski and Veber (``n_structures`` of them).

    Notes
    -----
    Warnings, one row per formula and disease:

    * ``"promiscuous ingredient"``: the ingredient with the largest contribution holds at
      least ``promiscuity`` (50 %) of the formula's targets in the network and leaving it out
      raises the formula's z-score by more than ``carry_z`` (1.0): the formula scores as that
      one compound does, as formulas containing quercetin, kaempferol or luteolin often do in
      TCMSP-based network pharmacology, where such flavonoids carry far more predicted targets
      than the other compounds. No fixed target count is used: counts depend on the target
      source (curated or predicted, and the prediction cutoff) and on the network. Not
      checked for single-ingredient formulas or without z-scores.
    * ``"hub genes"``: more than ``hub_share`` (half) of the formula's targets at the smallest
      closest distance to the disease module are hubs (degree in the top ``1 -
      hub_quantile``) and the formula is not farther from the disease than random (``z <
      0``, or no z-scores). Hubs are near every module, so such a score says little about this
      disease (Hopkins, Nat Chem Biol 4, 682 (2008), on network pharmacology; the same bias
      is discussed in the critiques of TCMSP-based studies).

    The formula with and without an ingredient get separate random draws of their targets, so
    a contribution carries Monte-Carlo noise of order ``1 / sqrt(n_random)`` in z (more for
    large ``|z|``); keep ``carry_z`` well above it.
    Each formula is scored by its own :func:`~drugscreen.combos.score_entity` call, which also
    classifies every pair of its ingredients (``pairs``): time grows with the square of the
    number of ingredients of a formula.
    """
    if not isinstance(net, Interactome):
        raise InputError(f"score_formulas needs an Interactome, got {type(net).__name__}")
    n_random = check_number("n_random", n_random, low=0, high=MAX_RANDOM_DRAWS, integer=True)
    if n_random == 1:
        raise InputError("n_random must be 0 (no z-scores) or a whole number >= 2, got 1")
    min_bin_size = check_number("min_bin_size", min_bin_size, low=1, integer=True)
    seed = check_number("seed", seed, low=0, integer=True)
    hub_quantile = check_number("hub_quantile", hub_quantile, low=0, high=1, low_open=True, high_open=True)
    hub_share = check_number("hub_share", hub_share, low=0, high=1, high_open=True)
    promiscuity = check_number("promiscuity", promiscuity, low=0, high=1, low_open=True)
    carry_z = check_number("carry_z", carry_z, low=0)
    n_jobs = check_n_jobs(n_jobs)
    if not isinstance(exclude_self, bool | np.bool_):
        raise InputError(f"exclude_self must be True or False, got {exclude_self!r}")
    degrees = net.degree_of(degree)
    table = read_formulas(formulas)
    diseases = gene_sets(disease_genes, gene="gene", what="disease")
    if not diseases:
        raise InputError("score_formulas: no disease gene set given")
    dist = require_connected(net)
    is_hub = degrees >= float(np.quantile(degrees, hub_quantile))
    modules = {name: net.resolve(genes)[0] for name, genes in diseases.items()}
    structures = _structures(table)
    extra = _ingredient_columns(table)
    options: dict[str, Any] = dict(
        distance="closest",
        n_random=n_random,
        min_bin_size=min_bin_size,
        seed=seed,
        degree=degree,
        exclude_self=exclude_self,
        n_jobs=n_jobs,
    )
    logger.info(
        "score_formulas: %d formulas, %d ingredients, %d diseases, %d random draws",
        table.formula.nunique(),
        table.ingredient.nunique(),
        len(diseases),
        n_random,
    )
    entities, parts_out, pairs, warnings = [], [], [], []
    for formula, rows in table.groupby("formula", sort=False):
        parts = gene_sets(rows, key="ingredient", gene="gene", what="ingredient")
        name = str(formula)
        while name in parts:
            name += " (formula)"
        scored = score_entity(net, parts, diseases, name=name, **options)
        entity = scored.entity.drop(columns=["drug", "distance"])
        entity.insert(0, "formula", formula)
        entity.insert(2, "n_ingredients", len(parts))
        targets = net.resolve(g for genes in parts.values() for g in genes)[0]
        nearest = [_nearest(dist, targets, modules[d], is_hub) for d in entity.disease]
        entity[["closest_min", "n_closest", "hub_share"]] = pd.DataFrame(nearest, index=entity.index)
        ing = scored.ingredients
        ing.insert(0, "formula", formula)
        if "herb" in rows.columns:
            herbs = rows.dropna(subset=["herb"]).groupby("ingredient", sort=False).herb.unique()
            joined = {k: ";".join(v) for k, v in herbs.items()}
            ing.insert(2, "herb", [joined.get(k, "") for k in ing.ingredient])
        whole = entity.set_index("disease").n_targets
        share = ing.n_targets / ing.disease.map(whole)
        ing.insert(list(ing.columns).index("n_targets") + 1, "target_share", share)
        if structures is not None:
            passed = structures.reindex(list(parts)).pipe(lambda s: s[s.error.isna()])
            entity["n_structures"] = len(passed)
            ok = (passed.lipinski & passed.veber).astype(float)
            entity["druglike_fraction"] = float(ok.mean()) if len(passed) else np.nan
        warnings += _hub_warnings(entity, hub_share, hub_quantile)
        if len(parts) > 1 and n_random:
            warnings += _promiscuity_warnings(formula, ing, promiscuity, carry_z)
        entities.append(entity)
        parts_out.append(ing)
        if not scored.pairs.empty:
            pairs.append(scored.pairs.assign(formula=formula)[["formula", *scored.pairs.columns]])
    ingredients = pd.concat(parts_out, ignore_index=True)
    if structures is not None:
        ingredients = ingredients.join(structures, on="ingredient")
    if extra is not None:
        clash = [c for c in extra.columns[2:] if c in ingredients.columns]
        if clash:
            logger.warning("score_formulas: user columns %s clash with output columns; not carried", clash)
        extra = extra.drop(columns=clash)
        ingredients = ingredients.merge(extra, on=["formula", "ingredient"], how="left")
    found = pd.DataFrame(warnings, columns=WARNING_COLUMNS)
    if len(found):
        logger.warning("score_formulas: %d warnings (%s)", len(found), ", ".join(found.kind.unique()))
    return FormulaScores(
        formulas=pd.concat(entities, ignore_index=True),
        ingredients=ingredients,
        warnings=found,
        pairs=pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame(),
    )


def _nearest(dist: np.ndarray, targets: np.ndarray, module: np.ndarray, is_hub: np.ndarray) -> list[Any]:
    """``[closest_min, n_closest, hub_share]`` of targets against a disease module."""
    if len(targets) == 0 or len(module) == 0:
        return [np.nan, 0, np.nan]
    closest = np.asarray(dist[np.ix_(targets, module)]).min(axis=1)
    at = targets[closest == closest.min()]
    return [float(closest.min()), len(at), float(is_hub[at].mean())]


def _hub_warnings(entity: pd.DataFrame, hub_share: float, hub_quantile: float) -> list[list[Any]]:
    out = []
    for row in entity.to_dict("records"):
        # only where hubs may explain a proximity: no warning for a formula farther than random
        if not row["hub_share"] > hub_share or row["z"] >= 0:
            continue
        z = "" if np.isnan(row["z"]) else f", z={row['z']:.2f}"
        out.append(
            [
                row["formula"],
                row["disease"],
                "hub genes",
                f"{round(row['hub_share'] * row['n_closest'])} of the {row['n_closest']} target(s) "
                f"nearest the disease module (distance {row['closest_min']:g}) are hub genes (degree "
                f"in the top {1 - hub_quantile:.2%}); the proximity (d={row['d']:.2f}{z}) may "
                "reflect hub connectivity, not this disease",
            ]
        )
    return out


def _promiscuity_warnings(
    formula: Any, ingredients: pd.DataFrame, promiscuity: float, carry_z: float
) -> list[list[Any]]:
    out = []
    for disease, rows in ingredients.groupby("disease", sort=False):
        if rows.contribution.isna().all():
            continue
        top: dict[Any, Any] = rows.iloc[int(np.nanargmax(rows.contribution.to_numpy()))].to_dict()
        if top["target_share"] >= promiscuity and top["contribution"] > carry_z:
            out.append(
                [
                    formula,
                    disease,
                    "promiscuous ingredient",
                    f"ingredient {top['ingredient']!r} holds {top['target_share']:.0%} of the "
                    f"formula's targets in the network ({top['n_targets']}) and carries the score: "
                    f"without it z rises by {top['contribution']:.2f}, from "
                    f"{top['z_without'] - top['contribution']:.2f} to {top['z_without']:.2f}",
                ]
            )
    return out


def _structures(table: pd.DataFrame) -> pd.DataFrame | None:
    """Drug-likeness per ingredient (one SMILES each, checked by read_formulas), or None."""
    if "smiles" not in table.columns:
        return None
    first = table.groupby("ingredient", sort=False).smiles.first()
    return druglikeness(first)


def _ingredient_columns(table: pd.DataFrame) -> pd.DataFrame | None:
    """User columns with one value per (formula, ingredient), first value of each."""
    others = [c for c in table.columns if c not in KNOWN_COLUMNS]
    if not others:
        return None
    groups = table.groupby(["formula", "ingredient"], sort=False)
    varying = groups[others].nunique().max()
    kept = [c for c in others if varying[c] <= 1]
    dropped = [c for c in others if varying[c] > 1]
    if dropped:
        logger.info("score_formulas: columns %s vary within an ingredient; not carried", dropped)
    return groups[kept].first().reset_index() if kept else None
