"""``drugscreen genes rank | validate | evidence | mr`` end to end, against the API."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import drugscreen as ds
from drugscreen.cli import main
from drugscreen.targets.evidence import aggregate_evidence, read_evidence
from drugscreen.targets.mr import mendelian_randomization


@pytest.fixture(scope="module")
def demo(targets_inputs: Path) -> dict[str, str]:
    """The demo campaign's network, seed GMT and evidence tables (paths as text)."""
    d = targets_inputs.parent
    names = {"net": "interactome.tsv", "gmt": "disease_genes.gmt", "gwas": "gwas_l2g.csv", "burden": "burden.csv",
             "hidden": "hidden_genes.csv"}  # fmt: skip
    return {k: str(d / v) for k, v in names.items()}


@pytest.fixture(scope="module")
def variants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve variants whose outcome effect is twice the exposure effect (plus noise)."""
    rng = np.random.default_rng(4)
    bx = rng.uniform(0.05, 0.3, 12) * rng.choice([-1, 1], 12)
    bx_se = np.full(12, 0.01)
    by_se = rng.uniform(0.01, 0.03, 12)
    by = 2.0 * bx + rng.normal(0, by_se)
    table = pd.DataFrame(
        {"snp": [f"rs{i}" for i in range(12)], "bx": bx, "bx_se": bx_se, "by": by, "by_se": by_se}
    )
    path = tmp_path_factory.mktemp("mr") / "variants.csv"
    table.to_csv(path, index=False)
    return path


def error_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("drugscreen: error")]


def test_rank_writes_the_api_table(
    demo: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "ranked.csv"
    argv = ["genes", "rank", demo["net"], demo["gmt"], "--method", "heat", "--time", "2", "--permutations",
            "20", "--top", "30", "--seed", "5", "-o", str(out)]  # fmt: skip
    with caplog.at_level("INFO", logger="drugscreen"):
        assert main(argv) == 0
    assert f"54 rows (1 sets) written to {out}" in caplog.text  # 24 seeds + the top 30
    got = pd.read_csv(out, dtype={"gene": str, "set": str})
    assert list(got.columns) == ["set", "gene", "is_seed", "rank", "score", "z", "p", "degree", "degree_rank"]
    net = ds.network.Interactome.from_file(demo["net"])
    want = ds.targets.prioritize(net, ds.targets.read_seed_sets(demo["gmt"]), "heat", settings={"time": 2.0},
                                 n_permutations=20, random_state=5, top=30)  # fmt: skip
    assert got["gene"].tolist() == want["gene"].tolist()
    np.testing.assert_allclose(got["score"], want["score"], rtol=1e-9)
    np.testing.assert_allclose(got["z"], want["z"], rtol=1e-9)
    assert got["is_seed"].sum() == 24 and (~got["is_seed"]).sum() == 30
    # a Parquet output and a chosen set
    parquet = tmp_path / "ranked.parquet"
    assert (
        main(["-q", "genes", "rank", demo["net"], demo["gmt"], "--sets", "demo disease", "-o", str(parquet)])
        == 0
    )
    assert set(pd.read_parquet(parquet)["set"]) == {"demo disease"}


def test_validate_prints_the_summary_and_writes_each_test(
    demo: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cv.parquet"
    argv = ["-q", "genes", "validate", demo["net"], demo["gmt"], "--methods", "heat,degree", "--folds", "3",
            "--seed", "1", "-o", str(out)]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split()[:4] == ["method", "protocol", "n_diseases", "auroc"]
    assert [line.split()[0] for line in printed[1:]] == ["heat", "degree"]
    tests = pd.read_parquet(out)
    assert set(tests["method"]) == {"heat", "degree"} and set(tests["fold"]) == {0, 1, 2}
    net = ds.network.Interactome.from_file(demo["net"])
    want = ds.targets.cross_validate(
        net, demo["gmt"], ["heat", "degree"], n_folds=3, min_genes=20, random_state=1
    )
    np.testing.assert_allclose(tests["auroc"], want.per_test["auroc"])
    heat = tests[tests["method"] == "heat"]["auroc"].mean()
    assert heat > tests[tests["method"] == "degree"]["auroc"].mean()
    # transfer: seed with one source's genes, recover another's
    seeds = ds.targets.read_seed_sets(demo["gmt"])["gene"].tolist()
    hidden = pd.read_csv(demo["hidden"], dtype=str)["gene"].tolist()
    table = pd.DataFrame(
        {"set": "d", "gene": seeds + hidden, "source": ["OMIM"] * len(seeds) + ["GWAS"] * len(hidden)}
    )
    table.to_csv(tmp_path / "sources.csv", index=False)
    argv = ["-q", "genes", "validate", demo["net"], str(tmp_path / "sources.csv"), "--methods", "rwr", "--transfer",
            "OMIM", "GWAS"]  # fmt: skip
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split()[0] == "rwr"
    want = ds.targets.transfer(
        net, tmp_path / "sources.csv", ["rwr"], seed_source="OMIM", target_source="GWAS"
    )
    assert f"{want.summary['auroc'].iloc[0]:.3f}" in lines[1]


def test_evidence_aggregates_the_tables(
    demo: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "evidence.csv"
    with caplog.at_level("INFO", logger="drugscreen"):
        assert (
            main(
                ["genes", "evidence", demo["gwas"], demo["burden"], "--weight", "burden=0.5", "-o", str(out)]
            )
            == 0
        )
    got = pd.read_csv(out, dtype={"gene": str})
    rows = pd.concat([read_evidence(demo["gwas"]), read_evidence(demo["burden"])], ignore_index=True)
    want = aggregate_evidence(rows, weights={"burden": 0.5})
    assert f"{len(want)} disease-gene rows written to {out}" in caplog.text
    assert got["gene"].tolist() == want["gene"].tolist()
    np.testing.assert_allclose(got["score"], want["score"], rtol=1e-12)
    assert {"score_gwas", "score_burden"} <= set(got.columns)
    # the weight changes the scores of genes with burden evidence
    plain = aggregate_evidence(rows)
    assert not np.allclose(
        plain.set_index("gene")["score"].sort_index(), got.set_index("gene")["score"].sort_index()
    )


def test_mr_prints_every_method(variants: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mr.csv"
    assert main(["-q", "genes", "mr", str(variants), "--seed", "2", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    for method in ("ivw_fixed", "ivw_random", "egger", "weighted_median"):
        assert method in printed, method
    got = pd.read_csv(out)
    table = pd.read_csv(variants)
    want = mendelian_randomization(table["bx"], table["bx_se"], table["by"], table["by_se"], seed=2)
    assert got["method"].tolist() == want["method"].tolist()
    np.testing.assert_allclose(got["estimate"], want["estimate"], rtol=1e-9)
    ivw = got.set_index("method").loc["ivw_random"]
    assert ivw["ci_low"] < 2.0 < ivw["ci_high"]  # the planted effect
    assert main(["-q", "genes", "mr", str(variants)]) == 0  # no -o: printed only
    assert "ivw_random" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["rank", "{tmp}/nowhere.tsv", "{gmt}", "-o", "{tmp}/o.csv"],
            "interactome file .*nowhere.tsv.* does not exist",
        ),
        (["rank", "{net}", "{tmp}/nothing.gmt", "-o", "{tmp}/o.csv"], "nothing.gmt"),
        (
            ["rank", "{net}", "{gmt}", "--sets", "demo disease,asthma", "-o", "{tmp}/o.csv"],
            "--sets: 'asthma' is not a set of",
        ),
        (["rank", "{net}", "{gmt}", "-o", "{tmp}/o.txt"], r"use a \.csv, \.tsv or \.parquet file name"),
        (["validate", "{net}", "{gmt}", "--sets", "nope"], "--sets: 'nope' is not a set of"),
        (["validate", "{net}", "{gmt}", "--methods", "pagerank"], "method must be one of"),
        (["evidence", "{gwas}", "{tmp}/missing.csv", "-o", "{tmp}/e.csv"], "missing.csv"),
        (
            ["evidence", "{gwas}", "--weight", "gwas", "-o", "{tmp}/e.csv"],
            "--weight 'gwas': expected SOURCE=NUMBER",
        ),
        (
            ["evidence", "{gwas}", "--weight", "gwas=high", "-o", "{tmp}/e.csv"],
            "--weight 'gwas=high': expected SOURCE=NUMBER",
        ),
        (
            ["evidence", "{gwas}", "--weight", "=0.5", "-o", "{tmp}/e.csv"],
            "--weight '=0.5': expected SOURCE=NUMBER",
        ),
        (
            ["evidence", "{gwas}", "--weight", "gwas=-1", "-o", "{tmp}/e.csv"],
            "weight -1.0; weights must be in",
        ),
        (
            ["evidence", "{gwas}", "--weight", "gwas=nan", "-o", "{tmp}/e.csv"],
            "weight nan; weights must be in",
        ),
        (["mr", "{variants_no_by_se}"], "no column 'by_se'; columns are"),
        (["mr", "{tmp}/absent.csv"], "absent.csv"),
        (["mr", "{gwas}"], "no column 'bx'"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    argv: list[str], message: str, demo: dict[str, str], variants: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    no_by_se = tmp_path / "no_by_se.csv"
    pd.read_csv(variants).drop(columns="by_se").to_csv(no_by_se, index=False)
    fill = {**demo, "tmp": str(tmp_path), "variants_no_by_se": str(no_by_se)}
    capsys.readouterr()
    assert main(["-q", "genes", *[a.format(**fill) for a in argv]]) == 1
    errors = error_lines(capsys)
    assert len(errors) == 1, errors
    assert re.search(message, errors[0]), errors[0]
    assert not list(tmp_path.glob("o.*")) and not (tmp_path / "e.csv").exists()  # nothing written


@pytest.mark.parametrize("command, words", [(["rank"], ["--method", "--permutations", "examples:"]),
                                            (["validate"], ["--transfer", "--blocks", "examples:"]),
                                            (["evidence"], ["--weight", "SOURCE=W", "example:"]),
                                            (["mr"], ["bx_se", "--seed", "example:"]),
                                            ([], ["rank", "validate", "evidence", "mr"])])  # fmt: skip
def test_help_of_each_subcommand(
    command: list[str], words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["genes", *command, "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: drugscreen genes {' '.join(command)}".rstrip())
    for word in words:
        assert word in text, word


def test_a_subcommand_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["genes"])
    assert info.value.code == 2
    assert "required" in capsys.readouterr().err
