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
        "drugscreen/report/static/report.js",  # the campaign report's page needs both
        "drugscreen/report/static/report.css",
        "drugscreen/report/static/repurpose.js",  # the repurposing report's page
        "drugscreen/report/static/repurpose.css",
        "drugscreen/repurpose/harness_summary.json",  # the validation figures it shows
    ):
        assert member in names, member
    # the ADMET panel ships whole: every file its manifest lists, and it predicts from the wheel
    import json

    manifest = json.loads((REPO / "src/drugscreen/admet/panel/manifest.json").read_text())
    for member in ["manifest.json", "cards.json", *manifest["files"]]:
        assert f"drugscreen/admet/panel/{member}" in names, member
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
    )
    code = (
        "import drugscreen as ds, pathlib; "
        f"assert pathlib.Path(ds.__file__).is_relative_to({str(target)!r}), ds.__file__; "
        "t = ds.admet.predict(['CCO', 'c1ccccc1'], progress=False); "
        "assert t['herg'].notna().all() and t['herg_pct'].notna().all()"
    )
    env = {**__import__("os").environ, "PYTHONPATH": str(target), "DRUGSCREEN_SHARED": str(tmp_path / "none")}
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=env)
