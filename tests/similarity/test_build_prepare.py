"""FingerprintDB.build / append with standardize= and filters=: prepared molecules, counted exclusions."""

from __future__ import annotations

import numpy.testing as npt
import pytest
from conftest import build_db

from drugscreen import FingerprintDB, filter_molecules, fingerprint, standardize
from drugscreen.errors import InputError


def all_rows(db):
    return db.metadata(range(len(db)))


def test_standardized_build_stores_standardized_smiles(tmp_path, small_sample):
    db = build_db(tmp_path / "a.dsdb", small_sample, standardize=True)
    expected = standardize(small_sample, progress=False)
    ok = expected[expected["error"].isna()]
    meta = all_rows(db)
    assert meta["smiles"].tolist() == ok["smiles"].tolist()
    report = db.last_report
    assert (report.n_records, report.n_added, report.n_filtered) == (len(small_sample), len(ok), 0)
    assert sorted(report.rejects["row"]) == sorted(expected.loc[expected["error"].notna(), "row"])
    # the fingerprints are those of the standardised molecules
    npt.assert_array_equal(db.fingerprints().data, fingerprint(ok["smiles"].tolist()).data)
    batch = db.manifest["batches"][0]
    assert batch["prepare"]["standardize"] == ["cleanup", "fragment", "uncharge"]
    assert batch["n_filtered"] == 0


def test_filters_leave_molecules_out_and_count_them(tmp_path, small_sample):
    db = build_db(tmp_path / "f.dsdb", small_sample, filters=["pains", "ro5"])
    table = filter_molecules(small_sample, ["pains", "ro5"], progress=False)
    passing = table[table["pass_all"]]
    failing = table[~table["pass_all"] & table["error"].isna()]
    report = db.last_report
    assert len(db) == report.n_added == len(passing)
    assert report.n_filtered == len(failing) > 0
    assert report.filtered["row"].tolist() == failing["row"].tolist()
    catechol = report.filtered[report.filtered["text"] == "Oc1ccccc1O"]
    assert catechol["failed"].item() == "pains (catechol_A(92))"
    assert report.n_failed == int(table["error"].notna().sum())
    assert report.n_records == report.n_added + report.n_failed + report.n_filtered
    assert all_rows(db)["smiles"].tolist() == passing["smiles"].tolist()  # unstandardised: as given
    assert db.manifest["batches"][0]["n_filtered"] == report.n_filtered


def test_standardize_then_filter(tmp_path):
    # the filters see the standardised parent, not the salt
    smiles = ["CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC(=O)[O-].[Na+]", "CC(=O)[O-].[Na+]", "bad"]
    db = build_db(tmp_path / "sf.dsdb", smiles, standardize="default", filters="ro5")
    assert all_rows(db)["smiles"].tolist() == ["CC(=O)O"]
    assert db.last_report.filtered["failed"].item() == "ro5 (MolWt > 500;MolLogP > 5)"
    assert db.last_report.rejects["reason"].item() == "unparseable SMILES"


def test_parallel_build_equals_serial(tmp_path, small_sample):
    serial = build_db(tmp_path / "s.dsdb", small_sample, standardize=True, filters="pains")
    parallel = build_db(
        tmp_path / "p.dsdb", small_sample, standardize=True, filters="pains", n_jobs=2, chunk_size=60
    )
    assert all_rows(serial).equals(all_rows(parallel))
    npt.assert_array_equal(serial.fingerprints().data, parallel.fingerprints().data)
    assert serial.last_report.filtered.equals(parallel.last_report.filtered)


def test_append_prepares_the_same_way(tmp_path):
    db = build_db(tmp_path / "ap.dsdb", ["CCO.[Na+]"], standardize=True)
    report = db.append(
        ["CC(=O)[O-].[K+]", "Oc1ccccc1O"], standardize=True, filters="pains", progress=False, n_jobs=1
    )
    assert (report.n_added, report.n_filtered) == (1, 1)
    assert all_rows(db)["smiles"].tolist() == ["CCO", "CC(=O)O"]
    assert FingerprintDB.open(db.path).manifest["batches"][1]["prepare"]["filters"] == ["pains"]


def test_bad_arguments_write_nothing(tmp_path):
    with pytest.raises(InputError, match="unknown filter"):
        build_db(tmp_path / "x.dsdb", ["CCO"], filters="ro5,lipinsky")
    with pytest.raises(InputError, match="unknown standardisation recipe"):
        build_db(tmp_path / "y.dsdb", ["CCO"], standardize="polish")
    assert not list(tmp_path.iterdir())


def test_plain_build_keeps_its_manifest_keys(tmp_path):
    db = build_db(tmp_path / "plain.dsdb", ["CCO", "bad"])
    assert "prepare" not in db.manifest["batches"][0] and db.last_report.n_filtered == 0
