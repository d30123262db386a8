"""Bemis-Murcko scaffolds equal RDKit's MurckoScaffold, one molecule at a time."""

from __future__ import annotations

import pytest
from rdkit import Chem
from rdkit.Chem.Scaffolds import MurckoScaffold

from drugscreen.chem.scaffolds import group_by_scaffold, scaffolds


@pytest.mark.parametrize("generic", [False, True])
def test_equal_to_rdkit(demo_smiles, generic):
    smiles = demo_smiles[:3000] + ["CCO", "not smiles", "[Na+].[Cl-]", "c1ccccc1.CCO"]
    table = scaffolds(smiles, generic=generic)
    assert table["row"].tolist() == list(range(len(smiles)))
    for smi, got, error in zip(smiles, table["scaffold"], table["error"], strict=True):
        mol = Chem.MolFromSmiles(smi)
        if mol is None:
            assert got is None and error
            continue
        core = MurckoScaffold.GetScaffoldForMol(mol)
        if generic:
            core = MurckoScaffold.MakeScaffoldGeneric(core)
        assert got == Chem.MolToSmiles(core) and error is None


def test_parallel_equals_serial(demo_smiles, monkeypatch):
    import drugscreen.chem.scaffolds as mod

    monkeypatch.setattr(mod, "CHUNK", 300)
    serial = scaffolds(demo_smiles[:1500])
    parallel = scaffolds(demo_smiles[:1500], n_jobs=2)
    assert serial.equals(parallel)


def test_groups_are_largest_first_and_cover_every_parsed_row(demo_smiles):
    table = scaffolds(demo_smiles[:2000] + ["bad"])
    groups = group_by_scaffold(table)
    assert groups["n"].is_monotonic_decreasing
    rows = sorted(r for g in groups["rows"] for r in g)
    assert rows == list(range(2000))
    assert all(table.loc[g, "scaffold"].nunique() == 1 for g in groups["rows"])
