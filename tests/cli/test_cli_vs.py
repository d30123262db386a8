"""``drugscreen vs-eval`` end to end, against ds.vs.evaluate."""

from __future__ import annotations

import pandas as pd
import pytest

import drugscreen as ds
from drugscreen.cli import main


@pytest.fixture
def table(tmp_path, demo_smiles):
    smiles = demo_smiles[:300]
    frame = pd.DataFrame(
        {
            "target": ["a"] * 150 + ["b"] * 150,
            "smiles": smiles,
            "hit": [int("O" in s) for s in smiles],
            "model": [len(s) / 100 for s in smiles],
        }
    )
    path = tmp_path / "bench.csv"
    frame.to_csv(path, index=False)
    return path


def test_vs_eval_writes_runs_and_compares(tmp_path, table, capsys):
    out = tmp_path / "runs.csv"
    argv = [
        "-q",
        "vs-eval",
        str(table),
        "--active-column",
        "hit",
        "--fp",
        "ecfp4,maccs",
        "--score-column",
        "model",
    ]
    argv += ["--queries", "3", "--repeats", "4", "--compare", "ecfp4", "maccs", "-o", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "ecfp4 vs maccs (auroc, 2 paired targets)" in printed and "Wilcoxon p =" in printed
    runs = pd.read_csv(out)
    expected = ds.vs.evaluate(
        table,
        {"ecfp4": ds.FingerprintSpec(), "maccs": ds.FingerprintSpec("maccs"), "model": "model"},
        n_queries=3,
        repeats=4,
        active_column="hit",
    ).runs
    pd.testing.assert_frame_equal(runs, expected, check_dtype=False)


def test_vs_eval_errors(tmp_path, table, capsys):
    out = tmp_path / "runs.csv"
    assert main(["-q", "vs-eval", str(table), "--fp", "ecfp6", "-o", str(out)]) == 1
    assert "unknown --fp 'ecfp6'" in capsys.readouterr().err
    assert main(["-q", "vs-eval", str(table), "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert "no column 'active'" in err and len(err.splitlines()) == 1 and not out.exists()
