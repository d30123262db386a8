"""Substructure flags against RDKit's HasSubstructMatch one molecule at a time."""

from __future__ import annotations

import pytest
from rdkit import Chem

from drugscreen.chem.substructure import has_substructure
from drugscreen.errors import InputError


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_equal_to_rdkit(demo_smiles, n_jobs):
    smiles = demo_smiles[:2500] + ["not a smiles", ""]
    for smarts in ("S(=O)(=O)N", "[OX2H]", "c1ccccc1"):
        pattern = Chem.MolFromSmarts(smarts)
        expected = [(m := Chem.MolFromSmiles(s)) is not None and m.HasSubstructMatch(pattern) for s in smiles]
        assert has_substructure(smiles, smarts, n_jobs=n_jobs).tolist() == expected


def test_bad_pattern_and_empty_input():
    with pytest.raises(InputError, match="not a valid SMARTS"):
        has_substructure(["CCO"], "[C")
    assert has_substructure([], "C").shape == (0,)
