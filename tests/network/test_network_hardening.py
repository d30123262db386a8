"""Issue 21, network side: '#' inside table fields, the distance cache, interruptible BFS, '~' paths."""

from __future__ import annotations

import gzip
import logging
import os
import signal

import numpy as np
import pandas as pd
import pytest

import drugscreen as ds
from drugscreen.errors import InputError
from drugscreen.network import compute_distances
from drugscreen.network.edgelist import read_gene_sets, read_table


def random_edges(n, p, seed):
    rng = np.random.default_rng(seed)
    edges = [(f"g{a}", f"g{b}") for a in range(n) for b in range(a + 1, n) if rng.random() < p]
    # a ring through every gene: connected, so no gene is dropped and n_genes == n
    return edges + [(f"g{i}", f"g{(i + 1) % n}") for i in range(n)]


# ---------------------------------------------------------------------------- '#' is data


def _write(path, text):
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        path.write_text(text)


@pytest.mark.parametrize("name", ["sets.csv", "sets.tsv", "sets.txt", "sets.csv.gz", "sets.tsv.gz"])
def test_a_hash_inside_a_field_is_data(tmp_path, name):
    sep = "," if ".csv" in name else "\t"
    rows = [["target", "smiles", "note"], ["T1", "CC#N", "a # b"], ["T#2", "N#CC#N", "x"]]
    path = tmp_path / name
    _write(path, "# a comment line: skipped\n" + "".join(sep.join(r) + "\n" for r in rows))
    table = read_table(path, "ligand set")
    assert table.columns.tolist() == ["target", "smiles", "note"]
    assert table["smiles"].tolist() == ["CC#N", "N#CC#N"]
    assert table["target"].tolist() == ["T1", "T#2"] and table["note"].tolist() == ["a # b", "x"]
    numbers = read_table(path, "ligand set", text=False)
    assert numbers["smiles"].tolist() == ["CC#N", "N#CC#N"]


def test_only_lines_starting_with_a_hash_are_comments(tmp_path):
    path = tmp_path / "genes.tsv"
    path.write_text("disease\tgene\n#disease\tskipped\nd#1\tg#1\n d2\t#g2\n")
    assert read_gene_sets(path) == {"d#1": ["g#1"], " d2": ["#g2"]}
    gmt = tmp_path / "genes.gmt"
    gmt.write_text("# comment\nd#1\tdescription # with a hash\tg#1\tg2\n")
    assert read_gene_sets(gmt) == {"d#1": ["g#1", "g2"]}


# ---------------------------------------------------------------------------- distance cache


@pytest.fixture
def cached(tmp_path):
    edges = random_edges(40, 0.08, 4)
    net = ds.network.Interactome.from_edges(edges, cache_dir=tmp_path)
    truth = np.array(net.distances)
    (path,) = tmp_path.glob("distances-*.npy")
    return edges, truth, path


def _reload(edges, folder, caplog):
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        net = ds.network.Interactome.from_edges(edges, cache_dir=folder)
        return np.array(net.distances)


def _flip(path, at):
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage",
    ["empty", "flipped payload byte", "flipped header byte", "flipped trailer byte", "truncated", "half"],
)
def test_a_damaged_cache_is_ignored_and_rewritten(cached, caplog, damage):
    edges, truth, path = cached
    size = path.stat().st_size
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "flipped payload byte":
        _flip(path, 128 + 7)  # a distance in the matrix: same size, other value
    elif damage == "flipped header byte":
        _flip(path, 20)
    elif damage == "flipped trailer byte":
        _flip(path, size - 3)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:-1])
    else:
        path.write_bytes(path.read_bytes()[: size // 2])
    assert np.array_equal(_reload(edges, path.parent, caplog), truth)
    assert "distance cache" in caplog.text and "Traceback" not in caplog.text
    # rewritten: the next load trusts it again, memory-mapped, with no warning
    assert path.stat().st_size == size
    assert np.array_equal(_reload(edges, path.parent, caplog), truth) and not caplog.text
    assert isinstance(ds.network.Interactome.from_edges(edges, cache_dir=path.parent).distances, np.memmap)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_another_networks_cache_under_this_name_is_not_used(tmp_path, caplog):
    # same genes, other edges: same matrix shape, other distances
    mine = random_edges(40, 0.08, 4)
    other = random_edges(40, 0.08, 5)
    net = ds.network.Interactome.from_edges(mine, cache_dir=tmp_path)
    foreign = ds.network.Interactome.from_edges(other, cache_dir=tmp_path / "other")
    truth = np.array(net.distances)
    assert not np.array_equal(np.array(foreign.distances), truth)
    (path,) = tmp_path.glob("distances-*.npy")
    (source,) = (tmp_path / "other").glob("distances-*.npy")
    path.write_bytes(source.read_bytes())
    assert np.array_equal(_reload(mine, tmp_path, caplog), truth)
    assert "another network" in caplog.text


def test_the_cache_is_a_plain_npy_file(cached):
    _, truth, path = cached
    assert np.array_equal(np.load(path), truth)


def test_a_symlink_or_directory_in_the_way_is_left_alone(tmp_path, caplog):
    edges = random_edges(30, 0.1, 1)
    truth = np.array(ds.network.Interactome.from_edges(edges).distances)
    name = f"distances-{ds.network.Interactome.from_edges(edges).fingerprint()[:24]}.npy"
    folder = tmp_path / "cache"
    folder.mkdir()
    precious = tmp_path / "precious.txt"
    precious.write_text("not drugscreen's")
    (folder / name).symlink_to(precious)
    assert np.array_equal(_reload(edges, folder, caplog), truth)
    assert (folder / name).is_symlink() and precious.read_text() == "not drugscreen's"
    assert "left alone" in caplog.text
    (folder / name).unlink()
    (folder / name).mkdir()
    assert np.array_equal(_reload(edges, folder, caplog), truth)
    assert (folder / name).is_dir() and sorted(p.name for p in folder.iterdir()) == [name]


def test_a_symlink_to_a_valid_cache_is_used(cached, caplog):
    edges, truth, path = cached
    elsewhere = path.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / path.name).symlink_to(path)
    got = ds.network.Interactome.from_edges(edges, cache_dir=elsewhere).distances
    assert isinstance(got, np.memmap) and np.array_equal(got, truth)


def test_an_unwritable_cache_folder_is_a_warning(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    edges = random_edges(20, 0.1, 2)
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        net = ds.network.Interactome.from_edges(edges, cache_dir=blocker / "cache")
        got = np.array(net.distances)
    assert np.array_equal(got, ds.network.Interactome.from_edges(edges).distances)
    assert "cannot write the distance cache" in caplog.text and blocker.read_text() == "x"


# ---------------------------------------------------------------------------- blocked BFS


def _csr(n, p, seed):
    rng = np.random.default_rng(seed)
    rows = [[b for b in range(n) if b != a and rng.random() < p] for a in range(n)]
    for a in range(n):  # symmetric
        for b in rows[a]:
            if a not in rows[b]:
                rows[b].append(a)
    indptr = np.r_[0, np.cumsum([len(r) for r in rows])].astype(np.int64)
    indices = np.array([b for r in rows for b in sorted(r)], dtype=np.int32)
    return indptr, indices


def _unblocked(indptr, indices):
    from drugscreen.kernels.graph_cpu import bfs_all_pairs

    n = len(indptr) - 1
    out = np.empty((n, n), dtype=np.uint8)
    bfs_all_pairs(indptr, indices, np.arange(n, dtype=np.int32), out)
    return out


@pytest.mark.parametrize("n", [0, 1, 2, 23, 64])
@pytest.mark.parametrize("block", [None, 1, 2, 5, 7, 22, 23, 24, 1000])
def test_blocked_distances_equal_the_unblocked_ones(n, block):
    indptr, indices = _csr(n, 0.12, n)
    got = compute_distances(indptr, indices, block=block)
    expect = _unblocked(indptr, indices)
    assert got.shape == (n, n) and got.dtype == np.uint8
    assert got.tobytes() == expect.tobytes()


def test_block_must_be_a_positive_whole_number():
    indptr, indices = _csr(5, 0.5, 0)
    for bad in (0, -1, 2.5, float("nan"), "x"):
        with pytest.raises(InputError, match="block must be a whole number >= 1"):
            compute_distances(indptr, indices, block=bad)


def test_an_interrupt_is_honoured_between_blocks(monkeypatch):
    import drugscreen.kernels.graph_cpu as kernels

    real = kernels.bfs_all_pairs
    calls = []

    def one_block_then_ctrl_c(indptr, indices, sources, out):
        calls.append(len(sources))
        result = real(indptr, indices, sources, out)
        signal.raise_signal(signal.SIGINT)  # Ctrl-C arrives while a block runs
        return result

    monkeypatch.setattr(kernels, "bfs_all_pairs", one_block_then_ctrl_c)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        indptr, indices = _csr(40, 0.1, 3)
        with pytest.raises(KeyboardInterrupt):
            compute_distances(indptr, indices, block=4)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert calls == [4]  # the other nine blocks never ran


def test_default_blocks_are_small_enough_to_interrupt(monkeypatch):
    import drugscreen.kernels.graph_cpu as kernels

    real = kernels.bfs_all_pairs
    sizes = []

    def counting(indptr, indices, sources, out):
        sizes.append(len(sources))
        return real(indptr, indices, sources, out)

    indptr, indices = _csr(300, 0.02, 5)
    expect = _unblocked(indptr, indices)
    monkeypatch.setattr(kernels, "bfs_all_pairs", counting)
    assert compute_distances(indptr, indices).tobytes() == expect.tobytes()
    assert len(sizes) > 1 and sum(sizes) == 300 and sizes[0] <= 64


# ---------------------------------------------------------------------------- '~' paths


@pytest.fixture
def home(tmp_path, monkeypatch):
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.chdir(tmp_path)
    return folder


def test_paths_expand_the_home_directory(home, tmp_path):
    edges = random_edges(20, 0.1, 0)
    (home / "net.tsv").write_text("".join(f"{a}\t{b}\n" for a, b in edges))
    net = ds.network.Interactome.from_file("~/net.tsv", cache_dir="~/cache")
    assert net.n_genes == 20
    _ = net.distances
    assert len(list((home / "cache").glob("distances-*.npy"))) == 1
    assert not (tmp_path / "~").exists()
    (home / "sets.csv").write_text("disease,gene\nd1,g1\n")
    assert read_gene_sets("~/sets.csv") == {"d1": ["g1"]}
    assert read_table("~/sets.csv", "x").shape == (1, 2)
    (home / "sets.gmt").write_text("d1\tx\tg1\n")
    assert read_gene_sets("~/sets.gmt") == {"d1": ["g1"]}
    nodes = pd.DataFrame({"id": ["c1", "g1"], "name": ["c", "g"], "kind": ["Compound", "Gene"]})
    nodes.to_csv(home / "nodes.tsv", sep="\t", index=False)
    (home / "edges.sif").write_text("source\tmetaedge\ttarget\nc1\tCbG\tg1\n")
    kg = ds.network.Hetnet.from_files("~/nodes.tsv", "~/edges.sif")
    assert kg.n_edges("CbG") == 1
    assert os.path.expanduser("~") == str(home)


# ---------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("bad", [-1, 0, 2.5, float("nan"), float("inf"), "x", True])
def test_network_numbers_are_checked(bad):
    net = ds.network.Interactome.from_edges(random_edges(12, 0.2, 0))
    with pytest.raises(InputError, match="n_random"):
        ds.network.module_significance(net, ["g1", "g2"], n_random=bad, min_bin_size=2)
    with pytest.raises(InputError, match="min_bin_size"):
        ds.network.degree_bins(net.degree, bad)
    if bad != 0:
        with pytest.raises(InputError, match="n_genes"):
            ds.network.diamond(net, ["g1"], n_genes=bad)
        with pytest.raises(InputError, match="seed"):
            ds.network.module_significance(net, ["g1", "g2"], n_random=5, min_bin_size=2, seed=bad)
    kg = ds.network.Hetnet.from_tables(
        pd.DataFrame({"id": ["c1", "c2", "g1", "g2"], "kind": ["Compound"] * 2 + ["Gene"] * 2}),
        pd.DataFrame({"source": ["c1", "c2"], "metaedge": ["CbG", "CbG"], "target": ["g1", "g2"]}),
    )
    with pytest.raises(InputError, match="max_length"):
        kg.metapaths("Compound", "Gene", max_length=bad)
    with pytest.raises(InputError, match="min_length"):
        kg.metapaths("Compound", "Gene", max_length=3, min_length=bad)
    if bad not in (0, 2.5):
        with pytest.raises(InputError, match="multiplier"):
            ds.network.permute_hetnet(kg, multiplier=bad)
    with pytest.raises(InputError, match="seed"):
        ds.network.permute_hetnet(kg, seed=bad if bad != 0 else -5)


def test_min_length_above_max_length_is_refused():
    mg = ds.network.Metagraph({"Compound": "C", "Gene": "G"}, ["CbG"])
    with pytest.raises(InputError, match=r"min_length \(5\) must not exceed max_length \(2\)"):
        mg.metapaths("Compound", "Gene", max_length=2, min_length=5)
    with pytest.raises(InputError, match="a metapath must be an abbreviation"):
        mg.parse(5)
