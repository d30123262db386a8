"""A campaign on an existing fingerprint database, locally and on a Dask LocalCluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from campaign_data import small_config

import drugscreen as ds
from drugscreen.errors import InputError


@pytest.fixture(scope="module")
def database(campaign_inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small campaign's library as a database (the unreadable record is skipped: rows
    are then numbered differently, so tables are compared by id)."""
    library = pd.read_csv(campaign_inputs / "library.csv")
    path = tmp_path_factory.mktemp("db") / "library.dsdb"
    ds.FingerprintDB.build(path, library[["smiles", "id"]], n_jobs=1, progress=False)
    return path


def _lean(config: dict[str, Any]) -> dict[str, Any]:
    """The small campaign without the model and the panel: what differs here is the screen."""
    del config["actives"]["activity_column"]
    config["admet"] = {"enabled": False}
    return config


def _file_config(campaign_inputs: Path) -> dict[str, Any]:
    config = _lean(small_config(campaign_inputs))
    config["library"] |= {"standardize": False, "label_column": None}
    config["library"] = {k: v for k, v in config["library"].items() if v is not None}
    return config


def _db_config(campaign_inputs: Path, database: Path) -> dict[str, Any]:
    config = _lean(small_config(campaign_inputs))
    config["library"] = {"path": str(database), "filters": {"pains": "flag"}}
    return config


def _comparable(table: pd.DataFrame) -> pd.DataFrame:
    columns = ["id", "smiles", "similarity", "flags", "score", "selected", "cluster", "nearest_active"]
    return table[columns].sort_values("id").reset_index(drop=True)


@pytest.fixture(scope="module")
def from_file(campaign_inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return ds.campaign.run(
        _file_config(campaign_inputs), tmp_path_factory.mktemp("f") / "out", progress=False
    )


def test_database_library_gives_the_file_librarys_shortlist(
    from_file: Any, campaign_inputs: Path, database: Path, tmp_path: Path
) -> None:
    result = ds.campaign.run(_db_config(campaign_inputs, database), tmp_path / "out", progress=False)
    pd.testing.assert_frame_equal(_comparable(result.all_scores), _comparable(from_file.all_scores))
    assert result.steps()["screen"]["counts"]["records"] == 399


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_outputs(
    from_file: Any, campaign_inputs: Path, database: Path, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        result = ds.campaign.run(
            _db_config(campaign_inputs, database), tmp_path / "out", client=client, progress=False
        )
    pd.testing.assert_frame_equal(_comparable(result.all_scores), _comparable(from_file.all_scores))


def test_database_options_that_cannot_apply_are_refused(
    campaign_inputs: Path, database: Path, tmp_path: Path
) -> None:
    config = _db_config(campaign_inputs, database)
    config["library"]["filters"] = {"ro5": "drop"}
    with pytest.raises(InputError, match="library.filters.ro5 = 'drop' needs a library file"):
        ds.campaign.run(config, tmp_path / "a", progress=False)
    config = _db_config(campaign_inputs, database)
    config["actives"]["nbits"] = 1024
    with pytest.raises(InputError, match="actives.nbits: the database"):
        ds.campaign.run(config, tmp_path / "b", progress=False)


def test_a_scheduler_needs_a_database(campaign_inputs: Path, tmp_path: Path) -> None:
    config = small_config(campaign_inputs)
    config["run"]["scheduler"] = "tcp://127.0.0.1:1"
    with pytest.raises(InputError, match="run.scheduler needs library.path to be a database"):
        ds.campaign.run(config, tmp_path / "c", progress=False)
