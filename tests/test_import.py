"""``import drugscreen`` is fast: no eager rdkit, numba, torch, deepchem or dask import."""

from __future__ import annotations

import subprocess
import sys


def test_import_is_lazy():
    code = (
        "import sys, drugscreen; heavy = [m for m in ('rdkit', 'numba', 'torch', 'deepchem', 'dask', 'pandas') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_api_resolves():
    import drugscreen as ds

    for name in ds.__all__:
        assert getattr(ds, name) is not None
    assert callable(ds.search) and callable(ds.similarity_matrix)


def test_search_function_survives_subpackage_imports():
    # importing drugscreen.similarity.* must not shadow ds.search (why the subpackage is not
    # called ``search``)
    code = "import drugscreen as ds, drugscreen.similarity.db; assert callable(ds.search); print(ds.search.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "drugscreen.similarity.arrays"


def test_import_time_is_small():
    code = "import time; t = time.perf_counter(); import drugscreen; print(time.perf_counter() - t)"
    runs = [
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(3)
    ]
    assert min(runs) < 0.5, runs


def test_models_package_is_lazy_too():
    """``drugscreen.models`` and its estimator classes load no torch: fitting or predicting does."""
    code = (
        "import sys, drugscreen as ds; ds.models.Split; a = 'torch' in sys.modules; "
        "ds.models.DMPNN; print(a, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
