"""External indications for the repurposing harness: Guney et al. 2016 (MEDI, KEGG, NDF-RT) on Hetionet.

``../shared/data/interactome/guney2016/drug_indications.tsv`` names diseases by MeSH term and
drugs by DrugBank id; Hetionet names diseases by Disease Ontology id. The mapping below is
written down here, in full: a MeSH term maps to a Hetionet disease when its name equals the
disease's name (lower case), or does after MeSH's inversion ("carcinoma, renal cell" →
"renal cell carcinoma"), or by the curated table ``CURATED`` (synonyms and MeSH subtypes of the
Disease Ontology term, e.g. "carcinoma, non-small-cell lung" → lung cancer, as Hetionet itself
propagated indications of subtypes up to its 137 diseases). Metab2MeSH rows (text-mined
metabolite–disease co-occurrence, not indications) are left out.

Each mapped pair is classed by PharmacotherapyDB (``hetionet/pharmacotherapydb``): ``DM`` pairs
are Hetionet's treats edges, ``SYM`` its palliates edges — both already known to the network,
so neither is a new indication — and ``NOT`` pairs were judged by its curators not to be
indications (noise in MEDI): the benchmark counts these as negatives.
"""

from __future__ import annotations

import pandas as pd
from common import SHARED

GUNEY = SHARED / "interactome" / "guney2016" / "drug_indications.tsv"
PHARMACOTHERAPY = SHARED / "hetionet" / "pharmacotherapydb" / "indications.tsv"
SOURCES = ("medi", "kegg", "ndfrt")

#: Hetionet disease name -> MeSH terms of Guney et al.'s indication table (curated here).
CURATED: dict[str, tuple[str, ...]] = {
    "alcohol dependence": ("alcoholism",),
    "nicotine dependence": ("tobacco use disorder",),
    "lymphatic system cancer": (
        "lymphoma", "lymphoma, b-cell", "lymphoma, follicular",
        "lymphoma, mantle-cell", "lymphoma, non-hodgkin",
        "lymphoma, t-cell, cutaneous", "burkitt lymphoma", "hodgkin disease",
    ),
    "pharynx cancer": ("nasopharyngeal neoplasms",),
    "prostate cancer": ("prostatic neoplasms",),
    "stomach cancer": ("stomach neoplasms",),
    "alzheimer's disease": ("alzheimer disease",),
    "age related macular degeneration": ("macular degeneration",),
    "urinary bladder cancer": ("urinary bladder neoplasms",),
    "gilles de la tourette syndrome": ("tourette syndrome",),
    "head and neck cancer": ("head and neck neoplasms",),
    "primary biliary cirrhosis": ("liver cirrhosis, biliary",),
    "graves' disease": ("graves disease",),
    "brain cancer": ("brain neoplasms",),
    "malignant glioma": ("glioma", "glioblastoma", "astrocytoma"),
    "uterine fibroid": ("leiomyoma",),
    "lung cancer": ("lung neoplasms", "carcinoma, non-small-cell lung"),
    "kawasaki disease": ("mucocutaneous lymph node syndrome",),
    "parkinson's disease": ("parkinson disease",),
    "breast cancer": ("breast neoplasms",),
    "thyroid cancer": ("thyroid neoplasms",),
    "malignant mesothelioma": ("mesothelioma",),
    "pancreatic cancer": ("pancreatic neoplasms",),
    "epilepsy syndrome": (
        "epilepsy", "epilepsies, partial", "epilepsy, absence", "epilepsies, myoclonic",
        "epilepsy, generalized", "epilepsy, temporal lobe",
        "myoclonic epilepsy, juvenile",
    ),
    "bone cancer": ("osteosarcoma",),
    "colon cancer": ("colonic neoplasms", "colorectal neoplasms"),
    "rectum cancer": ("colorectal neoplasms",),
    "ovarian cancer": ("ovarian neoplasms",),
    "hematologic cancer": (
        "leukemia", "leukemia, lymphocytic, chronic, b-cell", "leukemia, lymphoid",
        "leukemia, myelogenous, chronic, bcr-abl positive", "leukemia, myeloid, acute",
        "leukemia, promyelocytic, acute", "multiple myeloma", "myelodysplastic syndromes",
    ),
    "kidney cancer": ("kidney neoplasms", "carcinoma, renal cell"),
    "testicular cancer": ("testicular neoplasms",),
    "liver cancer": ("liver neoplasms", "carcinoma, hepatocellular"),
    "uterine cancer": ("uterine neoplasms", "endometrial neoplasms"),
    "adrenal gland cancer": ("adrenal cortex neoplasms",),
    "muscle cancer": ("rhabdomyosarcoma", "rhabdomyosarcoma, alveolar"),
    "skin cancer": ("skin neoplasms",),
    "cervical cancer": ("uterine cervical neoplasms",),
    "allergic rhinitis": ("rhinitis, allergic, seasonal",),
    "esophageal cancer": ("esophageal neoplasms",),
    "paget's disease of bone": ("osteitis deformans",),
    "migraine": ("migraine disorders", "migraine with aura"),
    "crohn's disease": ("crohn disease",),
    "refractive error": ("myopia",),
    "nephrolithiasis": ("kidney calculi",),
    "ocular cancer": ("retinoblastoma",),
    "glaucoma": ("glaucoma, open-angle",),
}  # fmt: skip


def _inverted(term: str) -> str:
    parts = [p.strip() for p in term.split(",")]
    return " ".join(reversed(parts)) if len(parts) == 2 else term


def mesh_to_doid(diseases: pd.DataFrame, terms: pd.Series) -> pd.DataFrame:
    """``mesh_term, disease, disease_name, how`` for every term that maps (exact, inverted, curated)."""
    by_name = {name.lower(): node for node, name in zip(diseases["id"], diseases["name"], strict=True)}
    rows = []
    for term in sorted(set(terms)):
        for how, candidate in (("exact", term), ("inverted", _inverted(term))):
            if candidate in by_name:
                rows.append((term, by_name[candidate], candidate, how))
                break
    for name, mesh_terms in CURATED.items():
        if name not in by_name:
            raise KeyError(f"curated mapping names {name!r}, not a Hetionet disease")
        rows += [(term, by_name[name], name, "curated") for term in mesh_terms]
    return pd.DataFrame(rows, columns=["mesh_term", "disease", "disease_name", "how"]).drop_duplicates()


def guney_indications(nodes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """The mapped indication pairs (``compound, disease, category``), the mapping, and its coverage.

    ``category`` is the pair's PharmacotherapyDB class where it has one: ``DM`` (a treats edge),
    ``SYM`` (a palliates edge), ``NOT`` (curators judged it not an indication), else empty.
    """
    every = pd.read_csv(GUNEY, sep="\t")
    table = every[every["source"].isin(SOURCES)]
    diseases = nodes[nodes["kind"] == "Disease"]
    mapping = mesh_to_doid(diseases, table["disease_mesh_term"])
    unknown = set(mapping["mesh_term"]) - set(table["disease_mesh_term"])
    if unknown:
        raise KeyError(f"curated MeSH terms absent from the indication rows: {sorted(unknown)}")
    compounds = set(nodes.loc[nodes["kind"] == "Compound", "id"])
    merged = table.merge(mapping, left_on="disease_mesh_term", right_on="mesh_term")
    merged["compound"] = "Compound::" + merged["drugbank_id"]
    pairs = merged.loc[merged["compound"].isin(compounds), ["compound", "disease"]].drop_duplicates()
    curated = pd.read_csv(PHARMACOTHERAPY, sep="\t")
    curated = curated.assign(
        compound="Compound::" + curated["drugbank_id"], disease="Disease::" + curated["doid_id"]
    )[["compound", "disease", "category"]]
    pairs = pairs.merge(curated, on=["compound", "disease"], how="left")
    pairs["category"] = pairs["category"].fillna("")
    counts = pairs["category"].value_counts()
    coverage = {
        "indication_rows": float(len(table)),
        "mesh_terms": float(table["disease_mesh_term"].nunique()),
        "mesh_terms_mapped": float(mapping["mesh_term"].nunique()),
        "rows_mapped": float(table["disease_mesh_term"].isin(mapping["mesh_term"]).sum()),
        "hetionet_diseases_reached": float(pairs["disease"].nunique()),
        "pairs": float(len(pairs)),
        **{
            f"pairs_{name or 'not_in_pharmacotherapydb'}": float(counts.get(name, 0))
            for name in ("DM", "SYM", "NOT", "")
        },
    }
    return pairs.reset_index(drop=True), mapping, coverage
