"""The demo's screening campaign, on the bundled MOSES subset and a toy target defined in code.

The toy target: a molecule is "active" when it carries a sulfonamide (``S(=O)(=O)N``). The
first 1,000 library molecules play an assay already run (their labels train the activity model
and their actives are the similarity queries); the other 24,000 are the library to screen, and
since their labels are known too the report shows the retrospective ROC and enrichment. It
shows the job and the page, not a real activity benchmark.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pandas as pd

#: Library molecules whose (toy) labels are known beforehand: the training set.
ASSAYED = 1_000
#: Library molecules screened by ``drugscreen demo --quick`` (all 24,000 otherwise).
QUICK_LIBRARY = 4_000
SULFONAMIDE = "S(=O)(=O)N"

DEMO_CONFIG = """\
# The demo's screening campaign (drugscreen demo writes and runs it; see docs/guide/campaign.rst)
[library]
path = "library.csv"
smiles_column = "smiles"
id_column = "id"
label_column = "sulfonamide"     # known here (toy target): the report adds ROC and enrichment
filters = { pains = "flag", ro5 = "drop" }

[actives]
path = "assayed.csv"             # the molecules assayed so far, actives and inactives
smiles_column = "smiles"
id_column = "id"
activity_column = "sulfonamide"
top_n = 400

[model]
family = "fingerprint"
folds = 3

[admet]
rules = ["herg <= 0.5", "ames <= 0.7"]

[rank]
combine = "geometric"
terms = [
  { column = "activity", worst = 0.2, best = 0.9, weight = 2 },
  { column = "similarity", worst = 0.2, best = 0.8, weight = 1 },
  { column = "qed", worst = 0.3, best = 0.8, weight = 1 },
  { column = "herg", worst = 0.5, best = 0.1, weight = 1 },
]

[select]
method = "butina"
n = 48
max_per_cluster = 2
cutoff = 0.6

[report]
title = "drugscreen demo: a toy sulfonamide target in 25,000 MOSES molecules"
"""


def write_demo_inputs(directory: Path, library_size: int | None = None) -> Path:
    """The demo campaign's library, assay table and TOML in ``directory``; returns the TOML.

    ``library_size`` keeps the first that many library molecules (None: all 24,000).
    """
    from drugscreen.chem.substructure import has_substructure
    from drugscreen.chem.tables import write_table
    from drugscreen.screen.demo import demo_library

    with gzip.open(demo_library(), "rt") as handle:
        rows = [line.split() for line in handle.read().splitlines()[1:] if line.strip()]
    table = pd.DataFrame(rows, columns=["smiles", "id"])
    table["sulfonamide"] = has_substructure(table["smiles"].tolist(), SULFONAMIDE).astype(int)
    directory.mkdir(parents=True, exist_ok=True)
    write_table(table.iloc[:ASSAYED], directory / "assayed.csv")
    end = None if library_size is None else ASSAYED + library_size
    write_table(table.iloc[ASSAYED:end], directory / "library.csv")
    config = directory / "campaign.toml"
    config.write_text(DEMO_CONFIG, encoding="utf-8")
    return config


def demo_campaign(
    out: Path, *, n_jobs: int | None = -1, progress: bool = True, library_size: int | None = None
) -> Any:
    """Write the inputs to ``out/campaign-inputs`` and run the campaign in ``out/campaign``.

    ``library_size`` screens only the first that many library molecules (None: all).
    """
    import dataclasses

    from drugscreen.campaign.config import load_config
    from drugscreen.campaign.runner import run

    config = load_config(write_demo_inputs(out / "campaign-inputs", library_size))
    config = dataclasses.replace(config, run=dataclasses.replace(config.run, n_jobs=n_jobs if n_jobs else -1))
    return run(config, out / "campaign", progress=progress)
