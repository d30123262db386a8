"""The campaign's model steps: the activity model (with its cross-validation) and the ADMET panel.

Also :func:`merged`, the candidates joined with the columns of the steps after them, which the
ranking steps and the report read.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.campaign.context import STEPS, Context, StepOutput
from drugscreen.campaign.steps_screen import training_set

logger = logging.getLogger("drugscreen")


def run_activity(ctx: Context) -> StepOutput:
    """An activity model trained on labelled actives and inactives scores the candidates; its
    scaffold-grouped cross-validated AUROC and PRC-AUC are kept for the report."""
    cfg = ctx.config
    candidates = ctx.table("candidates")
    if cfg.actives is None:
        return StepOutput(pd.DataFrame({"row": candidates["row"]}), info={"skipped": "no [actives] section"})
    train = training_set(ctx)
    y = train["label"].to_numpy()
    if len(np.unique(y)) < 2:
        return StepOutput(pd.DataFrame({"row": candidates["row"]}), info={"skipped": "no labelled inactives"})
    from drugscreen.models.workflow import make_model

    smiles = train["smiles"].tolist()
    seed = cfg.run.seed
    cv = _cross_validate(cfg.model.family, smiles, y, cfg.model.folds, seed)
    model = make_model(cfg.model.family, "classification", random_state=seed)
    model.fit(smiles, y)
    proba = np.asarray(model.predict_proba(candidates["smiles"].tolist()), dtype=np.float64)[:, 1]
    info = {"family": cfg.model.family, "n_train": len(y), "n_active": int(y.sum()), **cv}
    logger.info("activity model (%s): cross-validated AUROC %.3f", cfg.model.family, cv["cv_auroc"])
    return StepOutput(
        pd.DataFrame({"row": candidates["row"], "activity": proba}), counts={"trained_on": len(y)}, info=info
    )


def _cross_validate(family: str, smiles: list[str], y: np.ndarray, folds: int, seed: int) -> dict[str, Any]:
    """Out-of-fold AUROC / PRC-AUC with scaffold-grouped folds (a scaffold never spans train and
    test, so the figure is not inflated by near-copies)."""
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold

    from drugscreen.chem.scaffolds import scaffolds
    from drugscreen.models.workflow import make_model

    groups = pd.factorize(scaffolds(smiles)["scaffold"].fillna(""))[0]
    n_splits = min(folds, int(np.bincount(y).min()))
    if n_splits < 2:
        return {"cv_auroc": math.nan, "cv_prc_auc": math.nan, "cv_folds": 0}
    splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    aurocs, prcs = [], []
    for train_idx, test_idx in splitter.split(smiles, y, groups):
        if len(np.unique(y[test_idx])) < 2 or len(np.unique(y[train_idx])) < 2:
            continue
        model = make_model(family, "classification", random_state=seed)
        model.fit([smiles[i] for i in train_idx], y[train_idx])
        p = np.asarray(model.predict_proba([smiles[i] for i in test_idx]))[:, 1]
        aurocs.append(roc_auc_score(y[test_idx], p))
        prcs.append(average_precision_score(y[test_idx], p))
    return {
        "cv_auroc": float(np.mean(aurocs)) if aurocs else math.nan,
        "cv_auroc_sd": float(np.std(aurocs)) if aurocs else math.nan,
        "cv_prc_auc": float(np.mean(prcs)) if prcs else math.nan,
        "cv_folds": len(aurocs),
        "prevalence": float(y.mean()),
    }


def run_admet(ctx: Context) -> StepOutput:
    """The shipped ADMET panel on the candidates (values, spread, intervals, domain, percentiles)."""
    from drugscreen.admet.predictor import AdmetPanel

    candidates = ctx.table("candidates")
    if not ctx.config.admet.enabled:
        return StepOutput(pd.DataFrame({"row": candidates["row"]}), info={"skipped": "admet.enabled = false"})
    panel = AdmetPanel(ctx.config.admet.endpoints, n_jobs=ctx.config.run.n_jobs, progress=False)
    table = panel.predict_table(candidates["smiles"].tolist())
    table = table.drop(columns=["id"]).rename(columns={"error": "admet_error"})
    table.insert(0, "row", candidates["row"].to_numpy())
    info = {"endpoints": panel.endpoints, "panel_digest": panel.job_digest()}
    return StepOutput(table, counts={"predicted": int(table["admet_error"].isna().sum())}, info=info)


def merged(ctx: Context, upto: str) -> pd.DataFrame:
    """The candidates with the columns of every step up to ``upto``, joined on ``row``."""
    table = ctx.table("candidates")
    for name in STEPS[STEPS.index("activity") : STEPS.index(upto) + 1]:
        extra = ctx.table(name)
        table = table.merge(extra, on="row", how="left", validate="one_to_one")
    return table
