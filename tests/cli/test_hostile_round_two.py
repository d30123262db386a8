"""Issue 21, a second hostile run after the fixes: each finding, fixed by class, stays fixed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import SMALL_MOLECULES, train_fingerprint_argv

import drugscreen as ds
from drugscreen.cli import main
from drugscreen.errors import InputError

LIB = "".join(f"{s} m{i}\n" for i, s in enumerate(SMALL_MOLECULES))


@pytest.fixture
def lib(tmp_path):
    path = tmp_path / "lib.smi"
    path.write_text(LIB)
    return path


def _one_line(capsys, *needles):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("drugscreen: error:"), err
    for needle in needles:
        assert needle in err[0], err


@pytest.mark.parametrize(
    "argv",
    [
        ["prepare", "{t}/t.csv", "-o", "{t}/t.csv"],
        ["fingerprint", "{t}/fp.parquet", "-o", "{t}/fp.parquet"],
        ["vs-eval", "{t}/t.csv", "--active-column", "y", "-o", "{t}/t.csv"],
        ["synergy", "{t}/t.csv", "-o", "{t}/t.csv"],
    ],
    ids=["prepare", "fingerprint", "vs-eval", "synergy"],
)
def test_an_output_that_is_an_input_is_refused(tmp_path, capsys, argv):
    table = tmp_path / "t.csv"
    table.write_text("smiles,y\nCCO,1\nCCN,0\n")
    (tmp_path / "fp.parquet").write_bytes(b"PAR1")
    before = table.read_bytes()
    assert main(["-q", *[a.format(t=tmp_path) for a in argv]]) == 1
    _one_line(capsys, "is also an input")
    assert table.read_bytes() == before


def _screen(lib, out, **kw):
    return ds.screen.screen(lib, ["CCO"], out, k=3, chunk_size=7, n_jobs=1, progress=False, **kw)


def test_refused_overwrite_of_a_job_loses_nothing(tmp_path, lib):
    out = tmp_path / "job"
    _screen(lib, out)
    (out / "notes.txt").write_text("mine")
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(InputError, match="notes.txt"):
        ds.screen.screen(lib, ["CCN"], out, k=2, chunk_size=7, n_jobs=1, progress=False, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == before


def test_a_temporary_file_left_by_a_kill_does_not_block_the_job(tmp_path, lib):
    out = tmp_path / "job"
    _screen(lib, out)
    (out / ".progress.json.tmp-32c8dd86").write_text("{")
    assert len(_screen(lib, out).hits()) == 3
    assert not (out / ".progress.json.tmp-32c8dd86").exists()


@pytest.mark.parametrize("damage", ["deleted", "garbage"])
def test_a_finished_job_with_damaged_output_is_not_complete(tmp_path, lib, damage):
    out = tmp_path / "job"
    expected = _screen(lib, out).hits()
    if damage == "deleted":
        (out / "hits.parquet").unlink()
    else:
        (out / "hits.parquet").write_text("garbage")
    with pytest.raises(InputError, match=r"hits.parquet .*--overwrite"):
        _screen(lib, out)
    pd.testing.assert_frame_equal(_screen(lib, out, overwrite=True).hits(), expected)


def test_database_overwrite_keeps_user_files_in_shard_like_directories(tmp_path, lib):
    db = tmp_path / "lib.dsdb"
    ds.FingerprintDB.build(db, str(lib), n_jobs=1, progress=False)
    (db / "shard-00007").mkdir()
    (db / "shard-00007" / "mine.txt").write_text("keep")
    ds.FingerprintDB.build(db, str(lib), n_jobs=1, progress=False, overwrite=True)
    ds.FingerprintDB.build(db, str(lib), n_jobs=1, progress=False, overwrite=True)
    assert (db / "shard-00007" / "mine.txt").read_text() == "keep"
    assert len(ds.FingerprintDB.open(db, verify=True)) == len(SMALL_MOLECULES)


def test_train_overwrite_replaces_its_own_model_directory(tmp_path, capsys):
    table = tmp_path / "train.csv"
    pd.DataFrame({"smiles": SMALL_MOLECULES * 3, "y": [len(s) for s in SMALL_MOLECULES * 3]}).to_csv(
        table, index=False
    )
    argv = ["-q", *train_fingerprint_argv(table, tmp_path / "m")]
    assert main(argv) == 0
    assert main([*argv, "--overwrite"]) == 0, capsys.readouterr().err


def test_a_text_regression_label_is_refused_naming_it():
    y = [1.0] * 19 + ["abc"]
    with pytest.raises(InputError, match=r"row 19 .* 'abc': regression labels must be numbers"):
        ds.models.FingerprintModel(n_estimators=2).fit(SMALL_MOLECULES, y)


def test_an_empty_training_set_is_one_clear_error():
    with pytest.raises(InputError, match="y is empty"):
        ds.models.FingerprintModel().fit([], [])


@pytest.mark.parametrize("chunk", ["1e20", "99999999999999999999"])
def test_a_huge_chunk_size_is_refused_before_the_job_starts(tmp_path, lib, capsys, chunk):
    out = tmp_path / "job"
    assert (
        main(["-q", "screen", str(lib), "--query", "CCO", "-k", "2", "-o", str(out), f"--chunk-size={chunk}"])
        == 1
    )
    _one_line(capsys, "chunk_size")
    assert not out.exists()


def test_demo_checks_its_outputs_before_any_work(tmp_path, capsys):
    out = tmp_path / "d"
    (out / "hits.csv").mkdir(parents=True)
    assert main(["-q", "demo", "--out", str(out), "-j", "1"]) == 1
    _one_line(capsys, "hits.csv")
    assert sorted(p.name for p in out.iterdir()) == ["hits.csv"]


def test_a_byte_order_mark_is_not_part_of_the_first_record(tmp_path):
    path = tmp_path / "bom.smi"
    path.write_bytes(b"\xef\xbb\xbf" + LIB.encode())
    records = list(ds.iter_records(path))
    assert records[0].text == SMALL_MOLECULES[0] and records[0].error is None
    edges = tmp_path / "bom.tsv"
    edges.write_bytes(b"\xef\xbb\xbfG1\tG2\nG2\tG3\n")
    net = ds.network.Interactome.from_file(edges)
    assert sorted(net.genes) == ["G1", "G2", "G3"]


def test_enumerations_that_would_exhaust_the_machine_are_refused():
    from drugscreen.network.metagraph import check_lengths
    from drugscreen.repurpose.proximity import proximity

    with pytest.raises(InputError, match="max_length"):
        check_lengths(18)
    net = ds.network.Interactome.from_edges([("a", "b"), ("b", "c"), ("c", "d")])
    with pytest.raises(InputError, match="n_random"):
        proximity(net, {"x": ["a"]}, {"y": ["d"]}, n_random=10**10, progress=False)


def test_dwpc_refuses_duplicate_metapaths_and_integer_dtypes():
    from hetnet_data import planted_hetnet

    from drugscreen.repurpose.dwpc import dwpc, dwpc_features

    net = planted_hetnet(1, n_compounds=8, n_genes=10, n_diseases=3)
    with pytest.raises(InputError, match="more than once"):
        dwpc_features(net, ["CbGaD", "CbGaD"], progress=False)
    with pytest.raises(InputError, match="float32 or numpy.float64"):
        dwpc(net, "CbGaD", dtype=np.int8)


def test_job_summary_records_output_sizes(tmp_path, lib):
    out = tmp_path / "job"
    _screen(lib, out)
    outputs = json.loads((out / "summary.json").read_text())["outputs"]
    assert outputs["hits.parquet"] == (out / "hits.parquet").stat().st_size
