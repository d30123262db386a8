"""Command line behaviour pipelines rely on (issue 13): stdin, message caps, outputs, verify."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import drugscreen as ds
from drugscreen.cli import main


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "drugscreen", *args], input=stdin, capture_output=True, text=True, timeout=300
    )


def test_build_and_append_from_standard_input(tmp_path, demo_smiles):
    db = tmp_path / "lib.dsdb"
    lines = "".join(f"{s} m{i}\n" for i, s in enumerate(demo_smiles[:50]))
    out = _run("-q", "db", "build", "-", str(db), "-j", "1", stdin=lines)
    assert out.returncode == 0, out.stderr
    out = _run("-q", "db", "append", str(db), "-", "-j", "1", stdin="CCO ethanol\n")
    assert out.returncode == 0, out.stderr
    opened = ds.FingerprintDB.open(db, verify=True)
    assert len(opened) == 51 and opened.metadata([0, 50])["id"].tolist() == ["m0", "ethanol"]
    out = _run("-q", "db", "append", str(db), "-", "-j", "1", stdin="CCO ethanol\n")
    assert (
        out.returncode == 1 and "already in the database" in out.stderr and "--allow-duplicate" in out.stderr
    )
    assert (
        _run("-q", "db", "append", str(db), "-", "--allow-duplicate", stdin="CCO ethanol\n").returncode == 0
    )
    assert len(ds.FingerprintDB.open(db)) == 52


def test_fingerprint_caps_per_record_messages_like_build(tmp_path, demo_smiles):
    bad = tmp_path / "bad.smi"
    bad.write_text("".join(f"C(C(C{i} bad{i}\n" for i in range(300)) + demo_smiles[0] + " good\n")
    out = _run("fingerprint", str(bad), "-o", str(tmp_path / "fps.parquet"), "-j", "1")
    assert out.returncode == 0, out.stderr
    lines = out.stderr.strip().splitlines()
    assert sum("skipping" in line for line in lines) == 20
    assert any("280 more records could not be parsed (300 in all)" in line for line in lines)
    assert len(lines) < 30
    out = _run("db", "build", str(bad), str(tmp_path / "b.dsdb"), "-j", "1")
    assert sum("skipping" in line for line in out.stderr.splitlines()) == 20


def test_outputs_into_missing_directories_are_created_alike(tmp_path, demo_smiles, capsys):
    lib = tmp_path / "lib.smi"
    lib.write_text("\n".join(demo_smiles[:30]) + "\n")
    db = tmp_path / "lib.dsdb"
    assert main(["-q", "db", "build", str(lib), str(db), "-j", "1"]) == 0
    hits = tmp_path / "new" / "deeper" / "hits.csv"
    fps = tmp_path / "other" / "deeper" / "fps.parquet"
    assert main(["-q", "search", str(db), demo_smiles[0], "-k", "2", "-o", str(hits)]) == 0
    assert main(["-q", "fingerprint", str(lib), "-o", str(fps), "-j", "1"]) == 0
    assert len(pd.read_csv(hits)) == 2 and fps.is_file()


def test_db_verify_and_info(tmp_path, demo_smiles, capsys):
    lib = tmp_path / "lib.smi"
    lib.write_text("\n".join(demo_smiles[:300]) + "\n")
    db = tmp_path / "lib.dsdb"
    assert main(["-q", "db", "build", str(lib), str(db), "-j", "1", "--shard-size", "100"]) == 0
    assert main(["db", "verify", str(db)]) == 0
    assert "every file matches its sha256" in capsys.readouterr().out
    fps = db / "shard-00001" / "fps.npy"
    data = bytearray(fps.read_bytes())
    data[-1] ^= 1
    fps.write_bytes(bytes(data))
    assert main(["db", "info", str(db)]) == 0  # structural checks only
    assert main(["db", "info", "--no-verify", str(db)]) == 0  # the old flag still parses
    capsys.readouterr()
    assert main(["db", "info", "--verify", str(db)]) == 1
    assert main(["db", "verify", str(db)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("drugscreen: error:") and "shard-00001/fps.npy is corrupted" in err[-1]
    assert main(["-q", "search", str(db), demo_smiles[0], "-k", "1"]) == 0  # search does not re-hash


@pytest.mark.parametrize(
    "args,message",
    [
        (["search", "{db}", "CCO", "-k", "0"], "k must be a positive number"),
        (
            ["db", "build", "{lib}", "{tmp}/x.dsdb", "--shard-size", "-1"],
            "shard_size must be a positive number",
        ),
        (["db", "build", "{tmp}", "{tmp}/y.dsdb"], "is a directory, not a molecule file"),
        (["db", "build", "{lib}", "{tmp}/z.dsdb", "--nbits", "0"], "nbits must be between"),
        (["search", "{tmp}", "CCO", "-k", "1"], "is not a drugscreen database"),
        (["search", "{db}", "CCO", "-k", "1", "-j", "0"], "n_jobs=0 is not valid"),
    ],
)
def test_errors_are_one_line(tmp_path, demo_smiles, capsys, args, message):
    lib = tmp_path / "lib.smi"
    lib.write_text("\n".join(demo_smiles[:20]) + "\n")
    db = tmp_path / "lib.dsdb"
    assert main(["-q", "db", "build", str(lib), str(db), "-j", "1"]) == 0
    capsys.readouterr()
    argv = [a.format(db=db, lib=lib, tmp=tmp_path) for a in args]
    assert main(["-q", *argv]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("drugscreen: error:") and message in err[0], err
