"""Readers for the network-medicine data in ../shared/data/interactome (tests and benchmarks).

The files are research data that do not ship with drugscreen; see their README.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

GUNEY_FILES = {
    "closest": "proximity_closest.dat.gz",
    "shortest": "proximity_shortest.dat.gz",
    "kernel": "proximity_kernel.dat.gz",
    "centre": "proximity_center.dat.gz",
    "separation": "proximity_separation.dat.gz",
}


def disease_key(name: str) -> str:
    """Menche's disease names as the Guney tables spell them ("bone diseases, metabolic" ->
    "bone.diseases.metabolic")."""
    for old in (", ", " ", ",", "-", "'"):
        name = name.replace(old, ".")
    return name


def menche_disease_genes(path: Path) -> dict[str, list[str]]:
    """Disease -> OMIM and GWAS genes of Menche 2015 Data S2."""
    out: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        genes = [g for column in fields[4:6] if column for g in column.split(";")]
        out[disease_key(fields[0])] = genes
    return out


def guney_reference(interactome: Path, distance: str) -> pd.DataFrame:
    """The published per-pair table of one distance."""
    return pd.read_csv(interactome / "guney2016" / GUNEY_FILES[distance], sep=" ")


def guney_inputs(interactome: Path) -> tuple[pd.DataFrame, dict[str, list[str]], pd.DataFrame]:
    """Drug targets (``drug, gene`` of the 238 drugs), disease genes (78 diseases) and pairs."""
    pairs = guney_reference(interactome, "closest")[["group", "disease", "flag"]]
    targets = pd.read_csv(interactome / "guney2016" / "drug_targets.tsv", sep="\t", dtype=str)
    targets = targets[targets.drugbank_id.isin(set(pairs.group))]
    targets = targets.rename(columns={"drugbank_id": "drug", "entrez_gene_id": "gene"})
    diseases = menche_disease_genes(interactome / "menche2015" / "DataS2_disease_genes.tsv")
    diseases = {k: v for k, v in diseases.items() if k in set(pairs.disease)}
    pairs = pairs.assign(flag=pairs.flag.astype(str) == "True")
    return targets, diseases, pairs
