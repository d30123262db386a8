"""Dask backend (``client=``): search, matrix and build on a 2-process LocalCluster equal the local ones."""

from __future__ import annotations

import numpy as np
import numpy.testing as npt
import pandas as pd
import pytest
from conftest import build_db

distributed = pytest.importorskip("distributed")

from drugscreen import FingerprintDB, FingerprintSpec, fingerprint, similarity_matrix  # noqa: E402
from drugscreen.backends.dask import (  # noqa: E402
    DistributedError,
    check_client,
    map_ordered_stream,
    map_tasks,
    worker_threads,
    workers_share_path,
)
from drugscreen.backends.parallel import resolve_n_jobs  # noqa: E402
from drugscreen.errors import DrugscreenError, InputError  # noqa: E402
from drugscreen.similarity.distributed import matrix_distributed, search_shards  # noqa: E402
from drugscreen.similarity.engine import search_segments  # noqa: E402
from drugscreen.similarity.matrix import _csr  # noqa: E402
from drugscreen.similarity.params import SearchParams  # noqa: E402
from drugscreen.similarity.queries import as_fingerprints  # noqa: E402


@pytest.fixture(scope="module")
def client():
    import dask

    # processes=True: tasks, arguments and results really cross process boundaries; one retry
    # of a task whose worker died (default 3) keeps the killed-worker test short
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    with cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def library(demo_smiles):
    # duplicates (identical fingerprints) make ties at the top-k boundary across shards
    return demo_smiles[:300] + demo_smiles[:40]


@pytest.fixture(scope="module")
def queries(demo_smiles):
    return demo_smiles[3:9] + demo_smiles[2000:2004]


@pytest.fixture(scope="module")
def db(tmp_path_factory, library):
    return build_db(tmp_path_factory.mktemp("dask") / "lib.dsdb", library, shard_size=97)


@pytest.fixture(scope="module")
def counts_db(tmp_path_factory, library):
    spec = FingerprintSpec(counts=True, nbits=1024)
    return build_db(tmp_path_factory.mktemp("dask") / "counts.dsdb", library, spec=spec, shard_size=120)


def assert_same(got, expected):
    for g, e in zip(got, expected, strict=True):
        assert g.dtype == e.dtype
        npt.assert_array_equal(g, e)


PARAMS = [
    {"threshold": 0.35},
    {"k": 10},
    {"k": 1},
    {"threshold": 0.3, "k": 4},
    {"threshold": 0.3, "metric": "dice"},
    {"threshold": 0.5, "metric": "cosine"},
    {"k": 7, "metric": "tversky", "alpha": 0.2, "beta": 0.9},
    {"threshold": 0.3, "fusion": "max"},
    {"threshold": 0.15, "fusion": "mean"},
    {"k": 15, "fusion": "max"},
    {"k": 20, "threshold": 0.2, "fusion": "mean"},
]


def test_database_has_several_shards_and_ties(db, library):
    assert len(db.manifest["shards"]) == 4
    assert len(set(library)) < len(library)


@pytest.mark.parametrize("kwargs", PARAMS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_search_shards_equals_local_search(client, db, queries, kwargs):
    params = SearchParams(**kwargs)
    qfps = as_fingerprints(queries, db.spec)
    expected = search_segments(qfps, db.segments(), params, n_jobs=1)
    assert len(expected[0]) > 0
    assert_same(search_shards(db, qfps, params, client), expected)


@pytest.mark.parametrize("kwargs", [{"threshold": 0.3}, {"k": 6}, {"k": 5, "fusion": "mean"}])
def test_search_shards_sent_arrays_equal_local_search(client, db, queries, kwargs):
    """Workers that do not see the database directory get the shard arrays from the client."""
    params = SearchParams(**kwargs)
    qfps = as_fingerprints(queries, db.spec)
    expected = search_segments(qfps, db.segments(), params, n_jobs=1)
    assert_same(search_shards(db, qfps, params, client, shared=False), expected)


@pytest.mark.parametrize("kwargs", [{"threshold": 0.4}, {"k": 8}, {"k": 6, "fusion": "max"}])
def test_counts_database(client, counts_db, queries, kwargs):
    params = SearchParams(**kwargs)
    qfps = as_fingerprints(queries, counts_db.spec)
    expected = search_segments(qfps, counts_db.segments(), params, n_jobs=1)
    assert len(expected[0]) > 0
    assert_same(search_shards(counts_db, qfps, params, client), expected)
    assert_same(search_shards(counts_db, qfps, params, client, shared=False), expected)


def test_top_k_ties_keep_lowest_rows(client, db, library):
    """A duplicated molecule scores 1.0 twice: k=1 must keep the lower row, as locally."""
    qfps = as_fingerprints([library[5]], db.spec)
    q, rows, scores = search_shards(db, qfps, SearchParams(k=1), client)
    assert rows.tolist() == [5] and scores.tolist() == [1.0]
    q, rows, scores = search_shards(db, qfps, SearchParams(k=2), client)
    assert rows.tolist() == [5, 305]


def test_empty_result(client, db):
    qfps = as_fingerprints(["[Na+].[Cl-]"], db.spec)
    q, rows, scores = search_shards(db, qfps, SearchParams(threshold=0.99), client)
    assert (len(q), q.dtype, rows.dtype, scores.dtype) == (0, np.int64, np.int64, np.float64)
    empty = as_fingerprints(np.zeros((0, db.spec.words), np.uint64), db.spec)
    assert len(search_shards(db, empty, SearchParams(k=3), client)[0]) == 0


def test_db_search_with_client_equals_local(client, db, queries):
    for kwargs in ({"threshold": 0.35}, {"k": 5}, {"k": 5, "fusion": "max"}):
        pd.testing.assert_frame_equal(
            db.search(queries, client=client, **kwargs), db.search(queries, n_jobs=1, **kwargs)
        )


def test_workers_share_path(client, db, tmp_path):
    assert workers_share_path(client, db.path)
    assert not workers_share_path(client, tmp_path)  # no manifest there


def assert_same_csr(got, expected):
    assert got.shape == expected.shape
    for attr in ("indptr", "indices", "data"):
        g, e = getattr(got, attr), getattr(expected, attr)
        assert g.dtype == e.dtype
        npt.assert_array_equal(g, e)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"threshold": 0.3},
        {"threshold": 0.4, "metric": "dice"},
        {"threshold": 0.5, "metric": "cosine"},
        {"threshold": 0.3, "metric": "tversky", "alpha": 0.3, "beta": 0.3},
    ],
)
def test_symmetric_matrix_equals_local(client, library, kwargs):
    fps = fingerprint(library)
    expected = similarity_matrix(fps, n_jobs=1, **kwargs)
    assert expected.nnz > len(library)
    assert_same_csr(similarity_matrix(fps, client=client, **kwargs), expected)
    params = SearchParams(**kwargs)
    q, r, s = matrix_distributed(fps, None, params, client, block_rows=45)  # 8 blocks
    assert_same_csr(_csr(s, q, r, expected.shape), expected)


def test_rectangular_and_counts_matrices_equal_local(client, library, demo_smiles):
    a = fingerprint(library[:120])
    b = fingerprint(demo_smiles[150:400])
    expected = similarity_matrix(a, b, threshold=0.3, n_jobs=1)
    assert expected.nnz > 0
    assert_same_csr(similarity_matrix(a, b, threshold=0.3, client=client), expected)
    q, r, s = matrix_distributed(a, b, SearchParams(threshold=0.3), client, block_rows=60)
    assert_same_csr(_csr(s, q, r, expected.shape), expected)
    counts = fingerprint(library, FingerprintSpec(counts=True, nbits=1024))
    expected = similarity_matrix(counts, threshold=0.4, n_jobs=1)
    q, r, s = matrix_distributed(counts, None, SearchParams(threshold=0.4), client, block_rows=100)
    assert_same_csr(_csr(s, q, r, expected.shape), expected)


def _shard_files(db):
    return [(s["name"], s["n_rows"], s["files"]) for s in db.manifest["shards"]]


def test_distributed_build_equals_local_build(client, tmp_path, demo_smiles):
    smiles = demo_smiles[:250] + ["C1CC", "not a smiles"] + demo_smiles[250:300] + ["C(C)(C)(C)(C)C"]
    ids = [f"m{i}" for i in range(len(smiles))]
    kw = {"ids": ids, "shard_size": 70, "chunk_size": 40}
    local = build_db(tmp_path / "local.dsdb", smiles, **kw)
    dist = build_db(tmp_path / "dask.dsdb", smiles, client=client, **kw)
    # byte-identical shards (same sha256 of every file) and the same rows, ids and fingerprints
    assert _shard_files(dist) == _shard_files(local)
    npt.assert_array_equal(dist.fingerprints().data, local.fingerprints().data)
    rows = np.arange(len(local))
    pd.testing.assert_frame_equal(dist.metadata(rows), local.metadata(rows))
    pd.testing.assert_frame_equal(dist.last_report.rejects, local.last_report.rejects)
    assert dist.last_report.n_failed == 3 and dist.last_report.n_records == len(smiles)
    keys = ("n_records", "n_added", "n_failed", "records_sha256", "rejects")
    assert [{k: b[k] for k in keys} for b in dist.manifest["batches"]] == [
        {k: b[k] for k in keys} for b in local.manifest["batches"]
    ]
    assert dist.manifest["n_rows"] == local.manifest["n_rows"]
    assert (dist.path / "rejects-00000.csv").read_bytes() == (local.path / "rejects-00000.csv").read_bytes()
    with pytest.raises(InputError, match="ids has 10 entries"):  # the same error as locally
        build_db(tmp_path / "bad.dsdb", smiles, ids=ids[:10], chunk_size=40, client=client)
    assert not (tmp_path / "bad.dsdb").exists()

    more = demo_smiles[300:380] + ["C1CC"]
    local_report = local.append(more, chunk_size=30, progress=False, n_jobs=1)
    dist_report = dist.append(more, chunk_size=30, progress=False, client=client)
    assert _shard_files(dist) == _shard_files(local)
    pd.testing.assert_frame_equal(dist_report.rejects, local_report.rejects)


def test_distributed_build_with_preparation(client, tmp_path, demo_smiles):
    smiles = ["CC(=O)[O-].[Na+]", "c1ccccc1O", *demo_smiles[:60]]
    kw = {"chunk_size": 25, "standardize": True, "filters": "pains"}
    local = build_db(tmp_path / "local.dsdb", smiles, **kw)
    dist = build_db(tmp_path / "dask.dsdb", smiles, client=client, **kw)
    assert _shard_files(dist) == _shard_files(local)
    pd.testing.assert_frame_equal(dist.last_report.filtered, local.last_report.filtered)


def test_check_client():
    with pytest.raises(DrugscreenError, match=r"must be a Dask client.*got builtins\.object"):
        check_client(object())
    with pytest.raises(DrugscreenError, match="Dask client"):
        FingerprintDB.build("unused.dsdb", ["CCO"], client="tcp://127.0.0.1:8786", progress=False)


def test_closed_client_is_refused(client):
    other = distributed.Client(client.scheduler.address)
    other.close()
    with pytest.raises(DrugscreenError, match="closed Dask client"):
        check_client(other)


def test_task_errors_name_the_task_and_keep_drugscreen_types(client):
    assert map_tasks(client, abs, [-3, 2, -1]) == [3, 2, 1]
    assert map_tasks(client, abs, []) == []
    with pytest.raises(DistributedError, match=r"task 1 \(int\) failed on the Dask cluster: ValueError"):
        map_tasks(client, int, ["1", "x", "2"])
    # an error drugscreen raises on the worker keeps its type and says which task failed
    with pytest.raises(DrugscreenError, match=r"task 0 \(n_jobs=0\).*n_jobs=0 is not valid"):
        map_tasks(client, resolve_n_jobs, [0], name_of=lambda item: f"n_jobs={item}")


def test_ordered_stream_is_ordered_and_bounded(client):
    read = []

    def items():
        for i in range(12):
            read.append(i)
            yield -i

    for j, result in enumerate(map_ordered_stream(client, abs, items(), max_in_flight=3)):
        assert result == j
        assert len(read) <= j + 1 + 3  # consumed + at most 3 in flight
    with pytest.raises(DistributedError, match="task 2"):
        list(map_ordered_stream(client, int, ["1", "2", "x", "4"], max_in_flight=2))
    with pytest.raises(DrugscreenError, match="max_in_flight"):
        next(map_ordered_stream(client, abs, [1], max_in_flight=0))


def test_worker_threads_follow_the_worker(client):
    assert client.submit(worker_threads, -1, pure=False).result() == 1  # threads_per_worker=1
    assert client.submit(worker_threads, 3, pure=False).result() == 3
    assert worker_threads(2) == 2  # outside a task: the local rule


def test_killed_workers_surface_as_one_error(client):
    """A task that kills its worker is retried by dask, then reported naming the task (the
    module's cluster allows 1 retry); the nannies restart the workers."""
    import os

    with pytest.raises(DistributedError, match=r"task 0 \(_exit\) failed on the Dask cluster: KilledWorker"):
        map_tasks(client, os._exit, [3])
    client.wait_for_workers(2, timeout=60)
    assert map_tasks(client, abs, [-1]) == [1]


def test_cli_search_on_a_scheduler(client, db, library, tmp_path, capsys, monkeypatch):
    import drugscreen.backends.dask as backend
    from drugscreen.cli.main import main

    monkeypatch.setattr(backend.connect, "__defaults__", (1.0,))  # a refused address fails in 1 s

    address = client.scheduler.address
    local, remote = tmp_path / "local.csv", tmp_path / "remote.csv"
    assert main(["-q", "search", str(db.path), library[0], library[5], "-k", "7", "-o", str(local)]) == 0
    args = ["-q", "search", str(db.path), library[0], library[5], "-k", "7", "--scheduler", address]
    assert main([*args, "-o", str(remote)]) == 0
    assert local.read_text() == remote.read_text()
    assert (
        main(["-q", "search", str(db.path), library[0], "-k", "1", "--scheduler", "tcp://127.0.0.1:9"]) == 1
    )
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
