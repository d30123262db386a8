"""The defects a hostile run of the database found (issue 13), each pinned by a test.

Concurrent writers, interrupted and failed writes, edited manifests, repeated appends and
the cost of opening. Kills use real subprocesses and real signals where the claim is about
processes (a Python exception is not a SIGKILL).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import build_db

import drugscreen as ds
import drugscreen.similarity.ingest as ingest_mod
import drugscreen.similarity.manifest as manifest_mod
from drugscreen.errors import DatabaseError, InputError
from drugscreen.similarity.lock import writer_lock
from drugscreen.similarity.manifest import listed_entries


@pytest.fixture(scope="module")
def smiles(demo_smiles):
    return demo_smiles[:3000]


_build = build_db


def _entries(path: Path) -> set[str]:
    return {p.name for p in path.iterdir()}


def _assert_only_listed(path: Path) -> None:
    manifest = json.loads((path / "manifest.json").read_text())
    assert _entries(path) <= listed_entries(manifest) | {".lock"}, _entries(path) - listed_entries(manifest)


# ---------------------------------------------------------------- one lock, one atomic step
def test_writers_share_one_lock(tmp_path, smiles):
    path = tmp_path / "a.dsdb"
    db = _build(path, smiles[:100])
    with writer_lock(path):  # as if another process were building, overwriting or appending
        with pytest.raises(DatabaseError, match="another build or append is writing"):
            _build(path, smiles[:50], overwrite=True)
        with pytest.raises(DatabaseError, match="another build or append is writing"):
            db.append(smiles[100:150], progress=False, n_jobs=1)
        with pytest.raises(DatabaseError, match="another build or append is writing"):
            _build(path, smiles[:10])
    assert len(ds.FingerprintDB.open(path, verify=True)) == 100
    assert not (tmp_path / ".a.dsdb.lock").exists()  # released and removed


def _cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "drugscreen", "-q", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_append_during_overwrite_never_corrupts(tmp_path, demo_smiles):
    lib = tmp_path / "lib.smi"
    lib.write_text("\n".join(demo_smiles) + "\n")
    more = tmp_path / "more.smi"
    more.write_text("\n".join(demo_smiles[:2000]) + "\n")
    path = tmp_path / "a.dsdb"
    _build(path, demo_smiles[:1000])
    build = _cli("db", "build", str(lib), str(path), "--overwrite", "-j", "1", "--shard-size", "5000")
    time.sleep(1.5)  # the overwrite is running
    append = _cli("db", "append", str(path), str(more), "-j", "1")
    _, append_err = append.communicate(timeout=120)
    _, build_err = build.communicate(timeout=300)
    assert build.returncode == 0, build_err
    assert append.returncode == 1 and "another build or append is writing" in append_err
    db = ds.FingerprintDB.open(path, verify=True)
    assert len(db) == len(demo_smiles)
    db.append([], progress=False, n_jobs=1)  # removes the generation the overwrite replaced
    _assert_only_listed(path)


def test_overwrite_crash_before_the_manifest_switch_keeps_the_old_database(
    tmp_path, smiles, monkeypatch, caplog
):
    path = tmp_path / "a.dsdb"
    old = _build(path, smiles[:200])
    before = old.search(smiles[:3], k=5)
    import drugscreen.similarity.publish as publish_mod

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the moment between the two renames of the old code

    monkeypatch.setattr(publish_mod, "write_json_atomic", crash)
    with pytest.raises(KeyboardInterrupt):
        _build(path, smiles[:300], overwrite=True)
    monkeypatch.undo()
    reopened = ds.FingerprintDB.open(path, verify=True)  # the database is still there, unchanged
    assert len(reopened) == 200
    pd.testing.assert_frame_equal(reopened.search(smiles[:3], k=5), before)
    assert not any(e.startswith("gen-") for e in _entries(path))  # Ctrl-C removed the new one at once
    assert not list(tmp_path.glob(".a.dsdb.old-*"))
    # a SIGKILL at that moment would leave the new generation unlisted: the next writer removes it
    (path / "gen-deadbeef" / "shard-00000").mkdir(parents=True)
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        reopened.append(smiles[200:210], progress=False, n_jobs=1)
    assert "no manifest lists" in caplog.text and "gen-deadbeef" in caplog.text
    _assert_only_listed(path)


def test_overwrite_replaces_contents_and_removes_the_old_generation(tmp_path, smiles):
    path = tmp_path / "a.dsdb"
    _build(path, smiles[:200], shard_size=64)
    db = _build(path, smiles[500:600], overwrite=True)
    assert len(db) == 100 and db.search([smiles[500]], k=1)["row"].tolist() == [0]
    db = _build(path, smiles[700:750], overwrite=True)
    assert len(ds.FingerprintDB.open(path, verify=True)) == 50
    # the generation just replaced stays for readers that opened it; the one before it is gone
    assert len({e for e in _entries(path) if e.startswith("gen-")}) == 2 and "shard-00000" not in _entries(
        path
    )
    db.append(smiles[:20], progress=False, n_jobs=1)  # the next write removes the replaced one
    _assert_only_listed(path)
    assert len(ds.FingerprintDB.open(path, verify=True)) == 70


_KILL_SCRIPT = """
import sys
import drugscreen as ds
print("started", flush=True)
ds.FingerprintDB.build(sys.argv[1], sys.argv[2], n_jobs=1, shard_size=400, chunk_size=200,
                       overwrite=True, progress=False)
print("done", flush=True)
"""


@pytest.mark.slow
@pytest.mark.parametrize("existing", [False, True], ids=["fresh", "overwrite"])
@pytest.mark.parametrize("delay", [0.3, 0.9, 1.5, 2.5])
def test_sigkill_during_build_leaves_a_complete_database_or_none(tmp_path, demo_smiles, delay, existing):
    # a build written in place (not renamed) fails this: the killed build's shards would show
    lib = tmp_path / "lib.smi"
    lib.write_text("\n".join(demo_smiles[:6000]) + "\n")
    path = tmp_path / "a.dsdb"
    if existing:
        _build(path, demo_smiles[:700], shard_size=400)
    proc = subprocess.Popen([sys.executable, "-c", _KILL_SCRIPT, str(path), str(lib)], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"started\n"  # drugscreen imported
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    out = proc.stdout.read()
    proc.wait()
    if not path.exists():
        assert not existing and b"done" not in out
        return
    db = ds.FingerprintDB.open(path, verify=True)
    assert len(db) == 6000 if b"done" in out else len(db) in ((700, 6000) if existing else (6000,))
    assert db.search([demo_smiles[0]], k=1)["score"].tolist() == [1.0]
    # the next writers remove what the killed one left (and the generation replaced since)
    _build(path, demo_smiles[:10], overwrite=True).append([], progress=False, n_jobs=1)
    _assert_only_listed(path)
    assert not list(tmp_path.glob(".a.dsdb.tmp-*"))


def test_concurrent_builds_to_one_path(tmp_path, smiles):
    path = tmp_path / "new.dsdb"
    with writer_lock(path):
        with pytest.raises(DatabaseError, match="another build or append"):
            _build(path, smiles[:10])
    assert not path.exists()


# ---------------------------------------------------------------- hangs and silent errors
@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "100"])
def test_shard_and_chunk_sizes_must_be_positive(tmp_path, smiles, bad):
    with pytest.raises(InputError, match="shard_size must be a positive number"):
        _build(tmp_path / "a.dsdb", smiles[:10], shard_size=bad)
    with pytest.raises(InputError, match="chunk_size must be a positive number"):
        _build(tmp_path / "a.dsdb", smiles[:10], chunk_size=bad)
    assert not (tmp_path / "a.dsdb").exists()


def test_cli_shard_size_zero_fails_at_once(tmp_path, smiles):
    lib = tmp_path / "lib.smi"
    lib.write_text("\n".join(smiles[:10]))
    start = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "drugscreen",
            "db",
            "build",
            str(lib),
            str(tmp_path / "a.dsdb"),
            "--shard-size",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1 and "shard_size must be a positive number of rows, got 0" in out.stderr
    assert time.perf_counter() - start < 30


@pytest.mark.parametrize("nbits", [1024, 4096, 64])
def test_edited_spec_width_is_caught_on_open(tmp_path, smiles, nbits):
    db = _build(tmp_path / "a.dsdb", smiles[:50])
    manifest = json.loads((db.path / "manifest.json").read_text())
    manifest["spec"]["nbits"] = nbits
    (db.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(
        DatabaseError, match=r"fps\.npy holds uint64\[50, 32\].*manifest or the file was edited"
    ):
        ds.FingerprintDB.open(db.path)


def test_edited_counts_width_is_caught_on_verify(tmp_path, smiles):
    db = _build(tmp_path / "a.dsdb", smiles[:50], spec=ds.FingerprintSpec(counts=True))
    manifest = json.loads((db.path / "manifest.json").read_text())
    manifest["spec"]["nbits"] = 64
    (db.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatabaseError, match="count indices exceed the spec's 64 bits"):
        ds.FingerprintDB.open(db.path, verify=True)


@pytest.mark.parametrize("name", ["fps.npy", "pop.npy", "rows.npy", "meta.parquet"])
def test_every_required_file_must_be_listed(tmp_path, smiles, name):
    db = _build(tmp_path / "a.dsdb", smiles[:50])
    manifest = json.loads((db.path / "manifest.json").read_text())
    del manifest["shards"][0]["files"][name]
    (db.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatabaseError, match=f"does not list {name}, which every shard needs"):
        ds.FingerprintDB.open(db.path)


def test_entry_without_sha256_is_a_clear_error(tmp_path, smiles):
    db = _build(tmp_path / "a.dsdb", smiles[:50])
    manifest = json.loads((db.path / "manifest.json").read_text())
    del manifest["shards"][0]["files"]["fps.npy"]["sha256"]
    (db.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatabaseError, match=r"shard-00000/fps\.npy: 'sha256' must be 64 hex digits"):
        ds.FingerprintDB.open(db.path)


@pytest.mark.parametrize(
    "edit,message",
    [
        (
            lambda m: m["shards"][0].__setitem__("files", list(m["shards"][0]["files"])),
            "'files' must be an object",
        ),
        (lambda m: m.__setitem__("n_rows", str(m["n_rows"])), "'n_rows' must be an integer, got str"),
        (lambda m: m.__setitem__("shards", {}), "'shards' must be a list"),
        (lambda m: m["shards"][0].__setitem__("name", "../../etc"), "has no valid 'name'"),
        (lambda m: m["spec"].__setitem__("radius", 2.5), "bad 'spec'.*radius must be an integer"),
        (lambda m: m.pop("created"), "'created' is missing"),
    ],
)
def test_malformed_manifests_say_what_is_wrong(tmp_path, smiles, edit, message):
    db = _build(tmp_path / "a.dsdb", smiles[:50])
    manifest = json.loads((db.path / "manifest.json").read_text())
    edit(manifest)
    (db.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatabaseError, match=message):
        ds.FingerprintDB.open(db.path)


def test_a_replaced_npy_of_the_right_size_is_caught_structurally(tmp_path, smiles):
    db = _build(tmp_path / "a.dsdb", smiles[:64])
    pop = db.path / "shard-00000" / "pop.npy"
    np.save(pop, np.zeros(64, dtype=np.float64))  # same size, wrong dtype
    with pytest.raises(DatabaseError, match=r"pop\.npy holds float64\[64\]"):
        ds.FingerprintDB.open(db.path)


def test_every_shard_is_verified(tmp_path, smiles):
    # a check of the first shard only would miss this
    db = _build(tmp_path / "a.dsdb", smiles[:900], shard_size=300)
    assert len(db.manifest["shards"]) == 3
    last = db.path / "shard-00002" / "fps.npy"
    data = bytearray(last.read_bytes())
    data[-3] ^= 0x10
    last.write_bytes(bytes(data))
    with pytest.raises(DatabaseError, match=r"shard-00002/fps\.npy is corrupted"):
        ds.FingerprintDB.open(db.path, verify=True)
    meta = db.path / "shard-00001" / "meta.parquet"
    last.write_bytes(bytes(data[:-1]) + bytes([data[-1]]))
    meta.write_bytes(meta.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(DatabaseError, match=r"shard-00001/meta\.parquet"):
        ds.FingerprintDB.open(db.path, verify=True)


def test_open_reads_no_fingerprint_bytes_but_verify_does(tmp_path, smiles, monkeypatch):
    db = _build(tmp_path / "a.dsdb", smiles[:100])
    calls = []
    monkeypatch.setattr(manifest_mod, "sha256_file", lambda p: calls.append(p) or "0" * 64)
    ds.FingerprintDB.open(db.path).search(smiles[:2], k=3)
    assert calls == []
    with pytest.raises(DatabaseError, match="sha256 does not match"):
        ds.FingerprintDB.open(db.path, verify=True)
    assert calls


# ---------------------------------------------------------------- leftovers
def test_ctrl_c_during_append_leaves_no_unlisted_shards(tmp_path, smiles, monkeypatch):
    db = _build(tmp_path / "a.dsdb", smiles[:300], shard_size=100)
    calls = {"n": 0}
    original = ingest_mod.ShardWriter.flush

    def interrupted(self):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        original(self)

    monkeypatch.setattr(ingest_mod.ShardWriter, "flush", interrupted)
    with pytest.raises(KeyboardInterrupt):
        db.append(smiles[300:900], progress=False, n_jobs=1, shard_size=100)
    _assert_only_listed(db.path)
    assert len(ds.FingerprintDB.open(db.path, verify=True)) == 300


def test_next_writer_removes_leftovers_and_says_so(tmp_path, smiles, caplog):
    db = _build(tmp_path / "a.dsdb", smiles[:100])
    (db.path / ".shard-00001.tmp-deadbeef").mkdir()
    (db.path / "shard-00007").mkdir()
    (db.path / "shard-00007" / "fps.npy").write_bytes(b"x" * 1000)
    (tmp_path / ".a.dsdb.tmp-0badf00d").mkdir()
    (tmp_path / ".a.dsdb.old-0badf00d").mkdir()
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        db.append(smiles[100:110], progress=False, n_jobs=1)
    assert "removed 2 entries" in caplog.text and "shard-00007" in caplog.text
    _assert_only_listed(db.path)
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        _build(db.path, smiles[:5], overwrite=True)
    assert not list(tmp_path.glob(".a.dsdb.*-0badf00d"))


def test_full_disk_names_the_file_and_adds_nothing(tmp_path, smiles, monkeypatch):
    db = _build(tmp_path / "a.dsdb", smiles[:100], shard_size=50)
    real_save = np.save
    calls = {"n": 0}

    def full_disk(file, arr, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 8:  # part-way through the second new shard
            raise OSError(28, "No space left on device")
        real_save(file, arr, *args, **kwargs)

    monkeypatch.setattr(ingest_mod.np, "save", full_disk)
    with pytest.raises(
        DatabaseError, match=r"writing .*\.npy failed: No space left on device \(\d+ MiB free"
    ):
        db.append(smiles[100:300], progress=False, n_jobs=1, shard_size=50)
    monkeypatch.undo()
    _assert_only_listed(db.path)
    assert len(ds.FingerprintDB.open(db.path, verify=True)) == 100
    with pytest.raises(DatabaseError, match="writing .* failed"):
        monkeypatch.setattr(
            ingest_mod.np,
            "save",
            lambda *a, **k: (_ for _ in ()).throw(OSError("160000 requested and 159616 written")),
        )
        _build(tmp_path / "b.dsdb", smiles[:10])
    assert not (tmp_path / "b.dsdb").exists() and not list(tmp_path.glob(".b.dsdb.tmp-*"))


# ---------------------------------------------------------------- pipelines
def test_rerun_of_a_finished_append_is_recognised(tmp_path, smiles):
    lib = tmp_path / "more.smi"
    lib.write_text("\n".join(smiles[100:200]) + "\n")
    db = _build(tmp_path / "a.dsdb", smiles[:100])
    db.append(lib, progress=False, n_jobs=1)
    with pytest.raises(DatabaseError, match=r"more\.smi is already in the database \(batch 1"):
        db.append(lib, progress=False, n_jobs=1)
    assert len(ds.FingerprintDB.open(db.path)) == 200
    db.append(smiles[300:310], progress=False, n_jobs=1)
    with pytest.raises(DatabaseError, match="already in the database"):  # in-memory input too
        db.append(smiles[300:310], progress=False, n_jobs=1)
    _assert_only_listed(db.path)
    db.append(lib, progress=False, n_jobs=1, allow_duplicate_input=True)
    assert len(ds.FingerprintDB.open(db.path, verify=True)) == 310


def test_duplicate_ids_are_counted_and_warned(tmp_path, smiles, caplog):
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        db = _build(tmp_path / "a.dsdb", smiles[:6], ids=["a", "b", "a", "c", "a", "b"])
    assert db.manifest["batches"][0]["n_duplicate_ids"] == 3
    assert (
        "3 rows have an id that another row of this batch has too (e.g. 'a' appears 3 times)" in caplog.text
    )


def test_append_sees_the_database_as_it_is_now(tmp_path, smiles):
    path = tmp_path / "a.dsdb"
    stale = _build(path, smiles[:100])
    ds.FingerprintDB.open(path).append(smiles[100:150], progress=False, n_jobs=1)
    stale.append(smiles[150:160], progress=False, n_jobs=1)  # opened before the other append
    db = ds.FingerprintDB.open(path, verify=True)
    assert len(db) == 160 and db.metadata([159])["smiles"].tolist() == [smiles[159]]


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_build_takes_its_worker_processes_with_it(tmp_path, demo_smiles, sig):
    lib = tmp_path / "lib.smi"
    lib.write_text("\n".join(demo_smiles * 4) + "\n")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "drugscreen",
            "-q",
            "db",
            "build",
            str(lib),
            str(tmp_path / "a.dsdb"),
            "-j",
            "2",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    workers: list[int] = []
    while time.time() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = [
            c
            for c in _children(proc.pid)
            if "loky" in Path(f"/proc/{c}/cmdline").read_text(errors="replace") or True
        ]
    assert workers, "no worker processes started"
    time.sleep(1.0)
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    deadline = time.time() + 15
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    assert not any(_alive(w) for w in workers), "worker processes outlived their parent"
    if sig == signal.SIGTERM:
        assert proc.returncode == 143 and "terminated" in err
        assert _entries(tmp_path) == {"lib.smi"}  # working directory and lock removed


# ---------------------------------------------------------------- review findings
def test_cleanup_never_touches_files_it_did_not_make(tmp_path, smiles):
    db = _build(tmp_path / "a.dsdb", smiles[:50])
    (db.path / "README.txt").write_text("notes about this library")
    (db.path / ".git").mkdir()
    (db.path / "shard-00009").mkdir()  # looks like ours: an interrupted append's shard
    db.append(smiles[50:60], progress=False, n_jobs=1)
    _build(db.path, smiles[:20], overwrite=True)
    names = _entries(db.path)
    assert {"README.txt", ".git"} <= names and "shard-00009" not in names


def test_glob_characters_in_the_name_do_not_reach_other_databases(tmp_path, smiles):
    other = tmp_path / ".lib1.dsdb.tmp-12345678"
    other.mkdir()  # the working directory of a build of lib1.dsdb (another lock)
    _build(tmp_path / "lib[12].dsdb", smiles[:10])
    assert other.exists()


def test_a_database_moved_aside_by_an_old_overwrite_is_never_deleted(tmp_path, smiles):
    # drugscreen 0.1 overwrote by two renames; killed between them, .NAME.old-* is the only copy
    old = _build(tmp_path / "x.dsdb", smiles[:30])
    aside = tmp_path / ".a.dsdb.old-0badf00d"
    old.path.rename(aside)
    with pytest.raises(DatabaseError, match="interrupted overwrite moved aside"):
        _build(tmp_path / "a.dsdb", smiles[:10])
    assert len(ds.FingerprintDB.open(aside, verify=True)) == 30


def test_a_reader_open_before_an_overwrite_can_finish(tmp_path, smiles):
    path = tmp_path / "a.dsdb"
    reader = _build(path, smiles[:200], shard_size=64)
    _build(path, smiles[300:400], overwrite=True)
    hits = reader.search(smiles[:3], k=2)  # segments and metadata load only now
    assert hits["score"].iloc[0] == 1.0 and hits["id"].tolist()[0] == "0"
    assert len(ds.FingerprintDB.open(path)) == 100
    ds.FingerprintDB.open(path).append(smiles[:5], progress=False, n_jobs=1)  # the next write tidies up
    _assert_only_listed(path)


def test_dot_and_symlinked_paths_share_the_lock(tmp_path, smiles, monkeypatch):
    real = tmp_path / "real" / "a.dsdb"
    real.parent.mkdir()
    _build(real, smiles[:40])
    link = tmp_path / "link.dsdb"
    link.symlink_to(real)
    with writer_lock(real):
        with pytest.raises(DatabaseError, match="another build or append"):
            ds.FingerprintDB.open(link).append(smiles[40:50], progress=False, n_jobs=1)
        monkeypatch.chdir(real)
        with pytest.raises(DatabaseError, match="another build or append"):
            ds.FingerprintDB.open(".").append(smiles[40:50], progress=False, n_jobs=1)
    monkeypatch.chdir(tmp_path)
    ds.FingerprintDB.open(link).append(smiles[40:50], progress=False, n_jobs=1)
    _build(link, smiles[:5], overwrite=True)  # overwrite through the symlink keeps the link
    assert link.is_symlink() and len(ds.FingerprintDB.open(real, verify=True)) == 5
    assert not list(real.glob("..lock")) and not list(real.parent.glob(".*.lock"))


def test_empty_appends_are_not_duplicates(tmp_path, smiles):
    db = _build(tmp_path / "a.dsdb", smiles[:10])
    db.append([], progress=False, n_jobs=1)
    db.append([], progress=False, n_jobs=1)
    assert len(db) == 10 and len(db.manifest["batches"]) == 3
