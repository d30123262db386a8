"""The campaign's last step: ``all_scores.parquet``, ``shortlist.csv``, ``shortlist.sdf`` and
``report.html`` from the steps' tables.

This module writes the files; what the page shows is built by
:func:`drugscreen.campaign.page_data.build_page`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.campaign.context import Context
from drugscreen.campaign.page_data import build_page
from drugscreen.campaign.steps_model import merged
from drugscreen.report.page import write_report

#: Columns first in ``all_scores.parquet`` and ``shortlist.csv``.
LEAD_COLUMNS = ["rank", "row", "id", "smiles", "score", "selected", "cluster", "cluster_size",
                "nearest_active", "nearest_active_similarity", "similarity", "activity"]  # fmt: skip


def all_scores(ctx: Context) -> pd.DataFrame:
    """Every candidate with every step's columns; those that failed a rule have no score."""
    table = merged(ctx, "rules")
    table = table.merge(ctx.table("rank"), on="row", how="left", validate="one_to_one")
    table = table.merge(ctx.table("select"), on="row", how="left", validate="one_to_one")
    table["selected"] = table["selected"].fillna(False).astype(bool)
    table["rank"] = table["rank"].astype("Int64")
    table["cluster"] = table["cluster"].astype("Int64")
    table["cluster_size"] = table["cluster_size"].astype("Int64")
    first = [c for c in LEAD_COLUMNS if c in table.columns]
    table = table[first + [c for c in table.columns if c not in first]]
    order = np.lexsort((table["row"].to_numpy(), table["rank"].fillna(np.iinfo(np.int64).max).to_numpy()))
    return table.iloc[order].reset_index(drop=True)


def write_outputs(ctx: Context) -> list[Path]:
    """Write the report step's four files (each atomically) and return their paths."""
    from drugscreen.chem.tables import write_table

    d = ctx.directory
    table = all_scores(ctx)
    shortlist = table[table["selected"]].reset_index(drop=True)
    page = build_page(ctx, table, shortlist)  # first: a bad report option must leave the old files whole
    paths = [write_table(table, d / "all_scores.parquet"), write_table(shortlist, d / "shortlist.csv")]
    paths.append(_write_sdf(shortlist, d / "shortlist.sdf"))
    paths.append(write_report(page, d / "report.html"))
    return paths


def _sd_text(value: Any) -> str:
    """One line of SD text: a line break in an id would end the field (or, as ``$$$$``, the record)."""
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def _write_sdf(shortlist: pd.DataFrame, path: Path) -> Path:
    from rdkit import Chem

    from drugscreen.durable import atomic_path

    with atomic_path(path) as tmp:
        writer = Chem.SDWriter(str(tmp))
        for row in shortlist.to_dict(orient="records"):
            mol = Chem.MolFromSmiles(row["smiles"])
            if mol is None:
                continue
            mol.SetProp("_Name", _sd_text(row["id"]))
            for key, value in row.items():
                if key in ("smiles", "id") or value is None or value is pd.NA:
                    continue
                if isinstance(value, float) and not np.isfinite(value):
                    continue
                mol.SetProp(_sd_text(key), f"{value:.6g}" if isinstance(value, float) else _sd_text(value))
            writer.write(mol)
        writer.close()
    return path
