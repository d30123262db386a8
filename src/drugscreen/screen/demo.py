"""The main job on data shipped with drugscreen: prepare, build, screen, cluster, pick, evaluate;
then network proximity, knowledge-graph repurposing, target prediction and synergy on data
generated in code (or, for target prediction, the library's own clusters).

The library is a fixed 25,000-molecule subset of the MOSES training set (MIT licence, see
``data/LICENSE-MOSES.txt``); the queries are six marketed drugs given by SMILES. The
virtual-screening step uses a toy target defined in code (molecules with a sulfonamide are
"active"): it shows the protocol, not a real activity benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from drugscreen.chem.io import iter_records, write_table
from drugscreen.chem.prepare import prepare_library
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.chem.substructure import has_substructure
from drugscreen.cluster.butina import butina
from drugscreen.cluster.pick import maxmin
from drugscreen.combos.synergy import synergy
from drugscreen.errors import InputError
from drugscreen.repurpose.proximity import proximity
from drugscreen.screen.pipeline import screen
from drugscreen.screen.toy_data import toy_blocks, toy_hetnet, toy_network, toy_repurposing
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
    prepared_file: Path
    prepared: pd.DataFrame
    picks_file: Path
    picks: pd.DataFrame
    vs_file: Path
    vs: Any
    proximity_file: Path
    proximity: pd.DataFrame
    synergy_file: Path
    synergy: pd.DataFrame
    repurpose_file: Path
    repurpose: pd.DataFrame
    paths: pd.DataFrame
    targets_file: Path
    targets: pd.DataFrame
    screen: Any
    model_dir: Path
    model_metrics: dict[str, float]
    scored_hits_file: Path
    scored_hits: pd.DataFrame
    admet_file: Path
    admet: pd.DataFrame


#: Molecules of the library that the preparation and virtual-screening steps use (kept small
#: so the demo stays well under a minute).
PREPARE_SAMPLE = 1_000
VS_SAMPLE = 5_000
SULFONAMIDE = "S(=O)(=O)N"


#: The files and directories the demo writes in its output directory.
DEMO_FILES = (
    "prepared.csv", "hits.csv", "clusters.parquet", "picks.csv", "vs_runs.csv", "proximity.csv",
    "synergy.csv", "repurpose.csv", "targets.csv", "scored_hits.csv", "admet.csv",
    "campaign-inputs/library.csv", "campaign-inputs/assayed.csv",
)  # fmt: skip


def _check_demo_outputs(out: Path) -> None:
    """Every output of the demo checked before any work: a file where the output directory goes,
    a directory where a file goes, or a database or model directory that drugscreen did not
    write is refused, naming it (the demo replaces only its own outputs)."""
    from drugscreen.models.store import check_model_target
    from drugscreen.similarity.manifest import is_database
    from drugscreen.validate import check_output_file

    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file; give a directory for the demo's outputs")
    for name in DEMO_FILES:
        check_output_file(out / name, what="demo output")
    database = out / "moses-25k.dsdb"
    if database.is_symlink() or (database.exists() and not is_database(database)):
        raise InputError(f"{database} is not a drugscreen database: the demo will not replace it")
    check_model_target(out / "logp-model", overwrite=True)


def run_demo(out: Path, *, k: int = 5, n_jobs: int | None = -1, progress: bool = True) -> DemoResult:
    """The demo job, writing into ``out``.

    1. ``prepared.csv``: the first 1,000 library molecules standardised (default recipe) with
       Lipinski and PAINS flags;
    2. ``moses-25k.dsdb``: the fingerprint database of the library;
    3. ``hits.csv``: the top-``k`` hits per drug;
    4. ``clusters.parquet``: Butina clusters at distance 0.35;
    5. ``picks.csv``: 100 diverse molecules (MaxMin, seed 42);
    6. ``vs_runs.csv``: the retrospective screening protocol on 5,000 molecules and a toy target
       (sulfonamides), ECFP4 against atom pairs;
    7. ``proximity.csv``: network proximity of 40 drugs to a disease module on a generated
       2,000-gene interactome (:mod:`drugscreen.screen.toy_data`), 200 randomisations;
    8. ``synergy.csv``: Bliss, HSA, Loewe and ZIP scores of three generated dose-response blocks;
    9. ``repurpose.csv``: a Rephetio-style model fitted on a generated knowledge graph, the ten
       best new candidates for one disease, and the paths behind the first;
    10. ``targets.csv``: SEA target prediction of the demo drugs against ligand sets made of the
        library's 30 largest Butina clusters (stand-ins for the ligands of 30 targets);
    11. ``screen-job/``: the same library screened as a resumable streaming job (the file read
        in chunks of 5,000 records, each checkpointed), the 20 nearest neighbours of each drug;
    12. ``logp-model/`` and ``scored_hits.csv``: a small D-MPNN ensemble trained on 1,500 library
        molecules to predict RDKit's Crippen logP (a target computed in code, so the demo ships no
        labels), tested on 500 others, then used to score the screening job's hits with an
        uncertainty per hit;
    13. ``admet.csv``: the shipped ADMET panel (34 endpoints with uncertainty, domain and
        approved-drug percentiles, physicochemical columns, alerts) for the six drugs and the
        screening job's hits.
    """
    _check_demo_outputs(out)
    out.mkdir(parents=True, exist_ok=True)
    sample = [rec.text for rec in islice(iter_records(demo_library()), VS_SAMPLE)]
    prepared, _ = prepare_library(
        sample[:PREPARE_SAMPLE],
        standardize_steps=True,
        filters=("ro5", "pains"),
        n_jobs=n_jobs,
        progress=progress,
    )
    prepared_file = write_table(prepared, out / "prepared.csv")
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
    picks = maxmin(db, 100, seed=42, n_jobs=n_jobs)
    picks_file = write_table(picks, out / "picks.csv")
    vs = _toy_screen(sample, n_jobs)
    vs_file = write_table(vs.runs, out / "vs_runs.csv")
    prox = _toy_proximity(n_jobs)
    proximity_file = write_table(prox, out / "proximity.csv")
    scores = synergy(toy_blocks()).summary
    synergy_file = write_table(scores, out / "synergy.csv")
    ranked, paths = _toy_knowledge_graph()
    repurpose_file = write_table(ranked, out / "repurpose.csv")
    predicted = _cluster_targets(db, clusters, n_jobs)
    targets_file = write_table(predicted, out / "targets.csv")
    job = screen(
        demo_library(),
        list(DEMO_DRUGS.values()),
        out / "screen-job",
        k=20,
        query_ids=list(DEMO_DRUGS),
        chunk_size=5_000,
        n_jobs=n_jobs,
        overwrite=True,
        progress=progress,
    )
    model_dir, model_metrics, scored = _property_model(sample, job.hits(), out, n_jobs)
    scored_file = write_table(scored, out / "scored_hits.csv")
    admet = _admet_panel(job.hits(), n_jobs, progress)
    admet_file = write_table(admet, out / "admet.csv")
    return DemoResult(
        db.path,
        hits_file,
        hits,
        len(db),
        clusters_file,
        clusters,
        prepared_file,
        prepared,
        picks_file,
        picks,
        vs_file,
        vs,
        proximity_file,
        prox,
        synergy_file,
        scores,
        repurpose_file,
        ranked,
        paths,
        targets_file,
        predicted,
        job,
        model_dir,
        model_metrics,
        scored_file,
        scored,
        admet_file,
        admet,
    )


def _admet_panel(hits: pd.DataFrame, n_jobs: int | None, progress: bool) -> pd.DataFrame:
    """The ADMET panel for the demo drugs, then every distinct hit of the screening job."""
    from drugscreen.admet.predictor import predict

    molecules = pd.DataFrame(
        {
            "smiles": list(DEMO_DRUGS.values()) + hits["smiles"].tolist(),
            "id": list(DEMO_DRUGS) + hits["id"].astype(str).tolist(),
        }
    ).drop_duplicates("id")
    return predict(molecules, smiles_column="smiles", id_column="id", n_jobs=n_jobs, progress=progress)


#: Molecules the demo's property model trains and is tested on.
MODEL_TRAIN, MODEL_TEST = 1_500, 500


def _property_model(
    sample: list[str], hits: pd.DataFrame, out: Path, n_jobs: int | None
) -> tuple[Path, dict[str, float], pd.DataFrame]:
    """Train a small D-MPNN ensemble on Crippen logP, test it, save it, score the hits."""
    import numpy as np
    from rdkit import Chem
    from rdkit.Chem import Crippen

    def logp_of(smi: str) -> float:
        return float(Crippen.MolLogP(Chem.MolFromSmiles(smi)))  # type: ignore[attr-defined]

    from drugscreen.models.estimators import DMPNN
    from drugscreen.models.metrics import mean_r2, mean_rmse

    smiles = sample[: MODEL_TRAIN + MODEL_TEST]
    logp = np.array([logp_of(s) for s in smiles])
    model = DMPNN(
        hidden_size=64,
        ffn_hidden_size=64,
        epochs=15,
        ensemble_size=2,
        uncertainty="ensemble",
        n_jobs=n_jobs,
        random_state=0,
    )
    model.fit(smiles[:MODEL_TRAIN], logp[:MODEL_TRAIN])
    test = model.predict(smiles[MODEL_TRAIN:])
    metrics = {"rmse": mean_rmse(logp[MODEL_TRAIN:], test), "r2": mean_r2(logp[MODEL_TRAIN:], test)}
    model_dir = model.save(out / "logp-model", overwrite=True)
    table = model.predict_table(hits["smiles"].tolist())
    scored = hits[["query", "id", "score", "smiles"]].assign(
        logp_predicted=table["prediction"].to_numpy(),
        logp_std=table["prediction_std"].to_numpy(),
        logp_rdkit=[logp_of(s) for s in hits["smiles"]],
    )
    return model_dir, metrics, scored


def _toy_knowledge_graph() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidates for one disease of the generated graph, and the paths behind the best."""
    from drugscreen.repurpose.dwpc import explain
    from drugscreen.repurpose.rephetio import Rephetio

    net = toy_hetnet(seed=3)
    model = Rephetio(max_length=3, C=0.3, n_negatives=None, prior_permutations=50, progress=False).fit(net)
    disease = "Disease::0"
    ranked = model.rank(disease, top=10)
    # the generator's truth: a compound that shares a gene with the disease is likely to treat it
    shares = (net.adjacency("CbG") @ net.adjacency("DaG").T).toarray() > 0
    column = int(net.positions("Disease", [disease])[0])
    ranked["shares_a_gene"] = shares[net.positions("Compound", ranked["compound"]), column]
    paths = explain(net, "CbGaD", ranked["compound"][0], disease, limit=3)
    return ranked, paths


def _cluster_targets(db: FingerprintDB, clusters: pd.DataFrame, n_jobs: int | None) -> pd.DataFrame:
    """SEA of the demo drugs against the 30 largest clusters of the library as ligand sets."""
    from drugscreen.repurpose.sea import SEA

    largest = clusters["cluster"].value_counts().index[:30]
    members = clusters[clusters["cluster"].isin(largest)]
    smiles = db.metadata(members["row"].to_numpy())["smiles"].to_numpy()
    sets = pd.DataFrame({"target": "cluster " + members["cluster"].astype(str), "smiles": smiles})
    model = SEA(sets, seed=0, n_jobs=n_jobs, progress=False).fit()
    return model.predict(DEMO_DRUGS, top_k=1)


def _toy_proximity(n_jobs: int | None) -> pd.DataFrame:
    net = toy_network()
    targets, disease = toy_repurposing(net)
    table = proximity(net, targets, disease, n_random=200, min_bin_size=50, seed=0, n_jobs=n_jobs)
    near = targets.groupby("drug").near_module.first()
    return table.assign(near_module=table.drug.map(near).to_numpy()).sort_values("z", ignore_index=True)


def _toy_screen(smiles: list[str], n_jobs: int | None) -> Any:
    """The LBVS protocol on a toy target: molecules with a sulfonamide group count as active."""
    from drugscreen.vs.protocol import evaluate

    active = has_substructure(smiles, SULFONAMIDE, n_jobs=n_jobs)
    table = pd.DataFrame({"target": "sulfonamide (toy)", "smiles": smiles, "active": active})
    methods = {
        "ecfp4": FingerprintSpec("morgan", 2, 2048),
        "atom-pair": FingerprintSpec("atom-pair", nbits=2048),
    }
    return evaluate(table, methods, n_queries=5, repeats=20, seed=0, n_jobs=n_jobs)
