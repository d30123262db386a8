"""Edge cases: bad inputs that must be reported, not crash; odd widths; limits."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator as gen
from rdkit.Chem import rdMolDescriptors

import drugscreen as ds
import drugscreen.similarity.engine as sim
from drugscreen.chem.parse import read_molecules
from drugscreen.cli import main
from drugscreen.errors import DatabaseError, DrugscreenError, InputError, SpecError

SMILES = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC", "O=C(O)c1ccccc1", "C1CCCCC1N", ""]


def test_sdf_with_empty_block_is_a_reject(tmp_path):
    block = Chem.MolToMolBlock(Chem.MolFromSmiles("CCO")) + "$$$$\n"
    p = tmp_path / "x.sdf"
    p.write_text(block + "$$$$\n" + block)
    db = ds.FingerprintDB.build(tmp_path / "x.dsdb", p, progress=False, n_jobs=1)
    assert len(db) == 2 and db.last_report.n_failed == 1
    assert db.last_report.rejects["reason"].tolist() == ["empty record"]


def test_malformed_csv_row_is_reported_and_the_job_goes_on(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text('smiles,name\nCCO,a\nCCC,b,extra\n\n"c1ccccc1",c\n')
    recs = list(read_molecules(p, id_column="name"))
    assert [r.error is None for r in recs] == [True, False, True]
    assert recs[1].line == 3 and "malformed row: 3 fields" in recs[1].error
    assert recs[2].line == 5 and recs[2].id == "c"
    db = ds.FingerprintDB.build(tmp_path / "x.dsdb", p, progress=False, n_jobs=1, id_column="name")
    assert len(db) == 2 and "malformed" in db.last_report.rejects["reason"].iloc[0]


def test_overwrite_refuses_a_path_that_is_not_a_database(tmp_path):
    precious = tmp_path / "project"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(DatabaseError, match="not a drugscreen database"):
        ds.FingerprintDB.build(precious, ["CCO"], overwrite=True, progress=False)
    assert (precious / "notes.txt").read_text() == "keep me"


def test_ids_must_match_the_records(tmp_path):
    with pytest.raises(InputError, match="ids has 3 entries but the input has 2 records"):
        ds.FingerprintDB.build(tmp_path / "x.dsdb", ["CCO", "CCC"], ids=["a", "b", "c"], progress=False)
    assert not (tmp_path / "x.dsdb").exists()


def test_all_records_bad_gives_an_empty_searchable_database(tmp_path):
    db = ds.FingerprintDB.build(tmp_path / "x.dsdb", ["C1CC", "xyz"], progress=False, n_jobs=1)
    assert len(db) == 0 and db.last_report.n_failed == 2
    assert ds.FingerprintDB.open(db.path).search(["CCO"], k=5).empty
    assert db.search(["CCO"], threshold=0.1).empty


def test_malformed_manifest_is_a_database_error(tmp_path):
    db = ds.FingerprintDB.build(tmp_path / "x.dsdb", ["CCO", "CCC"], progress=False, n_jobs=1)
    manifest = json.loads((db.path / "manifest.json").read_text())
    del manifest["shards"][0]["files"]
    (db.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatabaseError, match="malformed: shard shard-00000: 'files' must be an object"):
        ds.FingerprintDB.open(db.path)
    manifest = json.loads((tmp_path / "x.dsdb" / "manifest.json").read_text())
    manifest["shards"][0]["files"] = {}
    (db.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatabaseError, match="does not list fps.npy, which every shard needs"):
        ds.FingerprintDB.open(db.path)
    manifest = ds.FingerprintDB.build(tmp_path / "y.dsdb", ["CCO", "CCC"], progress=False, n_jobs=1).manifest
    manifest["n_rows"] = 5
    (db.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatabaseError, match="'n_rows' is 5 but the shards hold 2"):
        ds.FingerprintDB.open(db.path)


@pytest.mark.parametrize(
    "spec,rdkit_fp",
    [
        (ds.FingerprintSpec("maccs"), rdMolDescriptors.GetMACCSKeysFingerprint),
        (
            ds.FingerprintSpec("torsion", nbits=1000),
            gen.GetTopologicalTorsionGenerator(fpSize=1000).GetFingerprint,
        ),
    ],
    ids=["maccs-167", "torsion-1000"],
)
@pytest.mark.parametrize(
    "metric,alpha,beta", [("tanimoto", 0, 0), ("cosine", 0, 0), ("tversky", 1, 0), ("tversky", 0, 1)]
)
def test_odd_widths_and_empty_molecules_equal_rdkit(spec, rdkit_fp, metric, alpha, beta):
    mols = [Chem.MolFromSmiles(s) for s in SMILES]  # "" parses to an empty molecule: all-zero bits
    rd = [rdkit_fp(m) for m in mols]
    targets = ds.fingerprint(mols, spec)
    assert not targets.data[-1].any()
    dense = ds.bulk_similarity(targets, targets, metric, alpha=alpha, beta=beta)
    bulk = {
        "tanimoto": lambda q: DataStructs.BulkTanimotoSimilarity(q, rd),
        "cosine": lambda q: DataStructs.BulkCosineSimilarity(q, rd),
        "tversky": lambda q: DataStructs.BulkTverskySimilarity(q, rd, alpha, beta),
    }[metric]
    for i in range(len(mols)):
        assert np.array_equal(dense[i], np.array(bulk(rd[i]))), (metric, i)


def test_tversky_weights_are_validated_and_bounds_survive_zero_alpha():
    targets = ds.fingerprint(SMILES[:6])
    with pytest.raises(DrugscreenError, match="Tversky weights"):
        ds.search(SMILES[:1], targets, k=1, metric="tversky", alpha=0, beta=0)
    with pytest.raises(DrugscreenError, match="Tversky weights"):
        ds.search(SMILES[:1], targets, k=1, metric="tversky", alpha=2, beta=0.5)
    hits = ds.search(SMILES[:2], targets, threshold=1.0, metric="tversky", alpha=0, beta=1)
    assert set(zip(hits["query"], hits["row"], strict=True)) >= {(0, 0), (1, 1)}


def test_huge_k_and_heap_budget_fallback(monkeypatch):
    targets = ds.fingerprint(SMILES[:6])
    full = ds.search(SMILES[:3], targets, k=10**9)
    assert len(full) == 3 * 6
    monkeypatch.setattr(sim, "HEAP_BYTES", 1)  # force the tile + single-heap path
    pd.testing.assert_frame_equal(
        ds.search(SMILES[:3], targets, k=4), full.groupby("query").head(4).reset_index(drop=True)
    )


def test_zeros_on_error_keeps_count_rows_aligned():
    spec = ds.FingerprintSpec(counts=True)
    fps = ds.fingerprint(["CCO", "C1CC", "c1ccccc1"], spec, on_error="zeros")
    dense = fps.data.toarray()
    assert dense.shape == (3, 2048) and dense[1].sum() == 0
    assert np.array_equal(dense[2], ds.fingerprint(["c1ccccc1"], spec).data.toarray()[0])


def test_spec_and_cli_errors(tmp_path, capsys):
    with pytest.raises(SpecError, match="no chirality"):
        ds.FingerprintSpec("rdkit", chirality=True)
    db = tmp_path / "x.dsdb"
    ds.FingerprintDB.build(db, ["CCO", "CCC"], progress=False, n_jobs=1)
    assert main(["search", str(db), "CCO", "-k", "1", "-o", str(tmp_path / "hits.xlsx")]) == 1
    assert "use a .csv, .tsv or .parquet" in capsys.readouterr().err
    assert not (tmp_path / "hits.xlsx").exists()
