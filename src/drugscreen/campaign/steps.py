"""The steps of a screening campaign: each a function from the earlier steps' tables to its own.

The runner (:mod:`drugscreen.campaign.runner`) calls them in :data:`STEPS` order, stores each
output as ``steps/<name>.parquet`` and skips a step whose key (the digest of its options and of
the keys of the steps it reads) is unchanged. Every table is keyed by ``row``: the record's
number in the library file.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.campaign.config import CampaignConfig
from drugscreen.errors import InputError

logger = logging.getLogger("drugscreen")

#: The steps in the order they run.
STEPS = ("screen", "candidates", "activity", "admet", "rules", "rank", "select")
#: With the last one, which writes the report and the shortlist files.
ALL_STEPS = (*STEPS, "report")


@dataclass
class StepOutput:
    """What a step returns: its table (keyed by ``row``), counts and facts for the report.

    A step whose table can be larger than memory (the screen's score of every library
    molecule) gives the Parquet ``file`` it wrote instead of a table.
    """

    table: pd.DataFrame | None
    file: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """What every step may read: the configuration, the campaign directory, earlier outputs."""

    config: CampaignConfig
    directory: Path
    progress: bool
    client: Any = None
    files: dict[str, Path] = field(default_factory=dict)
    infos: dict[str, dict[str, Any]] = field(default_factory=dict)
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        """The output of step ``name`` (read once from its Parquet file)."""
        if name not in self._cache:
            self._cache[name] = pd.read_parquet(self.files[name])
        return self._cache[name]

    def spec(self) -> Any:
        from drugscreen.chem.spec import FingerprintSpec

        a = self.config.actives
        return FingerprintSpec(kind=a.fingerprint, radius=a.radius, nbits=a.nbits) if a else FingerprintSpec()


# ---------------------------------------------------------------------------------------------
# inputs


def read_labelled(path: Path, smiles_column: str | None, id_column: str | None,
                  label_column: str | None, what: str) -> pd.DataFrame:  # fmt: skip
    """``smiles``, ``id`` (and ``label``) of a file of molecules; records that do not parse are
    dropped with a warning naming them, and a file where none parses is an error."""
    from rdkit import Chem, rdBase

    from drugscreen.chem.io import iter_records

    records = list(iter_records(path, smiles_column=smiles_column, id_column=id_column))
    labels = None
    if label_column is not None:
        labels = read_labels(path, label_column, len(records), what)
    rows = []
    with rdBase.BlockLogs():
        for i, rec in enumerate(records):
            mol = Chem.MolFromSmiles(rec.text) if rec.text and not rec.error else None
            if mol is None:
                logger.warning("%s: skipping %s: not a readable molecule", what, rec.where)
                continue
            rows.append(
                {
                    "smiles": Chem.MolToSmiles(mol),
                    "id": str(rec.id) if rec.id is not None else f"{path.stem}:{rec.row}",
                    **({"label": labels[i]} if labels is not None else {}),
                }
            )
    if not rows:
        raise InputError(f"{what}: {path}: none of its {len(records)} records is a readable molecule")
    return pd.DataFrame(rows)


def read_labels(path: Path, column: str, n: int | None, what: str) -> np.ndarray:
    """A 0/1 column of a CSV/TSV/Parquet file, in record order (``n``: the records expected)."""
    from drugscreen.models.workflow import read_training_table

    table = read_training_table(path, column, [])  # checks the column is there
    raw = table[column]
    if n is not None and len(raw) != n:
        raise InputError(f"{what}: {path}: {len(raw)} values of {column!r} for {n} records")
    text = raw.astype(str).str.strip().str.lower()
    mapping = {"1": 1, "1.0": 1, "true": 1, "active": 1, "0": 0, "0.0": 0, "false": 0, "inactive": 0}
    values = text.map(mapping)
    if values.isna().any():
        bad = raw[values.isna()].iloc[0]
        raise InputError(
            f"{what}: {path}: column {column!r} must hold 1/0 (true/false, active/inactive); "
            f"record {int(np.flatnonzero(values.isna())[0])} has {bad!r}"
        )
    return values.to_numpy(np.int64)


def training_set(ctx: Context) -> pd.DataFrame:
    """The actives (and inactives) with labels, or only the actives (``label`` 1)."""
    a = ctx.config.actives
    assert a is not None
    table = read_labelled(
        ctx.config.resolve(a.path), a.smiles_column, a.id_column, a.activity_column, "actives"
    )
    if "label" not in table:
        table["label"] = 1
    if a.inactives:
        neg = read_labelled(ctx.config.resolve(a.inactives), a.smiles_column, a.id_column, None, "inactives")
        table = pd.concat([table, neg.assign(label=0)], ignore_index=True)
    return table


# ---------------------------------------------------------------------------------------------
# steps


def run_screen(ctx: Context) -> StepOutput:
    """The library, read and prepared in chunks; with actives, every molecule's fused similarity."""
    cfg = ctx.config
    lib = cfg.library
    drop = [name for name, action in lib.filters.items() if action == "drop"]
    reader = {"smiles_column": lib.smiles_column, "id_column": lib.id_column}
    path = cfg.resolve(lib.path)
    if cfg.actives is None:
        return _prepare_only(ctx, path, drop, reader)
    import drugscreen as ds

    train = training_set(ctx)
    queries = train.loc[train["label"] == 1]
    if queries.empty:
        raise InputError(f"actives: {cfg.resolve(cfg.actives.path)}: no molecule is labelled active (1)")
    a = cfg.actives
    if cfg.library_is_database():
        return _search_database(ctx, path, queries["smiles"].tolist())
    result = ds.screen(
        path,
        queries["smiles"].tolist(),
        ctx.directory / "steps" / "screen-job",
        threshold=a.threshold,
        metric=a.metric,
        fusion=a.fusion,
        spec=ctx.spec(),
        standardize=lib.standardize,
        filters=drop or None,
        chunk_size=lib.chunk_size,
        n_jobs=cfg.run.n_jobs,
        device=cfg.run.device,
        overwrite=True,  # the directory is the campaign's own; a changed key means a new screen
        progress=ctx.progress,
        **reader,
    )
    s = result.summary
    counts = {
        "records": int(s["records"]),
        "unreadable": int(s["rejects"]),
        "filtered": int(s["filtered"]),
        "screened": int(s["molecules"]),
        "scored": int(s["hits"]),
    }
    info = {"actives": len(queries), "inactives": int((train["label"] == 0).sum())}
    return StepOutput(None, result.hits_path, counts=counts, info=info)


def _search_database(ctx: Context, path: Path, queries: list[str]) -> StepOutput:
    """Every molecule of an existing database scored by group fusion (on a Dask cluster when the
    campaign has a client): the same table a library file's screen gives."""
    from drugscreen.similarity.db import FingerprintDB

    cfg = ctx.config
    a = cfg.actives
    assert a is not None
    db = FingerprintDB.open(path)
    wanted = ctx.spec()
    for key in ("kind", "radius", "nbits"):
        if getattr(db.spec, key) != getattr(wanted, key) and not (
            key == "radius" and db.spec.kind != "morgan"
        ):
            name = "fingerprint" if key == "kind" else key
            raise InputError(
                f"config: actives.{name}: the database {path} holds {db.spec.label} fingerprints; "
                f"set actives.{name} = {getattr(db.spec, key)!r} (the screen compares like with like)"
            )
    hits = db.search(
        queries,
        threshold=a.threshold,
        metric=a.metric,
        fusion=a.fusion,
        with_smiles=True,
        n_jobs=cfg.run.n_jobs,
        device=cfg.run.device,
        client=ctx.client,
    )
    table = hits[["row", "id", "smiles", "score"]].rename(columns={"score": "similarity"})
    table["id"] = table["id"].astype(str)
    n = len(db)
    counts = {"records": n, "unreadable": 0, "filtered": 0, "screened": n, "scored": len(table)}
    return StepOutput(table.reset_index(drop=True), counts=counts, info={"database": str(path)})


def _prepare_only(ctx: Context, path: Path, drop: list[str], reader: dict[str, Any]) -> StepOutput:
    from drugscreen.chem.prepare import prepare_library

    lib = ctx.config.library
    table, summary = prepare_library(
        path,
        standardize_steps=lib.standardize,
        filters=drop or None,
        drop_failing=True,
        n_jobs=ctx.config.run.n_jobs,
        progress=ctx.progress,
        **reader,
    )
    out = pd.DataFrame(
        {"row": table["row"].astype(np.int64), "id": table["id"].astype(str), "smiles": table["smiles"]}
    )
    out["similarity"] = np.nan
    failing = summary.n_failing_filters
    counts = {
        "records": summary.n_records,
        "unreadable": summary.n_failed,
        "filtered": failing,
        "screened": summary.n_records - summary.n_failed - failing,
        "scored": len(out),
    }
    return StepOutput(out, counts=counts)


def library_scores(ctx: Context, columns: list[str], batch_size: int = 200_000) -> Any:
    """Batches (DataFrames) of the screen step's table: ``row, id, smiles, similarity``."""
    import pyarrow.parquet as pq

    source = pq.ParquetFile(ctx.files["screen"])
    renamed = {"score": "similarity"}
    wanted = [c for c in source.schema_arrow.names if renamed.get(c, c) in columns]
    for batch in source.iter_batches(batch_size=batch_size, columns=wanted):
        yield batch.to_pandas().rename(columns=renamed)


def top_by_similarity(ctx: Context, n: int, batch_size: int = 200_000) -> pd.DataFrame:
    """The best ``n`` library molecules by similarity (row ascending on ties), streamed."""
    best = None
    for batch in library_scores(ctx, ["row", "id", "smiles", "similarity"], batch_size):
        both = batch if best is None else pd.concat([best, batch], ignore_index=True)
        order = np.lexsort((both["row"].to_numpy(), -both["similarity"].to_numpy()))
        best = both.iloc[order[:n]].reset_index(drop=True)
    return best if best is not None else pd.DataFrame(columns=["row", "id", "smiles", "similarity"])


def run_candidates(ctx: Context) -> StepOutput:
    """The best ``top_n`` by similarity (row ascending on ties), duplicates merged, flags added."""
    from rdkit import Chem, rdBase

    from drugscreen.chem.filters import filter_failures

    cfg = ctx.config
    if cfg.actives is not None:
        top = top_by_similarity(ctx, cfg.actives.top_n)
    else:
        top = ctx.table("screen").reset_index(drop=True)
    if top.empty:
        raise InputError(
            "no molecule of the library reached the candidates "
            "(every record was unreadable or filtered, or none reached actives.threshold)"
        )
    flags = [name for name, action in cfg.library.filters.items() if action == "flag"]
    keys, flagged = [], []
    with rdBase.BlockLogs():
        for smi in top["smiles"]:
            mol = Chem.MolFromSmiles(smi)
            keys.append(Chem.MolToInchiKey(mol) if mol is not None else smi)
            flagged.append(filter_failures(mol, flags) if flags and mol is not None else None)
    top["inchikey"] = keys
    top["flags"] = pd.Series(flagged, dtype=object)
    duplicates = 0
    if cfg.library.dedup:
        first = ~top["inchikey"].duplicated(keep="first")  # the best-scored record of each structure
        duplicates = int((~first).sum())
        top = top[first.to_numpy()].reset_index(drop=True)
    return StepOutput(
        top,
        counts={"candidates": len(top), "duplicates": duplicates, "flagged": int(top["flags"].notna().sum())},
    )


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


RUNNERS = {
    "screen": run_screen,
    "candidates": run_candidates,
    "activity": run_activity,
    "admet": run_admet,
    "rules": run_rules,
    "rank": run_rank,
    "select": run_select,
}
