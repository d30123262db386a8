"""A screening campaign end to end: outputs against plain recomputations, resume, reruns, errors."""

from __future__ import annotations

import hashlib
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from campaign_data import same_bytes, small_config

import drugscreen as ds
from drugscreen.campaign.scoring import default_terms
from drugscreen.errors import InputError


def test_outputs_are_written_and_consistent(finished: Any) -> None:
    d = finished.directory
    for name in ("report.html", "shortlist.csv", "shortlist.sdf", "all_scores.parquet", "campaign.json"):
        assert (d / name).is_file(), name
    table = finished.all_scores
    short = finished.shortlist
    assert len(short) == 15
    # shortlist.csv is the selected rows of all_scores, in rank order
    csv = pd.read_csv(d / "shortlist.csv")
    assert csv["row"].tolist() == short["row"].tolist()
    assert np.all(np.diff(short["rank"].to_numpy()) > 0)
    assert short.groupby("cluster").size().max() <= 2
    # the SDF holds one record per shortlisted compound, named by id
    from rdkit import Chem

    mols = [m for m in Chem.SDMolSupplier(str(d / "shortlist.sdf"))]
    assert [m.GetProp("_Name") for m in mols] == short["id"].tolist()
    # failed rules have no rank; ranked ones have ranks 1..n in score order (row on ties)
    ranked = table[table["rank"].notna()].sort_values("rank")
    assert ranked["failed_rules"].isna().all()
    assert table.loc[table["rank"].isna(), "failed_rules"].notna().all()
    assert ranked["rank"].tolist() == list(range(1, len(ranked) + 1))
    expected = ranked.sort_values(["score", "row"], ascending=[False, True])["row"].tolist()
    assert ranked["row"].tolist() == expected


def test_shortlist_is_best_by_score_within_cluster_caps(finished: Any) -> None:
    """A plain re-implementation of the Butina pick: in rank order, at most 2 per cluster."""
    table = finished.all_scores
    ranked = table[table["rank"].notna()].sort_values("rank")
    taken: dict[int, int] = {}
    expected = []
    for row, cluster in zip(ranked["row"], ranked["cluster"], strict=True):
        if taken.get(cluster, 0) < 2 and len(expected) < 15:
            taken[cluster] = taken.get(cluster, 0) + 1
            expected.append(row)
    assert finished.shortlist["row"].tolist() == expected


def test_clusters_are_butinas_of_the_ranked_molecules(finished: Any) -> None:
    """The oracle: ds.cluster.butina on the ranked molecules' fingerprints in rank order."""
    ranked = finished.all_scores.dropna(subset=["rank"]).sort_values("rank")
    fps = ds.fingerprint(ranked["smiles"].tolist(), n_jobs=1)
    expected = ds.cluster.butina(fps, 0.6, n_jobs=1).sort_values("row")
    assert ranked["cluster"].tolist() == expected["cluster"].tolist()
    sizes = expected["cluster"].value_counts()
    assert ranked["cluster_size"].tolist() == sizes.loc[expected["cluster"]].tolist()


def test_candidates_are_the_exact_top_n_by_fused_similarity(finished: Any, campaign_inputs: Path) -> None:
    library = pd.read_csv(campaign_inputs / "library.csv")
    assayed = pd.read_csv(campaign_inputs / "assayed.csv")
    actives = assayed.loc[assayed["active"] == 1, "smiles"].tolist()
    ok = [i for i, s in enumerate(library["smiles"]) if s != "not a molecule"]
    lib_fps = ds.fingerprint([library["smiles"][i] for i in ok], n_jobs=1)
    act_fps = ds.fingerprint(actives, n_jobs=1)
    sim = ds.similarity_matrix(lib_fps, act_fps, threshold=0.0, n_jobs=1).toarray().max(axis=1)
    order = np.lexsort((np.array(ok), -sim))[:120]
    expected_rows = sorted(np.array(ok)[order].tolist())
    assert sorted(finished.all_scores["row"].tolist()) == expected_rows
    got = finished.all_scores.set_index("row")["similarity"]
    np.testing.assert_allclose(got.loc[np.array(ok)[order]].to_numpy(), sim[order], rtol=0, atol=1e-12)


def test_scores_follow_the_documented_formula(finished: Any) -> None:
    table = finished.all_scores
    ranked = table[table["rank"].notna()]
    terms = default_terms(["activity", "similarity", "qed", "herg"])
    weights = np.array([t.weight for t in terms]) / sum(t.weight for t in terms)
    d = np.column_stack(
        [np.clip((ranked[t.column].to_numpy(float) - t.worst) / (t.best - t.worst), 0, 1) for t in terms]
    )
    with np.errstate(divide="ignore"):
        expected = np.exp((weights * np.log(d)).sum(axis=1))
    np.testing.assert_allclose(ranked["score"].to_numpy(), expected, rtol=1e-12, atol=1e-15)


def test_funnel_counts_add_up(finished: Any) -> None:
    steps = finished.steps()
    screen = steps["screen"]["counts"]
    assert screen["records"] == 400
    assert screen["unreadable"] == 1
    assert screen["records"] == screen["unreadable"] + screen["filtered"] + screen["screened"]
    assert steps["candidates"]["counts"]["candidates"] + steps["candidates"]["counts"]["duplicates"] == 120
    rules = steps["rules"]["counts"]
    assert rules["passed"] + rules["failed"] == steps["candidates"]["counts"]["candidates"]
    assert steps["select"]["counts"]["shortlist"] == 15
    act = steps["activity"]["info"]
    assert act["n_train"] == 80 and 0.5 <= act["cv_auroc"] <= 1.0
    status = ds.campaign.status(finished.directory)
    assert status["done"].all() and status["step"].tolist()[-1] == "report"


def test_rerun_reuses_every_step_and_writes_nothing_new(
    finished: Any, campaign_inputs: Path, caplog: pytest.LogCaptureFixture
) -> None:
    d = finished.directory
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in d.rglob("*") if p.is_file()}
    with caplog.at_level(logging.INFO, logger="drugscreen"):
        ds.campaign.run(small_config(campaign_inputs), d, progress=False)
    assert "the campaign is complete and up to date" in caplog.text
    assert "running" not in caplog.text
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in d.rglob("*") if p.is_file()}
    assert before == after


def test_a_late_option_reruns_only_the_steps_after_it(
    finished: Any, campaign_inputs: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    d = tmp_path / "copy"
    shutil.copytree(finished.directory, d)
    config = small_config(campaign_inputs)
    config["select"]["n"] = 10
    with caplog.at_level(logging.INFO, logger="drugscreen"):
        result = ds.campaign.run(config, d, progress=False)
    ran = [m.split(":")[0].split()[-1] for m in caplog.messages if m.endswith(": running")]
    assert ran == ["select", "report"]
    assert "step select: its inputs or options changed" in caplog.text
    assert len(result.shortlist) == 10
    # the first ten of the longer shortlist come first here too (the same ranking, a smaller n)
    assert result.shortlist["row"].tolist() == finished.shortlist["row"].tolist()[:10]


def test_an_earlier_option_reruns_from_there(
    finished: Any, campaign_inputs: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    d = tmp_path / "copy"
    shutil.copytree(finished.directory, d)
    config = small_config(campaign_inputs)
    config["admet"]["rules"] = ["herg <= 0.5"]
    with caplog.at_level(logging.INFO, logger="drugscreen"):
        result = ds.campaign.run(config, d, progress=False)
    ran = [m.split(":")[0].split()[-1] for m in caplog.messages if m.endswith(": running")]
    assert ran == ["rules", "rank", "select", "report"]
    assert (result.shortlist["herg"] <= 0.5).all()


def test_deleted_output_is_rebuilt(finished: Any, campaign_inputs: Path, tmp_path: Path) -> None:
    d = tmp_path / "copy"
    shutil.copytree(finished.directory, d)
    (d / "steps" / "rank.parquet").unlink()
    ds.campaign.run(small_config(campaign_inputs), d, progress=False)
    assert same_bytes(d / "all_scores.parquet", finished.directory / "all_scores.parquet")


def test_report_is_identical_on_a_second_directory(
    finished: Any, campaign_inputs: Path, tmp_path: Path
) -> None:
    """Determinism: the same configuration gives the same tables (the report differs only in
    its start date and paths)."""
    result = ds.campaign.run(small_config(campaign_inputs), tmp_path / "again", progress=False)
    for name in ("all_scores.parquet", "shortlist.csv", "shortlist.sdf"):
        assert same_bytes(result.directory / name, finished.directory / name), name


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["select"].update(n=10_000), r"select.n \(10000\) is larger than"),
        (lambda c: c["admet"].update(rules=["herg <= -1"]), "no candidate passes admet.rules"),
        (lambda c: c["report"].update(columns=["nonsense"]), "report.columns names 'nonsense'"),
        (lambda c: c.update(rank={"terms": [{"column": "nope", "worst": 0, "best": 1}]}), "column 'nope'"),
    ],
)
def test_steps_that_cannot_go_on_say_why(
    change: Any, message: str, finished: Any, campaign_inputs: Path, tmp_path: Path
) -> None:
    d = tmp_path / "copy"
    shutil.copytree(finished.directory, d)
    config = small_config(campaign_inputs)
    change(config)
    with pytest.raises(InputError, match=message):
        ds.campaign.run(config, d, progress=False)
    # earlier steps are kept: the screen was not rerun
    assert (d / "steps" / "screen.json").read_bytes() == (
        finished.directory / "steps" / "screen.json"
    ).read_bytes()


def test_directory_with_foreign_files_or_a_file_is_refused(campaign_inputs: Path, tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(InputError, match="not a campaign's"):
        ds.campaign.run(small_config(campaign_inputs), tmp_path / "mine", progress=False)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a directory"):
        ds.campaign.run(small_config(campaign_inputs), tmp_path / "file", progress=False)


def test_users_files_in_a_directory_no_campaign_made_are_refused(
    campaign_inputs: Path, tmp_path: Path
) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "report.html").write_text("MY REPORT")
    with pytest.raises(InputError, match="but no campaign.json"):
        ds.campaign.run(small_config(campaign_inputs), tmp_path / "mine", progress=False)
    assert (tmp_path / "mine" / "report.html").read_text() == "MY REPORT"


def test_damaged_step_table_of_the_same_size_is_rebuilt(
    finished: Any, campaign_inputs: Path, tmp_path: Path
) -> None:
    d = tmp_path / "copy"
    shutil.copytree(finished.directory, d)
    table = d / "steps" / "candidates.parquet"
    data = bytearray(table.read_bytes())
    data[100:164] = bytes(64)
    table.write_bytes(bytes(data))
    assert not ds.campaign.status(d).set_index("step").loc["candidates", "done"]
    ds.campaign.run(small_config(campaign_inputs), d, progress=False)
    assert same_bytes(d / "all_scores.parquet", finished.directory / "all_scores.parquet")


def test_a_failed_rerun_leaves_status_truthful(finished: Any, campaign_inputs: Path, tmp_path: Path) -> None:
    d = tmp_path / "copy"
    shutil.copytree(finished.directory, d)
    config = small_config(campaign_inputs)
    config["admet"]["rules"] = ["herg <= -1"]
    with pytest.raises(InputError):
        ds.campaign.run(config, d, progress=False)
    done = ds.campaign.status(d).set_index("step")["done"]
    assert done[["screen", "candidates", "activity", "admet"]].all()
    assert not done[["rules", "rank", "select", "report"]].any()


def test_a_bad_report_option_leaves_the_old_files_whole(
    finished: Any, campaign_inputs: Path, tmp_path: Path
) -> None:
    d = tmp_path / "copy"
    shutil.copytree(finished.directory, d)
    config = small_config(campaign_inputs)
    config["select"]["n"] = 12
    config["report"]["columns"] = ["qed", "nosuch"]
    with pytest.raises(InputError, match="nosuch"):
        ds.campaign.run(config, d, progress=False)
    for name in ("shortlist.csv", "report.html", "all_scores.parquet"):
        assert same_bytes(d / name, finished.directory / name)


def test_without_actives_every_molecule_is_a_candidate(campaign_inputs: Path, tmp_path: Path) -> None:
    config = small_config(campaign_inputs)
    del config["actives"]
    config["library"] = {
        "path": str(campaign_inputs / "assayed.csv"),
        "smiles_column": "smiles",
        "id_column": "id",
    }
    config["admet"] = {"endpoints": ["herg"]}
    config["select"]["n"] = 5
    result = ds.campaign.run(config, tmp_path / "noactives", progress=False)
    assert len(result.all_scores) == 80
    assert result.all_scores["similarity"].isna().all()
    assert len(result.shortlist) == 5


def test_retrospective_figures_are_the_vs_modules(finished: Any, campaign_inputs: Path) -> None:
    """The report's AUROC, BEDROC and EF 1 % equal ds.vs on every screened molecule's score."""
    import html
    import re

    hits = pd.read_parquet(finished.directory / "steps" / "screen-job" / "hits.parquet")
    labels = pd.read_csv(campaign_inputs / "library.csv")["active"].to_numpy()[hits["row"]].astype(bool)
    page = html.unescape((finished.directory / "report.html").read_text())
    shown = dict(re.findall(r"<tr><td>(AUROC|BEDROC \(alpha 20\)|EF 1 %)</td><td>([0-9.]+)</td></tr>", page))
    scores = hits["score"].to_numpy()
    assert shown == {
        "AUROC": f"{ds.vs.auroc(scores, labels):.3f}",
        "BEDROC (alpha 20)": f"{ds.vs.bedroc(scores, labels, 20.0):.3f}",
        "EF 1 %": f"{ds.vs.enrichment_factor(scores, labels, 0.01):.2f}",
    }


def test_an_interrupt_swallowed_inside_a_step_still_stops_it(
    finished: Any, campaign_inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Code below a step that catches KeyboardInterrupt must not get an interrupted step
    recorded as done (a hostile try saw Ctrl-C ignored and a changed value saved)."""
    import os
    import signal

    from drugscreen.campaign import steps

    d = tmp_path / "copy"
    shutil.copytree(finished.directory, d)
    real = steps.RUNNERS["rank"]

    def swallowing(ctx: Any) -> Any:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time_out = 50
            while time_out:  # the handler runs at the next bytecode
                time_out -= 1
        except KeyboardInterrupt:
            pass  # what the code that swallowed it did
        return real(ctx)

    monkeypatch.setitem(steps.RUNNERS, "rank", swallowing)
    config = small_config(campaign_inputs)
    config["rank"] = {"combine": "arithmetic"}  # so that rank reruns
    before = (d / "steps" / "rank.json").read_bytes()
    handler = signal.getsignal(signal.SIGINT)  # whatever earlier tests left: it must be put back
    with pytest.raises(KeyboardInterrupt, match="step rank was interrupted"):
        ds.campaign.run(config, d, progress=False)
    assert (d / "steps" / "rank.json").read_bytes() == before
    assert signal.getsignal(signal.SIGINT) == handler
