"""Issue 21, class "reader errors": every command that reads a molecule or table file gives one
line naming the file for a truncated gzip, gzip with trailing garbage and an over-long record,
and never a traceback."""

from __future__ import annotations

import gzip

import pytest
from conftest import SMALL_MOLECULES, train_fingerprint_argv

from drugscreen.cli import main

LIB = "".join(f"{s}\tm{i}\n" for i, s in enumerate(SMALL_MOLECULES * 40))
TABLE = "smiles,y\n" + "".join(f"{s},{len(s)}\n" for s in SMALL_MOLECULES * 40)


def _damaged(tmp_path, name: str, text: str, damage: str):
    data = gzip.compress(text.encode())
    path = tmp_path / name
    path.write_bytes(data[: len(data) // 2] if damage == "truncated" else data + b"garbage!")
    return path


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    import drugscreen as ds

    model = ds.models.FingerprintModel(n_estimators=3, descriptors=False)
    model.fit(SMALL_MOLECULES, [len(s) for s in SMALL_MOLECULES])
    return model.save(tmp_path_factory.mktemp("m") / "model")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    lib = tmp_path_factory.mktemp("db") / "lib.smi"
    lib.write_text(LIB)
    db = lib.with_suffix(".dsdb")
    assert main(["-q", "db", "build", str(lib), str(db), "-j", "1"]) == 0
    return db


COMMANDS = {
    "prepare": lambda f, t, m, d: ["prepare", str(f), "-o", str(t / "out.csv")],
    "fingerprint": lambda f, t, m, d: ["fingerprint", str(f), "-o", str(t / "fp.parquet")],
    "db build": lambda f, t, m, d: ["db", "build", str(f), str(t / "x.dsdb"), "-j", "1"],
    "db append": lambda f, t, m, d: ["db", "append", str(d), str(f), "-j", "1"],
    "screen": lambda f, t, m, d: ["screen", str(f), "--query", "CCO", "-k", "3", "-o", str(t / "job")],
    "screen --queries": lambda f, t, m, d: (
        ["screen", str(t / "ok.smi"), "--queries", str(f), "-k", "3"] + ["-o", str(t / "job")]
    ),
    "search --queries": lambda f, t, m, d: ["search", str(d), "--queries", str(f), "-k", "3"],
    "predict": lambda f, t, m, d: ["predict", str(m), str(f), "-o", str(t / "p.parquet")],
    "admet": lambda f, t, m, d: [
        "admet",
        str(f),
        "-o",
        str(t / "p.parquet"),
        "--endpoints",
        "herg",
        "-j",
        "1",
    ],
}


@pytest.mark.parametrize("damage", ["truncated", "trailing-garbage"])
@pytest.mark.parametrize("command", [*COMMANDS, "train"])
def test_damaged_gzip_is_one_line_naming_the_file(tmp_path, capsys, model_dir, database, command, damage):
    (tmp_path / "ok.smi").write_text(LIB)
    if command == "train":
        path = _damaged(tmp_path, "data.csv.gz", TABLE, damage)
        argv = train_fingerprint_argv(path, tmp_path / "m")
    else:
        path = _damaged(tmp_path, "lib.smi.gz", LIB, damage)
        argv = COMMANDS[command](path, tmp_path, model_dir, database)
    capsys.readouterr()
    assert main(["-q", *argv]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("drugscreen: error:"), err
    assert str(path) in err[0] and "unexpected" not in err[0], err
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "p.parquet").exists()


@pytest.mark.parametrize("command", list(COMMANDS))
def test_over_long_record_is_a_reject_with_a_reason(tmp_path, capsys, model_dir, database, command):
    """A 2-million-atom SMILES stalled a job on every resume: now it is one reject, quickly."""
    (tmp_path / "ok.smi").write_text(LIB)
    path = tmp_path / "lib.smi"
    path.write_text("CCO\tfirst\n" + "C" * 30_000 + "\tgiant\n" + LIB)
    argv = COMMANDS[command](path, tmp_path, model_dir, database)
    if command == "search --queries":
        argv = [*argv, "-o", str(tmp_path / "hits.csv")]
    status = main(["-v", *argv])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "Traceback" not in captured.err
