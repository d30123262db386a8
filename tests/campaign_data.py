"""Inputs of a small campaign on the bundled MOSES subset with the toy sulfonamide target."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from drugscreen.campaign.demo import SULFONAMIDE
from drugscreen.chem.substructure import has_substructure

N_ASSAYED = 80
N_LIBRARY = 400


def write_inputs(directory: Path, demo_smiles: list[str], n_library: int = N_LIBRARY) -> None:
    smiles = demo_smiles[: N_ASSAYED + n_library]
    table = pd.DataFrame({"smiles": smiles, "id": [f"M{i}" for i in range(len(smiles))]})
    table["active"] = has_substructure(smiles, SULFONAMIDE).astype(int)
    directory.mkdir(parents=True, exist_ok=True)
    table.iloc[:N_ASSAYED].to_csv(directory / "assayed.csv", index=False)
    library = table.iloc[N_ASSAYED:].reset_index(drop=True)
    library.loc[3, "smiles"] = "not a molecule"  # one unreadable record: counted, not fatal
    library.to_csv(directory / "library.csv", index=False)


def small_config(directory: Path) -> dict[str, Any]:
    """A campaign dict with every section (paths absolute)."""
    return {
        "library": {
            "path": str(directory / "library.csv"),
            "smiles_column": "smiles",
            "id_column": "id",
            "label_column": "active",
            "filters": {"pains": "flag"},
        },
        "actives": {
            "path": str(directory / "assayed.csv"),
            "smiles_column": "smiles",
            "id_column": "id",
            "activity_column": "active",
            "top_n": 120,
        },
        "model": {"folds": 3},
        "admet": {"endpoints": ["herg", "ames", "solubility_aqsoldb"], "rules": ["herg <= 0.8"]},
        "select": {"n": 15, "max_per_cluster": 2, "cutoff": 0.6},
        "report": {"title": "test campaign", "library_sample": 100},
        "run": {"n_jobs": 1},
    }


def same_bytes(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes (a bool, so that a failing assert does not make
    pytest diff megabytes byte by byte)."""
    return a.read_bytes() == b.read_bytes()
