"""Samples for the library-preparation tests: salts, charges, fragments, metals, bad records.

The fixtures that serve them are in ``conftest.py``.
"""

from __future__ import annotations

import pandas as pd

#: Always available: the hard cases of standardisation, filters and descriptors, by hand.
TRICKY = [
    "CC(=O)[O-].[Na+]",  # salt
    "C[NH3+].[Cl-]",  # salt of a charged base
    "[Na+].[Cl-]",  # nothing organic
    "O.O.CCO",  # hydrate
    "Cl.CN1CCC[C@H]1c1cccnc1",  # hydrochloride, stereo
    "CC(=O)O.CCN(CC)CC",  # two organic fragments
    "c1ccccc1.c1ccncc1",  # two fragments of one size
    "OC(=O)c1ccccc1.OC(=O)c1ccccc1",  # the same fragment twice
    "C[N+](C)(C)C.[I-]",  # quaternary ammonium: stays charged
    "CCCCCCCCCCCCCCCC[N+](C)(C)C.[Br-]",
    "C[N+](C)(C)CC(=O)[O-]",  # betaine
    "[NH3+]CC(=O)[O-]",  # zwitterion that can be neutralised
    "O=C([O-])c1ccccc1.[K+]",
    "[NH4+].[NH4+].[O-]S(=O)(=O)[O-]",
    "F[B-](F)(F)F.[Na+]",
    "[Cu+2].CC(=O)[O-].CC(=O)[O-]",  # metal salt
    "CCO[Cu]",  # metal bonded to an organic atom
    "[Fe]",
    "[H+]",
    "c1ccccc1[N+](=O)[O-]",  # charge-separated nitro
    "C[N+](=O)[O-].[Na+]",
    "[O-][n+]1ccccc1",  # N-oxide
    "CS(C)=O",  # sulfoxide
    "Oc1ccccn1",  # tautomers
    "C=C(C)O",
    "CC(C)=O",
    "[2H]C([2H])([2H])O",  # isotopes
    "C[C@H](N)C(=O)O",
    "CC(=O)Oc1ccccc1C(=O)O",  # aspirin (Brenk phenol ester)
    "Oc1ccccc1O",  # catechol: PAINS and Brenk alerts
    "O=C1C=CC(=O)C=C1",  # quinone
    "*C(=O)O",  # dummy atom: no InChIKey
    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC(=O)O",  # fails every property rule
    "C1CC",  # unparseable
    "c1cccc1",  # cannot be kekulised
    "CN(C)(C)(C)C",  # valence error
    "",  # empty
]


def moleculenet_sample(root, per_file: int) -> list[str]:
    """Multi-fragment and charged SMILES of every MoleculeNet file, then plain ones.

    Deterministic: the first ``per_file`` of each kind in each file's order.
    """
    files = {
        "bbbp.csv": "smiles",
        "bace.csv": "mol",
        "clintox.csv": "smiles",
        "sider.csv": "smiles",
        "tox21.csv.gz": "smiles",
        "hiv.csv.gz": "smiles",
        "lipophilicity.csv": "smiles",
        "freesolv.csv": "smiles",
        "esol.csv": "smiles",
    }
    out: list[str] = []
    for name, column in files.items():
        smiles = pd.read_csv(root / "moleculenet" / name)[column].astype(str)
        multi = smiles[smiles.str.contains(".", regex=False)]
        charged = smiles[smiles.str.contains(r"\+|-\]", regex=True) & ~smiles.str.contains(".", regex=False)]
        plain = smiles[~smiles.isin(multi) & ~smiles.isin(charged)]
        out += (
            multi.head(per_file).tolist()
            + charged.head(per_file).tolist()
            + plain.head(per_file // 2).tolist()
        )
    return out


def moses_sample(root, n: int) -> list[str]:
    return pd.read_csv(root / "libraries" / "moses" / "test.csv.gz", nrows=n)["SMILES"].tolist()
