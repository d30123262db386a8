"""The main job on data shipped with drugscreen: build a database, screen known drugs.

The library is a fixed 25,000-molecule subset of the MOSES training set (MIT licence, see
``data/LICENSE-MOSES.txt``); the queries are six marketed drugs given by SMILES.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from drugscreen.chem.io import write_table
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.cluster.butina import butina
from drugscreen.similarity.db import FingerprintDB

#: Known drugs used as demo queries (name -> SMILES).
DEMO_DRUGS = {
    "paracetamol": "CC(=O)Nc1ccc(O)cc1",
    "ibuprofen": "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
    "diazepam": "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21",
    "caffeine": "Cn1cnc2c1c(=O)n(C)c(=O)n2C",
    "celecoxib": "Cc1ccc(-c2cc(C(F)(F)F)nn2-c2ccc(S(N)(=O)=O)cc2)cc1",
    "fluoxetine": "CNCCC(Oc1ccc(C(F)(F)F)cc1)c1ccccc1",
}


def demo_library() -> Path:
    """Path of the bundled 25,000-molecule MOSES subset (``.smi.gz`` with ids)."""
    return Path(str(resources.files("drugscreen") / "data" / "moses_25k.smi.gz"))


@dataclass
class DemoResult:
    database: Path
    hits_file: Path
    hits: pd.DataFrame
    n_molecules: int
    clusters_file: Path
    clusters: pd.DataFrame


def run_demo(out: Path, *, k: int = 5, n_jobs: int | None = -1, progress: bool = True) -> DemoResult:
    """Build ``out/moses-25k.dsdb``, write the top-``k`` hits per drug to ``out/hits.csv`` and
    the library's Butina clusters (distance 0.35) to ``out/clusters.parquet``."""
    out.mkdir(parents=True, exist_ok=True)
    db = FingerprintDB.build(
        out / "moses-25k.dsdb",
        demo_library(),
        FingerprintSpec("morgan", 2, 2048),
        n_jobs=n_jobs,
        overwrite=True,
        progress=progress,
    )
    hits = db.search(
        list(DEMO_DRUGS.values()), k=k, query_ids=list(DEMO_DRUGS), with_smiles=True, n_jobs=n_jobs
    )
    hits_file = write_table(hits, out / "hits.csv")
    clusters = butina(db, 0.35, n_jobs=n_jobs)
    clusters_file = write_table(clusters, out / "clusters.parquet")
    return DemoResult(db.path, hits_file, hits, len(db), clusters_file, clusters)
