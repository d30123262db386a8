"""Fingerprint database: build, open, append, atomicity and corruption detection."""

from __future__ import annotations

import json

import numpy as np
import numpy.testing as npt
import pandas as pd
import pytest
from conftest import build_db

import drugscreen.similarity.ingest as ingest_mod
from drugscreen import FingerprintDB, FingerprintSpec, fingerprint, search
from drugscreen.errors import DatabaseError, SpecError


@pytest.fixture(scope="module")
def smiles(demo_smiles):
    return demo_smiles[:2500]


_build = build_db


def test_build_search_matches_in_memory(tmp_path, smiles):
    db = _build(tmp_path / "a.dsdb", smiles, shard_size=700, chunk_size=300)
    assert len(db) == 2500 and len(db.manifest["shards"]) == 4
    fps = fingerprint(smiles)
    queries = smiles[10:15]
    for kwargs in (
        {"threshold": 0.4},
        {"k": 20},
        {"k": 5, "fusion": "max"},
        {"threshold": 0.3, "metric": "dice"},
    ):
        got = db.search(queries, **kwargs)
        expected = search(queries, fps, **kwargs)
        npt.assert_array_equal(got["row"].to_numpy(), expected["row"].to_numpy())
        npt.assert_array_equal(got["score"].to_numpy(), expected["score"].to_numpy())
    assert list(db.search(queries, k=1).columns) == ["query", "id", "row", "score"]
    npt.assert_array_equal(db.fingerprints().data, fps.data)
    reopened = FingerprintDB.open(db.path)
    pd.testing.assert_frame_equal(reopened.search(queries, k=3), db.search(queries, k=3))


def test_database_without_word_popcounts_searches_the_same(tmp_path, smiles):
    """Databases written before word popcounts existed have no word_pop.npy: still readable,
    searched without the bound, same results."""
    db = _build(tmp_path / "a.dsdb", smiles, shard_size=1000)
    assert all(seg.word_pop is not None for seg in db.segments())
    expected = db.search(smiles[:20], threshold=0.5)
    manifest = json.loads((db.path / "manifest.json").read_text())
    for shard in manifest["shards"]:
        del shard["files"]["word_pop.npy"]
        (db.path / shard["name"] / "word_pop.npy").unlink()
    (db.path / "manifest.json").write_text(json.dumps(manifest))
    old = FingerprintDB.open(db.path)
    assert all(seg.word_pop is None for seg in old.segments())
    pd.testing.assert_frame_equal(old.search(smiles[:20], threshold=0.5), expected)
    assert len(expected) > 20


def test_ids_smiles_and_rejects(tmp_path):
    src = tmp_path / "lib.smi"
    src.write_text("CCO ethanol\nC1CC bad\nc1ccccc1 benzene\nCCN ethylamine\n")
    db = FingerprintDB.build(tmp_path / "lib.dsdb", src, progress=False, n_jobs=1)
    rep = db.last_report
    assert (rep.n_records, rep.n_added, rep.n_failed) == (4, 3, 1)
    assert rep.rejects.iloc[0][["row", "line", "id", "reason"]].tolist() == [
        1,
        2,
        "bad",
        "unparseable SMILES",
    ]
    rejects = pd.read_csv(db.path / "rejects-00000.csv")
    assert rejects["text"].tolist() == ["C1CC"]
    hits = db.search(["CCO", "c1ccccc1"], k=1, query_ids=["q1", "q2"], with_smiles=True)
    assert hits[["query", "id", "row", "smiles"]].values.tolist() == [
        ["q1", "ethanol", 0, "CCO"],
        ["q2", "benzene", 1, "c1ccccc1"],
    ]
    info = db.info()
    assert info["n_rows"] == 3 and info["n_rejected"] == 1 and info["spec"]["kind"] == "morgan"
    no_ids = FingerprintDB.build(tmp_path / "noid.dsdb", ["CCO", "CCC"], progress=False, n_jobs=1)
    assert no_ids.search(["CCC"], k=1)["id"].tolist() == ["1"]
    given = FingerprintDB.build(
        tmp_path / "given.dsdb", ["CCO", "CCC"], ids=["x", "y"], progress=False, n_jobs=1
    )
    assert given.search(["CCC"], k=1)["id"].tolist() == ["y"]


def test_append_is_visible_and_searchable(tmp_path, smiles):
    db = _build(tmp_path / "a.dsdb", smiles[:1000], shard_size=400)
    rep = db.append(smiles[1000:1600], progress=False, n_jobs=1)
    assert rep.n_added == 600 and len(db) == 1600
    assert [s["n_rows"] for s in db.manifest["shards"]] == [400, 400, 200, 400, 200]
    whole = _build(tmp_path / "b.dsdb", smiles[:1600])
    q = smiles[1500:1503]
    pd.testing.assert_frame_equal(FingerprintDB.open(db.path).search(q, k=10), whole.search(q, k=10))


def test_counts_database(tmp_path, smiles):
    spec = FingerprintSpec(counts=True)
    db = _build(tmp_path / "c.dsdb", smiles[:800], spec=spec, shard_size=300)
    expected = search(smiles[:3], fingerprint(smiles[:800], spec), threshold=0.3)
    got = db.search(smiles[:3], threshold=0.3)
    npt.assert_array_equal(got["row"], expected["row"])
    npt.assert_array_equal(got["score"], expected["score"])
    assert (FingerprintDB.open(db.path).fingerprints().data != fingerprint(smiles[:800], spec).data).nnz == 0


def test_spec_mismatch_and_existing_path(tmp_path, smiles):
    db = _build(tmp_path / "a.dsdb", smiles[:50])
    with pytest.raises(SpecError):
        db.search(fingerprint(smiles[:2], FingerprintSpec(nbits=1024)), k=1)
    with pytest.raises(DatabaseError, match="already exists"):
        _build(tmp_path / "a.dsdb", smiles[:50])
    again = _build(tmp_path / "a.dsdb", smiles[:60], overwrite=True)
    assert len(again) == 60


def test_interrupted_build_leaves_nothing_and_can_rerun(tmp_path, smiles, monkeypatch):
    calls = {"n": 0}
    original = ingest_mod.ShardWriter.flush

    def failing_flush(self):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-build
        original(self)

    monkeypatch.setattr(ingest_mod.ShardWriter, "flush", failing_flush)
    with pytest.raises(KeyboardInterrupt):
        _build(tmp_path / "a.dsdb", smiles[:900], shard_size=300)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(ingest_mod.ShardWriter, "flush", original)
    assert len(_build(tmp_path / "a.dsdb", smiles[:900], shard_size=300)) == 900


def test_interrupted_append_keeps_previous_state(tmp_path, smiles, monkeypatch):
    db = _build(tmp_path / "a.dsdb", smiles[:500], shard_size=200)
    before = db.search(smiles[:2], k=5)
    manifest_before = (db.path / "manifest.json").read_text()
    original = ingest_mod.ShardWriter.flush
    calls = {"n": 0}

    def failing_flush(self):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        original(self)

    monkeypatch.setattr(ingest_mod.ShardWriter, "flush", failing_flush)
    with pytest.raises(RuntimeError):
        db.append(smiles[500:1000], progress=False, n_jobs=1)
    assert (db.path / "manifest.json").read_text() == manifest_before
    reopened = FingerprintDB.open(db.path)
    assert len(reopened) == 500
    pd.testing.assert_frame_equal(reopened.search(smiles[:2], k=5), before)
    monkeypatch.setattr(ingest_mod.ShardWriter, "flush", original)
    reopened.append(smiles[500:1000], progress=False, n_jobs=1)
    assert len(FingerprintDB.open(db.path)) == 1000


def test_corruption_is_detected_and_named(tmp_path, smiles):
    db = _build(tmp_path / "a.dsdb", smiles[:300])
    fps_file = db.path / "shard-00000" / "fps.npy"
    original = fps_file.read_bytes()
    data = bytearray(original)
    data[-5] ^= 0xFF
    fps_file.write_bytes(bytes(data))
    FingerprintDB.open(db.path)  # structural checks only: the bytes are not read
    with pytest.raises(DatabaseError, match=r"shard-00000/fps\.npy is corrupted"):
        FingerprintDB.open(db.path, verify=True)
    with pytest.raises(DatabaseError, match=r"shard-00000/fps\.npy is corrupted"):
        FingerprintDB.open(db.path).verify()
    fps_file.write_bytes(bytes(data[:-8]))
    with pytest.raises(DatabaseError, match=r"fps\.npy has .* bytes"):
        FingerprintDB.open(db.path)
    fps_file.write_bytes(original)
    FingerprintDB.open(db.path)  # restored: opens again
    (db.path / "shard-00000" / "meta.parquet").unlink()
    with pytest.raises(DatabaseError, match=r"meta\.parquet is missing"):
        FingerprintDB.open(db.path)
    (db.path / "manifest.json").write_text("{not json")
    with pytest.raises(DatabaseError, match="manifest.json is corrupted"):
        FingerprintDB.open(db.path)
    (db.path / "manifest.json").write_text(json.dumps({"format": "drugscreen-fpdb", "format_version": 99}))
    with pytest.raises(DatabaseError, match="format version 99"):
        FingerprintDB.open(db.path)
    with pytest.raises(DatabaseError, match="not a drugscreen database"):
        FingerprintDB.open(tmp_path)


def test_many_queries_and_empty_results(tmp_path, smiles):
    db = _build(tmp_path / "a.dsdb", smiles[:400])
    hits = db.search(smiles[:300], threshold=1.0)
    assert (hits["query"].to_numpy() == np.arange(300)).all()  # each finds itself
    assert db.search(["C"], threshold=0.99).empty
