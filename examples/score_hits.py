"""Score a similarity hit list with a trained property model: solubility of paracetamol's neighbours.

1. Train a D-MPNN ensemble on ESOL (aqueous solubility; MoleculeNet's copy in
   ``../shared/data/moleculenet/esol.csv`` when present, else on Crippen logP computed for the
   bundled MOSES molecules, so the example always runs).
2. Screen the bundled 25,000 MOSES molecules for the 50 nearest neighbours of paracetamol and
   ibuprofen as a resumable streaming job.
3. Predict the hits (mean and ensemble spread), rank them by predicted value and write
   ``scored_hits.csv``: the chemist's short list. (To predict every library molecule inside the
   job instead -- e.g. to screen only those predicted soluble -- pass
   ``stages=[PredictionStage(model, keep_min=...)]`` to ``ds.screen``.)

Usage: ``python examples/score_hits.py WORK_DIR [EPOCHS]``
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import drugscreen as ds
from drugscreen.screen.demo import demo_library

QUERIES = {"paracetamol": "CC(=O)Nc1ccc(O)cc1", "ibuprofen": "CC(C)Cc1ccc(C(C)C(=O)O)cc1"}
ESOL = Path(__file__).resolve().parents[2] / "shared" / "data" / "moleculenet" / "esol.csv"


def training_data() -> tuple[list[str], np.ndarray, str]:
    if ESOL.is_file():
        table = pd.read_csv(ESOL)
        return table["smiles"].tolist(), table["logSolubility"].to_numpy(), "log S (ESOL)"
    from rdkit import Chem
    from rdkit.Chem import Crippen

    with gzip.open(demo_library(), "rt") as handle:
        smiles = [line.split()[0] for line in handle.read().splitlines()[1:2001]]
    return smiles, np.array([Crippen.MolLogP(Chem.MolFromSmiles(s)) for s in smiles]), "Crippen logP"


def main(work: Path, epochs: int) -> None:
    work.mkdir(parents=True, exist_ok=True)
    smiles, y, what = training_data()
    split = ds.models.make_split("random", n=len(smiles), seed=0)
    s = np.asarray(smiles, dtype=object)
    model = ds.models.DMPNN(epochs=epochs, ensemble_size=2, uncertainty="ensemble", n_jobs=-1)
    model.fit(list(s[split.train]), y[split.train], X_val=list(s[split.val]), y_val=y[split.val])
    test = model.predict(list(s[split.test]))
    print(
        f"model of {what}: test RMSE {np.sqrt(np.mean((test - y[split.test]) ** 2)):.2f} "
        f"on {len(split.test)} molecules"
    )
    model.save(work / "model", overwrite=True)

    result = ds.screen(
        demo_library(),
        list(QUERIES.values()),
        work / "screen",
        k=50,
        query_ids=list(QUERIES),
        overwrite=True,
        progress=False,
    )
    hits = result.hits()
    scored = model.predict_table(hits["smiles"].tolist())
    hits["predicted"] = scored["prediction"].to_numpy()
    hits["predicted_std"] = scored["prediction_std"].to_numpy()
    hits = hits.sort_values("predicted", ascending=False)
    hits[["query", "id", "score", "predicted", "predicted_std", "smiles"]].to_csv(
        work / "scored_hits.csv", index=False
    )
    print(f"{len(hits)} hits scored; best predicted per query:")
    print(
        hits.groupby("query")
        .head(3)[["query", "id", "score", "predicted", "predicted_std"]]
        .to_string(index=False, float_format="%.2f")
    )
    print(f"written: {work / 'scored_hits.csv'}")


if __name__ == "__main__":
    main(
        Path(sys.argv[1] if len(sys.argv) > 1 else "score-hits-output"),
        int(sys.argv[2]) if len(sys.argv) > 2 else 30,
    )
