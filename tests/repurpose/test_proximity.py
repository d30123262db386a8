"""Drug–disease proximity against the paper's formulas, written out in kernels/reference.py."""

import numpy as np
import pandas as pd
import pytest

import drugscreen as ds
from drugscreen.errors import InputError
from drugscreen.kernels.reference import set_distance
from drugscreen.repurpose import DISTANCES, degree_bins


def random_net(n=80, p=0.06, seed=0):
    rng = np.random.default_rng(seed)
    edges = [(f"g{a}", f"g{b}") for a in range(n) for b in range(a + 1, n) if rng.random() < p]
    return ds.network.Interactome.from_edges(edges)


def random_sets(net, n_sets, size_range, seed, prefix):
    rng = np.random.default_rng(seed)
    return {
        f"{prefix}{i}": list(rng.choice(net.genes, size=rng.integers(*size_range), replace=False))
        for i in range(n_sets)
    }


def guney_bins(degree, bin_size):
    """The paper code's binning, written out with lists."""
    by_degree = {}
    for node, k in enumerate(degree):
        by_degree.setdefault(k, []).append(node)
    values = sorted(by_degree)
    bins, i = [], 0
    while i < len(values):
        members = list(by_degree[values[i]])
        while len(members) < bin_size:
            i += 1
            if i == len(values):
                break
            members.extend(by_degree[values[i]])
        i += 1
        if len(members) < bin_size and bins:
            bins[-1].extend(members)
        else:
            bins.append(members)
    out = np.empty(len(degree), dtype=int)
    for b, members in enumerate(bins):
        out[members] = b
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("bin_size", [1, 3, 10, 40, 1000])
def test_degree_bins_follow_the_paper(seed, bin_size):
    degree = np.random.default_rng(seed).integers(1, 30, size=200)
    assert np.array_equal(degree_bins(degree, bin_size), guney_bins(degree, bin_size))


@pytest.mark.parametrize("seed", range(4))
def test_every_distance_equals_the_formula(seed):
    net = random_net(seed=seed)
    dist = np.asarray(net.distances).astype(np.int64)
    drugs = random_sets(net, 5, (1, 6), seed + 10, "drug")
    diseases = random_sets(net, 4, (1, 25), seed + 20, "dis")
    table = ds.repurpose.proximity(net, drugs, diseases, distance="all", n_random=0)
    assert len(table) == 5 * 4 * 5
    for row in table.itertuples():
        targets = list(net.resolve(drugs[row.drug])[0])
        genes = list(net.resolve(diseases[row.disease])[0])
        assert row.d == pytest.approx(set_distance(dist, targets, genes, row.distance), abs=1e-12)
    assert table.z.isna().all()


def test_random_sets_are_degree_matched_and_reproducible():
    net = random_net(n=150, p=0.04, seed=3)
    bins = degree_bins(net.degree, 10)
    drugs = random_sets(net, 3, (2, 6), 1, "drug")
    diseases = random_sets(net, 3, (5, 20), 2, "dis")
    from drugscreen.network.randomize import draw_sets

    side = draw_sets(net, drugs, bins, 50, 7, 1, "drug", True)
    blocks = side.block(0, 50)
    assert [b[0][:5].tolist() for b in side.block(10, 15)] == [b[0][10:15].tolist() for b in blocks]
    for e, nodes in enumerate(side.sets):
        draws, sizes = blocks[side.profile[e]]
        wanted = np.sort(bins[nodes])
        for i in range(50):
            got = draws[i, : sizes[i]]
            assert len(set(got)) == len(got)  # a set: no repeated node
            if sizes[i] == len(nodes):
                assert np.array_equal(np.sort(bins[got]), wanted)
            assert not set(got) & set(nodes) or len(nodes) > 1  # a lone node is never kept
    a = ds.repurpose.proximity(net, drugs, diseases, n_random=200, min_bin_size=10, seed=5)
    b = ds.repurpose.proximity(net, drugs, diseases, n_random=200, min_bin_size=10, seed=5, block_bytes=1)
    c = ds.repurpose.proximity(net, drugs, diseases, n_random=200, min_bin_size=10, seed=6)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)  # blocks change nothing
    assert not np.allclose(a.z, c.z)


def test_sets_with_the_same_degree_profile_share_their_draws():
    net = random_net(n=150, p=0.04, seed=3)
    genes = list(net.genes)
    bins = degree_bins(net.degree, 10)
    twin = next(g for g in genes[3:] if bins[net.index[g]] == bins[net.index[genes[0]]])
    drugs = {"a": genes[:3], "b": list(genes[:3])[::-1], "c": [twin, *genes[1:3]]}
    table = ds.repurpose.proximity(net, drugs, {"d": genes[10:30]}, n_random=100, min_bin_size=10)
    assert table.mean_random.iloc[0] == table.mean_random.iloc[1]  # same set, same draws
    assert table.mean_random.iloc[0] != table.mean_random.iloc[2]
    shared = ds.repurpose.proximity(
        net, drugs, {"d": genes[10:30]}, n_random=100, min_bin_size=10, exclude_self=False
    )
    assert shared.mean_random.nunique() == 1  # one degree profile, one set of draws


def test_z_matches_a_direct_monte_carlo():
    """Mean and sd of the random distances agree with plain NumPy draws from the same bins."""
    net = random_net(n=200, p=0.03, seed=11)
    dist = np.asarray(net.distances).astype(np.int64)
    bins = degree_bins(net.degree, 20)
    rng = np.random.default_rng(0)
    targets = list(rng.choice(net.n_genes, 4, replace=False))
    genes = list(rng.choice(net.n_genes, 15, replace=False))
    values = []
    for _ in range(4000):
        t = _matched(rng, bins, targets)
        g = _matched(rng, bins, genes)
        values.append(set_distance(dist, t, g, "closest"))
    table = ds.repurpose.proximity(
        net, {"x": net.genes[targets]}, {"y": net.genes[genes]}, n_random=4000, min_bin_size=20
    )
    row = table.iloc[0]
    sd = np.std(values)
    assert row.mean_random == pytest.approx(np.mean(values), abs=4 * sd / np.sqrt(4000) * 1.5)
    assert row.sd_random == pytest.approx(sd, rel=0.06)
    assert row.z == pytest.approx((row.d - row.mean_random) / row.sd_random)
    assert row.p == pytest.approx(__import__("scipy").stats.norm.cdf(row.z))


def _matched(rng, bins, nodes):
    chosen = []
    for node in nodes:
        pool = np.flatnonzero((bins == bins[node]) & (np.arange(len(bins)) != node))
        pick = rng.choice(pool)
        for _ in range(20):
            if pick not in chosen:
                break
            pick = rng.choice(pool)
        if pick not in chosen:
            chosen.append(pick)
    return chosen


def test_tables_pairs_and_missing_genes():
    net = random_net(seed=2)
    g = list(net.genes)
    targets = pd.DataFrame({"drug": ["d1", "d1", "d2", "d3"], "gene": [g[0], "nope", g[1], "absent"]})
    genes = pd.DataFrame({"disease": ["x", "x", "y"], "gene": [g[5], g[6], g[7]]})
    table = ds.repurpose.proximity(net, targets, genes, n_random=20, min_bin_size=5)
    assert list(zip(table.drug, table.disease, strict=True)) == [
        (a, b) for a in ("d1", "d2", "d3") for b in ("x", "y")
    ]
    d1 = table[table.drug == "d1"].iloc[0]
    assert (d1.n_targets, d1.n_targets_missing, d1.note) == (1, 1, "")
    d3 = table[table.drug == "d3"]
    assert d3.d.isna().all() and d3.z.isna().all()
    assert (d3.note == "no drug target in the network").all()
    picked = ds.repurpose.proximity(net, targets, genes, pairs=[("d2", "y"), ("d1", "x")], n_random=0)
    assert list(picked.drug) == ["d2", "d1"]
    with pytest.raises(InputError, match="drug 'zz'"):
        ds.repurpose.proximity(net, targets, genes, pairs=[("zz", "x")])
    with pytest.raises(InputError, match="unknown distance"):
        ds.repurpose.proximity(net, targets, genes, distance="nearest")
    with pytest.raises(InputError, match="n_random"):
        ds.repurpose.proximity(net, targets, genes, n_random=-1)
    with pytest.raises(InputError, match="no column 'gene'"):
        ds.repurpose.proximity(net, targets.rename(columns={"gene": "g"}), genes)
    with pytest.raises(InputError, match="collection of genes"):
        ds.repurpose.proximity(net, {"d": "ABC"}, genes)


def test_disconnected_network_is_refused():
    net = ds.network.Interactome.from_edges([("a", "b"), ("c", "d")], largest_component=False)
    with pytest.raises(InputError, match="connected"):
        ds.repurpose.proximity(net, {"x": ["a"]}, {"y": ["c"]})


@pytest.mark.parametrize("kind", DISTANCES[:4])
def test_target_contributions_average_to_d(kind):
    net = random_net(seed=5)
    targets, genes = list(net.genes[:5]), list(net.genes[20:40])
    parts = ds.repurpose.target_contributions(net, targets, genes, distance=kind)
    d = ds.repurpose.proximity(net, {"a": targets}, {"b": genes}, distance=kind, n_random=0).d.iloc[0]
    assert parts.distance.mean() == pytest.approx(d)
    dist = np.asarray(net.distances)
    for row in parts.itertuples():
        t = net.index[row.target]
        near = [net.index[x] for x in row.nearest_genes.split(";")]
        assert all(dist[t, x] == min(dist[t, net.index[y]] for y in genes) for x in near)


def test_toy_example_of_the_paper(shared_data):
    """README of emreg00/proximity: {A, C} to {B, D, E}, bins of 2: d = 1, z = 1.387, random
    mean 0.671 and sd 0.237 (one seeded run of 1,000 draws). A direct Monte Carlo of the same
    procedure (200 k draws, test helper above) gives mean 0.689 and sd 0.242: the published
    mean is 2.3 standard errors below it, so the figures are compared within that noise."""
    net = ds.network.Interactome.from_file(shared_data / "interactome/guney2016/toy.sif")
    rows = [
        ds.repurpose.proximity(
            net, {"drug": ["A", "C"]}, {"disease": ["B", "D", "E"]}, n_random=1000, min_bin_size=2, seed=seed
        ).iloc[0]
        for seed in range(8)
    ]
    assert all(row.d == 1.0 for row in rows)
    se = 0.242 / np.sqrt(1000)
    for row in rows:
        assert abs(row.mean_random - 0.689) < 4 * se
        assert abs(row.mean_random - 0.671) < 6 * se
    assert np.mean([r.mean_random for r in rows]) == pytest.approx(0.689, abs=2 * se)
    assert np.mean([r.sd_random for r in rows]) == pytest.approx(0.242, abs=0.01)
    assert np.mean([r.z for r in rows]) == pytest.approx(1.387, abs=0.15)


@pytest.mark.slow
def test_guney2016_distances_exactly_and_z_within_noise(shared_data):
    """All 18,564 published pairs: d equal for the five distances (to the 12 digits printed);
    closest z within Monte-Carlo noise of the published z, and the AUROC of -z for the 402
    known indications (published 0.657)."""
    from netmed_data import guney_inputs, guney_reference
    from sklearn.metrics import roc_auc_score

    folder = shared_data / "interactome"
    net = ds.network.Interactome.from_file(folder / "menche2015/DataS1_interactome.tsv.gz")
    assert (net.n_genes, net.report.n_genes_dropped) == (13329, 68)
    targets, diseases, pairs = guney_inputs(folder)
    table = ds.repurpose.proximity(
        net, targets, diseases, pairs=pairs[["group", "disease"]], distance="all", n_random=0
    )
    for kind in DISTANCES:
        ours = table[table.distance == kind].d.to_numpy()
        ref = guney_reference(folder, kind)
        assert np.abs(ours - ref.d.to_numpy()).max() < 1e-9, kind
        assert (table[table.distance == kind].n_targets.to_numpy() == ref["n.target"].to_numpy()).all()
    z = ds.repurpose.proximity(
        net, targets, diseases, pairs=pairs[["group", "disease"]], n_random=1000, seed=3
    )
    ref = guney_reference(folder, "closest")
    assert np.corrcoef(z.z, ref.z)[0, 1] > 0.99
    assert np.abs(z.z - ref.z).median() < 0.08
    assert roc_auc_score(pairs.flag, -z.z) == pytest.approx(0.657, abs=0.01)


def test_random_distances_equal_the_formula_on_the_same_draws():
    """mean_random and sd_random of every distance, recomputed from the very draws."""
    from drugscreen.network.randomize import draw_sets

    net = random_net(n=90, p=0.06, seed=8)
    dist = np.asarray(net.distances).astype(np.int64)
    drugs = random_sets(net, 3, (1, 5), 3, "drug")
    diseases = random_sets(net, 3, (2, 12), 4, "dis")
    bins = degree_bins(net.degree, 10)
    table = ds.repurpose.proximity(
        net, drugs, diseases, distance="all", n_random=30, min_bin_size=10, seed=9, block_bytes=40_000
    )
    a = draw_sets(net, drugs, bins, 30, 9, 1, "drug", True)
    b = draw_sets(net, diseases, bins, 30, 9, 2, "disease", True)
    da, db = a.block(0, 30), b.block(0, 30)
    for row in table.itertuples():
        ta, sa = da[a.profile[a.names.index(row.drug)]]
        tb, sb = db[b.profile[b.names.index(row.disease)]]
        values = [
            set_distance(dist, list(ta[i, : sa[i]]), list(tb[i, : sb[i]]), row.distance) for i in range(30)
        ]
        assert row.mean_random == pytest.approx(np.mean(values), abs=1e-12)
        assert row.sd_random == pytest.approx(np.std(values), abs=1e-9)


def test_edge_cases_of_the_inputs():
    net = random_net(seed=4)
    g = list(net.genes)
    diseases = {"x": g[3:9], "gone": ["absent1", "absent2"]}  # the last set is empty
    table = ds.repurpose.proximity(net, {"d": g[:2]}, diseases, distance="all", n_random=5, min_bin_size=5)
    assert table[table.disease == "gone"].d.isna().all() and table[table.disease == "x"].d.notna().all()
    with pytest.raises(InputError, match=">= 2"):
        ds.repurpose.proximity(net, {"d": g[:2]}, diseases, n_random=1)
    floats = pd.DataFrame({"drug": ["d", "d"], "gene": [float(g[0][1:]), np.nan]})
    renamed = ds.network.Interactome.from_edges([(a[1:], b[1:]) for a, b in zip(g[:-1], g[1:], strict=True)])
    assert renamed.resolve(floats.gene.dropna())[1] == []  # 12.0 is gene "12"
    assert ds.repurpose.proximity(renamed, floats, {"x": [g[5][1:]]}, n_random=0).n_targets.iloc[0] == 1
    assert ds.repurpose.proximity(
        net, {"d": g[:2]}, diseases, n_random=np.int64(3), min_bin_size=np.int64(5)
    ).size


def test_constant_random_distances_give_z_zero():
    """On a star the hub (a bin of its own) is 1 from every leaf: all random sets score alike."""
    net = ds.network.Interactome.from_edges([("hub", f"leaf{i}") for i in range(40)])
    leaves = [f"leaf{i}" for i in range(40)]
    table = ds.repurpose.proximity(
        net, {"d": ["hub"]}, {"x": leaves[10:13]}, distance=["kernel", "centre"], n_random=50, min_bin_size=1
    )
    assert (table.sd_random == 0).all() and (table.z == 0).all() and (table.p == 0.5).all()


def test_memory_blocks_change_nothing_for_any_distance():
    net = random_net(n=120, p=0.05, seed=6)
    drugs = random_sets(net, 4, (1, 6), 11, "drug")
    diseases = random_sets(net, 5, (2, 15), 12, "dis")
    options = dict(distance="all", n_random=40, min_bin_size=10, seed=2)
    whole = ds.repurpose.proximity(net, drugs, diseases, **options)
    pieces = ds.repurpose.proximity(net, drugs, diseases, block_bytes=2 * 8 * net.n_genes, **options)
    pd.testing.assert_frame_equal(whole, pieces, check_exact=False, rtol=1e-12)
