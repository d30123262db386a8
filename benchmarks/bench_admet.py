"""The ADMET panel's speed: drugscreen vs ADMET-AI on the same molecules, per stage; memory of a
long stream.

Both tools predict every endpoint for the same first ``--n`` MOSES test SMILES on this machine
(ADMET-AI 2.0.1 in its own venv, ``benchmarks/.venv-admetai``, created on first use: chemprop
pins its own RDKit). drugscreen is timed end to end as users call it (``ds.admet.predict``: read,
parse, features in worker processes, 34 endpoints x 5 models, applicability domain, percentiles)
with and without the structural alerts, which ADMET-AI does not compute, and per stage.
``--stream N`` then streams the first N MOSES train molecules through ``drugscreen admet``'s
resumable job and reports molecules/s and peak memory (workers included).

    python benchmarks/bench_admet.py [--n 10000] [--stream 0]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import CACHE, HERE, PeakRSS, moses_smiles, write_report

ADMETAI_VENV = HERE / ".venv-admetai"


def ensure_admetai() -> Path:
    python = ADMETAI_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(ADMETAI_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "torch==2.13.0"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "admet-ai==2.0.1"], check=True)
    return python


def time_admetai(smiles: list[str]) -> dict:
    python = ensure_admetai()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.smi"
        path.write_text("\n".join(smiles) + "\n")
        out = Path(tmp) / "out.json"
        # its progress bars and lightning's messages would bury the report
        subprocess.run(
            [str(python), str(HERE / "admetai_peer.py"), str(path), str(out)], check=True, capture_output=True
        )
        return json.loads(out.read_text())


def time_stages(smiles: list[str]) -> dict[str, float]:
    """drugscreen's stages, one after another, as ``AdmetPanel`` runs them."""
    from drugscreen.admet import panel_files
    from drugscreen.admet.domain import nearest_per_set
    from drugscreen.admet.features import featurize
    from drugscreen.admet.predictor import AdmetPanel, _endpoint_columns

    panel = AdmetPanel(n_jobs=-1, progress=False)
    order = panel_files.manifest()["endpoints"]
    out = {}
    t0 = time.perf_counter()
    _, feats = featurize(smiles, alerts=False, n_jobs=-1, progress=False)
    out["features (parse, fingerprints, descriptors) s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    featurize(smiles, alerts=True, n_jobs=-1, progress=False)
    out["features with alerts s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    X = feats.model[feats.valid]
    for name in panel.endpoints:
        _endpoint_columns(name, X, feats.valid, 2, panel.panel_dir)
    out["models (34 x 5 boosted-tree ensembles, numba kernel) s"] = time.perf_counter() - t0
    fps, membership = panel_files.domain()
    t0 = time.perf_counter()
    nearest_per_set(feats.domain[feats.valid], fps, membership, list(range(len(order))), n_jobs=-1)
    out["applicability domain s"] = time.perf_counter() - t0
    return out


def time_stream(n: int) -> dict:
    """``drugscreen admet`` over the first ``n`` MOSES train molecules (default chunks), in a
    subprocess: seconds, molecules/s and peak memory with the workers."""
    from bench_screen import library_file

    library = library_file(n)
    out = CACHE / f"admet_stream_{n}.parquet"
    out.unlink(missing_ok=True)
    shutil.rmtree(out.with_name(out.name + ".parts"), ignore_errors=True)
    with PeakRSS(interval=0.2) as rss:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "drugscreen", "-q", "admet", str(library), "-o", str(out)], check=True
        )
        seconds = time.perf_counter() - t0
    return {
        "molecules": n,
        "seconds": seconds,
        "mol/s": n / seconds,
        "peak GB (with workers)": rss.total / 1e9,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--stream", type=int, default=0, help="also stream this many molecules (0 = skip)")
    ap.add_argument("--stream-only", action="store_true", help="only the stream (results/admet_stream.*)")
    args = ap.parse_args()
    if args.stream_only:
        stream = time_stream(args.stream)
        write_report(
            "admet_stream", f"drugscreen admet streamed over {args.stream:,} MOSES molecules", [stream], {}
        )
        return
    import drugscreen as ds

    smiles = moses_smiles("test", args.n)
    ds.admet.predict(smiles[:50], progress=False)  # models and reference loaded, workers warm
    rows = []
    for alerts in (False, True):
        t0 = time.perf_counter()
        table = ds.admet.predict(smiles, alerts=alerts, progress=False)
        seconds = time.perf_counter() - t0
        rows.append(
            {
                "tool": f"drugscreen ({'with' if alerts else 'no'} alerts)",
                "molecules": len(smiles),
                "columns": table.shape[1],
                "seconds": seconds,
                "mol/s": len(smiles) / seconds,
            }
        )
    peer = time_admetai(smiles)
    rows.append(
        {
            "tool": "ADMET-AI 2.0.1 (num_workers=0, 2 torch threads)",
            "molecules": peer["n"],
            "columns": peer["columns"],
            "seconds": peer["predict_s"],
            "mol/s": peer["n"] / peer["predict_s"],
        }
    )
    for row in rows[:2]:
        row["x ADMET-AI"] = row["mol/s"] / rows[2]["mol/s"]
    rows[2]["x ADMET-AI"] = 1.0
    stages = time_stages(smiles)
    extra: dict = {"stages": stages, "admetai_load_s": peer["load_s"]}
    if args.stream:
        extra["stream"] = time_stream(args.stream)
    write_report("admet", f"ADMET panel, {len(smiles):,} MOSES test molecules, all endpoints", rows, extra)
    print(json.dumps(extra, indent=1))


if __name__ == "__main__":
    main()
