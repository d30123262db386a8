"""The top-level kernels/ folder ships inside the distribution as drugscreen.kernels."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_kernels_import_from_the_installed_package():
    import drugscreen.kernels.search_cpu as cpu

    assert hasattr(cpu, "score_tile_bits")
    assert Path(cpu.__file__).parent.name == "kernels"


@pytest.mark.slow
def test_wheel_contains_kernels_and_data(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("drugscreen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for member in (
        "drugscreen/kernels/search_cpu.py",
        "drugscreen/kernels/pairs_cpu.py",
        "drugscreen/kernels/topk_cpu.py",
        "drugscreen/kernels/reference.py",
        "drugscreen/kernels/popcount.py",
        "drugscreen/data/moses_25k.smi.gz",
        "drugscreen/data/LICENSE-MOSES.txt",
        "drugscreen/py.typed",
    ):
        assert member in names, member
