"""Streaming screening jobs: equal to a database search, resumable to identical output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from conftest import build_db

import drugscreen as ds
from drugscreen.errors import InputError
from drugscreen.screen.pipeline import screen
from drugscreen.screen.stages import ChunkTable

QUERIES = ["CCOc1ccccc1", "NC(=O)c1ccccc1", "c1ccc2[nH]ccc2c1"]


@pytest.fixture(scope="module")
def library(tmp_path_factory, demo_smiles):
    """2,400 records with two unparseable ones (rows 700 and 1801), one id per record."""
    path = tmp_path_factory.mktemp("lib") / "lib.smi"
    lines = [f"{s} mol{i}" for i, s in enumerate(demo_smiles[:2400])]
    lines[700] = "not_a_smiles mol700"
    lines[1801] = "C1CC mol1801"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(library, out, **kw):
    kw.setdefault("chunk_size", 500)
    kw.setdefault("n_jobs", 1)
    kw.setdefault("progress", False)
    return screen(library, QUERIES, out, **kw)


def _db_hits(tmp_path, library, **kw):
    db = build_db(tmp_path / "lib.dsdb", str(library))
    hits = db.search(QUERIES, with_smiles=True, **kw)
    return hits


@pytest.mark.parametrize("kw", [{"k": 7}, {"threshold": 0.3}, {"k": 4, "threshold": 0.4}])
def test_screen_equals_database_search(tmp_path, library, kw):
    result = _run(library, tmp_path / "out", **kw)
    got = result.hits()
    expected = _db_hits(tmp_path, library, **kw)
    assert list(got.columns) == ["query", "query_index", "id", "row", "score", "smiles"]
    key = ["query_index", "id"]
    got_sorted = got.sort_values(key).reset_index(drop=True)
    exp = expected.assign(query_index=expected["query"]).sort_values(key).reset_index(drop=True)
    assert got_sorted["id"].tolist() == exp["id"].tolist()
    np.testing.assert_array_equal(got_sorted["score"].to_numpy(), exp["score"].to_numpy())
    # row is the record number: mol<i> is record i
    assert (got["row"] == got["id"].str[3:].astype(int)).all()
    if "k" in kw:  # top-k comes sorted like a database search
        assert got["id"].tolist() == expected["id"].tolist()
    assert result.summary["records"] == 2400 and result.summary["rejects"] == 2
    rejects = result.rejects()
    assert rejects["row"].tolist() == [700, 1801] and rejects["line"].tolist() == [701, 1802]
    assert rejects["reason"].str.len().min() > 0


class Crash:
    """A stage that fails at one chunk (like a job killed there)."""

    name = "crash"

    def __init__(self, at):
        self.at = at

    def config(self):
        return {}

    def process(self, table: ChunkTable) -> ChunkTable:
        if table.index == self.at and not os.environ.get("NO_CRASH"):
            raise RuntimeError("killed")
        return table


@pytest.mark.parametrize("kw", [{"k": 5}, {"threshold": 0.35}])
def test_interrupted_job_resumes_to_identical_output(tmp_path, library, kw, monkeypatch):
    clean = _run(library, tmp_path / "clean", stages=[Crash(-1)], **kw)
    with pytest.raises(RuntimeError, match="killed"):
        _run(library, tmp_path / "out", stages=[Crash(3)], **kw)
    progress = json.loads((tmp_path / "out" / "progress.json").read_text())
    assert progress["chunks_done"] == 3
    stray = tmp_path / "out" / "parts" / "hits-000004.parquet"
    stray.write_bytes(b"half-written")  # what a kill during a write could leave
    monkeypatch.setenv("NO_CRASH", "1")
    resumed = _run(library, tmp_path / "out", stages=[Crash(3)], **kw)
    pd.testing.assert_frame_equal(resumed.hits(), clean.hits())
    pd.testing.assert_frame_equal(resumed.rejects(), clean.rejects())
    for key in ("records", "molecules", "rejects", "hits"):
        assert resumed.summary[key] == clean.summary[key]
    assert not stray.exists() or stray.read_bytes() != b"half-written"


def test_other_job_refused_unless_overwrite(tmp_path, library):
    _run(library, tmp_path / "out", k=3)
    with pytest.raises(InputError, match="different screening job.*differs in search"):
        _run(library, tmp_path / "out", k=4)
    again = _run(library, tmp_path / "out", k=3)  # a finished job is not run twice
    assert again.summary["records"] == 2400
    replaced = _run(library, tmp_path / "out", k=4, overwrite=True)
    assert replaced.hits().groupby("query").size().max() == 4
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("keep me")
    for overwrite in (False, True):  # never deleted, even with overwrite (it may be an input)
        with pytest.raises(InputError, match="holds files that are not a screening job's .notes.txt"):
            _run(library, tmp_path / "other", k=3, overwrite=overwrite)
    assert (tmp_path / "other" / "notes.txt").read_text() == "keep me"
    with pytest.raises(InputError, match="not a screening job's .lib.smi"):
        _run(library, library.parent, k=3, overwrite=True)  # -o the library's own directory
    assert library.is_file()


def test_second_process_on_the_same_job_is_refused(tmp_path, library):
    from drugscreen.screen.job import JobDirectory

    with JobDirectory(tmp_path / "out", {"format": "test"}):
        with pytest.raises(InputError, match="another process is running the screening job"):
            _run(library, tmp_path / "out", k=3)
    assert _run(library, tmp_path / "out", k=3, overwrite=True).summary["records"] == 2400


def test_stage_config_with_tuples_resumes_and_reordering_stage(tmp_path, library):
    class Reverse:
        """Reorders molecules (hits must still carry the right id and smiles)."""

        name = "reverse"

        def config(self):
            return {"span": (1, 5)}  # a tuple reads back from job.json as a list

        def process(self, table):
            order = np.arange(len(table.molecules))[::-1]
            return ChunkTable(
                table.index,
                table.molecules.iloc[order].reset_index(drop=True),
                table.fingerprints.take(order),
            )

    first = _run(library, tmp_path / "out", k=6, stages=[Reverse()])
    again = _run(library, tmp_path / "out", k=6, stages=[Reverse()])  # same job: not refused
    pd.testing.assert_frame_equal(first.hits(), again.hits())
    plain = _run(library, tmp_path / "plain", k=6)
    pd.testing.assert_frame_equal(first.hits(), plain.hits())
    assert json.loads((tmp_path / "out" / "job.json").read_text())["rdkit"]


def test_superseded_topk_parts_are_removed_on_resume(tmp_path, library, monkeypatch):
    with pytest.raises(RuntimeError, match="killed"):
        _run(library, tmp_path / "out", k=5, stages=[Crash(3)])
    parts = tmp_path / "out" / "parts"
    (parts / "topk-000000.parquet").write_bytes(
        (parts / "topk-000002.parquet").read_bytes()
    )  # left by a kill
    monkeypatch.setenv("NO_CRASH", "1")
    _run(library, tmp_path / "out", k=5, stages=[Crash(3)])
    assert [p.name for p in parts.glob("topk-*")] == ["topk-000004.parquet"]


def test_custom_stage_filters_before_search(tmp_path, library):
    class SmallOnly:
        name = "small_only"

        def config(self):
            return {"max_len": 25}

        def process(self, table):
            return table.select(table.molecules["smiles"].str.len() <= 25)

    result = _run(library, tmp_path / "out", k=5, stages=[SmallOnly()])
    assert (result.hits()["smiles"].str.len() <= 25).all()
    assert result.summary["filtered"] > 0
    job = json.loads((tmp_path / "out" / "job.json").read_text())
    assert job["stages"][0] == {"name": "small_only", "config": {"max_len": 25}}
    with pytest.raises(InputError, match="not a stage"):
        _run(library, tmp_path / "x", k=5, stages=[object()])


def test_bad_arguments(tmp_path, library):
    with pytest.raises(InputError, match="library file not found"):
        _run(tmp_path / "missing.smi", tmp_path / "out", k=5)
    with pytest.raises(InputError, match="chunk_size"):
        _run(library, tmp_path / "out", k=5, chunk_size=0)
    with pytest.raises(ds.DrugscreenError, match="give a threshold"):
        _run(library, tmp_path / "out")


@pytest.mark.slow
def test_sigkill_then_same_command_gives_identical_output(tmp_path, library):
    """The CLI killed with SIGKILL mid-job and rerun gives the uninterrupted run's files."""
    base = [
        sys.executable,
        "-m",
        "drugscreen",
        "-q",
        "screen",
        str(library),
        "--query",
        QUERIES[0],
        "--query",
        QUERIES[1],
        "-k",
        "6",
        "--chunk-size",
        "200",
        "-j",
        "2",
    ]
    subprocess.run([*base, "-o", str(tmp_path / "clean")], check=True)
    out = tmp_path / "out"
    proc = subprocess.Popen([*base, "-o", str(out)])
    deadline = time.time() + 120
    while time.time() < deadline:
        p = out / "progress.json"
        if p.is_file() and json.loads(p.read_text())["chunks_done"] >= 2:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "summary.json").exists(), "the job finished before it could be killed"
    subprocess.run([*base, "-o", str(out)], check=True)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "hits.parquet"), pd.read_parquet(tmp_path / "clean" / "hits.parquet")
    )
    assert (out / "rejects.csv").read_text() == (tmp_path / "clean" / "rejects.csv").read_text()
