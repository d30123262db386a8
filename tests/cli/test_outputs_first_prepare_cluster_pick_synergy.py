"""Issue 21, class "outputs": ``prepare``, ``cluster``, ``pick`` and ``synergy`` check every output
path before any work, write all their outputs or none, and expand ``~`` in every path."""

from __future__ import annotations

import importlib
import os

import pandas as pd
import pytest
from conftest import build_db

import drugscreen.chem.io
import drugscreen.chem.prepare
import drugscreen.cluster
import drugscreen.network.edgelist
from drugscreen.cli import main
from drugscreen.screen.toy_data import toy_blocks
from drugscreen.similarity.db import FingerprintDB

# the module, not the function ``drugscreen.combos.synergy`` that the package re-exports
SYNERGY = importlib.import_module("drugscreen.combos.synergy")
SMILES = ["CCO", "CCCO", "CCCCO", "c1ccccc1", "c1ccccc1O", "CC(=O)O", "CCN", "CCCN", "c1ccncc1", "OCCO"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A molecule file, a database and a combination table, made once."""
    folder = tmp_path_factory.mktemp("inputs")
    (folder / "lib.smi").write_text("".join(f"{s} m{i}\n" for i, s in enumerate(SMILES)))
    build_db(folder / "lib.dsdb", SMILES, ids=[f"m{i}" for i in range(len(SMILES))])
    toy_blocks().to_csv(folder / "blocks.csv", index=False)
    return folder


COMMANDS = {
    "prepare": lambda i, out: ["prepare", str(i / "lib.smi"), "-o", out, "-j", "1"],
    "cluster": lambda i, out: ["cluster", str(i / "lib.dsdb"), "--cutoff", "0.5", "-o", out, "-j", "1"],
    "pick": lambda i, out: ["pick", str(i / "lib.dsdb"), "-n", "3", "--seed", "1", "-o", out, "-j", "1"],
    "synergy": lambda i, out: ["synergy", str(i / "blocks.csv"), "-o", out, "-j", "1"],
}


def _no_work(monkeypatch):
    """Make every piece of work the four commands do fail loudly if it is reached."""

    def spy(*args, **kwargs):
        raise AssertionError("work started before the outputs were checked")

    monkeypatch.setattr(drugscreen.chem.prepare, "prepare_library", spy)
    monkeypatch.setattr(FingerprintDB, "open", spy)
    for name in ("butina", "sphere_exclusion", "maxmin", "leader"):
        monkeypatch.setattr(drugscreen.cluster, name, spy)
    monkeypatch.setattr(drugscreen.network.edgelist, "read_table", spy)
    monkeypatch.setattr(SYNERGY, "synergy", spy)
    monkeypatch.setattr(drugscreen.chem.io, "write_table", spy)


def _one_line_error(capsys, *names):
    err = capsys.readouterr().err.strip()
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("drugscreen: error:"), err
    assert "Traceback" not in err and "unexpected" not in err, err
    for name in names:
        assert str(name) in lines[0], err
    return lines[0]


@pytest.mark.parametrize("where", ["existing directory", "parent is a file"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_bad_output_fails_before_any_work(tmp_path, inputs, capsys, monkeypatch, command, where):
    if where == "existing directory":
        out = tmp_path / "results"
        out.mkdir()
    else:
        (tmp_path / "notes.txt").write_text("a file, not a folder\n")
        out = tmp_path / "notes.txt" / "sub" / "out.csv"
    before = sorted(p.name for p in tmp_path.rglob("*"))
    _no_work(monkeypatch)
    capsys.readouterr()
    assert main(["-q", *COMMANDS[command](inputs, str(out))]) == 1
    line = _one_line_error(capsys, out)
    assert ("is a directory" if where == "existing directory" else "is a file, not a directory") in line
    assert sorted(p.name for p in tmp_path.rglob("*")) == before  # nothing written, no folder made


@pytest.mark.parametrize("command", list(COMMANDS))
def test_missing_output_directories_are_created(tmp_path, inputs, command):
    """The shared check lets the writer make missing folders, as every drugscreen output does."""
    out = tmp_path / "new" / "deeper" / "out.csv"
    assert main(["-q", *COMMANDS[command](inputs, str(out))]) == 0
    assert len(pd.read_csv(out)) > 0


@pytest.mark.parametrize(
    "option, name",
    [("--surface", "cells"), ("--fits", "f.csv/fits.csv"), ("--musyc", "cells"), ("--surface", "cells.xlsx")],
)
def test_synergy_checks_every_output_before_writing_any(tmp_path, inputs, capsys, monkeypatch, option, name):
    (tmp_path / "cells").mkdir()
    (tmp_path / "f.csv").write_text("a file\n")
    out = tmp_path / "scores.csv"
    _no_work(monkeypatch)
    argv = ["-q", "synergy", str(inputs / "blocks.csv"), "-o", str(out), option, str(tmp_path / name)]
    capsys.readouterr()
    assert main(argv) == 1
    line = _one_line_error(capsys, tmp_path / name, option)
    if name.endswith(".xlsx"):
        assert ".csv, .tsv or .parquet" in line
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["cells", "f.csv"]


def test_synergy_refuses_two_outputs_naming_one_file(tmp_path, inputs, capsys):
    out = tmp_path / "scores.csv"
    argv = ["-q", "synergy", str(inputs / "blocks.csv"), "-o", str(out), "--fits", str(out)]
    assert main(argv) == 1
    assert "same file" in _one_line_error(capsys, out) and not out.exists()


def test_synergy_writes_all_outputs_or_none(tmp_path, inputs, capsys, monkeypatch):
    real = drugscreen.chem.io.write_table
    calls = []

    def fail_on_the_second(df, path, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(f"No space left on device: {path}")
        return real(df, path, **kwargs)

    monkeypatch.setattr(drugscreen.chem.io, "write_table", fail_on_the_second)
    outs = [tmp_path / "scores.csv", tmp_path / "cells.parquet", tmp_path / "fits.tsv"]
    argv = [
        "-q",
        "synergy",
        str(inputs / "blocks.csv"),
        "-j",
        "1",
        "-o",
        str(outs[0]),
        "--surface",
        str(outs[1]),
    ]
    assert main([*argv, "--fits", str(outs[2])]) == 1
    _one_line_error(capsys, "No space left on device")
    assert list(tmp_path.iterdir()) == []  # neither the outputs nor their staged copies
    monkeypatch.setattr(drugscreen.chem.io, "write_table", real)
    assert main([*argv, "--fits", str(outs[2])]) == 0
    assert all(p.is_file() for p in outs) and len(list(tmp_path.iterdir())) == 3


def test_every_path_expands_the_home_directory(tmp_path, inputs, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    for name in ("lib.smi", "blocks.csv"):
        (home / name).write_bytes((inputs / name).read_bytes())
    build_db(home / "lib.dsdb", SMILES)
    build_db(home / "bought.dsdb", SMILES[:2])
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    assert main(["-q", "prepare", "~/lib.smi", "-o", "~/prepared.csv", "-j", "1"]) == 0
    assert main(["-q", "cluster", "~/lib.dsdb", "--cutoff", "0.5", "-o", "~/clusters.csv", "-j", "1"]) == 0
    assert (
        main(["-q", "pick", "~/lib.dsdb", "-n", "3", "--existing", "~/bought.dsdb", "-o", "~/picks.csv"]) == 0
    )
    argv = ["-q", "synergy", "~/blocks.csv", "-o", "~/scores.csv", "--surface", "~/cells.csv"]
    assert main([*argv, "--fits", "~/fits.csv", "--musyc", "~/musyc.csv", "-j", "1"]) == 0
    for name in ("prepared", "clusters", "picks", "scores", "cells", "fits", "musyc"):
        assert len(pd.read_csv(home / f"{name}.csv")) > 0, name
    assert not (tmp_path / "~").exists()


@pytest.mark.parametrize("seed", ["-1", str(2**31), str(2**32 + 1)])
def test_pick_refuses_seeds_rdkit_cannot_take(tmp_path, inputs, capsys, monkeypatch, seed):
    out = tmp_path / "picks.csv"
    _no_work(monkeypatch)
    capsys.readouterr()
    assert main(["-q", "pick", str(inputs / "lib.dsdb"), "-n", "3", "--seed", seed, "-o", str(out)]) == 1
    assert "seed must be a whole number from 0 to 2147483647" in _one_line_error(capsys, seed)
    assert not out.exists()


def test_pick_takes_the_largest_seed(tmp_path, inputs):
    out = tmp_path / "picks.csv"
    assert (
        main(["-q", "pick", str(inputs / "lib.dsdb"), "-n", "3", "--seed", str(2**31 - 1), "-o", str(out)])
        == 0
    )
    assert len(pd.read_csv(out)) == 3 and os.path.getsize(out) > 0
