"""Command line: each subcommand end to end, and errors as one line with exit status 1."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from drugscreen.chem.fpfile import read_fingerprints
from drugscreen.cli import main


@pytest.fixture
def library(tmp_path, demo_smiles):
    p = tmp_path / "lib.csv"
    df = pd.DataFrame({"smiles": demo_smiles[:500] + ["not_a_smiles"], "name": [f"m{i}" for i in range(501)]})
    df.to_csv(p, index=False)
    return p


def test_build_info_search_append(tmp_path, library, demo_smiles, capsys):
    db = tmp_path / "lib.dsdb"
    assert main(["-q", "db", "build", str(library), str(db), "--id-column", "name", "--jobs", "1"]) == 0
    assert (db / "rejects-00000.csv").exists()
    assert main(["db", "info", str(db)]) == 0
    out = capsys.readouterr().out
    assert "500" in out and "morgan r2 2048 bits" in out
    assert main(["-q", "search", str(db), demo_smiles[3], "--top-k", "3"]) == 0
    hits = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    assert list(hits.columns) == ["query", "id", "row", "score", "smiles"]
    assert hits["id"].iloc[0] == "m3" and hits["score"].iloc[0] == 1.0
    queries = tmp_path / "q.smi"
    queries.write_text(f"{demo_smiles[1]} first\nC1CC broken\n{demo_smiles[2]} second\n")
    out_file = tmp_path / "hits.parquet"
    assert main(["-q", "search", str(db), "--queries", str(queries), "-t", "0.5", "-o", str(out_file)]) == 0
    hits = pd.read_parquet(out_file)
    assert set(hits["query"]) == {"first", "second"}
    assert (hits["score"] >= 0.5).all()
    more = tmp_path / "more.smi"
    more.write_text("CCO ethanol\n")
    assert main(["-q", "db", "append", str(db), str(more)]) == 0
    assert main(["db", "info", str(db), "--json"]) == 0
    assert '"n_rows": 501' in capsys.readouterr().out


def test_fingerprint_command(tmp_path, library):
    out = tmp_path / "fps.parquet"
    assert main(["-q", "fingerprint", str(library), "-o", str(out), "--kind", "fcfp", "--nbits", "1024"]) == 0
    fps, meta = read_fingerprints(out)
    assert fps.spec.kind == "feature-morgan" and fps.data.shape == (500, 16)
    assert meta["source_row"].iloc[-1] == 499
    out2 = tmp_path / "counts.parquet"
    assert main(["-q", "fingerprint", str(library), "-o", str(out2), "--counts"]) == 0
    counts, _ = read_fingerprints(out2)
    assert counts.spec.counts and counts.data.shape == (500, 2048)


def test_errors_are_one_line_and_exit_1(tmp_path, library, capsys):
    assert main(["search", str(tmp_path / "nope.dsdb"), "CCO", "-k", "1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("drugscreen: error:") and "manifest.json is missing" in err[0]
    assert main(["-q", "db", "build", str(library), str(tmp_path / "x.dsdb"), "--smiles-column", "smi"]) == 1
    assert "no column 'smi'" in capsys.readouterr().err
    assert not (tmp_path / "x.dsdb").exists()
    assert main(["-q", "db", "build", str(library), str(tmp_path / "y.dsdb"), "--kind", "bogus"]) == 1
    assert "unknown fingerprint kind" in capsys.readouterr().err
    db = tmp_path / "z.dsdb"
    assert main(["-q", "db", "build", str(library), str(db), "-j", "1"]) == 0
    assert main(["search", str(db), "CCO"]) == 1
    assert "give a threshold" in capsys.readouterr().err


def test_help_reads_well():
    out = subprocess.run(
        [sys.executable, "-m", "drugscreen", "--help"], capture_output=True, text=True, check=True
    )
    for word in ("fingerprint", "db", "search", "demo", "examples:"):
        assert word in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "drugscreen", "search", "--help"], capture_output=True, text=True, check=True
    )
    assert "--threshold" in out.stdout and "--top-k" in out.stdout


def test_demo_runs(tmp_path, capsys):
    # --quick: the campaign screens 4,000 molecules (the full demo adds ~100 s of the same steps)
    assert main(["-q", "demo", "--quick", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "All hits:" in out and "paracetamol" in out
    hits = pd.read_csv(tmp_path / "demo" / "hits.csv")
    assert len(hits) == 6 * 5 and hits["id"].str.startswith("MOSES-train-").all()
    prepared = pd.read_csv(tmp_path / "demo" / "prepared.csv")
    assert len(prepared) == 1000 and {"smiles", "inchikey", "pass_ro5", "pass_pains"} <= set(prepared.columns)
    picks = pd.read_csv(tmp_path / "demo" / "picks.csv")
    assert len(picks) == 100 and picks["row"].is_unique and picks["distance"].iloc[1:].is_monotonic_decreasing
    runs = pd.read_csv(tmp_path / "demo" / "vs_runs.csv")
    assert sorted(runs["method"].unique()) == ["atom-pair", "ecfp4"] and len(runs) == 2 * 20
    assert "Virtual screen of a toy target (sulfonamides)" in out and "VS runs:" in out
    prox = pd.read_csv(tmp_path / "demo" / "proximity.csv")
    assert len(prox) == 40 and prox["z"].is_monotonic_increasing
    assert prox.head(8)["near_module"].sum() >= 5  # the planted drugs are among the most proximal
    scores = pd.read_csv(tmp_path / "demo" / "synergy.csv").set_index(["block_id", "model"])["score"]
    assert abs(scores[(1, "bliss")]) < 2 and scores[(2, "bliss")] > 5 and scores[(3, "bliss")] < -5
    assert "Proximity:" in out and "Synergy:" in out
    admet = pd.read_csv(tmp_path / "demo" / "admet.csv")
    assert admet["id"].iloc[:6].tolist() == [
        "paracetamol",
        "ibuprofen",
        "diazepam",
        "caffeine",
        "celecoxib",
        "fluoxetine",
    ]
    assert admet["id"].is_unique and len(admet) > 6 and admet["error"].isna().all()
    assert admet["herg_pct"].between(0, 100).all() and "ADMET panel:" in out
    assert "Screening campaign (toy target: sulfonamides): 4,000 library molecules" in out
    report = tmp_path / "demo" / "campaign" / "report.html"
    assert f"Report (open it in a browser): {report}" in out and report.stat().st_size > 10_000
    targets_report = tmp_path / "demo" / "targets" / "report.html"
    assert (
        "Target discovery campaign (generated network" in out and f"Targets report: {targets_report}" in out
    )
    assert targets_report.stat().st_size > 10_000
    assert out.index("Targets report:") < out.index("Report (open it in a browser)")  # the main job last
    shortlist = pd.read_csv(tmp_path / "demo" / "campaign" / "shortlist.csv")
    # best score first; ranks skipped where a cluster already has its two picks
    assert (
        len(shortlist) == 48 and shortlist["rank"].iloc[0] == 1 and shortlist["rank"].is_monotonic_increasing
    )
