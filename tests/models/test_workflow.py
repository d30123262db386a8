"""`drugscreen train` / `predict` and the streaming, resumable prediction job."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import drugscreen as ds
from drugscreen.cli.main import main
from drugscreen.errors import InputError
from drugscreen.screen.predict import predict_library


@pytest.fixture(scope="module")
def table(tmp_path_factory, demo_smiles):
    from rdkit import Chem

    smiles = demo_smiles[:120]
    heavy = [Chem.MolFromSmiles(s).GetNumHeavyAtoms() for s in smiles]
    df = pd.DataFrame({"smiles": smiles, "heavy": heavy, "big": [int(h > 20) for h in heavy]})
    df.loc[5, "smiles"] = "not a smiles"
    path = tmp_path_factory.mktemp("train") / "train.csv"
    df.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model_dir(table, tmp_path_factory):
    out = tmp_path_factory.mktemp("model") / "m"
    assert (
        main(
            [
                "-q",
                "train",
                str(table),
                "--target-columns",
                "heavy",
                "--epochs",
                "3",
                "--hidden-size",
                "16",
                "--split",
                "scaffold",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    return out


def test_train_writes_model_metrics_split_and_curves(model_dir, table):
    names = {p.name for p in model_dir.iterdir()}
    assert {
        "config.json",
        "weights.safetensors",
        "split.json",
        "metrics.json",
        "learning_curve.csv",
        "test_predictions.csv",
    } <= names
    metrics = json.loads((model_dir / "metrics.json").read_text())
    assert metrics["n_train"] + metrics["n_val"] + metrics["n_test"] == 119 and metrics["n_unsplit"] == 1
    assert metrics["n_dropped"] == 0 and np.isfinite(metrics["test"]["heavy"]["rmse"])
    split = ds.models.Split.from_json(model_dir / "split.json", n_rows=120)
    preds = pd.read_csv(model_dir / "test_predictions.csv")
    assert preds["row"].tolist() == split.test.tolist()
    curve = pd.read_csv(model_dir / "learning_curve.csv")
    assert list(curve["epoch"]) == [1, 2, 3] and curve["val_loss"].notna().all()


def test_train_reuses_a_split_file_and_other_models(model_dir, table, tmp_path):
    out = tmp_path / "fp"
    assert (
        main(
            [
                "-q",
                "train",
                str(table),
                "--target-columns",
                "big",
                "--task",
                "classification",
                "--model",
                "fingerprint",
                "--split-file",
                str(model_dir / "split.json"),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 <= metrics["test"]["big"]["auroc"] <= 1
    assert ds.models.Split.from_json(out / "split.json") == ds.models.Split.from_json(
        model_dir / "split.json"
    )


def test_train_errors_name_the_problem(table, tmp_path, capsys):
    assert main(["train", str(table), "--target-columns", "nope", "-o", str(tmp_path / "x")]) == 1
    assert "no column(s) ['nope']" in capsys.readouterr().err
    with pytest.raises(InputError, match="no parameter"):
        ds.models.workflow.make_model("gin", "regression", trees=3)


def test_predict_streams_and_matches_the_model(model_dir, demo_smiles, tmp_path):
    library = tmp_path / "lib.smi"
    smiles = demo_smiles[:250] + ["C1CC"]
    library.write_text("".join(f"{s} m{i}\n" for i, s in enumerate(smiles)))
    out = tmp_path / "p.parquet"
    assert (
        main(["-q", "predict", str(model_dir), str(library), "-o", str(out), "--chunk-size", "60", "-j", "1"])
        == 0
    )
    got = pd.read_parquet(out)
    assert got["row"].tolist() == list(range(251)) and got["id"].iloc[0] == "m0"
    expected = ds.models.load(model_dir).predict(smiles)
    np.testing.assert_allclose(got["heavy"].to_numpy(), expected, rtol=1e-6)
    assert got["error"].iloc[-1] == "unparseable SMILES" and got["error"].iloc[:-1].isna().all()
    assert not (tmp_path / "p.parquet.parts").exists()
    assert main(["-q", "predict", str(model_dir), str(library), "-o", str(out)]) == 1  # exists
    csv = tmp_path / "p.csv"
    predict_library(ds.models.load(model_dir), library, csv, chunk_size=100, progress=False)
    np.testing.assert_allclose(pd.read_csv(csv)["heavy"], got["heavy"], rtol=1e-6)


def test_interrupted_prediction_resumes_identically(model_dir, demo_smiles, tmp_path, monkeypatch):
    library = tmp_path / "lib.smi"
    library.write_text("\n".join(demo_smiles[:300]) + "\n")
    model = ds.models.load(model_dir)
    whole = predict_library(model, library, tmp_path / "whole.parquet", chunk_size=70, progress=False).read()

    calls = {"n": 0}
    original = type(model).predict_table

    def crash_on_third(self, X, ids=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, X, ids)

    monkeypatch.setattr(type(model), "predict_table", crash_on_third)
    out = tmp_path / "resumed.parquet"
    with pytest.raises(KeyboardInterrupt):
        predict_library(model, library, out, chunk_size=70, progress=False)
    assert not out.exists() and len(list((tmp_path / "resumed.parquet.parts" / "parts").iterdir())) == 2
    # another model cannot take over the unfinished job
    other = ds.models.DMPNN(epochs=1, hidden_size=8).fit(demo_smiles[:20], np.arange(20.0))
    with pytest.raises(InputError, match="different"):
        predict_library(other, library, out, chunk_size=70, progress=False)
    monkeypatch.setattr(type(model), "predict_table", original)
    resumed = predict_library(model, library, out, chunk_size=70, progress=False).read()
    pd.testing.assert_frame_equal(resumed, whole)
