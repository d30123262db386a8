"""Issue 21: job directories delete only their own files, verify what they read back, and a
library changed in place is never resumed as if it were the same."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from drugscreen.errors import InputError
from drugscreen.screen.pipeline import screen

QUERIES = ["CCOc1ccccc1", "NC(=O)c1ccccc1"]


@pytest.fixture
def library(tmp_path, demo_smiles):
    path = tmp_path / "lib.smi"
    path.write_text("".join(f"{s} m{i}\n" for i, s in enumerate(demo_smiles[:60])))
    return path


def _screen(library, out, **kw):
    kw.setdefault("threshold", 0.2)
    return screen(library, QUERIES, out, chunk_size=20, n_jobs=1, progress=False, **kw)


class Stop(Exception):
    pass


def _interrupted(library, out, after_chunks, monkeypatch, **kw):
    """Run a job that stops right after ``after_chunks`` checkpoints, as a kill would."""
    from drugscreen.screen.job import JobDirectory

    real = JobDirectory.checkpoint

    def checkpoint(self, chunks_done, counts):
        real(self, chunks_done, counts)
        if chunks_done == after_chunks:
            raise Stop

    monkeypatch.setattr(JobDirectory, "checkpoint", checkpoint)
    with pytest.raises(Stop):
        _screen(library, out, **kw)
    monkeypatch.setattr(JobDirectory, "checkpoint", real)


def test_parts_symlink_is_refused_and_its_target_untouched(tmp_path, library):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    precious = [".hidden", "hits-000005.parquet", "notes.txt"]
    for name in precious:
        (elsewhere / name).write_text("mine")
    out = tmp_path / "job"
    out.mkdir()
    (out / "parts").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(InputError, match="symbolic link"):
        _screen(library, out)
    assert sorted(p.name for p in elsewhere.iterdir()) == sorted(precious)


def test_resume_deletes_only_the_names_a_job_writes(tmp_path, library, monkeypatch):
    out = tmp_path / "job"
    _interrupted(library, out, 1, monkeypatch)
    foreign = ["notes.txt", ".keep", "hits-1.parquet", "a-000009.parquet.bak"]
    for name in foreign:
        (out / "parts" / name).write_text("mine")
    (out / "parts" / ".hits-000002.parquet.tmp-123").write_text("half written")  # the job's own
    (out / "parts" / "hits-000007.parquet").write_text("a chunk the checkpoint never counted")
    result = _screen(library, out)
    left = sorted(p.name for p in (out / "parts").iterdir())
    assert all(name in left for name in foreign)
    assert ".hits-000002.parquet.tmp-123" not in left and "hits-000007.parquet" not in left
    assert len(result.hits()) == len(_screen(library, tmp_path / "fresh").hits())


@pytest.mark.parametrize("damage", ["empty", "truncated", "missing"])
def test_damaged_counted_part_names_the_file(tmp_path, library, monkeypatch, damage):
    out = tmp_path / "job"
    _interrupted(library, out, 2, monkeypatch)
    progress = json.loads((out / "progress.json").read_text())
    name = sorted(progress["parts"])[0]
    part = out / "parts" / name
    if damage == "empty":
        part.write_bytes(b"")
    elif damage == "truncated":
        part.write_bytes(part.read_bytes()[:-9])
    else:
        part.unlink()
    with pytest.raises(InputError, match=rf"{name} .*--overwrite"):
        _screen(library, out)
    assert len(_screen(library, out, overwrite=True).hits()) == len(_screen(library, tmp_path / "b").hits())


@pytest.mark.parametrize("name", ["progress.json", "job.json"])
@pytest.mark.parametrize("content", [b"", b"{", b"\x80\x03pickle"])
def test_empty_or_damaged_bookkeeping_names_the_file(tmp_path, library, monkeypatch, name, content):
    out = tmp_path / "job"
    _interrupted(library, out, 1, monkeypatch)
    (out / name).write_bytes(content)
    with pytest.raises(InputError, match=rf"{name}.*--overwrite"):
        _screen(library, out)
    assert _screen(library, out, overwrite=True).hits() is not None


def test_parts_are_fsynced_before_the_checkpoint_counts_them(tmp_path, library, monkeypatch):
    import drugscreen.chem.tables as chem_io
    from drugscreen.screen import job

    events: list[str] = []
    real_fsync, real_write = chem_io.fsync_path, job.write_json_atomic
    monkeypatch.setattr(chem_io, "fsync_path", lambda p: (events.append(f"fsync {p.name}"), real_fsync(p)))
    monkeypatch.setattr(
        job, "write_json_atomic", lambda p, o: (events.append(f"write {p.name}"), real_write(p, o))
    )
    _screen(library, tmp_path / "job")
    first_checkpoint = events.index("write progress.json")
    assert any(e.startswith("fsync .hits-000000") for e in events[:first_checkpoint])


def test_library_changed_in_place_is_not_resumed(tmp_path, library, monkeypatch):
    """Same size, same modification time, other molecules: not the same job."""
    out = tmp_path / "job"
    _interrupted(library, out, 1, monkeypatch)
    stat = library.stat()
    text = library.read_text()
    library.write_text(text.replace("m0\n", "x0\n", 1))
    os.utime(library, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert library.stat().st_size == stat.st_size
    with pytest.raises(InputError, match="different screening job.*library"):
        _screen(library, out)


def test_huge_record_is_a_reject_not_a_stall(tmp_path, demo_smiles, monkeypatch):
    path = tmp_path / "lib.smi"
    giant = "C" * 50_000  # a valid SMILES, longer than the limit
    path.write_text(f"{demo_smiles[0]} a\n{giant} giant\n{demo_smiles[1]} b\n")
    result = _screen(path, tmp_path / "job")
    rejects = result.rejects()
    assert rejects["id"].tolist() == ["giant"]
    assert "record too long: 50,000 characters (limit 20,000" in rejects["reason"].iloc[0]
    monkeypatch.setenv("DRUGSCREEN_MAX_RECORD_CHARS", "60000")
    assert len(_screen(path, tmp_path / "job2").rejects()) == 0


def test_predict_leaves_nothing_for_an_empty_library(tmp_path):
    from conftest import SMALL_MOLECULES

    import drugscreen as ds

    model = ds.models.FingerprintModel(n_estimators=3, descriptors=False).fit(
        SMALL_MOLECULES, [len(s) for s in SMALL_MOLECULES]
    )
    empty = tmp_path / "empty.smi"
    empty.write_text("")
    out = tmp_path / "preds.parquet"
    with pytest.raises(InputError, match="holds no records"):
        ds.screen.predict_library(model, empty, out, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.smi"]


def test_predict_keeps_the_old_output_until_the_new_one_is_complete(tmp_path, monkeypatch):
    from conftest import SMALL_MOLECULES

    import drugscreen as ds
    from drugscreen.screen import predict

    model = ds.models.FingerprintModel(n_estimators=3, descriptors=False).fit(
        SMALL_MOLECULES, [len(s) for s in SMALL_MOLECULES]
    )
    lib = tmp_path / "lib.smi"
    lib.write_text("\n".join(SMALL_MOLECULES) + "\n")
    out = tmp_path / "preds.csv"
    pd.DataFrame({"old": [1]}).to_csv(out, index=False)

    def fail(*a, **k):
        raise Stop

    monkeypatch.setattr(predict, "_concat", fail)
    with pytest.raises(Stop):
        ds.screen.predict_library(model, lib, out, overwrite=True, progress=False)
    assert pd.read_csv(out).columns.tolist() == ["old"]
