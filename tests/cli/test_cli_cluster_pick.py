"""``drugscreen cluster`` and ``drugscreen pick`` end to end, against the library functions."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import build_db

import drugscreen as ds
from drugscreen.cli import main


@pytest.fixture
def database(tmp_path, demo_smiles):
    build_db(tmp_path / "lib.dsdb", demo_smiles[:400], ids=[f"m{i}" for i in range(400)])
    return tmp_path / "lib.dsdb"


def test_cluster_butina_and_sphere(tmp_path, database):
    out = tmp_path / "clusters.parquet"
    assert main(["-q", "cluster", str(database), "--cutoff", "0.4", "-o", str(out)]) == 0
    db = ds.FingerprintDB.open(database)
    pd.testing.assert_frame_equal(pd.read_parquet(out), ds.cluster.butina(db, 0.4), check_dtype=False)
    out = tmp_path / "spheres.csv"
    assert (
        main(["-q", "cluster", str(database), "--method", "sphere", "--cutoff", "0.4", "-o", str(out)]) == 0
    )
    got = pd.read_csv(out)
    assert got["cluster"].tolist() == ds.cluster.sphere_exclusion(db, 0.4)["cluster"].tolist()


def test_pick_maxmin_leader_and_existing(tmp_path, database, demo_smiles):
    db = ds.FingerprintDB.open(database)
    out = tmp_path / "picks.csv"
    assert main(["-q", "pick", str(database), "-n", "25", "--seed", "7", "-o", str(out)]) == 0
    picks = pd.read_csv(out)
    assert picks["row"].tolist() == ds.cluster.maxmin(db, 25, seed=7)["row"].tolist()
    assert (picks["id"] == "m" + picks["row"].astype(str)).all()
    bought = tmp_path / "bought.dsdb"
    build_db(bought, demo_smiles[400:420])
    assert main(["-q", "pick", str(database), "-n", "10", "--existing", str(bought), "-o", str(out)]) == 0
    expected = ds.cluster.maxmin(db, 10, existing=ds.FingerprintDB.open(bought).fingerprints())
    assert pd.read_csv(out)["row"].tolist() == expected["row"].tolist()
    assert (
        main(["-q", "pick", str(database), "--method", "leader", "--threshold", "0.7", "-o", str(out)]) == 0
    )
    assert pd.read_csv(out)["row"].tolist() == ds.cluster.leader(db, 0.7)["row"].tolist()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["pick", "{db}", "-o", "{out}"], "needs -n/--n-picks"),
        (["pick", "{db}", "--method", "leader", "-o", "{out}"], "needs --threshold"),
        (
            ["pick", "{db}", "--method", "leader", "--threshold", "0.5", "--seed", "1", "-o", "{out}"],
            "maxmin only",
        ),
        (["pick", "{db}", "-n", "100000", "-o", "{out}"], "n must be a whole number"),
        (["cluster", "{db}", "--method", "sphere", "--reordering", "-o", "{out}"], "butina only"),
    ],
)
def test_bad_arguments_are_one_line_errors(tmp_path, database, capsys, argv, message):
    out = tmp_path / "x.csv"
    argv = [a.format(db=database, out=out) for a in argv]
    assert main(["-q", *argv]) == 1
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and not out.exists()
