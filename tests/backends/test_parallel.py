"""The one device / n_jobs / client switch every capability resolves."""

from __future__ import annotations

import pytest

from drugscreen.backends.parallel import available_cores, resolve_backend, resolve_n_jobs
from drugscreen.errors import DrugscreenError


def test_n_jobs_follows_joblib():
    cores = available_cores()
    assert resolve_n_jobs(None) == resolve_n_jobs(-1) == cores
    assert resolve_n_jobs(-2) == max(1, cores - 1)
    assert resolve_n_jobs(-1000) == 1
    assert resolve_n_jobs(3) == 3


@pytest.mark.parametrize("bad", [0, 1.5, "2", True])
def test_bad_n_jobs_is_one_clear_error(bad):
    with pytest.raises(DrugscreenError, match="n_jobs"):
        resolve_n_jobs(bad)


def test_resolve_backend():
    assert resolve_backend("auto", 1).device == "cpu"
    with pytest.raises(DrugscreenError, match="cuda.*not available"):
        resolve_backend("cuda")
    with pytest.raises(DrugscreenError, match="unknown device 'gpu'"):
        resolve_backend("gpu")
    with pytest.raises(DrugscreenError, match="Dask"):
        resolve_backend("cpu", client=object())
