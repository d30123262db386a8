"""What the campaign's report page shows, built from the steps' tables and facts.

:func:`build_page` gathers it into a :class:`~drugscreen.report.page.ReportPage`: the shortlist's
columns and labels, depictions and alerts, the funnel, notes and limitations, the plots (with
the chemical-space PCA and, when the library carries labels, the retrospective evaluation) and
the approved-drug reference for the property scatter. :mod:`drugscreen.campaign.outputs` writes it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from drugscreen.campaign.context import Context
from drugscreen.campaign.steps_screen import library_scores, read_labels, training_set
from drugscreen.report.page import ReportPage

PHYSCHEM_LABELS = {
    "mw": "MW",
    "clogp": "cLogP",
    "tpsa": "TPSA",
    "hba": "HBA",
    "hbd": "HBD",
    "rotatable_bonds": "rotatable bonds",
    "fsp3": "Fsp3",
    "qed": "QED",
    "stereocentres": "stereocentres",
    "lipinski_violations": "Lipinski violations",
}
#: The ADMET endpoints a card shows when the panel ran (most asked-about liabilities first).
CARD_ENDPOINTS = ("herg", "ames", "dili", "solubility_aqsoldb")


def build_page(ctx: Context, table: pd.DataFrame, shortlist: pd.DataFrame) -> ReportPage:
    """Everything the report shows, from the steps' tables and facts."""
    from drugscreen.report import plots
    from drugscreen.report.depict import alerts_with_atoms, depict

    cfg = ctx.config
    info = ctx.infos
    endpoints = _endpoints(info.get("admet", {}).get("endpoints", []))
    names = [e["name"] for e in endpoints]
    physchem = [c for c in PHYSCHEM_LABELS if c in table.columns]
    labels = dict(PHYSCHEM_LABELS) | {e["name"]: e["label"] for e in endpoints} | {
        "rank": "rank", "score": "score", "similarity": "similarity to actives", "activity": "P(active), model",
        "nearest_active_similarity": "nearest active: similarity", "nearest_active": "nearest active",
        "cluster": "cluster", "cluster_size": "cluster size",
    }  # fmt: skip
    present = [
        c
        for c in ("score", "similarity", "activity", "nearest_active_similarity")
        if c in table and table[c].notna().any()
    ]
    card = cfg.report.columns or [
        *present,
        *[n for n in CARD_ENDPOINTS if n in names],
        *[c for c in ("mw", "clogp", "qed") if c in table],
    ]
    missing = [c for c in card if c not in table.columns]
    if missing:
        from drugscreen.errors import InputError

        raise InputError(f"config: report.columns names {missing[0]!r}, which the campaign did not compute")
    depictions, alerts = {}, {}
    for row, smi in zip(shortlist["row"].tolist(), shortlist["smiles"].tolist(), strict=True):
        depictions[int(row)] = depict(smi)
        found = alerts_with_atoms(smi)
        if found:
            alerts[int(row)] = found
    steps = {k: v.get("counts", {}) for k, v in info.items()}
    funnel = _funnel(steps)
    notes, limitations = _notes(ctx, table, shortlist, names)
    the_plots = []
    if "similarity" in present:
        the_plots.append(("Similarity to the actives", plots.score_histogram(_library_histogram(ctx), shortlist["similarity"].to_numpy(float), "fused similarity to the actives"),
                          "library: every screened molecule; shortlist: the selected compounds"))  # fmt: skip
    ranked = table[table["rank"].notna()]
    the_plots.append(("Ranking score", plots.score_histogram(None, shortlist["score"].to_numpy(float), "score") if len(shortlist) else "",
                      f"the MPO score of the shortlist ({cfg.rank.combine} combination)"))  # fmt: skip
    sizes = ranked.groupby("cluster")["row"].size()
    picks = shortlist.groupby("cluster")["row"].size().reindex(sizes.index, fill_value=0)
    the_plots.append(("Clusters", plots.cluster_sizes(sizes.to_numpy(), picks.to_numpy()),
                      f"Butina clusters of the ranked molecules at distance {cfg.select.cutoff:g}"))  # fmt: skip
    space = _chemical_space(ctx, shortlist)
    if space is not None:
        the_plots.append(
            (
                "Chemical space",
                plots.chemical_space(*space),
                "PCA of the fingerprints: library sample, actives, shortlist",
            )
        )
    metrics: list[tuple[str, str]] = []
    retro = _retrospective(ctx) if cfg.library.label_column and cfg.actives is not None else None
    if retro is not None:
        metrics, svg = retro
        the_plots.insert(
            0, ("ROC and enrichment", svg, "the fused similarity over every screened library molecule")
        )
    campaign = json.loads((ctx.directory / "campaign.json").read_text(encoding="utf-8"))
    provenance = [
        ("library", str(cfg.resolve(cfg.library.path))),
        ("records", f"{steps.get('screen', {}).get('records', 0):,}"),
        ("actives", str(cfg.resolve(cfg.actives.path)) if cfg.actives else "none"),
        ("started", campaign.get("started", "")),
        ("seed", str(cfg.run.seed)),
        *[(f"{k} version", v) for k, v in campaign.get("versions", {}).items()],
    ]
    export = [
        c
        for c in [
            "rank",
            "id",
            "smiles",
            "score",
            "cluster",
            *present,
            "nearest_active",
            *names,
            *physchem,
            "alerts",
        ]
        if c in table
    ]
    shown = shortlist.copy()
    keep = set(
        [
            "row",
            "id",
            "smiles",
            "rank",
            "score",
            "cluster",
            "cluster_size",
            "nearest_active",
            "alerts",
            "flags",
            *card,
            *export,
            *physchem,
        ]
    )
    for n in names:
        keep.update(f"{n}{s}" for s in ("", "_std", "_lo", "_hi", "_ad", "_ood", "_pct"))
    keep.update(f"{c}_pct" for c in physchem)
    shown = shown[[c for c in shown.columns if c in keep]]
    for c in shown.columns:
        if str(shown[c].dtype) in ("boolean", "Int64"):
            shown[c] = shown[c].astype(object).where(shown[c].notna(), None)
    ref = _reference_physchem() if physchem else {}
    return ReportPage(
        title=cfg.report.title,
        subtitle=f"{Path(cfg.library.path).name} · {len(shortlist):,} compounds shortlisted · drugscreen campaign",
        compounds=shown,
        depictions=depictions,
        alerts=alerts,
        card_columns=card,
        score_columns=[c for c in ["score", *present, "nearest_active", "cluster", "cluster_size"] if c in table] + [str(c) for c in table.columns if str(c).startswith("d_")],
        physchem=physchem,
        radar=[n for n in names if f"{n}_pct" in table][:8] + [c for c in ("mw", "clogp", "tpsa", "qed") if f"{c}_pct" in table],
        export_columns=export,
        endpoints=endpoints,
        labels=labels,
        provenance=provenance,
        funnel=funnel,
        plots=[p for p in the_plots if p[1]],
        metrics=metrics,
        reference=ref,
        scatter_axes=[c for c in ("mw", "clogp", "tpsa", "qed", "hbd", "hba", "rotatable_bonds", "fsp3") if c in physchem],
        config_text=json.dumps(campaign.get("config", {}), indent=2),
        limitations=limitations,
        notes=notes,
    )  # fmt: skip


def _endpoints(names: list[str]) -> list[dict[str, str]]:
    if not names:
        return []
    from drugscreen.admet.predictor import endpoint_table

    t = endpoint_table().set_index("endpoint")
    return [{"name": n, "label": n, "unit": str(t.loc[n, "units"]) if n in t.index else ""} for n in names]


def _funnel(steps: dict[str, dict[str, int]]) -> list[tuple[str, int]]:
    s = steps
    out = [("records in the library", s.get("screen", {}).get("records", 0))]
    screen = s.get("screen", {})
    out.append(("readable", screen.get("records", 0) - screen.get("unreadable", 0)))
    out.append(("passed the filters", screen.get("screened", 0)))
    out.append(("scored", screen.get("scored", 0)))
    out.append(("candidates (top N, de-duplicated)", s.get("candidates", {}).get("candidates", 0)))
    out.append(("passed the rules", s.get("rules", {}).get("passed", 0)))
    out.append(("shortlist", s.get("select", {}).get("shortlist", 0)))
    return out


def _notes(
    ctx: Context, table: pd.DataFrame, shortlist: pd.DataFrame, endpoints: list[str]
) -> tuple[list[str], list[str]]:
    info = ctx.infos
    notes = []
    screen = info.get("screen", {}).get("counts", {})
    rejects = ctx.directory / "steps" / "screen-job" / "rejects.csv"
    if screen.get("unreadable"):
        # relative: the page says the same wherever the campaign directory is (and moves with it)
        where = (
            f" (each with its line and reason in {rejects.relative_to(ctx.directory)})"
            if rejects.is_file()
            else ""
        )
        notes.append(f"{screen['unreadable']:,} library records could not be read and were skipped{where}.")
    duplicates = info.get("candidates", {}).get("counts", {}).get("duplicates", 0)
    if duplicates:
        notes.append(
            f"{duplicates:,} candidates repeated a better-scored structure (same InChIKey) and were merged."
        )
    act = info.get("activity", {})
    if act.get("skipped"):
        notes.append(
            f"Activity model: not trained ({act['skipped']}); the ranking uses similarity and properties."
        )
    elif act:
        notes.append(
            f"Activity model ({act.get('family')}): trained on {act.get('n_train')} molecules "
            f"({act.get('n_active')} active); scaffold-grouped CV AUROC {_num(act.get('cv_auroc'))} ± "
            f"{_num(act.get('cv_auroc_sd'))}, PRC-AUC {_num(act.get('cv_prc_auc'))} "
            f"(prevalence {_num(act.get('prevalence'))}) over {act.get('cv_folds')} folds."
        )
    if info.get("admet", {}).get("skipped"):
        notes.append(f"ADMET panel: not run ({info['admet']['skipped']}).")
    rules = [str(r) for r in ctx.config.admet.rules]
    if rules:
        failed = int(table["failed_rules"].notna().sum())
        notes.append(
            f"Rules ({'; '.join(rules)}): {failed:,} candidates failed and are not ranked (all_scores.parquet names the rules each failed)."
        )
    rank = info.get("rank", {})
    if rank.get("terms"):
        terms = ", ".join(
            f"{t['column']} (worst {t['worst']:g}, best {t['best']:g}, weight {t['weight']:g})"
            for t in rank["terms"]
        )
        notes.append(f"Score: {rank.get('combine')} mean of desirabilities: {terms}.")
    limitations = [
        "Scores and predictions are hypotheses to test, not measurements: similarity to known actives "
        "favours close analogues, and models are only as good as their training data.",
    ]
    if endpoints:
        flags = np.column_stack(
            [shortlist[f"{n}_ood"].fillna(False).astype(bool) for n in endpoints if f"{n}_ood" in shortlist]
        )
        worst = [
            n
            for n in endpoints
            if f"{n}_ood" in shortlist and shortlist[f"{n}_ood"].fillna(False).astype(bool).mean() > 0.5
        ]
        limitations.append(
            "ADMET predictions come from the shipped panel (public TDC, MoleculeNet and Tox21 training sets). "
            f"A shortlisted compound is outside the applicability domain of {flags.sum(axis=1).mean():.1f} of "
            f"{len(endpoints)} endpoints on average"
            + (f"; most of the shortlist is outside that of {', '.join(worst)}" if worst else "")
            + ": read those predictions with care (the detail view flags each)."
        )
    if ctx.config.actives is not None:
        overlap = _overlap(ctx, shortlist)
        limitations.append(
            f"{overlap} shortlisted compound(s) are themselves among the given actives (same InChIKey): "
            "their similarity of 1 says nothing new." if overlap else
            "No shortlisted compound is one of the given actives (InChIKey)."
        )  # fmt: skip
    if not ctx.config.library.label_column:
        limitations.append("No retrospective check: the library carries no labels (library.label_column).")
    return notes, limitations


def _num(value: Any) -> str:
    return "n/a" if value is None or (isinstance(value, float) and not np.isfinite(value)) else f"{value:.3f}"


def _overlap(ctx: Context, shortlist: pd.DataFrame) -> int:
    from rdkit import Chem, rdBase

    train = training_set(ctx)
    with rdBase.BlockLogs():
        keys = {Chem.MolToInchiKey(Chem.MolFromSmiles(s)) for s in train.loc[train["label"] == 1, "smiles"]}
    return int(shortlist["inchikey"].isin(keys).sum()) if "inchikey" in shortlist else 0


def _library_histogram(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    edges = np.linspace(0.0, 1.0, 51)
    counts = np.zeros(50, dtype=np.int64)
    for batch in library_scores(ctx, ["similarity"]):
        counts += np.histogram(batch["similarity"].to_numpy(float), bins=edges)[0]
    return edges, counts


def _chemical_space(
    ctx: Context, shortlist: pd.DataFrame
) -> tuple[np.ndarray, list[str], list[float]] | None:
    """PCA of the fingerprints of a library sample, the actives and the shortlist."""
    import pyarrow.parquet as pq

    import drugscreen as ds

    n_sample = ctx.config.report.library_sample
    smiles: list[str] = []
    groups: list[str] = []
    if n_sample:
        total = pq.ParquetFile(ctx.files["screen"]).metadata.num_rows
        rng = np.random.default_rng(ctx.config.run.seed)
        wanted = (
            np.sort(rng.choice(total, size=min(n_sample, total), replace=False))
            if total
            else np.array([], int)
        )
        start = 0
        for batch in library_scores(ctx, ["smiles"]):
            inside = wanted[(wanted >= start) & (wanted < start + len(batch))] - start
            smiles += batch["smiles"].to_numpy(object)[inside].tolist()
            start += len(batch)
        groups += ["library"] * len(smiles)
    if ctx.config.actives is not None:
        train = training_set(ctx)
        act = train.loc[train["label"] == 1, "smiles"].tolist()
        smiles += act
        groups += ["actives"] * len(act)
    smiles += shortlist["smiles"].tolist()
    groups += ["shortlist"] * len(shortlist)
    if len(smiles) < 3:
        return None
    fps = ds.fingerprint(smiles, ctx.spec(), n_jobs=1)
    bits = np.unpackbits(fps.data.view(np.uint8), axis=1, bitorder="little").astype(np.float32)
    centred = bits - bits.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    var = s**2
    explained = (var / var.sum()).tolist() if var.sum() > 0 else [0.0, 0.0]
    xy = u[:, :2] * s[:2]
    if xy.shape[1] < 2:
        return None
    return xy, groups, explained[:2]


def _retrospective(ctx: Context) -> tuple[list[tuple[str, str]], str] | None:
    """ROC, enrichment, AUROC, BEDROC(20) and EF 1 % of the fused similarity over the library,
    with the library's own labels (a retrospective run)."""
    from drugscreen.report.plots import roc_and_enrichment
    from drugscreen.vs import metrics as m

    cfg = ctx.config
    rows, scores = [], []
    for batch in library_scores(ctx, ["row", "similarity"]):
        rows.append(batch["row"].to_numpy(np.int64))
        scores.append(batch["similarity"].to_numpy(np.float64))
    row = np.concatenate(rows) if rows else np.array([], np.int64)
    score = np.concatenate(scores) if scores else np.array([])
    column = cfg.library.label_column
    assert column is not None  # the caller checks
    labels = read_labels(cfg.resolve(cfg.library.path), column, None, "library")
    y = labels[row].astype(bool)
    if len(y) == 0 or y.all() or not y.any():
        return None
    fpr, tpr = m.roc_curve(score, y)
    frac, found = m.enrichment_curve(score, y)
    metrics = [
        ("molecules scored (labels from library." + str(cfg.library.label_column) + ")", f"{len(y):,} ({int(y.sum()):,} active)"),
        ("AUROC", f"{m.auroc(score, y):.3f}"),
        ("BEDROC (alpha 20)", f"{m.bedroc(score, y, 20.0):.3f}"),
        ("EF 1 %", f"{m.enrichment_factor(score, y, 0.01):.2f}"),
    ]  # fmt: skip
    return metrics, roc_and_enrichment(np.asarray(fpr), np.asarray(tpr), np.asarray(frac), np.asarray(found))


_REFERENCE: dict[str, list[float]] = {}


def _reference_physchem() -> dict[str, list[float]]:
    """MW, cLogP, TPSA, ... of the approved-drug reference (computed once per process)."""
    if _REFERENCE:
        return _REFERENCE
    from rdkit import Chem, rdBase
    from rdkit.Chem import Descriptors

    from drugscreen.admet.features import PHYSCHEM_DESCRIPTORS
    from drugscreen.admet.panel_files import approved_drugs

    # the descriptors the panel's physicochemical columns are (drugscreen.admet.features)
    functions = {column: getattr(Descriptors, name) for column, name in PHYSCHEM_DESCRIPTORS.items()}
    values: dict[str, list[float]] = {k: [] for k in functions}
    with rdBase.BlockLogs():
        for smi in approved_drugs()["smiles"]:
            mol = Chem.MolFromSmiles(smi)
            if mol is None:
                continue
            for k, f in functions.items():
                values[k].append(round(float(f(mol)), 3))
    _REFERENCE.update(values)
    return _REFERENCE
