"""Drug combinations on the interactome: separation, exposure classes, multi-ingredient entities.

* :func:`drug_separation`: ``s_AB`` of two drugs' target modules (Menche et al. 2015):
  negative when the modules overlap, positive when they are apart.
* :func:`exposure_classes`: the six classes of Cheng, Kovács & Barabási (Nat Commun 2019,
  10:1197) for a pair of drugs ``A``, ``B`` and a disease module ``C``, from the signs of
  ``s_AB``, ``s_AC`` and ``s_BC`` (``< 0`` overlapping, ``>= 0`` separated):

  ======================  =========  =======================  ======================
  class                   ``s_AB``   ``s_AC``, ``s_BC``        meaning
  ======================  =========  =======================  ======================
  overlapping             < 0        both < 0                 all three overlap
  complementary           >= 0       both < 0                 separate targets, each
                                                              hits the disease
  indirect                < 0        one < 0                  one drug reaches the
                                                              disease, through the other
  single                  >= 0       one < 0                  only one drug reaches it
  non-overlapping         < 0        both >= 0                drugs overlap, away from
                                                              the disease
  independent             >= 0       both >= 0                all apart
  ======================  =========  =======================  ======================

  Cheng et al. found complementary exposure to mark clinically efficacious pairs; the table
  also carries each drug's closest-distance proximity z-score to the disease (Guney 2016),
  the evidence a ranking should rest on.
* :func:`score_entity`: a combination product or herbal formula, a list of ingredients
  with their targets, scored as one entity (the union of targets) against diseases, with
  each ingredient's own score and its contribution (the change when it is left out).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.errors import InputError
from drugscreen.network.edgelist import gene_sets, name_pairs
from drugscreen.network.interactome import Interactome
from drugscreen.repurpose.proximity import proximity

#: Cheng et al. 2019 classes, keyed by (s_AB < 0, number of drugs overlapping the disease).
EXPOSURE = {
    (True, 2): "overlapping",
    (False, 2): "complementary",
    (True, 1): "indirect",
    (False, 1): "single",
    (True, 0): "non-overlapping",
    (False, 0): "independent",
}
#: Order used to rank candidate pairs: the class Cheng et al. found efficacious first.
EXPOSURE_ORDER = ("complementary", "overlapping", "indirect", "single", "non-overlapping", "independent")


def drug_separation(
    net: Interactome,
    drug_targets: Mapping[Any, Iterable[Any]] | pd.DataFrame,
    pairs: pd.DataFrame | Iterable[tuple[Any, Any]] | None = None,
    *,
    n_random: int = 0,
    min_bin_size: int = 100,
    seed: int = 0,
    degree: str = "neighbours",
    exclude_self: bool = True,
    n_jobs: int | None = -1,
) -> pd.DataFrame:
    """Separation ``s_AB`` of every pair of drugs' targets (optionally with z-scores).

    Parameters
    ----------
    net : Interactome
        A connected network.
    drug_targets : dict or DataFrame
        ``{drug: targets}`` or a long ``drug, gene`` table.
    pairs : DataFrame or iterable of (drug, drug), optional
        Pairs to score (a table's first two columns); by default every unordered pair, in
        input order.
    n_random, min_bin_size, seed, degree, exclude_self, n_jobs
        As for :func:`drugscreen.repurpose.proximity`; ``n_random=0`` (default) gives
        ``s_AB`` alone, which is what the exposure classes need.

    Returns
    -------
    DataFrame
        ``drug_a, drug_b, s_ab, z, p, n_targets_a, n_targets_b, note``.
    """
    named = gene_sets(drug_targets, gene="gene", what="drug")
    wanted = list(combinations(named, 2)) if pairs is None else _drug_pairs(pairs, named)
    if not wanted:
        return pd.DataFrame(
            columns=["drug_a", "drug_b", "s_ab", "z", "p", "n_targets_a", "n_targets_b", "note"]
        )
    table = proximity(
        net,
        named,
        named,
        pairs=wanted,
        distance="separation",
        n_random=n_random,
        min_bin_size=min_bin_size,
        seed=seed,
        degree=degree,
        exclude_self=exclude_self,
        n_jobs=n_jobs,
    )
    note = table.note.str.replace("no drug target", "no target of the first drug").str.replace(
        "disease gene", "target of the second drug"
    )
    return pd.DataFrame(
        {
            "drug_a": table.drug,
            "drug_b": table.disease,
            "s_ab": table.d,
            "z": table.z,
            "p": table.p,
            "n_targets_a": table.n_targets,
            "n_targets_b": table.n_genes,
            "note": note,
        }
    )


def _drug_pairs(
    pairs: pd.DataFrame | Iterable[tuple[Any, Any]], named: dict[str, list[str]]
) -> list[tuple[str, str]]:
    rows = name_pairs(pairs, "pairs", "(drug, drug)")
    for number, (a, b) in enumerate(rows):
        for drug in (a, b):
            if drug not in named:
                raise InputError(f"pairs, row {number}: drug {drug!r} has no targets given")
    return rows


def exposure_classes(
    net: Interactome,
    drug_targets: Mapping[Any, Iterable[Any]] | pd.DataFrame,
    disease_genes: Mapping[Any, Iterable[Any]] | pd.DataFrame,
    pairs: pd.DataFrame | Iterable[tuple[Any, Any]] | None = None,
    *,
    n_random: int = 1000,
    min_bin_size: int = 100,
    seed: int = 0,
    degree: str = "neighbours",
    exclude_self: bool = True,
    n_jobs: int | None = -1,
) -> pd.DataFrame:
    """Cheng et al. 2019 exposure class of drug pairs for each disease, ranked.

    Parameters
    ----------
    net : Interactome
        A connected network.
    drug_targets, disease_genes : dict or DataFrame
        Gene sets, as for :func:`drugscreen.repurpose.proximity`.
    pairs : DataFrame or iterable of (drug, drug), optional
        Drug pairs; every unordered pair by default.
    n_random : int
        Random draws for the drug–disease proximity z-scores (0: none).
    min_bin_size, seed, degree, exclude_self, n_jobs
        As for :func:`drugscreen.repurpose.proximity`.

    Returns
    -------
    DataFrame
        One row per disease and pair: ``disease, drug_a, drug_b, exposure, s_ab, s_a, s_b,
        z_a, z_b, rank``; ``s_a``/``s_b`` are each drug's separation from the disease
        module, ``z_a``/``z_b`` its closest-distance proximity z-score. Within a disease,
        ``rank`` 1 is the best candidate: complementary exposure first, then the other
        classes in ``EXPOSURE_ORDER``, and within a class the pair whose less proximal
        drug is more proximal (smaller ``max(z_a, z_b)``; ``max(s_a, s_b)`` without
        z-scores). Pairs with a drug that has no target in the network, and diseases with no
        gene in it, are left out (logged).

    Examples
    --------
    >>> import drugscreen as ds
    >>> net = ds.network.Interactome.from_edges(
    ...     [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e"), ("e", "f"), ("f", "a")])
    >>> table = ds.combos.exposure_classes(
    ...     net, {"x": ["a", "b"], "y": ["d", "e"]}, {"flu": ["b", "d"]}, n_random=0)
    >>> table.loc[0, "exposure"]
    'complementary'
    """
    drugs = gene_sets(drug_targets, gene="gene", what="drug")
    diseases = gene_sets(disease_genes, gene="gene", what="disease")
    options: dict[str, Any] = dict(
        min_bin_size=min_bin_size, seed=seed, degree=degree, exclude_self=exclude_self, n_jobs=n_jobs
    )
    sep = drug_separation(net, drugs, pairs, **options)
    sep = sep[sep.s_ab.notna()]
    to_disease = proximity(net, drugs, diseases, distance="separation", n_random=0, **options)
    s = to_disease.set_index(["drug", "disease"]).d
    if n_random:
        closest = proximity(net, drugs, diseases, distance="closest", n_random=n_random, **options)
        z = closest.set_index(["drug", "disease"]).z
    frames = []
    for disease in diseases:
        s_a = s.reindex(list(zip(sep.drug_a, [disease] * len(sep), strict=True))).to_numpy()
        s_b = s.reindex(list(zip(sep.drug_b, [disease] * len(sep), strict=True))).to_numpy()
        if n_random:
            z_a = z.reindex(list(zip(sep.drug_a, [disease] * len(sep), strict=True))).to_numpy()
            z_b = z.reindex(list(zip(sep.drug_b, [disease] * len(sep), strict=True))).to_numpy()
        else:
            z_a = z_b = np.full(len(sep), np.nan)
        frame = pd.DataFrame(
            {
                "disease": disease,
                "drug_a": sep.drug_a.to_numpy(),
                "drug_b": sep.drug_b.to_numpy(),
                "exposure": classify(sep.s_ab.to_numpy(), s_a, s_b),
                "s_ab": sep.s_ab.to_numpy(),
                "s_a": s_a,
                "s_b": s_b,
                "z_a": z_a,
                "z_b": z_b,
            }
        )
        frame = frame[~frame.exposure.isna()]
        worst = np.fmax(frame.z_a, frame.z_b) if n_random else np.fmax(frame.s_a, frame.s_b)
        order = frame.exposure.map({name: i for i, name in enumerate(EXPOSURE_ORDER)})
        frame = frame.assign(_class=order, _worst=worst).sort_values(["_class", "_worst"], kind="stable")
        frame = frame.drop(columns=["_class", "_worst"]).reset_index(drop=True)
        frame["rank"] = np.arange(1, len(frame) + 1)
        frames.append(frame)
    columns = ["disease", "drug_a", "drug_b", "exposure", "s_ab", "s_a", "s_b", "z_a", "z_b", "rank"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def classify(s_ab: np.ndarray, s_a: np.ndarray, s_b: np.ndarray) -> np.ndarray:
    """Exposure class names from the three separations (None where one is NaN)."""
    s_ab, s_a, s_b = (np.asarray(x, dtype=np.float64) for x in (s_ab, s_a, s_b))
    out = np.empty(len(s_ab), dtype=object)
    for i in range(len(s_ab)):
        if np.isnan(s_ab[i]) or np.isnan(s_a[i]) or np.isnan(s_b[i]):
            out[i] = None
            continue
        out[i] = EXPOSURE[(bool(s_ab[i] < 0), int(s_a[i] < 0) + int(s_b[i] < 0))]
    return out


@dataclass
class EntityScore:
    """A multi-ingredient entity scored against diseases.

    Attributes
    ----------
    entity : DataFrame
        One row per disease: the union of all ingredients' targets as one drug
        (:func:`~drugscreen.repurpose.proximity` columns, ``drug`` = the entity's name).
    ingredients : DataFrame
        One row per ingredient and disease: its own ``d``, ``z``, ``n_targets``, and
        ``d_without``/``z_without`` of the entity without it; ``contribution = z_without -
        z`` of the entity (positive: the ingredient brings the entity closer).
    pairs : DataFrame
        Exposure classes of every pair of ingredients (:func:`exposure_classes`).
    """

    entity: pd.DataFrame
    ingredients: pd.DataFrame
    pairs: pd.DataFrame


def score_entity(
    net: Interactome,
    ingredients: Mapping[Any, Iterable[Any]] | pd.DataFrame,
    disease_genes: Mapping[Any, Iterable[Any]] | pd.DataFrame,
    *,
    name: str = "entity",
    distance: str = "closest",
    n_random: int = 1000,
    min_bin_size: int = 100,
    seed: int = 0,
    degree: str = "neighbours",
    exclude_self: bool = True,
    n_jobs: int | None = -1,
) -> EntityScore:
    """Score a combination product or herbal formula as one entity against diseases.

    Parameters
    ----------
    net : Interactome
        A connected network.
    ingredients : dict or DataFrame
        ``{ingredient: targets}`` or a long ``ingredient, gene`` table (compounds of a
        formula, or drugs of a fixed-dose product).
    disease_genes : dict or DataFrame
        Disease gene sets.
    name : str
        Name of the entity in the output.
    distance : str
        One distance of :func:`drugscreen.repurpose.proximity` (``closest`` by default).
    n_random, min_bin_size, seed, degree, exclude_self, n_jobs
        As for :func:`drugscreen.repurpose.proximity`.

    Returns
    -------
    EntityScore

    Notes
    -----
    The entity and each entity-without-one-ingredient are randomised independently, so a
    contribution carries Monte-Carlo noise of about ``1 / sqrt(n_random)`` in z.
    """
    if not isinstance(distance, str) or distance == "all":
        raise InputError(f"score_entity scores one distance at a time, got {distance!r}")
    parts = gene_sets(ingredients, gene="gene", what="ingredient")
    if len(parts) < 1:
        raise InputError("score_entity: no ingredients given")
    if name in parts:
        raise InputError(f"score_entity: the entity name {name!r} is also an ingredient's name")

    def union(skip: str | None = None) -> list[str]:
        return sorted({g for k, genes in parts.items() if k != skip for g in genes})

    sets = {name: union(), **parts}
    leave_out = {f"{name} without {k}": union(k) for k in parts} if len(parts) > 1 else {}
    sets.update({k: v for k, v in leave_out.items() if v})
    common: dict[str, Any] = dict(
        min_bin_size=min_bin_size, seed=seed, degree=degree, exclude_self=exclude_self, n_jobs=n_jobs
    )
    options: dict[str, Any] = dict(distance=distance, n_random=n_random, **common)
    table = proximity(net, sets, disease_genes, **options)
    entity = table[table.drug == name].reset_index(drop=True)
    rows = []
    for ingredient in parts:
        own = table[table.drug == ingredient].set_index("disease")
        without = table[table.drug == f"{name} without {ingredient}"].set_index("disease")
        for disease, row in own.iterrows():
            whole = entity[entity.disease == disease].iloc[0]
            d_without = without.d.get(disease, np.nan) if len(without) else np.nan
            z_without = without.z.get(disease, np.nan) if len(without) else np.nan
            rows.append(
                {
                    "ingredient": ingredient,
                    "disease": disease,
                    "d": row.d,
                    "z": row.z,
                    "n_targets": row.n_targets,
                    "d_without": d_without,
                    "z_without": z_without,
                    "contribution": z_without - whole.z,
                }
            )
    pair_table = (
        exposure_classes(net, parts, disease_genes, n_random=n_random, **common)
        if len(parts) > 1
        else pd.DataFrame()
    )
    return EntityScore(entity=entity, ingredients=pd.DataFrame(rows), pairs=pair_table)
