"""The shipped panel as users call it: ``ds.admet.predict``, ``AdmetPanel``, the CLI, the stage."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import drugscreen as ds
from drugscreen.admet import panel_files
from drugscreen.admet.endpoints import ENDPOINTS
from drugscreen.admet.features import PHYSCHEM
from drugscreen.admet.predictor import AdmetPanel
from drugscreen.cli.main import main
from drugscreen.errors import InputError
from drugscreen.screen.predict import predict_library

DRUGS = [
    "CC(=O)Oc1ccccc1C(=O)O",  # aspirin
    "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",  # caffeine
    "CN(C)CCCN1c2ccccc2CCc2ccccc21",  # imipramine
    "not a smiles",
    "",
    "CC(C)Cc1ccc(C(C)C(=O)O)cc1",  # ibuprofen
]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return ds.admet.predict(DRUGS, progress=False)


def test_one_row_per_input_with_every_column(table):
    assert len(table) == len(DRUGS)
    assert table["row"].tolist() == list(range(len(DRUGS)))
    assert table["error"].iloc[3] == "unparseable SMILES" and table["error"].iloc[4] == "empty record"
    assert table["error"].drop([3, 4]).isna().all()
    for column in PHYSCHEM:
        assert column in table and f"{column}_pct" in table
    assert "alerts" in table
    for name, endpoint in ENDPOINTS.items():
        expected = [name, f"{name}_std", f"{name}_ad", f"{name}_ood", f"{name}_pct"]
        if endpoint.task == "regression":
            expected += [f"{name}_lo", f"{name}_hi"]
        for column in expected:
            assert column in table, column
        bad = table.loc[[3, 4], [name, f"{name}_ad", f"{name}_pct"]]
        assert bad.isna().all().all()
        assert table[f"{name}_ood"].iloc[[3, 4]].isna().all()


def test_values_are_in_range(table):
    ok = table[table["error"].isna()]
    cards = panel_files.cards()
    for name, endpoint in ENDPOINTS.items():
        value = ok[name].to_numpy(dtype=float)
        assert np.isfinite(value).all()
        if endpoint.task == "binary":
            assert ((value >= 0) & (value <= 1)).all()
        else:
            assert (ok[f"{name}_lo"] <= value).all() and (value <= ok[f"{name}_hi"]).all()
        assert (ok[f"{name}_std"] >= 0).all()
        ad = ok[f"{name}_ad"].to_numpy(dtype=float)
        assert ((ad >= 0) & (ad <= 1)).all()
        np.testing.assert_array_equal(
            ok[f"{name}_ood"].to_numpy(dtype=bool), ad < cards[name]["domain"]["threshold"]
        )
        assert ok[f"{name}_pct"].between(0, 100).all()
    assert table.loc[0, "mw"] == pytest.approx(180.159, abs=1e-3)


def test_a_training_molecule_is_its_own_nearest_neighbour():
    fps, membership = panel_files.domain()
    order = panel_files.manifest()["endpoints"]
    bit = np.uint64(order.index("herg"))
    row = int(np.flatnonzero((membership >> bit) & np.uint64(1))[0])
    # a molecule with exactly this fingerprint has similarity 1 to the hERG training set
    from drugscreen.admet.domain import nearest_per_set

    got = nearest_per_set(fps[row : row + 1], fps, membership, [order.index("herg")], n_jobs=1)
    assert got[0, 0] == 1.0


def test_reference_percentiles_are_those_of_the_approved_drugs():
    drugs = ds.admet.approved_drugs()
    assert len(drugs) == panel_files.manifest()["reference"]["rows"] and list(drugs.columns) == [
        "chembl_id",
        "name",
        "first_approval",
        "smiles",
    ]
    sample = drugs["smiles"].iloc[:40].tolist()
    got = ds.admet.predict(sample, ["herg", "caco2_wang"], alerts=False, progress=False)
    columns, values = panel_files.reference()
    for name in ("herg", "caco2_wang", "mw"):
        ref = values[:, columns.index(name)]
        ref = ref[~np.isnan(ref)]
        assert np.isin(got[name].dropna().to_numpy(), ref).all()  # the reference is these predictions
        expected = 100 * np.searchsorted(ref, got[name].to_numpy(), side="right") / len(ref)
        np.testing.assert_allclose(got[f"{name}_pct"], expected)


def test_own_reference_and_subsets():
    reference = ["CCO", "CCCO", "c1ccccc1", "CC(=O)O", "bad"]
    got = ds.admet.predict(DRUGS[:2], "herg, ames", reference=reference, alerts=False, progress=False)
    assert "alerts" not in got and "caco2_wang" not in got and "herg" in got and "ames" in got
    ref = ds.admet.predict(reference, ["herg"], percentiles=False, alerts=False, progress=False)
    values = np.sort(ref["herg"].dropna().to_numpy())
    expected = 100 * np.searchsorted(values, got["herg"].to_numpy(), side="right") / len(values)
    np.testing.assert_allclose(got["herg_pct"], expected)
    plain = ds.admet.predict(DRUGS[:2], ["herg"], percentiles=False, progress=False)
    assert not any(c.endswith("_pct") for c in plain.columns)
    np.testing.assert_array_equal(plain["herg"], got["herg"])


@pytest.mark.parametrize("bad", [["nope"], "herg,nope", [], "", 5, [["herg"]]])
def test_unknown_or_no_endpoint_is_one_clear_error(bad):
    with pytest.raises(InputError, match="endpoint"):
        ds.admet.predict(["CCO"], bad, progress=False)


def test_options_are_checked():
    with pytest.raises(InputError, match="percentiles must be True or False"):
        ds.admet.predict(["CCO"], ["herg"], percentiles="no", progress=False)
    with pytest.raises(InputError, match="alerts must be True or False"):
        ds.admet.predict(["CCO"], ["herg"], alerts="false", progress=False)
    with pytest.raises(InputError, match="needs percentiles=True"):
        ds.admet.predict(["CCO"], ["herg"], reference=["CCO"], percentiles=False, progress=False)
    with pytest.raises(InputError, match="string"):
        ds.admet.model_card(["herg"])


def test_a_giant_molecule_is_an_error_row_not_a_stall():
    got = ds.admet.predict(["C" * 600, "CCO"], ["herg"], progress=False)
    assert got["error"].iloc[0] == "too large for the ADMET panel (600 heavy atoms > 500)"
    assert np.isnan(got["herg"].iloc[0]) and got["error"].iloc[1] is None


def test_reference_that_cannot_be_read_is_refused():
    with pytest.raises(InputError, match="reference"):
        ds.admet.predict(["CCO"], ["herg"], reference=["bad", "worse"], progress=False)


def test_same_values_in_workers_and_in_process(demo_smiles):
    smiles = demo_smiles[:2500]  # two feature chunks: workers when n_jobs=2
    one = ds.admet.predict(smiles, ["herg", "vdss_lombardo"], n_jobs=1, progress=False)
    two = ds.admet.predict(smiles, ["herg", "vdss_lombardo"], n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(one, two)


def test_cards_and_endpoint_table():
    table = ds.admet.endpoint_table()
    assert table["endpoint"].tolist() == list(ENDPOINTS)
    card = ds.admet.model_card("herg")
    for key in ("training_rows", "cv_metric", "cv_sd", "units", "high_means", "model", "citation", "licence"):
        assert key in card
    assert card["candidates"]["baseline"]["mean"] == pytest.approx(card["candidates"]["baseline"]["mean"])
    card["cv_metric"] = -1  # a copy
    assert ds.admet.model_card("herg")["cv_metric"] != -1
    with pytest.raises(InputError):
        ds.admet.model_card("nope")


def test_shipped_files_are_intact_and_small():
    info = panel_files.manifest()
    for name, digest in info["files"].items():
        assert panel_files.sha256(panel_files.PANEL_DIR / name) == digest, name
    total = sum(p.stat().st_size for p in panel_files.PANEL_DIR.rglob("*") if p.is_file())
    assert total <= 40e6
    assert set(info["endpoints"]) == set(ENDPOINTS)


def test_import_loads_no_model():
    code = (
        "import sys, drugscreen as ds; ds.admet.ENDPOINTS; "
        "assert 'rdkit' not in sys.modules; "
        "from drugscreen.admet import panel_files; "
        "ds.admet.predict(['CCO'], ['herg'], percentiles=False, progress=False); "
        "assert panel_files.members.cache_info().currsize == 1; "
        "assert 'lightgbm' not in sys.modules  # predicting needs no LightGBM"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_panel_streams_and_resumes_like_a_model(demo_smiles, tmp_path, monkeypatch):
    library = tmp_path / "lib.smi"
    library.write_text("\n".join(demo_smiles[:120] + ["bad"]) + "\n")
    panel = AdmetPanel(["herg", "caco2_wang"], n_jobs=1, progress=False)
    whole = predict_library(panel, library, tmp_path / "whole.parquet", chunk_size=50, progress=False).read()
    direct = panel.predict(library)
    np.testing.assert_array_equal(whole["herg"], direct["herg"])
    assert whole["error"].iloc[-1] == "unparseable SMILES"

    calls = {"n": 0}
    original = AdmetPanel.predict_table

    def crash_on_third(self, smiles, ids=None):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, smiles, ids)

    monkeypatch.setattr(AdmetPanel, "predict_table", crash_on_third)
    out = tmp_path / "resumed.parquet"
    with pytest.raises(KeyboardInterrupt):
        predict_library(panel, library, out, chunk_size=50, progress=False)
    assert not out.exists()
    other = AdmetPanel(["herg"], n_jobs=1, progress=False)
    with pytest.raises(InputError, match="different"):
        predict_library(other, library, out, chunk_size=50, progress=False)
    monkeypatch.setattr(AdmetPanel, "predict_table", original)
    resumed = predict_library(panel, library, out, chunk_size=50, progress=False).read()
    pd.testing.assert_frame_equal(resumed, whole)


def test_cli(tmp_path, capsys):
    library = tmp_path / "lib.csv"
    pd.DataFrame({"smiles": DRUGS[:3], "name": ["a", "b", "c"]}).to_csv(library, index=False)
    out = tmp_path / "out.csv"
    assert (
        main(
            [
                "-q",
                "admet",
                str(library),
                "-o",
                str(out),
                "--endpoints",
                "herg,ppbr_az",
                "--id-column",
                "name",
            ]
        )
        == 0
    )
    got = pd.read_csv(out)
    assert got["id"].tolist() == ["a", "b", "c"] and "herg_pct" in got and "ppbr_az_hi" in got
    assert main(["-q", "admet", str(library), "-o", str(out)]) == 1  # exists
    assert "exists" in capsys.readouterr().err
    assert main(["-q", "admet", str(library), "-o", str(tmp_path / "x.parquet"), "--endpoints", "nope"]) == 1
    assert "unknown endpoint" in capsys.readouterr().err
    assert main(["-q", "admet", "--list"]) == 0
    assert "caco2_wang" in capsys.readouterr().out
    assert main(["-q", "admet", str(library)]) == 1
    # a library the reader refuses leaves no job behind: the corrected command then runs
    target = tmp_path / "again.csv"
    assert main(["-q", "admet", str(library), "-o", str(target), "--smiles-column", "nope"]) == 1
    assert not (tmp_path / "again.csv.parts").exists() and not (tmp_path / ".again.csv.parts.lock").exists()
    assert (
        main(
            [
                "-q",
                "admet",
                str(library),
                "-o",
                str(target),
                "--smiles-column",
                "smiles",
                "--endpoints",
                "herg",
            ]
        )
        == 0
    )


def test_stage_adds_columns_and_filters():
    from drugscreen.screen.model_stage import AdmetStage
    from drugscreen.screen.stages import ChunkTable

    stage = AdmetStage(["herg"], keep={"herg": (None, 0.5)}, percentiles=False, alerts=False)
    smiles = [DRUGS[0], DRUGS[2], DRUGS[1]]
    molecules = pd.DataFrame({"row": [0, 1, 2], "id": ["a", "b", "c"], "smiles": smiles})
    chunk = ChunkTable(index=0, molecules=molecules, fingerprints=ds.fingerprint(smiles))
    out = stage.process(chunk)
    herg = ds.admet.predict(smiles, ["herg"], percentiles=False, alerts=False, progress=False)["herg"]
    kept = [i for i, p in enumerate(herg) if p <= 0.5]
    assert 0 < len(kept) < 3  # the imipramine-like tricyclic is a hERG blocker, aspirin is not
    assert out.molecules["id"].tolist() == [["a", "b", "c"][i] for i in kept]
    assert len(out.fingerprints) == len(kept)
    assert "admet_herg_ad" in out.molecules
    json.dumps(stage.config())
    assert stage.keep == {"herg": (None, 0.5)}
    json.dumps(AdmetStage(["herg"], keep={"herg": (np.float32(0.1), np.int64(1))}).config())
    for keep, match in [
        ({"ames": (0, 1)}, "not a numeric column"),
        ({"alerts": (0, 1)}, "not a numeric column"),
        ({"herg": (0.8, 0.2)}, "low bound is above"),
        ({"herg": 0.5}, "low, high"),
        ("herg", "must be a dict"),
    ]:
        with pytest.raises(InputError, match=match):
            AdmetStage(["herg"], keep=keep)
    with pytest.raises(InputError, match="prefix"):
        AdmetStage(["herg"], prefix=None)
    with pytest.raises(InputError):
        AdmetStage(["herg"], keep={"herg": (float("nan"), 1)})


def test_values_are_the_members_mean_in_the_endpoint_units():
    from drugscreen.admet.features import featurize

    smiles = DRUGS[:3]
    _, feats = featurize(smiles, alerts=False, n_jobs=1, progress=False)
    names = ["vdss_lombardo", "caco2_wang", "herg"]
    got = ds.admet.predict(smiles, names, percentiles=False, alerts=False, progress=False)
    for name in names:
        import lightgbm  # the oracle: LightGBM's own prediction of the shipped model texts

        raw = np.stack(
            [lightgbm.Booster(model_str=t).predict(feats.model) for t in panel_files.model_texts(name)]
        )
        mean = raw.mean(axis=0)
        if ENDPOINTS[name].log10:  # modelled as log10, given back in L/kg
            expected, spread = 10**mean, (10**raw).std(axis=0)
            q = panel_files.cards()[name]["interval"]["halfwidth"]
            np.testing.assert_allclose(got[f"{name}_lo"], 10 ** (mean - q))
            np.testing.assert_allclose(got[f"{name}_hi"], 10 ** (mean + q))
        else:
            expected, spread = mean, raw.std(axis=0)
        np.testing.assert_allclose(got[name], expected, rtol=1e-12)
        np.testing.assert_allclose(got[f"{name}_std"], spread, rtol=1e-9, atol=1e-15)
    assert (got["vdss_lombardo"] > 0).all()


def test_no_molecules_gives_an_empty_table_with_the_columns():
    got = ds.admet.predict([], ["herg", "caco2_wang"], progress=False)
    assert len(got) == 0 and {"herg", "herg_pct", "caco2_wang_lo", "mw", "alerts"} <= set(got.columns)


def test_sdf_input_keeps_ids(tmp_path):
    from rdkit import Chem

    path = tmp_path / "in.sdf"
    with Chem.SDWriter(str(path)) as writer:
        for i, smi in enumerate(DRUGS[:2]):
            mol = Chem.MolFromSmiles(smi)
            mol.SetProp("_Name", f"drug{i}")
            writer.write(mol)
    got = ds.admet.predict(path, ["herg"], progress=False)
    assert got["id"].tolist() == ["drug0", "drug1"] and got["herg"].notna().all()


def test_parquet_with_numbers_for_smiles_gives_error_rows(tmp_path):
    path = tmp_path / "numbers.parquet"
    pd.DataFrame({"smiles": [1, 2], "id": ["a", "b"]}).to_parquet(path)
    got = ds.admet.predict(path, ["herg"], progress=False)
    assert got["error"].tolist() == ["not a SMILES string: int"] * 2
