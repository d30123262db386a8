"""Step keys: the digest of what decides each step's output, chained through the steps it reads.

A step whose key is unchanged on a rerun is read back; :func:`step_keys` keys a screening
campaign's steps, :func:`drugscreen.campaign.repurpose_steps.repurpose_keys` a repurposing one's.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import drugscreen
from drugscreen.campaign.sections import CampaignConfig
from drugscreen.screen.job import digest
from drugscreen.similarity.manifest import sha256_file


def file_identity(path: Path) -> dict[str, Any]:
    """A file by its content; a database by its manifest (which lists every file's sha256)."""
    if path.is_dir():
        path = path / "manifest.json"
    return {"name": path.name, "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def step_keys(cfg: CampaignConfig) -> dict[str, str]:
    """The key of every step: the digest of what decides its output, chained through the steps
    it reads (the number of processes is not part of any key: it does not change an output)."""
    from drugscreen.admet import panel_files

    lib = cfg.library
    library = {
        "file": file_identity(cfg.resolve(lib.path)),
        "columns": [lib.smiles_column, lib.id_column],
        "standardize": lib.standardize,
        "drop": sorted(n for n, a in lib.filters.items() if a == "drop"),
        "chunk_size": lib.chunk_size,
    }
    actives = None
    if cfg.actives is not None:
        actives = asdict(cfg.actives) | {"file": file_identity(cfg.resolve(cfg.actives.path))}
        if cfg.actives.inactives:
            actives["inactives"] = file_identity(cfg.resolve(cfg.actives.inactives))
        actives.pop("path")
    keys: dict[str, str] = {}
    keys["screen"] = digest({"library": library, "actives": actives, "device": cfg.run.device})
    flags = sorted(n for n, a in lib.filters.items() if a == "flag")
    keys["candidates"] = digest(
        {"screen": keys["screen"], "top_n": actives and actives["top_n"], "dedup": lib.dedup, "flags": flags}
    )
    keys["activity"] = digest(
        {"candidates": keys["candidates"], "model": asdict(cfg.model), "seed": cfg.run.seed}
    )
    panel = digest(panel_files.manifest().get("files", {})) if cfg.admet.enabled else None
    keys["admet"] = digest(
        {"candidates": keys["candidates"], "endpoints": cfg.admet.endpoints, "panel": panel}
    )
    rules = [str(r) for r in cfg.admet.rules]
    keys["rules"] = digest({"activity": keys["activity"], "admet": keys["admet"], "rules": rules})
    keys["rank"] = digest({"rules": keys["rules"], "rank": asdict(cfg.rank)})
    keys["select"] = digest({"rank": keys["rank"], "select": asdict(cfg.select), "seed": cfg.run.seed})
    keys["report"] = digest(
        {
            "select": keys["select"],
            "report": asdict(cfg.report),
            "labels": lib.label_column,
            "drugscreen": drugscreen.__version__,
        }
    )
    return keys
