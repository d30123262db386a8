"""The campaign's ranking steps: hard rules, the multi-parameter score, the diverse shortlist."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.campaign.context import Context, StepOutput
from drugscreen.campaign.steps_model import merged
from drugscreen.campaign.steps_screen import training_set
from drugscreen.errors import InputError

logger = logging.getLogger("drugscreen")


def run_rules(ctx: Context) -> StepOutput:
    """Hard rules: a molecule failing any is out of the ranking, with the rules it failed."""
    from drugscreen.campaign.scoring import rule_failures

    table = merged(ctx, "admet")
    failed = rule_failures(table, ctx.config.admet.rules)
    out = pd.DataFrame({"row": table["row"], "failed_rules": failed.to_numpy()})
    passed = int(failed.isna().sum())
    if passed == 0:
        raise InputError(
            f"no candidate passes admet.rules ({'; '.join(str(r) for r in ctx.config.admet.rules)}): "
            "loosen them (the earlier steps are kept and will not rerun)"
        )
    return StepOutput(out, counts={"passed": passed, "failed": len(out) - passed})


def run_rank(ctx: Context) -> StepOutput:
    """The multi-parameter score of the molecules that passed the rules, and their rank."""
    from drugscreen.campaign.scoring import default_terms, mpo_score

    table = merged(ctx, "rules")
    table = table[table["failed_rules"].isna()].reset_index(drop=True)
    rank = ctx.config.rank
    terms = rank.terms or default_terms([c for c in table.columns if table[c].notna().any()])
    scores = mpo_score(table, terms, rank.combine)
    order = np.lexsort((table["row"].to_numpy(), -scores["score"].to_numpy()))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    out = pd.concat([table[["row"]], scores], axis=1)
    out["rank"] = ranks
    info = {"terms": [vars(t) for t in terms], "combine": rank.combine}
    return StepOutput(out.sort_values("rank").reset_index(drop=True), counts={"ranked": len(out)}, info=info)


def run_select(ctx: Context) -> StepOutput:
    """Butina clusters of the ranked molecules; the shortlist is the best ``n`` by score with at
    most ``max_per_cluster`` per cluster, or MaxMin's ``n`` picks from the best ``pool``."""
    import drugscreen as ds
    from drugscreen.cluster.butina import butina
    from drugscreen.cluster.pick import maxmin

    sel = ctx.config.select
    ranked = ctx.table("rank")
    if sel.n > len(ranked):
        raise InputError(
            f"select.n ({sel.n}) is larger than the {len(ranked)} ranked molecules; lower it "
            "(the earlier steps are kept and will not rerun)"
        )
    smiles = ranked[["row"]].merge(ctx.table("candidates")[["row", "smiles", "id"]], on="row", how="left")
    fps = ds.fingerprint(smiles["smiles"].tolist(), ctx.spec(), n_jobs=1)
    clusters = butina(fps, sel.cutoff, n_jobs=ctx.config.run.n_jobs)
    cluster = clusters.sort_values("row")["cluster"].to_numpy(np.int64)  # butina lists by cluster
    sizes = np.bincount(cluster)
    picked = np.zeros(len(ranked), dtype=bool)
    if sel.method == "butina":
        per: dict[int, int] = {}
        for i in range(len(ranked)):  # ranked is in rank order
            c = int(cluster[i])
            if per.get(c, 0) < sel.max_per_cluster:
                per[c] = per.get(c, 0) + 1
                picked[i] = True
                if picked.sum() == sel.n:
                    break
    else:
        pool = min(sel.pool, len(ranked))
        picks = maxmin(
            fps.take(np.arange(pool)), sel.n, seed=ctx.config.run.seed, n_jobs=ctx.config.run.n_jobs
        )
        picked[picks["row"].to_numpy(np.int64)] = True
    if picked.sum() < sel.n:
        logger.warning(
            "the shortlist has %d molecules, not select.n = %d: select.max_per_cluster = %d leaves no more",
            picked.sum(), sel.n, sel.max_per_cluster,
        )  # fmt: skip
    out = pd.DataFrame(
        {"row": ranked["row"], "cluster": cluster, "cluster_size": sizes[cluster], "selected": picked}
    )
    out = pd.concat([out, _nearest_actives(ctx, fps)], axis=1)
    return StepOutput(out, counts={"clusters": len(sizes), "shortlist": int(picked.sum())})


def _nearest_actives(ctx: Context, fps: Any) -> pd.DataFrame:
    """Each ranked molecule's most similar known active and that similarity."""
    import drugscreen as ds

    if ctx.config.actives is None:
        return pd.DataFrame({"nearest_active": [None] * len(fps), "nearest_active_similarity": np.nan})
    train = training_set(ctx)
    actives = train[train["label"] == 1].reset_index(drop=True)
    a_fps = ds.fingerprint(actives["smiles"].tolist(), ctx.spec(), n_jobs=1)
    sim = ds.similarity_matrix(
        fps, a_fps, threshold=0.0, metric=ctx.config.actives.metric, n_jobs=1
    ).toarray()
    best = sim.argmax(axis=1)
    return pd.DataFrame(
        {
            "nearest_active": actives["id"].to_numpy(object)[best],
            "nearest_active_similarity": sim[np.arange(len(best)), best],
        }
    )
