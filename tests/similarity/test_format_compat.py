"""Databases written before the package layout changed still open and search the same.

``tests/data/format-v1`` was built by drugscreen 0.1 as it was before the move into
subpackages (commit f7975af): 300 MOSES molecules plus one bad record, shards of 128 rows,
bits and counts; ``expected_hits.json`` holds that version's search results.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import drugscreen as ds

DATA = Path(__file__).resolve().parents[1] / "data" / "format-v1"


@pytest.mark.parametrize("name", ["bits", "counts"])
def test_old_database_opens_verifies_and_searches_identically(tmp_path, name):
    expected = json.loads((DATA / "expected_hits.json").read_text())[name]
    path = tmp_path / f"{name}.dsdb"
    shutil.copytree(DATA / name, path)
    db = ds.FingerprintDB.open(path, verify=True)
    assert len(db) == 300 and db.info()["n_rejected"] == 1 and db.info()["n_shards"] == 3
    hits = db.search(expected["queries"], threshold=expected["threshold"], k=expected["k"])
    got = hits[["query", "id", "row", "score"]].values.tolist()
    assert got == [list(h) for h in expected["hits"]]  # same rows, same order, bit-equal scores
