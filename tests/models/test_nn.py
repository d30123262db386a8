"""The networks against loop-by-loop references, and properties every graph network must have."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from drugscreen.models.featurize import to_graphs
from drugscreen.models.nn.heads import build_network
from drugscreen.models.nn.scatter import segment_mean, segment_softmax, segment_sum
from drugscreen.models.training import to_tensors

SMILES = ["CCO", "c1ccccc1O", "C[C@H](N)C(=O)O", "C", "CC(=O)Nc1ccc(O)cc1", "C#N", "[Na+].[Cl-]"]
PARAMS = {
    "hidden_size": 8,
    "depth": 3,
    "dropout": 0.0,
    "aggregation": "mean",
    "timesteps": 2,
    "ffn_hidden_size": 8,
    "ffn_layers": 1,
}


def test_segment_ops_match_per_segment_loops():
    rng = np.random.default_rng(0)
    values = torch.tensor(rng.normal(size=(40, 3)))
    index = torch.tensor(rng.integers(0, 7, size=40))
    size = 9  # segments 7 and 8 are empty
    s, m, sm = (
        segment_sum(values, index, size),
        segment_mean(values, index, size),
        segment_softmax(values, index, size),
    )
    for k in range(size):
        rows = values[index == k]
        np.testing.assert_allclose(s[k], rows.sum(0) if len(rows) else torch.zeros(3), atol=1e-12)
        np.testing.assert_allclose(m[k], rows.mean(0) if len(rows) else torch.zeros(3), atol=1e-12)
        if len(rows):
            np.testing.assert_allclose(sm[index == k], torch.softmax(rows, 0), atol=1e-12)
    big = segment_softmax(torch.tensor([[1000.0], [1001.0]]), torch.tensor([0, 0]), 1)
    assert torch.isfinite(big).all()


def _reference_dmpnn(enc, b):
    """D-MPNN written out bond by bond (Yang et al. 2019, eq. 1-3) with the encoder's weights."""
    x, e = torch.from_numpy(b.atom_features), torch.from_numpy(b.bond_features)
    src, dst = b.edge_index
    n_edges = len(src)
    h0 = [enc.W_i(torch.cat([x[src[k]], e[k]])) for k in range(n_edges)]
    h = [torch.relu(v) for v in h0]
    for _ in range(1, enc.depth):
        new = []
        for k in range(n_edges):  # bond v -> w collects bonds u -> v with u != w
            v, w = src[k], dst[k]
            m = sum((h[j] for j in range(n_edges) if dst[j] == v and src[j] != w), torch.zeros_like(h[k]))
            new.append(torch.relu(h0[k] + enc.W_h(m)))
        h = new
    atoms = []
    for a in range(len(x)):
        m = sum((h[j] for j in range(n_edges) if dst[j] == a), torch.zeros(enc.out_dim))
        atoms.append(torch.relu(enc.W_o(torch.cat([x[a], m]))))
    return torch.stack(
        [
            torch.stack([atoms[a] for a in range(len(x)) if b.atom_to_mol[a] == i]).mean(0)
            for i in range(b.n_mols)
        ]
    )


def test_dmpnn_equals_bond_by_bond_reference():
    torch.manual_seed(0)
    net = build_network("dmpnn", PARAMS, 1, 0, False).double().eval()
    b = to_graphs(SMILES[:6]).batch(range(6))
    tensors = {k: (v.double() if v.is_floating_point() else v) for k, v in to_tensors(b, "cpu").items()}
    with torch.no_grad():
        ours = net.encoder(tensors, b.n_mols)
        ref = _reference_dmpnn(
            net.encoder,
            type(b)(
                b.atom_features.astype(np.float64),
                b.bond_features.astype(np.float64),
                b.edge_index,
                b.rev_index,
                b.atom_to_mol,
                b.n_mols,
            ),
        )
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)


def test_gin_layer_equals_neighbour_loop():
    torch.manual_seed(1)
    net = build_network("gin", PARAMS, 1, 0, False).double().eval()
    b = to_graphs(SMILES[:5]).batch(range(5))
    t = {k: (v.double() if v.is_floating_point() else v) for k, v in to_tensors(b, "cpu").items()}
    layer = net.encoder.layers[0]
    with torch.no_grad():
        h = net.encoder.embed(t["atom_features"])
        ours = layer(h, t["bond_features"], *t["edge_index"])
        src, dst = b.edge_index
        rows = []
        for v in range(len(h)):
            agg = sum(
                (
                    torch.relu(h[src[k]] + layer.edge(t["bond_features"][k]))
                    for k in range(len(src))
                    if dst[k] == v
                ),
                torch.zeros(h.shape[1], dtype=h.dtype),
            )
            rows.append((1 + layer.eps) * h[v] + agg)
        update = layer.mlp(torch.stack(rows))
        ref = h + torch.relu(layer.norm(update))
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("arch", ["dmpnn", "gin", "attentivefp"])
def test_molecule_output_does_not_depend_on_its_batch(arch):
    """A molecule's prediction is the same alone, in any batch, at any position (eval mode)."""
    torch.manual_seed(2)
    net = build_network(arch, PARAMS, 2, 0, False).eval()
    g = to_graphs(SMILES)
    with torch.no_grad():
        whole = net(to_tensors(g.batch(range(7)), "cpu"), 7)
        reversed_ = net(to_tensors(g.batch(range(6, -1, -1)), "cpu"), 7)
        alone = torch.cat([net(to_tensors(g.batch([i]), "cpu"), 1) for i in range(7)])
    np.testing.assert_allclose(whole.numpy(), alone.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(whole.numpy(), reversed_.numpy()[::-1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("arch", ["dmpnn", "gin", "attentivefp"])
def test_output_invariant_to_atom_order(arch):
    from rdkit import Chem

    from drugscreen.models.featurize import graphs_from_mols

    torch.manual_seed(3)
    net = build_network(arch, PARAMS, 1, 0, False).eval()
    mol = Chem.MolFromSmiles("CC(=O)Nc1ccc(O)cc1")
    perm = list(np.random.default_rng(0).permutation(mol.GetNumAtoms()))
    shuffled = Chem.RenumberAtoms(mol, [int(i) for i in perm])
    g = graphs_from_mols([mol, shuffled])
    with torch.no_grad():
        out = net(to_tensors(g.batch([0, 1]), "cpu"), 2)
    np.testing.assert_allclose(out[0].numpy(), out[1].numpy(), rtol=1e-5, atol=1e-6)
