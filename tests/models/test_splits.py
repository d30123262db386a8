"""Train/val/test splits: cover and disjointness, rounding, seeds, groups kept whole, chemprop's
splits-file format, and DeepChem's ScaffoldSplitter as the oracle of the unbalanced scaffold split."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import drugscreen as ds
from drugscreen.errors import InputError
from drugscreen.models.splits import (
    Split,
    cluster_split,
    make_split,
    random_split,
    scaffold_keys,
    scaffold_split,
    stratified_split,
)

SIZES = [(0.8, 0.1, 0.1), (0.7, 0.2, 0.1), (0.6, 0.2, 0.2)]


def _check_partition(split: Split, n: int) -> None:
    parts = (split.train, split.val, split.test)
    for part in parts:
        assert part.dtype == np.int64 and not part.flags.writeable
        assert np.all(np.diff(part) > 0)  # sorted and unique
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(n))  # disjoint and complete


def _set_of_each_row(split: Split, n: int) -> np.ndarray:
    where = np.full(n, -1)
    for i, part in enumerate((split.train, split.val, split.test)):
        where[part] = i
    return where


@pytest.fixture(scope="module")
def moleculenet(shared_data):
    """(name, SMILES) of BBBP and BACE from the shared MoleculeNet copies."""
    root = shared_data / "moleculenet"
    return {
        "bbbp": pd.read_csv(root / "bbbp.csv")["smiles"].tolist(),
        "bace": pd.read_csv(root / "bace.csv")["mol"].tolist(),
    }


# ----------------------------------------------------------------------------------- random
@pytest.mark.parametrize(
    ("n", "sizes", "expected"),
    [
        (10, (0.8, 0.1, 0.1), (8, 1, 1)),
        (15, (0.8, 0.1, 0.1), (12, 1, 2)),  # floor for train and val, the rest to test
        (100, (0.7, 0.2, 0.1), (70, 20, 10)),
        (15, (0.9, 0.1, 0.0), (13, 2, 0)),  # test is 0: the rest goes to val
        (7, (0.5, 0.0, 0.5), (3, 0, 4)),
        (1, (1.0, 0.0, 0.0), (1, 0, 0)),
    ],
)
def test_random_sizes_follow_chemprop_rounding(n, sizes, expected):
    split = random_split(n, sizes, seed=0)
    assert split.sizes == expected
    _check_partition(split, n)


def test_random_reproducible_and_seed_dependent():
    a, b, c = random_split(200, seed=7), random_split(200, seed=7), random_split(200, seed=8)
    assert a == b and a != c
    assert (a.kind, a.seed) == ("random", 7)


# ------------------------------------------------------------------------ every kind at once
@pytest.mark.parametrize("kind", ["random", "scaffold", "stratified", "cluster"])
@pytest.mark.parametrize("sizes", SIZES[:2])
def test_every_kind_is_a_partition_and_reproducible(demo_smiles, kind, sizes):
    smiles = demo_smiles[:300]
    y = np.arange(300) % 3
    a = make_split(kind, smiles=smiles, y=y, sizes=sizes, seed=1)
    _check_partition(a, 300)
    assert a == make_split(kind, smiles=smiles, y=y, sizes=sizes, seed=1)
    assert a != make_split(kind, smiles=smiles, y=y, sizes=sizes, seed=2)
    assert a.kind == kind and a.seed == 1
    n_train = math.floor(sizes[0] * 300)
    if kind in ("random", "stratified"):
        assert a.sizes == (n_train, math.floor(sizes[1] * 300), 300 - n_train - math.floor(sizes[1] * 300))
    else:  # whole groups: train and val never pass their floors
        assert a.sizes[0] <= n_train and a.sizes[1] <= math.floor(sizes[1] * 300)
        assert a.sizes[0] >= n_train - 30


# --------------------------------------------------------------------------------- scaffold
@pytest.mark.parametrize("balanced", [True, False])
def test_scaffold_groups_stay_in_one_set(demo_smiles, balanced):
    smiles = demo_smiles[:800]
    split = scaffold_split(smiles, seed=3, balanced=balanced)
    where = _set_of_each_row(split, len(smiles))
    sets_per_scaffold = pd.Series(where).groupby(scaffold_keys(smiles)).nunique()
    assert sets_per_scaffold.max() == 1
    assert split.seed == (3 if balanced else None)


def _chemprop_balanced(keys, sizes, seed):
    """chemprop 1.x's balanced scaffold split written out plainly (float sizes, Python sets)."""
    n = len(keys)
    train_size, val_size, test_size = (f * n for f in sizes)
    groups: dict[str, set[int]] = {}
    for i, key in enumerate(keys):
        groups.setdefault(key, set()).add(i)
    big = [g for g in groups.values() if len(g) > val_size / 2 or len(g) > test_size / 2]
    small = [g for g in groups.values() if not (len(g) > val_size / 2 or len(g) > test_size / 2)]
    rng = random.Random(seed)
    rng.seed(seed)
    rng.shuffle(big)
    rng.shuffle(small)
    train: list[int] = []
    val: list[int] = []
    test: list[int] = []
    for g in big + small:
        if len(train) + len(g) <= train_size:
            train += g
        elif len(val) + len(g) <= val_size:
            val += g
        else:
            test += g
    return sorted(train), sorted(val), sorted(test)


@pytest.mark.parametrize("sizes", SIZES)
@pytest.mark.parametrize("seed", [0, 1, 42])
def test_balanced_scaffold_matches_the_plain_chemprop_rule(demo_smiles, sizes, seed):
    smiles = demo_smiles[:500]
    got = scaffold_split(smiles, sizes, seed=seed)
    expected = _chemprop_balanced(scaffold_keys(smiles), sizes, seed)
    assert [p.tolist() for p in (got.train, got.val, got.test)] == [list(e) for e in expected]


def test_balanced_puts_big_scaffolds_in_train_for_every_seed():
    # 6 benzenes (more than half of val's 5 rows) and 14 singletons, caps 10 / 5 / 5
    smiles = [f"c1ccccc1{'C' * k}O" for k in range(6)] + [f"C1CC{'C' * k}1" for k in range(14)]
    for seed in range(10):
        split = scaffold_split(smiles, (0.5, 0.25, 0.25), seed=seed)
        assert set(range(6)) <= set(split.train.tolist())
    unbalanced = {
        tuple(scaffold_split(smiles, (0.5, 0.25, 0.25), seed=s, balanced=False).val) for s in range(5)
    }
    assert len(unbalanced) == 1  # DeepChem's rule has no randomness


@pytest.mark.parametrize("dataset", ["bbbp", "bace"])
@pytest.mark.parametrize(
    "sizes",
    [(0.8, 0.1, 0.1), pytest.param((0.7, 0.2, 0.1), marks=pytest.mark.slow), (0.9, 0.1, 0.0)],
)
def test_unbalanced_scaffold_equals_deepchem(moleculenet, dataset, sizes):
    dc = pytest.importorskip("deepchem")
    smiles = moleculenet[dataset]
    data = dc.data.NumpyDataset(X=np.zeros((len(smiles), 1)), ids=np.array(smiles, dtype=object))
    expected = dc.splits.ScaffoldSplitter().split(data, *sizes)
    got = scaffold_split(smiles, sizes, balanced=False)
    for part, ref in zip((got.train, got.val, got.test), expected, strict=True):
        assert part.tolist() == sorted(ref)


def test_scaffold_keys_leave_out_stereo_unless_asked(moleculenet):
    # DeepChem and chemprop drop stereo from scaffolds; drugscreen.scaffolds keeps it
    smiles = moleculenet["bace"]
    plain, chiral = scaffold_keys(smiles), scaffold_keys(smiles, include_chirality=True)
    assert chiral == ds.scaffolds(smiles)["scaffold"].tolist()
    assert len(set(plain)) < len(set(chiral))


def test_scaffold_bad_smiles_named():
    with pytest.raises(InputError, match=r"2 molecule\(s\).*row 1.*row 3.*drop them"):
        scaffold_split(["CCO", "C1CC", "c1ccccc1", "xyz"])
    with pytest.raises(InputError, match="SMILES strings"):
        scaffold_split("c1ccccc1")
    with pytest.raises(InputError, match="row 1 is float"):
        scaffold_split(["CCO", float("nan")])


def test_scaffold_edge_cases():
    assert scaffold_split(["c1ccccc1"], (1.0, 0.0, 0.0)).sizes == (1, 0, 0)
    with pytest.raises(InputError, match="no rows"):
        scaffold_split([])
    # one scaffold for everything: it cannot fit in train, so train would be empty
    with pytest.raises(InputError, match="leaves the train set empty"):
        scaffold_split([f"c1ccccc1{'C' * k}" for k in range(10)])


# ------------------------------------------------------------------------------- stratified
def test_stratified_proportions_exact_when_sizes_divide():
    y = np.random.default_rng(0).permutation(np.repeat([0, 1, 2], [600, 300, 100]))
    split = stratified_split(y, seed=0)
    for part, frac in zip((split.train, split.val, split.test), (0.8, 0.1, 0.1), strict=True):
        assert np.bincount(y[part], minlength=3).tolist() == [600 * frac, 300 * frac, 100 * frac]


@pytest.mark.parametrize("trial", range(20))
def test_stratified_within_one_of_each_sets_share(trial):
    rng = np.random.default_rng(trial)
    counts = rng.integers(60, 400, size=rng.integers(2, 6))
    y = rng.permutation(np.repeat(np.arange(counts.size), counts))
    val, test = rng.uniform(0.1, 0.25, size=2)
    split = stratified_split(y, (1 - val - test, val, test), seed=trial)
    _check_partition(split, y.size)
    for part in (split.train, split.val, split.test):
        got = np.bincount(y[part], minlength=counts.size)
        share = counts * len(part) / y.size
        assert np.all(np.abs(got - share) < 1)  # floor or ceil of the class's share of the set
        assert np.all(np.abs(got - counts * len(part) / y.size) < 1)


def test_stratified_rare_class_reaches_every_set():
    y = np.array(["inactive"] * 97 + ["active"] * 3)
    for seed in range(5):
        split = stratified_split(y, (0.8, 0.1, 0.1), seed=seed)
        assert [int((y[p] == "active").sum()) for p in (split.train, split.val, split.test)] == [1, 1, 1]
        assert split.sizes == (80, 10, 10)
    two = stratified_split(np.array([0] * 98 + [1] * 2), seed=0)  # two rows cannot fill three sets
    _check_partition(two, 100)


@pytest.mark.parametrize(
    ("y", "match"),
    [
        (np.array([0, 1, np.nan, 1]), "missing label"),
        (np.array(["a", None, "b"], dtype=object), "missing label"),
        (np.array([1, "a", 2], dtype=object), "cannot be compared"),
        (np.zeros((4, 2)), "1-D"),
        (np.array([0.5, 1.0, 2.0, 1.0]), "non-integer floats"),
        (np.array([]), "no rows"),
    ],
)
def test_stratified_rejects(y, match):
    with pytest.raises(InputError, match=match):
        stratified_split(y)


# ---------------------------------------------------------------------------------- cluster
@pytest.mark.parametrize("cutoff", [0.4, 0.65])
def test_cluster_split_never_splits_a_cluster(demo_smiles, cutoff):
    smiles = demo_smiles[:600]
    split = cluster_split(smiles, seed=5, cutoff=cutoff)
    _check_partition(split, 600)
    clusters = ds.cluster.butina(ds.fingerprint(smiles), cutoff).sort_values("row")["cluster"].to_numpy()
    where = _set_of_each_row(split, 600)
    assert pd.Series(where).groupby(clusters).nunique().max() == 1


def test_cluster_split_bad_smiles():
    with pytest.raises(InputError, match="could not be parsed.*drop them"):
        cluster_split(["CCO", "C1CC", "CCN", "CCC"], (0.5, 0.25, 0.25))


# ------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "sizes",
    [(0.8, 0.1), (0.8, 0.1, 0.2), (0.9, 0.2, -0.1), (0.8, 0.1, float("nan")), ("0.8", 0.1, 0.1), 0.8],
)
def test_bad_sizes(sizes):
    with pytest.raises(InputError, match="three non-negative fractions"):
        random_split(10, sizes)


def test_sizes_within_tolerance_accepted():
    assert random_split(10, (0.8, 0.1, 0.1 + 5e-7)).sizes == (8, 1, 1)


@pytest.mark.parametrize(
    ("n", "match"), [(0, "no rows"), (-1, "non-negative"), (2.0, "integer"), (True, "integer")]
)
def test_bad_n(n, match):
    with pytest.raises(InputError, match=match):
        random_split(n)


def test_empty_set_only_for_zero_fraction():
    with pytest.raises(InputError, match="leaves the val set empty"):
        random_split(5)  # floor(0.5) = 0 rows of val
    with pytest.raises(InputError, match="seed"):
        random_split(10, seed=1.5)
    assert random_split(5, (0.8, 0.2, 0.0)).sizes == (4, 1, 0)


# ----------------------------------------------------------------------------- Split, JSON
def test_split_validates_and_freezes():
    s = Split([4, 0, 2], [1], [3])
    assert s.train.tolist() == [0, 2, 4] and s.sizes == (3, 1, 1)
    assert repr(s) == "Split(kind='custom', seed=None, sizes=(3, 1, 1))"
    with pytest.raises(ValueError):
        s.train[0] = 9
    with pytest.raises(InputError, match="row 1 is in both train and val"):
        Split([0, 1], [1], [])
    with pytest.raises(InputError, match="more than once"):
        Split([0, 0], [], [])


def test_json_round_trip_and_chemprop_format(tmp_path):
    split = random_split(50, seed=3)
    path = split.to_json(tmp_path / "sub" / "splits.json")
    raw = json.loads(path.read_text())
    assert isinstance(raw, list) and len(raw) == 1 and list(raw[0]) == ["train", "val", "test"]
    assert all(type(i) is int for part in raw[0].values() for i in part)
    back = Split.from_json(path, n_rows=50)
    assert [p.tolist() for p in (back.train, back.val, back.test)] == [
        p.tolist() for p in (split.train, split.val, split.test)
    ]
    assert (back.kind, back.seed) == ("custom", None)
    assert os.listdir(path.parent) == ["splits.json"]  # no temporary file left behind


def test_json_write_is_atomic(tmp_path, monkeypatch):
    path = Split([0, 1], [2], [3]).to_json(tmp_path / "splits.json")
    before = path.read_text()

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        Split([0], [1], [2, 3]).to_json(path)
    assert path.read_text() == before and os.listdir(tmp_path) == ["splits.json"]


def test_json_reads_bare_dict_and_range_strings(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"train": "0-3,6", "val": [4], "test": "5"}))
    split = Split.from_json(path)
    assert split.train.tolist() == [0, 1, 2, 3, 6] and split.test.tolist() == [5]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[{'train': [0]}]", "not valid JSON"),
        ('[{"train": [0, 1], "val": [1], "test": [2]}]', "row 1 is in both train and val"),
        ('[{"train": [0, 1], "val": [2], "test": [9]}]', "index 9, out of range for 5 rows"),
        ('[{"train": [-1, 1], "val": [2], "test": [3]}]', "negative index"),
        ('[{"train": [0, 0], "val": [2], "test": [3]}]', "more than once"),
        ('[{"train": [0, 1.5], "val": [2], "test": [3]}]', "must be integers, found 1.5"),
        ('[{"train": [0, true], "val": [2], "test": [3]}]', "must be integers, found True"),
        ('[{"train": [[0]], "val": [2], "test": [3]}]', "must be integers"),
        ('[{"train": "0-x", "val": [2], "test": [3]}]', "not an index or a range"),
        ('[{"train": "3-0", "val": [2], "test": [3]}]', "runs backwards"),
        ('[{"train": [0], "valid": [2], "test": [3]}]', r"missing \['val'\], unknown \['valid'\]"),
        (
            '[{"train": [0], "val": [1], "test": [2]}, {"train": [0], "val": [1], "test": [2]}]',
            "holds 2 splits",
        ),
        ("[1, 2]", "holds 2 splits"),
        ('"train"', "must hold a dict"),
        ("", "not valid JSON"),
    ],
)
def test_json_invalid_files(tmp_path, text, match):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InputError, match=match) as info:
        Split.from_json(path, n_rows=5)
    assert "bad.json" in str(info.value)


def test_json_missing_or_binary_file(tmp_path):
    with pytest.raises(InputError, match="cannot read splits file.*nope.json"):
        Split.from_json(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError, match="not valid JSON"):
        Split.from_json(tmp_path / "bin.json")


# ------------------------------------------------------------------------------- make_split
def test_make_split_dispatches(demo_smiles):
    smiles, y = demo_smiles[:100], np.arange(100) % 2
    assert make_split("random", n=100, seed=4) == random_split(100, seed=4)
    assert make_split("random", smiles=smiles, seed=4) == random_split(100, seed=4)
    assert make_split("stratified", y=y, seed=4) == stratified_split(y, seed=4)
    assert make_split("scaffold", smiles=smiles, balanced=False) == scaffold_split(smiles, balanced=False)
    assert make_split("cluster", smiles=smiles, cutoff=0.5, n_jobs=1) == cluster_split(smiles, cutoff=0.5)


@pytest.mark.parametrize(
    ("kind", "kwargs", "match"),
    [
        ("kmeans", {"n": 10}, "unknown split kind 'kmeans'; choose one of random, scaffold"),
        ("random", {}, "needs n="),
        ("scaffold", {"n": 10}, "needs smiles="),
        ("cluster", {"y": [0, 1]}, "needs smiles="),
        ("stratified", {"smiles": ["CCO"]}, "needs y="),
        ("random", {"n": 10, "balanced": True}, r"unknown option\(s\) \['balanced'\] for a random split"),
        ("scaffold", {"smiles": ["CCO"], "cutoff": 0.3}, "it takes: balanced, include_chirality"),
        ("random", {"n": 3, "y": [0, 1]}, "row counts disagree"),
    ],
)
def test_make_split_errors(kind, kwargs, match):
    with pytest.raises(InputError, match=match):
        make_split(kind, **kwargs)


def test_module_imports_no_heavy_packages():
    code = "import sys, drugscreen.models.splits; print(sorted({'deepchem', 'torch', 'rdkit'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
