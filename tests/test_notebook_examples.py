"""The getting-started notebook and the command-line example run end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "getting_started.ipynb"
CLI_EXAMPLE = ROOT / "examples" / "screen_cli.sh"

KERNEL = "python3"


def _same_interpreter(exe: str) -> bool:
    """Whether a kernelspec's ``argv[0]`` starts this test's Python."""
    # jupyter_client replaces a bare "python"/"pythonX"/"pythonX.Y" with sys.executable.
    major, minor = sys.version_info[:2]
    if exe in {"python", f"python{major}", f"python{major}.{minor}"}:
        return True
    # no symlink resolution: a venv's python is a link to the base interpreter
    return os.path.abspath(exe) == os.path.abspath(sys.executable)


def _use_this_interpreter_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the ``python3`` kernel run ``sys.executable``, adding a kernelspec if needed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        argv = KernelSpecManager().get_kernel_spec(KERNEL).argv
    except NoSuchKernel:
        argv = []
    if argv and _same_interpreter(argv[0]):
        return
    spec_dir = tmp_path / "jupyter" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (test)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    # JUPYTER_PATH comes before the environment's and the user's data directories
    old = os.environ.get("JUPYTER_PATH")
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join(filter(None, [str(spec_dir.parents[1]), old])))


def _outputs(nb) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def _text(out: dict) -> str:
    if out["output_type"] == "stream":
        return out["text"]
    return out.get("data", {}).get("text/plain", "")


def test_notebook_is_clean():
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert all(not c.outputs and c.execution_count is None for c in code), "strip the outputs"


def _execute(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Run a notebook in a fresh kernel of this interpreter; returns its outputs (none an error)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("matplotlib")

    _use_this_interpreter_kernel(tmp_path, monkeypatch)
    # let ipykernel pick its inline backend so figures become image outputs
    monkeypatch.delenv("MPLBACKEND", raising=False)
    workdir = tmp_path / "run"
    workdir.mkdir()
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name=KERNEL, resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()  # raises CellExecutionError if a cell fails
    outputs = _outputs(nb)
    assert not [o for o in outputs if o["output_type"] == "error"]
    return outputs


def test_getting_started_notebook_runs(tmp_path, monkeypatch):
    outputs = _execute(NOTEBOOK, tmp_path, monkeypatch)
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2, "expected the molecule grid and the histogram"
    text = "\n".join(_text(o) for o in outputs)
    assert "'n_rows': 25000" in text  # db.info()
    assert "25,000 molecules fingerprinted" in text
    for name in ("paracetamol", "ibuprofen", "diazepam"):
        assert name in text
    assert "25,000 scores" in text  # the whole-library score distribution


def test_cli_example_runs(tmp_path):
    workdir = tmp_path / "cli"
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    proc = subprocess.run(
        ["bash", str(CLI_EXAMPLE), str(workdir)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"

    assert "n_rows       25000" in proc.stdout  # drugscreen db info
    top = pd.read_csv(workdir / "top5.csv")
    assert list(top.columns) == ["query", "id", "row", "score", "smiles"]
    assert len(top) == 15  # 3 queries x 5
    assert top.groupby("query").size().to_dict() == {"paracetamol": 5, "ibuprofen": 5, "diazepam": 5}
    assert top["score"].between(0, 1).all()

    hits = pd.read_parquet(workdir / "hits_t040.parquet")
    assert {"query", "id", "row", "score"} <= set(hits.columns)
    assert (hits["score"] >= 0.4).all()
    assert proc.stdout.rstrip().splitlines()[-1].count(",") >= 4  # head of the CSV printed


VS_NOTEBOOK = ROOT / "notebooks" / "vs_fingerprints.ipynb"


def test_vs_notebook_runs_on_a_sample(tmp_path, monkeypatch, shared_data):
    monkeypatch.setenv("DRUGSCREEN_SHARED", str(shared_data.parent))
    monkeypatch.setenv("DRUGSCREEN_NB_SAMPLE", "1500")  # stratified: 1,500 HIV and 300 BACE molecules
    monkeypatch.setenv("DRUGSCREEN_NB_REPEATS", "6")
    outputs = _execute(VS_NOTEBOOK, tmp_path, monkeypatch)
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) == 3  # bars, ROC, enrichment
    text = "\n".join(_text(o) for o in outputs)
    assert "72 rankings: 2 targets x 6 fingerprint kinds x 6 draws" in text
    assert "HIV: most significant BEDROC difference" in text and "BACE:" in text


NETWORK_NOTEBOOK = ROOT / "notebooks" / "network_medicine.ipynb"


def test_network_notebook_runs(tmp_path, monkeypatch):
    outputs = _execute(NETWORK_NOTEBOOK, tmp_path, monkeypatch)
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) == 2  # z histogram, heat map
    text = "\n".join(_text(o) for o in outputs)
    assert "Interactome(2000 genes" in text
    auroc = float(text.split("ranked by -z: AUROC ")[1].split()[0])
    assert auroc > 0.8  # the planted drugs come first
    assert "per-target contributions" in text and "largest connected component" in text
    assert "complementary" in text or "overlapping" in text
    for model in ("bliss", "hsa", "loewe", "zip"):
        assert model in text


KG_NOTEBOOK = ROOT / "notebooks" / "knowledge_graph.ipynb"


@pytest.mark.parametrize("path", [VS_NOTEBOOK, NETWORK_NOTEBOOK, KG_NOTEBOOK], ids=lambda p: p.stem)
def test_notebooks_are_committed_clean(path):
    """Valid, and without outputs: the tests run them, the repository holds only the code."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if c.cell_type == "code")


def test_knowledge_graph_notebook_runs(tmp_path, monkeypatch):
    outputs = _execute(KG_NOTEBOOK, tmp_path, monkeypatch)
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) == 2  # ROC curves, contributions
    text = "\n".join(_text(o) for o in outputs)
    assert "Hetnet(156 nodes of 3 kinds" in text
    model_auroc = float(text.split("rephetio")[1].split()[0])
    control_auroc = float(text.split("permutation control, model AUROC: ")[1].split()[0])
    assert model_auroc > 0.8 and control_auroc < 0.65  # the planted paths, not the degrees
    assert "paths: c" in text  # the paths behind a candidate
    assert "ketoprofen                     COX" in text and "bisoprolol         beta-adrenergic" in text


RESUME_EXAMPLE = ROOT / "examples" / "resumable_screen.py"


def test_resumable_screen_example_runs(tmp_path):
    """The example kills a screening job with SIGKILL, resumes it and checks the output."""
    proc = subprocess.run(
        [sys.executable, str(RESUME_EXAMPLE), str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    assert "resumed output identical to the uninterrupted run: 120 hits, 25000 records" in proc.stdout
    assert "killed with" in proc.stdout or "finished before the kill" in proc.stdout


SCALE_NOTEBOOK = ROOT / "notebooks" / "scale.ipynb"


def test_scale_notebook_runs(tmp_path, monkeypatch):
    """CPU, GPU (skipped without one) and Dask searches agree; the streaming job equals them."""
    pytest.importorskip("distributed")
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(SCALE_NOTEBOOK, as_version=4)
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if c.cell_type == "code")
    outputs = _execute(SCALE_NOTEBOOK, tmp_path, monkeypatch)
    text = "\n".join(_text(o) for o in outputs)
    assert "25,000 molecules in 5 shards" in text
    assert "GPU results identical to the CPU's" in text or "GPU step skipped" in text
    assert "Dask results identical to the CPU's: top-10, threshold and group fusion" in text
    assert "identical on Dask" in text
    assert "streaming job top-10 identical to the database search: True" in text
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) == 1


MODELS_NOTEBOOK = ROOT / "notebooks" / "property_models.ipynb"


def test_property_models_notebook_runs_on_a_sample(tmp_path, monkeypatch, shared_data):
    """Four model families on ESOL and BBBP samples: a table, learning curves, parity, ROC."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(MODELS_NOTEBOOK, as_version=4)
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if c.cell_type == "code")
    monkeypatch.setenv("DRUGSCREEN_SHARED", str(shared_data.parent))
    monkeypatch.setenv("DRUGSCREEN_NB_SAMPLE", "200")
    monkeypatch.setenv("DRUGSCREEN_NB_EPOCHS", "3")
    outputs = _execute(MODELS_NOTEBOOK, tmp_path, monkeypatch)
    assert len([o for o in outputs if "image/png" in o.get("data", {})]) == 3  # curves, parity, ROC
    text = "\n".join(_text(o) for o in outputs)
    assert "ESOL 200 molecules, BBBP 200 molecules, 3 epochs" in text
    for name in ("D-MPNN", "GIN", "AttentiveFP", "fingerprint + GBM"):
        assert name in text
    assert "identical predictions after loading: True" in text


SCORE_EXAMPLE = ROOT / "examples" / "score_hits.py"


def test_score_hits_example_runs(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCORE_EXAMPLE), str(tmp_path / "work"), "2"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    hits = pd.read_csv(tmp_path / "work" / "scored_hits.csv")
    assert len(hits) == 100 and hits["predicted"].is_monotonic_decreasing
    assert (hits["predicted_std"] >= 0).all() and "test RMSE" in proc.stdout
