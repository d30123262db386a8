"""The target-discovery campaign (``kind = "targets"``): outputs, ranking, config, resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import tomllib

import drugscreen as ds
from drugscreen.errors import InputError

#: The columns of ``targets.csv`` (and of the page's table) in the demo (every part given).
TARGET_COLUMNS = ["rank", "gene", "score", "is_seed", "network", "genetics", "tractability", "network_z",
                  "tractability_class", "drugs", "n_compounds", "degree"]  # fmt: skip


def config_dict(toml: Path, **changes: Any) -> dict[str, Any]:
    """The demo's TOML as a dict, with sections updated (``None`` removes a section or a key)."""
    raw = tomllib.loads(toml.read_text())
    for section, values in changes.items():
        if values is None:
            raw.pop(section, None)
        elif isinstance(values, dict):
            merged = {**raw.get(section, {}), **values}
            raw[section] = {k: v for k, v in merged.items() if v is not None}
        else:
            raw[section] = values
    return raw


def run(toml: Path, out: Path, **changes: Any) -> Any:
    cfg = ds.campaign.load_config(config_dict(toml, **changes), base_dir=toml.parent)
    return ds.campaign.run(cfg, out, progress=False)


def records(out: Path) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in (out / "steps").glob("*.json")}


def hidden_genes(toml: Path) -> set[str]:
    return set(pd.read_csv(toml.parent / "hidden_genes.csv", dtype=str)["gene"])


# ---------------------------------------------------------------------------------------------
# the finished demo campaign


def test_outputs_and_rank_order(targeted: Any, targets_inputs: Path) -> None:
    d = targeted.directory
    for name in (
        "targets.csv",
        "all_genes.parquet",
        "report.html",
        "top_target_actives.smi",
        "campaign.json",
    ):
        assert (d / name).is_file(), name
    genes = targeted.all_scores
    assert len(genes) == 400 and genes["gene"].is_unique  # every gene of the network, once
    assert genes["rank"].tolist() == list(range(1, 401))  # 1..n, no gap, no tie
    assert (np.diff(genes["score"].to_numpy()) <= 0).all()
    parts = genes[["contribution_network", "contribution_genetics", "contribution_tractability"]]
    np.testing.assert_allclose(parts.sum(axis=1), genes["score"], rtol=1e-12)
    # the demo's weights (1, 1, 0.5): the score is their weighted mean
    expected = (genes["network"] + genes["genetics"] + 0.5 * genes["tractability"]) / 2.5
    np.testing.assert_allclose(genes["score"], expected, rtol=1e-12)
    assert (genes.loc[genes["is_seed"], "network"] == 1.0).all()
    assert set(genes["tractability_class"]) <= {"approved_drug", "drug", "library", "none"}
    # the shortlist: the best rank.top (20) genes in rank order, seeds included (the default)
    short = targeted.shortlist
    assert short["gene"].tolist() == genes["gene"].head(20).tolist()
    assert short["rank"].tolist() == list(range(1, 21)) and short["shortlist"].all()
    assert short["is_seed"].any() and (~short["is_seed"]).any()
    table = pd.read_csv(d / "targets.csv", dtype={"gene": str, "drugs": str})
    assert list(table.columns) == TARGET_COLUMNS
    assert table["gene"].tolist() == short["gene"].tolist()
    np.testing.assert_allclose(table["score"], short["score"])
    # a seed's evidence: GMT seeds are the genes of the disease
    gmt = (targets_inputs.parent / "disease_genes.gmt").read_text().split("\t")[2:]
    assert set(genes.loc[genes["is_seed"], "gene"]) == {g.strip() for g in gmt}


def test_shortlist_holds_most_hidden_genes(targeted: Any, targets_inputs: Path) -> None:
    hidden = hidden_genes(targets_inputs)
    assert len(hidden) == 16
    found = targeted.shortlist["gene"].isin(hidden).sum()
    # 20 shortlisted of 400 genes: a random ranking shortlists 20 * 16 / 400 = 0.8 hidden genes on
    # average (P(>= 7) ~ 2e-6, hypergeometric); the demo's ranking shortlists 9 (with 8 seeds)
    assert found >= 7, targeted.shortlist
    # among the non-seed genes, most hidden ones rank in the top 25 (random: 25 * 16 / 376 = 1.1)
    others = targeted.all_scores[~targeted.all_scores["is_seed"]]
    assert others["gene"].head(25).isin(hidden).sum() >= 9


def test_top_target_actives_are_the_best_shortlisted_target_with_ligands(
    targeted: Any, targets_inputs: Path
) -> None:
    ligands = pd.read_csv(targets_inputs.parent / "ligands.csv", dtype=str)
    short = targeted.shortlist
    top = short.loc[short["gene"].isin(set(ligands["gene"])), "gene"].iloc[0]
    lines = (targeted.directory / "top_target_actives.smi").read_text().splitlines()
    wanted = ligands[ligands["gene"] == top]
    assert lines == [f"{s} {i}" for s, i in zip(wanted["smiles"], wanted["id"], strict=True)]
    text = targeted.report_path.read_text()
    assert f"top target with known ligands: {top} ({len(wanted)} ligands" in text


def test_report_shows_every_part(targeted: Any) -> None:
    text = targeted.report_path.read_text()
    for part in ('id="validation"', 'id="limitations"', 'class="data sortable candidates"',
                 'class="evidence-link"', 'svg xmlns="http://www.w3.org/2000/svg" class="neighbourhood"',
                 "Genetic evidence", 'id="next"', 'id="config"', "drugscreen demo: targets"):  # fmt: skip
        assert part in text, part
    assert text.count('<details class="evidence"') == 20  # one panel per shortlisted target
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script src" not in text


def test_validation_compares_the_method_with_degree(targeted: Any) -> None:
    tests = pd.read_parquet(targeted.directory / "steps" / "validation.parquet")
    assert set(tests["method"]) == {"heat", "degree"}
    assert tests.groupby("method")["fold"].nunique().tolist() == [5, 5]
    means = tests.groupby("method")["auroc"].mean()
    assert means["heat"] > means["degree"]  # the planted module: propagation beats degree


def test_result_and_status(targeted: Any) -> None:
    assert targeted.kind == "targets"
    assert len(targeted.shortlist) == 20 and targeted.shortlist.index.tolist() == list(range(20))
    text = targeted._repr_html_()
    assert text.startswith("<div><b>Target discovery campaign</b>")
    for column in ("rank", "gene", "score", "is_seed", "network", "genetics", "tractability"):
        assert f"<th>{column}</th>" in text, column
    assert targeted.shortlist["gene"].iloc[0] in text
    assert "20 shortlisted" in repr(targeted)
    funnel = targeted.funnel
    assert funnel["step"].drop_duplicates().tolist() == [
        "inputs", "propagation", "genetics", "validation", "rank", "report",
    ]  # fmt: skip
    assert funnel.set_index(["step", "count"]).loc[("propagation", "genes"), "value"] == 400
    status = ds.campaign.status(targeted.directory)
    assert status["step"].tolist() == ["inputs", "propagation", "genetics", "validation", "rank", "report"]
    assert status["done"].all()
    record = json.loads((targeted.directory / "campaign.json").read_text())
    assert record["config"]["kind"] == "targets" and record["config"]["rank"]["top"] == 20


# ---------------------------------------------------------------------------------------------
# resume and keys


def test_resume_reruns_nothing_and_an_option_reruns_only_its_steps(
    targets_inputs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    ds.campaign.run(targets_inputs, out, progress=False)
    first = records(out)
    genes = (out / "all_genes.parquet").read_bytes()
    ds.campaign.run(targets_inputs, out, progress=False)
    assert records(out) == first
    assert (out / "all_genes.parquet").read_bytes() == genes
    assert ds.campaign.status(out)["done"].all()
    # the title: only the report
    run(targets_inputs, out, report={"title": "another title"})
    second = records(out)
    assert [s for s in first if first[s] != second[s]] == ["report"]
    assert "<h1>another title</h1>" in (out / "report.html").read_text()
    # the shortlist's length: the ranking and the report, not propagation (nor anything before)
    result = run(targets_inputs, out, report={"title": "another title"}, rank={"top": 7})
    third = records(out)
    assert {s for s in second if second[s] != third[s]} == {"rank", "report"}
    assert len(result.shortlist) == 7 and len(pd.read_csv(out / "targets.csv")) == 7
    assert ds.campaign.status(out)["done"].all()
    # the method: propagation, validation, rank and report; inputs and genetics stay
    run(
        targets_inputs, out, report={"title": "another title"}, rank={"top": 7}, propagation={"method": "rwr"}
    )
    fourth = records(out)
    assert {s for s in third if third[s] != fourth[s]} == {"propagation", "validation", "rank", "report"}


def test_include_seeds_false_shortlists_no_seed(targets_inputs: Path, tmp_path: Path) -> None:
    result = run(targets_inputs, tmp_path / "out", rank={"include_seeds": False})
    short = result.shortlist
    assert len(short) == 20 and not short["is_seed"].any()
    genes = result.all_scores
    assert short["gene"].tolist() == genes.loc[~genes["is_seed"], "gene"].head(20).tolist()
    # 20 of 376 non-seed genes: random finds 20 * 16 / 376 = 0.85 hidden genes; the demo finds 11
    assert short["gene"].isin(hidden_genes(targets_inputs)).sum() >= 9
    assert not pd.read_csv(result.directory / "targets.csv")["is_seed"].any()


def test_network_only_without_genetics_or_drugs(targets_inputs: Path, tmp_path: Path) -> None:
    result = run(targets_inputs, tmp_path / "out", genetics=None, drugs=None)
    d = result.directory
    assert (d / "report.html").is_file() and (d / "targets.csv").is_file()
    assert not (d / "top_target_actives.smi").exists()  # no ligands: no follow-up actives
    genes = result.all_scores
    assert not {"genetics", "tractability", "drugs"} & set(genes.columns)
    np.testing.assert_allclose(genes["score"], genes["network"])  # the network alone ranks
    assert genes["rank"].tolist() == list(range(1, 401))
    table = pd.read_csv(d / "targets.csv")
    assert list(table.columns) == ["rank", "gene", "score", "is_seed", "network", "network_z", "degree"]
    text = result.report_path.read_text()
    assert "0 rows, 0 table(s)" in text and 'id="next"' not in text
    # a known-genes list instead of the GMT (two genes outside the network): the same seeds in
    # the network, the same ranking; without validation the page has no validation table
    seeds = (targets_inputs.parent / "disease_genes.gmt").read_text().strip().split("\t")[2:]
    listed = run(targets_inputs, tmp_path / "listed", genetics=None, drugs=None,
                 disease={"seeds": None, "genes": [*seeds, "zz1", "zz2"]}, validation={"enabled": False})  # fmt: skip
    assert listed.all_scores["gene"].tolist() == genes["gene"].tolist()
    np.testing.assert_allclose(listed.all_scores["score"], genes["score"])
    assert listed.steps()["inputs"]["counts"] == {"seeds": 26, "seeds_in_network": 24}
    assert listed.steps()["validation"]["counts"] == {"tests": 0}
    page = listed.report_path.read_text()
    assert "26 (24 in the network)" in page and 'id="validation"' not in page


def test_stale_actives_go_when_ligands_are_dropped(
    targeted: Any, targets_inputs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    shutil.copytree(targeted.directory, out)
    before = records(out)
    run(targets_inputs, out, drugs={"ligands": None})
    assert not (out / "top_target_actives.smi").exists()
    after = records(out)
    assert {s for s in before if before[s] != after[s]} == {"report"}


def test_another_kind_in_the_same_directory_is_refused(
    targeted: Any, targets_inputs: Path, repurpose_inputs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "targets"
    shutil.copytree(targeted.directory, out)
    before = {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(InputError, match="holds a targets campaign; a repurpose campaign needs a new"):
        ds.campaign.run(repurpose_inputs, out, progress=False)
    assert {p.name: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before  # nothing touched
    # and a targets campaign is not run in another kind's directory
    other = tmp_path / "other"
    shutil.copytree(targeted.directory, other)
    record = json.loads((other / "campaign.json").read_text())
    record["config"]["kind"] = "repurpose"
    (other / "campaign.json").write_text(json.dumps(record))
    with pytest.raises(InputError, match="holds a repurpose campaign; a targets campaign needs a new"):
        ds.campaign.run(targets_inputs, other, progress=False)


def test_demo_inputs_are_deterministic(tmp_path: Path) -> None:
    from drugscreen.campaign.targets_demo import write_targets_inputs

    a = write_targets_inputs(tmp_path / "a").parent
    b = write_targets_inputs(tmp_path / "b").parent
    for path in a.iterdir():
        assert path.read_bytes() == (b / path.name).read_bytes(), path.name


# ---------------------------------------------------------------------------------------------
# configuration


@pytest.mark.parametrize(
    "change, message",
    [
        ({"propagation": {"colour": 1}}, r"propagation: unknown key 'colour'"),
        ({"extra": {"x": 1}}, r"config: unknown key 'extra'"),
        ({"disease": {"genes": ["1000", "1001"]}}, r"disease: give exactly one of genes .* or seeds"),
        ({"disease": {"seeds": None}}, r"disease: give exactly one of genes .* or seeds"),
        ({"disease": {"seeds": "missing.gmt"}}, r"disease.seeds: file not found: .*missing.gmt"),
        ({"genetics": {"tables": ["gwas_l2g.csv", "gone.csv"]}}, r"genetics.tables\[1\]: file not found"),
        ({"drugs": {"ligands": "none.csv"}}, r"drugs.ligands: file not found"),
        ({"interactome": "nowhere.tsv"}, r"interactome: file not found"),
        (
            {"propagation": {"method": "pagerank"}},
            r"propagation.method must be one of rwr, heat, neighbours, diamond",
        ),
        ({"propagation": {"method": "degree"}}, r"propagation.method must be one of"),
        ({"rank": {"network": 0.0, "genetics": 0.0}}, r"rank: network and genetics weights are both 0"),
        ({"rank": {"top": 0}}, r"rank.top must be a whole number"),
        ({"rank": {"include_seeds": "no"}}, r"rank.include_seeds must be true or false"),
        ({"validation": {"folds": 1}}, r"validation.folds must be a whole number"),
        ({"genetics": {"weights": {"gwas": 2.0}}}, r"genetics.weights.gwas must lie in"),
        ({"disease": {"name": None}}, r"disease.name is required"),
        ({"disease": None}, r"\[disease\] section is required"),
    ],
)
def test_config_errors_name_the_key(targets_inputs: Path, change: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        ds.campaign.load_config(config_dict(targets_inputs, **change), base_dir=targets_inputs.parent)
    assert "\n" not in str(info.value)  # one line


def test_network_weight_zero_needs_genetics(targets_inputs: Path) -> None:
    raw = config_dict(targets_inputs, genetics=None, rank={"network": 0.0})
    with pytest.raises(InputError, match="rank.network is 0 and there is no genetics table"):
        ds.campaign.load_config(raw, base_dir=targets_inputs.parent)
    raw = config_dict(targets_inputs, interactome=None)
    with pytest.raises(InputError, match="interactome .* is required"):
        ds.campaign.load_config(raw, base_dir=targets_inputs.parent)


def test_errors_found_by_the_first_step(targets_inputs: Path, tmp_path: Path) -> None:
    with pytest.raises(
        InputError, match=r"disease: 'nope' is not an entry of disease.seeds \(entries: demo disease"
    ):
        run(targets_inputs, tmp_path / "a", disease={"entry": "nope"})
    assert not (tmp_path / "a" / "report.html").exists()
    with pytest.raises(
        InputError, match=r"disease 'ghost': none of its 2 genes is in the interactome"
    ) as info:
        run(targets_inputs, tmp_path / "b", disease={"seeds": None, "genes": ["zz1", "zz2"], "name": "ghost"})
    assert "\n" not in str(info.value)
    assert not (tmp_path / "b" / "report.html").exists()
    # the directory of a failed run is this campaign's: a corrected config runs there
    result = run(targets_inputs, tmp_path / "a", disease={"entry": "demo disease"})
    assert len(result.shortlist) == 20
