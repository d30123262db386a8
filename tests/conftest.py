"""Shared fixtures. Tests needing ../shared/data skip with a reason when it is absent."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("DRUGSCREEN_SHARED", REPO.parent / "shared")) / "data"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Slow tests always run in CI (CI=true); locally they run with DRUGSCREEN_SLOW=1.
    if os.environ.get("CI") == "true" or os.environ.get("DRUGSCREEN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set CI=true or DRUGSCREEN_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def demo_smiles() -> list[str]:
    """The bundled 25,000-molecule MOSES subset (always available)."""
    from drugscreen.screen.demo import demo_library

    with gzip.open(demo_library(), "rt") as handle:
        lines = handle.read().splitlines()[1:]
    return [line.split()[0] for line in lines]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


def random_fps(rng: np.random.Generator, n: int, nbits: int = 2048, density: float = 0.03) -> np.ndarray:
    """Random packed fingerprints with about ``density`` of bits set."""
    from drugscreen.kernels.reference import pack_bits

    return pack_bits(rng.random((n, nbits)) < density)


def build_db(path, smiles, **kw):
    """A FingerprintDB of ``smiles`` built quietly in this process (the tests' default)."""
    from drugscreen import FingerprintDB

    kw.setdefault("progress", False)
    kw.setdefault("n_jobs", 1)
    return FingerprintDB.build(path, smiles, **kw)


# --------------------------------------------------------------------- library preparation
@pytest.fixture(scope="session")
def tricky() -> list[str]:
    """Salts, charges, fragments, metals, tautomers and bad records (see prep_samples.py)."""
    from prep_samples import TRICKY

    return list(TRICKY)


@pytest.fixture(scope="session")
def small_sample(tricky, demo_smiles) -> list[str]:
    """The tricky cases plus 300 bundled MOSES molecules (no shared data needed)."""
    return tricky + demo_smiles[:300]


@pytest.fixture(scope="session")
def shared_sample(shared_data) -> list[str]:
    """About 350 MoleculeNet records, mostly salts, charged and multi-fragment ones."""
    from prep_samples import moleculenet_sample

    return moleculenet_sample(shared_data, 20)


@pytest.fixture(scope="session")
def large_sample(shared_data, tricky) -> list[str]:
    """At least 5,000 records: 3,000 MOSES test molecules and MoleculeNet's hard cases."""
    from prep_samples import moleculenet_sample, moses_sample

    sample = moses_sample(shared_data, 3000) + moleculenet_sample(shared_data, 150) + tricky
    assert len(sample) >= 5000
    return sample


@pytest.fixture(autouse=True)
def _one_torch_thread(request):
    """Tiny property-model batches run far faster on one torch thread than on two fighting over
    two cores; tests that train models get one."""
    if "models" not in request.node.nodeid and "model_stage" not in request.node.nodeid:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


#: Twenty small molecules that property-model tests train on (tiny, fast, all parse).
SMALL_MOLECULES = [
    "CCO", "CCN", "CCC", "c1ccccc1", "CC(=O)O", "CCCl", "CCBr", "c1ccncc1", "CC(C)O", "OCCO",
    "CCCCO", "CCOC", "c1ccccc1C", "CC(C)(C)C", "C1CCCCC1", "CCCCCC", "OC(=O)CCC(=O)O", "NCCN",
    "c1ccc2ccccc2c1", "CC#N",
]  # fmt: skip


def train_fingerprint_argv(table, out) -> list[str]:
    """``drugscreen train`` of the (fast) fingerprint baseline on column ``y`` of ``table``."""
    return ["train", str(table), "--target-columns", "y", "--model", "fingerprint", "-o", str(out)]


def heavy_atoms(smiles):
    """Heavy-atom counts: a property graphs determine exactly, so models can learn it."""
    from rdkit import Chem

    return np.array([Chem.MolFromSmiles(s).GetNumHeavyAtoms() for s in smiles], dtype=float)


@pytest.fixture(scope="session")
def campaign_inputs(tmp_path_factory: pytest.TempPathFactory, demo_smiles: list[str]) -> Path:
    """Inputs of a small screening campaign (the toy sulfonamide target on the MOSES subset)."""
    from campaign_data import write_inputs

    directory = tmp_path_factory.mktemp("campaign-inputs")
    write_inputs(directory, demo_smiles)
    return directory


@pytest.fixture(scope="session")
def finished(tmp_path_factory: pytest.TempPathFactory, campaign_inputs: Path) -> Any:
    """One finished small campaign, shared by the tests that only read it."""
    from campaign_data import small_config

    import drugscreen as ds

    out = tmp_path_factory.mktemp("campaign") / "out"
    return ds.campaign.run(small_config(campaign_inputs), out, progress=False)


@pytest.fixture(scope="session")
def repurpose_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's repurposing campaign inputs (a generated knowledge graph); returns the TOML."""
    from drugscreen.campaign.repurpose_demo import write_repurpose_inputs

    return write_repurpose_inputs(tmp_path_factory.mktemp("repurpose-inputs"))


@pytest.fixture(scope="session")
def repurposed(tmp_path_factory: pytest.TempPathFactory, repurpose_inputs: Path) -> Any:
    """One finished demo repurposing campaign, shared by the tests that only read it."""
    import drugscreen as ds

    out = tmp_path_factory.mktemp("repurpose") / "out"
    return ds.campaign.run(repurpose_inputs, out, progress=False)


@pytest.fixture(scope="session")
def targets_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's target-discovery campaign inputs (a generated network); returns the TOML."""
    from drugscreen.campaign.targets_demo import write_targets_inputs

    return write_targets_inputs(tmp_path_factory.mktemp("targets-inputs"))


@pytest.fixture(scope="session")
def targeted(tmp_path_factory: pytest.TempPathFactory, targets_inputs: Path) -> Any:
    """One finished demo target-discovery campaign, shared by the tests that only read it."""
    import drugscreen as ds

    out = tmp_path_factory.mktemp("targets") / "out"
    return ds.campaign.run(targets_inputs, out, progress=False)
