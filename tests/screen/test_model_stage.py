"""A property model as a stage of the screening job: predictions travel with the hits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import drugscreen as ds
from drugscreen.cli.main import main
from drugscreen.screen.model_stage import PredictionStage


@pytest.fixture(scope="module")
def setup(tmp_path_factory, demo_smiles):
    from rdkit import Chem

    d = tmp_path_factory.mktemp("stage")
    train = demo_smiles[:60]
    y = np.array([Chem.MolFromSmiles(s).GetNumHeavyAtoms() for s in train], float)
    model = ds.models.DMPNN(epochs=2, hidden_size=16).fit(train, y)
    model_dir = model.save(d / "model")
    library = d / "lib.smi"
    library.write_text("".join(f"{s} L{i}\n" for i, s in enumerate(demo_smiles[1000:1600])))
    return model, model_dir, library, demo_smiles[:3]


@pytest.mark.parametrize("mode", [{"k": 5}, {"threshold": 0.3}])
def test_hits_carry_the_models_predictions(setup, tmp_path, mode):
    model, _, library, queries = setup
    result = ds.screen(
        library,
        queries,
        tmp_path / "out",
        stages=[PredictionStage(model)],
        chunk_size=150,
        progress=False,
        **mode,
    )
    hits = result.hits()
    assert len(hits) and "pred_prediction" in hits.columns
    np.testing.assert_allclose(hits["pred_prediction"], model.predict(hits["smiles"].tolist()), rtol=1e-5)
    plain = ds.screen(library, queries, tmp_path / "plain", chunk_size=150, progress=False, **mode).hits()
    pd.testing.assert_frame_equal(hits.drop(columns=["pred_prediction"]), plain)


def test_range_filters_before_the_search_and_cli(setup, tmp_path):
    model, model_dir, library, queries = setup
    cut = float(np.median(model.predict(library.read_text().split()[::2])))
    result = ds.screen(
        library,
        queries,
        tmp_path / "f",
        k=20,
        stages=[PredictionStage(model, keep_min=cut)],
        chunk_size=200,
        progress=False,
    )
    assert (result.hits()["pred_prediction"] >= cut).all()
    assert result.summary["filtered"] > 0
    out = tmp_path / "cli"
    code = main(
        [
            "-q",
            "screen",
            str(library),
            "--query",
            queries[0],
            "-k",
            "10",
            "-o",
            str(out),
            "--model",
            str(model_dir),
            "--keep-max",
            str(cut),
            "--chunk-size",
            "200",
        ]
    )
    assert code == 0
    hits = pd.read_parquet(out / "hits.parquet")
    assert len(hits) == 10 and (hits["pred_prediction"] <= cut).all()
    assert (
        main(
            [
                "-q",
                "screen",
                str(library),
                "--query",
                queries[0],
                "-k",
                "3",
                "-o",
                str(tmp_path / "x"),
                "--keep-min",
                "1",
            ]
        )
        == 1
    )
