"""The repurposing campaign (``kind = "repurpose"``): config, steps, ranking, outputs, resume."""

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
from drugscreen.campaign.repurpose_rank import _ranks, combined_score
from drugscreen.errors import InputError


def config_dict(toml: Path, **changes: Any) -> dict[str, Any]:
    """The demo's TOML as a dict, with sections updated (``None`` removes a section)."""
    raw = tomllib.loads(toml.read_text())
    for section, values in changes.items():
        if values is None:
            raw.pop(section, None)
        else:
            raw[section] = {**raw.get(section, {}), **values} if isinstance(values, dict) else values
    return raw


# ---------------------------------------------------------------------------------------------
# the finished demo campaign


def test_outputs_and_shortlist(repurposed: Any) -> None:
    d = repurposed.directory
    for name in ("report.html", "candidates.csv", "all_scores.parquet", "combinations.csv", "formulas.csv"):
        assert (d / name).is_file(), name
    scores = repurposed.all_scores
    short = repurposed.shortlist
    assert set(short["disease"]) == {"DOID:0000001", "DOID:0000002"}
    assert short.groupby("disease").size().max() <= 15
    assert not short["known"].any()  # known indications are never candidates by default
    for _, group in scores.groupby("disease"):
        ranked = group["rank"].dropna().astype(int).sort_values().to_numpy()
        assert (ranked == np.arange(1, len(ranked) + 1)).all()  # 1..n, no gap, no tie
        best = group[~group["known"] & group["rank"].notna()].nsmallest(15, "rank")
        assert set(best["drug"]) == set(group.loc[group["shortlisted"], "drug"])
    assert (short["rank_low"] <= short["rank_high"]).all()
    assert repurposed.kind == "repurpose"
    assert "shortlist" in repurposed.funnel["count"].tolist()


def test_planted_hidden_indications_are_found(repurposed: Any, repurpose_inputs: Path) -> None:
    hidden = pd.read_csv(repurpose_inputs.parent / "hidden_indications.csv", dtype=str)
    found = repurposed.shortlist.merge(hidden, on=["drug", "disease"])
    wanted = hidden[hidden["disease"].isin(["DOID:0000001", "DOID:0000002"])]
    # the generator's hidden treats edges lie in the disease modules: most must come up
    assert len(found) >= len(wanted) - 1, found


def test_score_is_the_weighted_percentile_mean(repurposed: Any) -> None:
    scores = repurposed.all_scores
    for _, g in scores.groupby("disease"):
        kg = g["kg_score"].rank(pct=True)
        prox = (-g["z"]).rank(pct=True)
        both = g["kg_score"].notna() & g["z"].notna()
        expected = (1.0 * kg + 0.5 * prox) / 1.5  # the demo's weights
        assert np.allclose(g.loc[both, "score"], expected[both])
        only_kg = g["kg_score"].notna() & g["z"].isna()
        assert np.allclose(g.loc[only_kg, "score"], kg[only_kg])


def test_evidence_paths_run_from_drug_to_disease(repurposed: Any) -> None:
    evidence = pd.read_parquet(repurposed.directory / "steps" / "evidence.parquet")
    assert len(evidence) == len(repurposed.shortlist)
    n_paths = 0
    for row in evidence.itertuples():
        for m in json.loads(row.metapaths):
            assert m["contribution"] > 0
            for path in m["paths"]:
                assert path["nodes"][0]["id"] == f"Compound::{row.drug}"
                assert path["nodes"][-1]["id"] == f"Disease::{row.disease}"
                assert len(path["relations"]) == len(path["nodes"]) - 1
                n_paths += 1
        for t in json.loads(row.targets_near):
            assert t["distance"] >= 0 and t["nearest_genes"]
    assert n_paths > 0


def test_proximity_matches_the_library_function(repurposed: Any, repurpose_inputs: Path) -> None:
    table = pd.read_parquet(repurposed.directory / "steps" / "proximity.parquet")
    edges = pd.read_csv(repurpose_inputs.parent / "edges.sif", sep="\t")
    gig = edges[edges["metaedge"] == "GiG"]
    net = ds.network.Interactome.from_edges(
        list(zip(gig["source"].str[6:], gig["target"].str[6:], strict=True))
    )
    dag = edges[(edges["metaedge"] == "DaG") & (edges["source"] == "Disease::DOID:0000001")]
    genes = dag["target"].str[6:].tolist()
    cbg = edges[(edges["metaedge"] == "CbG") & (edges["source"] == "Compound::DB00004")]
    targets = cbg["target"].str[6:].tolist()
    dist = net.distances
    index = {g: i for i, g in enumerate(net.genes)}
    closest = np.mean([min(dist[index[t], index[g]] for g in genes) for t in targets])
    row = table[(table["drug"] == "DB00004") & (table["disease"] == "DOID:0000001")].iloc[0]
    assert row["d"] == pytest.approx(closest)
    again = ds.repurpose.proximity(net, {"DB00004": targets}, {"DOID:0000001": genes}, n_random=200,
                                   min_bin_size=20, seed=0, progress=False)  # fmt: skip
    assert row["z"] == pytest.approx(float(again["z"].iloc[0]))


def test_combinations_are_classed_and_ordered(repurposed: Any) -> None:
    from drugscreen.combos.separation import EXPOSURE_ORDER, classify

    pairs = pd.read_csv(repurposed.directory / "combinations.csv")
    assert len(pairs)
    assert (pairs["exposure"] == classify(pairs["s_ab"], pairs["s_a"], pairs["s_b"])).all()
    for _, g in pairs.groupby("disease"):
        order = g.sort_values("rank")["exposure"].map(EXPOSURE_ORDER.index).to_numpy()
        assert (np.diff(order) >= 0).all()  # complementary first, then the others in order
    assert (pairs["a_is_treatment"] | pairs["b_is_treatment"]).any()


def test_formulas_warn_about_hubs_and_promiscuity(repurposed: Any) -> None:
    formulas = pd.read_csv(repurposed.directory / "formulas.csv")
    formulas = formulas[formulas["disease"] == "DOID:0000001"]
    warnings = {f: json.loads(w) for f, w in zip(formulas["formula"], formulas["warnings"], strict=True)}
    assert any("hub" in w.lower() for w in warnings["hub-carried"])
    assert any("promiscuous" in w.lower() or "quercetin" in w.lower() for w in warnings["promiscuous"])
    assert warnings["aimed"] == []
    aimed = formulas[(formulas["formula"] == "aimed") & (formulas["disease"] == "DOID:0000001")].iloc[0]
    unrelated = formulas[(formulas["formula"] == "unrelated") & (formulas["disease"] == "DOID:0000001")].iloc[
        0
    ]
    assert aimed["z"] < unrelated["z"]


def test_report_shows_every_part(repurposed: Any) -> None:
    text = repurposed.report_path.read_text()
    for part in ('data-disease="DOID:0000001"', 'data-disease="DOID:0000002"', 'class="paths"',
                 'class="targets"', 'class="heatmap"', 'details class="formula"', 'id="validation"',
                 'id="limitations"', "leave diseases out"):  # fmt: skip
        assert part in text, part
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script src" not in text


# ---------------------------------------------------------------------------------------------
# resume and keys


def test_rerun_is_up_to_date_and_new_weights_rerun_only_the_ranking(
    repurpose_inputs: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    quick = {"formulas": None, "combinations": {"enabled": False}, "model": {"seeds": 1}}
    raw = config_dict(repurpose_inputs, **quick)
    cfg = ds.campaign.load_config(raw, base_dir=repurpose_inputs.parent)
    ds.campaign.run(cfg, out, progress=False)
    before = {p.name: p.read_bytes() for p in (out / "steps").glob("*.json")}
    scores = (out / "all_scores.parquet").read_bytes()
    ds.campaign.run(cfg, out, progress=False)
    assert {p.name: p.read_bytes() for p in (out / "steps").glob("*.json")} == before
    assert (out / "all_scores.parquet").read_bytes() == scores
    assert ds.campaign.status(out)["done"].all()
    raw = config_dict(repurpose_inputs, **quick, rank={"proximity": 0.0})
    ds.campaign.run(ds.campaign.load_config(raw, base_dir=repurpose_inputs.parent), out, progress=False)
    after = {p.name: p.read_bytes() for p in (out / "steps").glob("*.json")}
    for step in ("inputs", "sea", "knowledge", "proximity"):
        assert after[f"{step}.json"] == before[f"{step}.json"], step
    assert after["rank.json"] != before["rank.json"]
    ranked = pd.read_parquet(out / "all_scores.parquet")
    for _, g in ranked.groupby("disease"):  # proximity weight 0: the order is the model's
        g = g[g["rank"].notna()].sort_values("rank")
        assert (np.diff(g["kg_score"].to_numpy()) <= 0).all()


def test_gene_set_disease_is_added_to_the_graph(repurpose_inputs: Path, tmp_path: Path) -> None:
    edges = pd.read_csv(repurpose_inputs.parent / "edges.sif", sep="\t")
    genes = edges.loc[(edges["metaedge"] == "DaG") & (edges["source"] == "Disease::DOID:0000003"), "target"]
    disease = {"ids": None, "genes": genes.str[6:].tolist(), "name": "my disease"}
    raw = config_dict(repurpose_inputs, formulas=None, combinations={"enabled": False}, model={"seeds": 1})
    raw["disease"] = {k: v for k, v in disease.items() if v is not None}
    result = ds.campaign.run(ds.campaign.load_config(raw, base_dir=repurpose_inputs.parent), tmp_path / "a",
                             progress=False)  # fmt: skip
    scores = result.all_scores
    assert set(scores["disease"]) == {"my disease"}
    assert (scores["head"] == "zero-shot").all()  # no known treatment: the zero-shot head
    # with treatments given, they become treats edges: the treated head scores it
    raw["disease"]["treatments"] = ["DB00017", "DB00018"]
    result = ds.campaign.run(ds.campaign.load_config(raw, base_dir=repurpose_inputs.parent), tmp_path / "b",
                             progress=False)  # fmt: skip
    scores = result.all_scores
    assert (scores["head"] == "treated").all()
    assert set(scores.loc[scores["known"], "drug"]) == {"DB00017", "DB00018"}


def test_gmt_entries_and_proximity_only_without_a_graph(repurpose_inputs: Path, tmp_path: Path) -> None:
    folder = repurpose_inputs.parent
    edges = pd.read_csv(folder / "edges.sif", sep="\t")
    gig = edges[edges["metaedge"] == "GiG"]
    (tmp_path / "net.tsv").write_text(
        "".join(f"{a[6:]}\t{b[6:]}\n" for a, b in zip(gig["source"], gig["target"], strict=True))
    )
    cbg = edges[edges["metaedge"] == "CbG"]
    pd.DataFrame({"drug": cbg["source"].str[10:], "gene": cbg["target"].str[6:]}).to_csv(
        tmp_path / "t.csv", index=False
    )
    lines = []
    for d in ("DOID:0000001", "DOID:0000002"):
        genes = edges.loc[(edges["metaedge"] == "DaG") & (edges["source"] == f"Disease::{d}"), "target"].str[
            6:
        ]
        lines.append("\t".join([f"set {d}", "from the demo", *genes]))
    (tmp_path / "d.gmt").write_text("\n".join(lines) + "\n")
    raw = {"kind": "repurpose", "disease": {"gmt": "d.gmt", "entries": ["set DOID:0000002"]},
           "network": {"interactome": "net.tsv"}, "drugs": {"targets": "t.csv", "sea": False},
           "model": {"enabled": False}, "rank": {"knowledge": 0.0, "proximity": 1.0},
           "proximity": {"n_random": 100, "min_bin_size": 20}, "combinations": {"enabled": False}}  # fmt: skip
    result = ds.campaign.run(
        ds.campaign.load_config(raw, base_dir=tmp_path), tmp_path / "out", progress=False
    )
    scores = result.all_scores
    assert set(scores["disease"]) == {"set DOID:0000002"}
    ranked = scores[scores["rank"].notna()].sort_values("rank")
    assert (np.diff(ranked["z"].to_numpy()) >= 0).all()  # proximity only: lowest z first
    assert result.report_path.is_file()
    raw["disease"]["entries"] = ["no such set"]
    with pytest.raises(InputError, match="no such set"):
        ds.campaign.run(ds.campaign.load_config(raw, base_dir=tmp_path), tmp_path / "out2", progress=False)


# ---------------------------------------------------------------------------------------------
# configuration


@pytest.mark.parametrize(
    "change, message",
    [
        ({"disease": {"genes": ["1", "2"]}}, "exactly one of"),
        ({"disease": {"ids": None, "genes": ["1"]}}, "disease.name is required"),
        ({"disease": None}, r"\[disease\] section is required"),
        ({"network": {"nodes": "missing.tsv"}}, "file not found"),
        ({"network": {"edges": []}}, "go together"),
        ({"rank": {"knowledge": 0.0, "proximity": 0.0}}, "positive weight"),
        ({"rank": {"top": 0}}, "rank.top"),
        ({"model": {"seeds": 0}}, "model.seeds"),
        ({"proximity": {"colour": 1}}, "unknown key 'colour'"),
        ({"run": {"device": "cuda"}}, "unknown key 'device'"),
        ({"model": {"enabled": False}, "proximity": {"enabled": False}}, "nothing would rank"),
    ],
)
def test_config_errors_name_the_key(repurpose_inputs: Path, change: dict[str, Any], message: str) -> None:
    raw = tomllib.loads(repurpose_inputs.read_text())
    for section, values in change.items():
        if values is None:
            raw.pop(section)
            continue
        raw.setdefault(section, {})
        for key, value in values.items():
            if value is None:
                raw[section].pop(key, None)
            else:
                raw[section][key] = value
    with pytest.raises(InputError, match=message):
        ds.campaign.load_config(raw, base_dir=repurpose_inputs.parent)


def test_unknown_graph_disease_is_named(repurpose_inputs: Path, tmp_path: Path) -> None:
    raw = config_dict(repurpose_inputs, disease={"ids": ["DOID:9999999"]})
    with pytest.raises(InputError, match="DOID:9999999"):
        ds.campaign.run(
            ds.campaign.load_config(raw, base_dir=repurpose_inputs.parent), tmp_path / "o", progress=False
        )
    assert not (tmp_path / "o" / "report.html").exists()


def test_config_round_trips_through_campaign_json(repurposed: Any) -> None:
    status = ds.campaign.status(repurposed.directory)
    assert status["done"].all()
    assert status["step"].tolist()[-1] == "report"


# ---------------------------------------------------------------------------------------------
# the ranking arithmetic, against hand-made tables


def test_combined_score_and_ranks_by_hand() -> None:
    table = pd.DataFrame(
        {
            "disease": ["a", "a", "a", "a", "b"],
            "drug": ["x", "y", "z", "w", "x"],
            "kg_score": [0.9, 0.1, 0.5, np.nan, 0.3],
            "z": [-1.0, -3.0, np.nan, np.nan, 2.0],
        }
    )
    score = combined_score(table, "kg_score", (2.0, 1.0))
    # disease a: kg percentiles x 1, z 1/3, y 1/3; -z percentiles y 1, x 1/2
    assert score[0] == pytest.approx((2 * 1.0 + 1 * 0.5) / 3)
    assert score[1] == pytest.approx((2 * 1 / 3 + 1 * 1.0) / 3)
    assert score[2] == pytest.approx(2 / 3)  # kg only
    assert np.isnan(score[3])  # no evidence: no score
    assert score[4] == pytest.approx(1.0)
    ranks = _ranks(score, table)
    assert ranks.tolist()[:3] == [1, 3, 2] and ranks.isna()[3] and ranks[4] == 1
    tied = _ranks(pd.Series([0.5, 0.5, 0.5, 0.1, 0.2]), table)
    assert tied.tolist() == [1, 2, 3, 4, 1]  # equal scores: the drug id decides (x < y < z)


def test_demo_inputs_are_deterministic(tmp_path: Path) -> None:
    from drugscreen.campaign.repurpose_demo import write_repurpose_inputs

    a = write_repurpose_inputs(tmp_path / "a").parent
    b = write_repurpose_inputs(tmp_path / "b").parent
    for name in ("nodes.tsv", "edges.sif", "drugs.tsv", "formulas.tsv", "hidden_indications.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    shutil.rmtree(a)


def test_page_escapes_hostile_names() -> None:
    from drugscreen.report.repurpose_page import DiseaseView, RepurposePage, render_repurpose

    evil = '<script>alert("x")</script>'
    view = DiseaseView(
        id=evil,
        name=evil,
        facts=[(evil, evil)],
        candidates=[{"drug": evil, "drug_name": evil, "rank": 1, "score": 0.5}],
        evidence={
            evil: {"metapaths": [{"metapath": evil, "contribution": 1.0, "paths": []}], "targets_near": []}
        },
        combinations=[{"drug_a": evil, "drug_b": "b", "exposure": "complementary", "rank": 1}],
        formulas=[{"formula": evil, "ingredients": [{"ingredient": evil, "z": 1.0}], "warnings": [evil]}],
    )
    page = RepurposePage(title=evil, subtitle=evil, provenance=[(evil, evil)],
                         columns=[("drug", "drug"), ("drug_name", evil), ("rank", "rank")],
                         diseases=[view], limitations=[evil], notes=[evil], config_text=evil)  # fmt: skip
    text = render_repurpose(page)
    assert "<script>alert" not in text
    assert text.count("<script>") == 1  # the page's own script only


# ---------------------------------------------------------------------------------------------
# found by a hostile review


QUICK = {"formulas": None, "combinations": {"enabled": False}, "model": {"seeds": 1}}


def run_quick(toml: Path, out: Path, **changes: Any) -> Any:
    raw = config_dict(toml, **{**QUICK, **changes})
    return ds.campaign.run(ds.campaign.load_config(raw, base_dir=toml.parent), out, progress=False)


def test_other_kind_and_metaedge_names(repurpose_inputs: Path, tmp_path: Path) -> None:
    folder = repurpose_inputs.parent
    names = {"Compound": "Drug", "Disease": "Illness"}
    nodes = pd.read_csv(folder / "nodes.tsv", sep="\t")
    edges = pd.read_csv(folder / "edges.sif", sep="\t")
    for old, new in names.items():
        nodes["kind"] = nodes["kind"].replace(old, new)
        nodes["id"] = nodes["id"].str.replace(f"{old}::", f"{new}::")
        edges["source"] = edges["source"].str.replace(f"{old}::", f"{new}::")
        edges["target"] = edges["target"].str.replace(f"{old}::", f"{new}::")
    metaedges = {"CbG": "DbG", "CtD": "DtI", "DaG": "IaG", "CrC": "DrD", "DrD": "IrI"}
    edges["metaedge"] = edges["metaedge"].map(lambda m: metaedges.get(m, m))
    nodes.to_csv(tmp_path / "nodes.tsv", sep="\t", index=False)
    edges.to_csv(tmp_path / "edges.sif", sep="\t", index=False)
    shutil.copy(folder / "drugs.tsv", tmp_path / "drugs.tsv")
    network = {"nodes": "nodes.tsv", "edges": ["edges.sif"], "drug_kind": "Drug", "disease_kind": "Illness",
               "treats": "DtI", "binds": "DbG", "associates": "IaG"}  # fmt: skip
    raw = config_dict(repurpose_inputs, **QUICK, network=network)
    result = ds.campaign.run(
        ds.campaign.load_config(raw, base_dir=tmp_path), tmp_path / "out", progress=False
    )
    scores = result.all_scores
    assert scores["kg_score"].notna().all() and set(scores["disease"]) == {"DOID:0000001", "DOID:0000002"}
    raw["network"]["treats"] = "XtX"
    with pytest.raises(InputError, match="network.treats"):
        ds.campaign.run(ds.campaign.load_config(raw, base_dir=tmp_path), tmp_path / "out2", progress=False)


def test_a_drug_only_in_the_target_table_is_ranked_and_explained(
    repurpose_inputs: Path, tmp_path: Path
) -> None:
    folder = repurpose_inputs.parent
    edges = pd.read_csv(folder / "edges.sif", sep="\t")
    cbg = edges[edges["metaedge"] == "CbG"]
    table = pd.DataFrame({"gene": cbg["target"].str[6:], "drug": cbg["source"].str[10:]})  # gene first
    module = edges.loc[(edges["metaedge"] == "DaG") & (edges["source"] == "Disease::DOID:0000001"), "target"]
    new = pd.DataFrame({"gene": module.str[6:].head(3), "drug": "NEWDRUG"})
    pd.concat([table, new]).to_csv(tmp_path / "targets.csv", index=False)
    shutil.copy(folder / "nodes.tsv", tmp_path / "nodes.tsv")
    shutil.copy(folder / "edges.sif", tmp_path / "edges.sif")
    shutil.copy(folder / "drugs.tsv", tmp_path / "drugs.tsv")
    raw = config_dict(repurpose_inputs, **QUICK, drugs={"targets": "targets.csv"}, rank={"proximity": 1.0})
    result = ds.campaign.run(
        ds.campaign.load_config(raw, base_dir=tmp_path), tmp_path / "out", progress=False
    )
    scores = result.all_scores
    row = scores[(scores["drug"] == "NEWDRUG") & (scores["disease"] == "DOID:0000001")].iloc[0]
    assert np.isnan(row["kg_score"]) and row["z"] < 0 and row["evidence"] == "proximity"
    assert not scores["drug"].isin(set(table["gene"])).any()  # genes never read as drugs


def test_duplicate_ids_and_gene_sets_outside_the_network(repurpose_inputs: Path, tmp_path: Path) -> None:
    raw = config_dict(repurpose_inputs, disease={"ids": ["DOID:0000001", "Disease::DOID:0000001"]})
    with pytest.raises(InputError, match="more than once"):
        ds.campaign.load_config(raw, base_dir=repurpose_inputs.parent)
    raw = config_dict(repurpose_inputs, **QUICK)
    raw["disease"] = {"genes": ["zz1", "zz2", "zz3"], "name": "ghost"}
    with pytest.raises(InputError, match="none of its 3 genes"):
        ds.campaign.run(
            ds.campaign.load_config(raw, base_dir=repurpose_inputs.parent), tmp_path / "o", progress=False
        )
    edges = pd.read_csv(repurpose_inputs.parent / "edges.sif", sep="\t")
    genes = edges.loc[(edges["metaedge"] == "DaG") & (edges["source"] == "Disease::DOID:0000004"), "target"]
    raw["disease"] = {"genes": genes.str[6:].tolist(), "name": "Disease::myset"}
    result = ds.campaign.run(ds.campaign.load_config(raw, base_dir=repurpose_inputs.parent), tmp_path / "p",
                             progress=False)  # fmt: skip
    assert set(result.all_scores["disease"]) == {"myset"} and result.all_scores["kg_score"].notna().all()


def test_only_the_steps_an_option_touches_rerun(repurpose_inputs: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_quick(repurpose_inputs, out)

    def records() -> dict[str, bytes]:
        return {p.stem: p.read_bytes() for p in (out / "steps").glob("*.json")}

    first = records()
    run_quick(repurpose_inputs, out, report={"title": "another title"})
    second = records()
    assert [s for s in first if first[s] != second[s]] == ["report"]
    run_quick(repurpose_inputs, out, report={"title": "another title"}, model={"seeds": 2})
    third = records()
    changed = {s for s in second if second[s] != third[s]}
    assert changed == {
        "knowledge",
        "rank",
        "evidence",
        "combinations",
        "report",
    }  # not inputs, sea, proximity


def test_a_screening_directory_is_not_reused_and_stale_formulas_go(repurposed: Any, repurpose_inputs: Path,
                                                                   tmp_path: Path, finished: Any) -> None:  # fmt: skip
    with pytest.raises(InputError, match="holds a screening campaign"):
        run_quick(repurpose_inputs, finished.directory)
    out = tmp_path / "out"
    shutil.copytree(repurposed.directory, out)
    assert (out / "formulas.csv").is_file()
    run_quick(repurpose_inputs, out)  # now without [formulas]
    assert not (out / "formulas.csv").exists()


def test_page_shows_at_most_max_diseases(repurpose_inputs: Path, tmp_path: Path) -> None:
    result = run_quick(repurpose_inputs, tmp_path / "out", report={"max_diseases": 1})
    text = result.report_path.read_text()
    assert text.count('class="disease"') == 1 and 'data-disease="DOID:0000001"' in text
    assert "first 1 of 2 diseases" in text
    assert set(result.all_scores["disease"]) == {"DOID:0000001", "DOID:0000002"}  # the tables hold both
