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
