"""Issue 21, class "paths": ``~`` is the home directory in every path drugscreen takes
(``cache_dir="~/.cache/drugscreen"``, the README's own example, created ``./~``)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import SMALL_MOLECULES

import drugscreen as ds


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    (home / "lib.smi").write_text("\n".join(SMALL_MOLECULES) + "\n")
    yield home
    assert not (work / "~").exists(), "a directory literally named ~ was created"


Y = [float(len(s)) for s in SMALL_MOLECULES]


def _fingerprint_model():
    return ds.models.FingerprintModel(n_estimators=3, descriptors=False).fit(SMALL_MOLECULES, Y)


ENTRIES = {
    "graph model cache_dir": lambda h: (
        ds.models.DMPNN(epochs=1, hidden_size=8, cache_dir="~/cache").fit(SMALL_MOLECULES, Y)
        and (h / "cache").is_dir()
    ),
    "database build and open": lambda h: (
        ds.FingerprintDB.build("~/lib.dsdb", "~/lib.smi", progress=False)
        and len(ds.FingerprintDB.open("~/lib.dsdb")) == 20
    ),
    "screening job": lambda h: (
        ds.screen.screen("~/lib.smi", ["CCO"], "~/job", k=2, progress=False)
        and (h / "job" / "hits.parquet").is_file()
    ),
    "model save and load": lambda h: (
        _fingerprint_model().save("~/model") and ds.models.load("~/model") is not None
    ),
    "predict a library": lambda h: (
        ds.screen.predict_library(_fingerprint_model(), "~/lib.smi", "~/preds.csv", progress=False)
        and (h / "preds.csv").is_file()
    ),
    "read molecules": lambda h: len(list(ds.read_molecules("~/lib.smi"))) == 20,
    "write a table": lambda h: (
        ds.chem.io.write_table(pd.DataFrame({"a": [1]}), "~/t.csv") and (h / "t.csv").is_file()
    ),
}


@pytest.mark.parametrize("entry", list(ENTRIES))
def test_tilde_is_the_home_directory(home, entry):
    assert ENTRIES[entry](home)
