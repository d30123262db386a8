"""Knowledge-graph embeddings: drugscreen's KGEmbedding against PyKEEN 1.11 with the same settings.

Usage: python benchmarks/bench_kge.py [--datasets Nations Kinships UMLS] [--models TransE ...]
       [--seeds 3] [--dim 64] [--epochs 100] [--lr 0.01] [--batch-size 256] [--negatives 1]
       [--stock-gc] [--name kge]

Data: the Nations, Kinships and UMLS datasets PyKEEN ships inside its package (its standard
train / validation / test splits; read from the installed package, no download).

For each dataset, model and seed both libraries train the same model: the model's PyKEEN
defaults (initialisation, constraints, regulariser, loss: margin ranking with margin 1 for
TransE, DistMult and RotatE, softplus for ComplEx), ``dim`` (complex numbers for ComplEx and
RotatE), Adam with learning rate ``lr``, sLCWA training with ``negatives`` uniform negatives per
positive (head or tail corrupted), ``epochs`` passes in batches of ``batch_size``, no early
stopping. Both are evaluated on the test split, filtered with the training and validation
triples, realistic ranks, head and tail pooled ("both"): MRR and Hits@1/3/10, each as mean ± sd
over the seeds. drugscreen's metrics come from ``KGEmbedding.rank_metrics``, PyKEEN's from its
``RankBasedEvaluator``. torch runs on one thread for both.

Timing: seconds of training only (PyKEEN's ``PipelineResult.train_seconds``, drugscreen's
``fit_seconds_``), on whatever machine runs this, with anything else it runs. PyKEEN's training
loop calls ``gc.collect()`` after every epoch, which in a process that has imported torch,
sympy and PyKEEN takes a large share of the time on datasets this small; it changes no number
PyKEEN computes, so it is switched off here unless ``--stock-gc`` is given, and the cost of one
such call in this process is recorded beside the results.
"""

from __future__ import annotations

import argparse
import gc
import logging
import statistics
import time
import types
import warnings
from typing import Any

import numpy as np
from common import write_report

DATASETS = ("Nations", "Kinships", "UMLS")
MODELS = ("TransE", "DistMult", "ComplEx", "RotatE")
PYKEEN_LOSS = {
    "TransE": "marginranking",
    "DistMult": "marginranking",
    "ComplEx": "softplus",
    "RotatE": "marginranking",
}
METRICS = {
    "mrr": "both.realistic.inverse_harmonic_mean_rank",
    "hits_at_1": "both.realistic.hits_at_1",
    "hits_at_3": "both.realistic.hits_at_3",
    "hits_at_10": "both.realistic.hits_at_10",
}


def run_pykeen(dataset: Any, model: str, seed: int, args: argparse.Namespace) -> dict[str, float]:
    from pykeen.pipeline import pipeline

    result = pipeline(
        dataset=dataset,
        model=model,
        model_kwargs={"embedding_dim": args.dim},
        loss=PYKEEN_LOSS[model],
        optimizer="Adam",
        optimizer_kwargs={"lr": args.lr},
        training_loop="sLCWA",
        negative_sampler="basic",
        negative_sampler_kwargs={"num_negs_per_pos": args.negatives},
        training_kwargs={"num_epochs": args.epochs, "batch_size": args.batch_size, "use_tqdm": False},
        evaluation_kwargs={"use_tqdm": False, "batch_size": 256},
        random_seed=seed,
        device="cpu",
    )
    out = {key: float(result.metric_results.get_metric(name)) for key, name in METRICS.items()}
    out["train_s"] = float(result.train_seconds)
    return out


def run_ours(dataset: Any, model: str, seed: int, args: argparse.Namespace) -> dict[str, float]:
    from drugscreen.repurpose.kge import KGEmbedding

    train = dataset.training.mapped_triples.numpy()
    valid = dataset.validation.mapped_triples.numpy()
    test = dataset.testing.mapped_triples.numpy()
    estimator = KGEmbedding(
        model,
        dim=args.dim,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        num_negatives=args.negatives,
        random_state=seed,
        progress=False,
    )
    estimator.fit(train, n_entities=dataset.num_entities, n_relations=dataset.num_relations)
    metrics = estimator.rank_metrics(test, np.concatenate([train, valid]))
    out = {key: float(metrics[key]) for key in METRICS}
    out["train_s"] = float(estimator.fit_seconds_)
    return out


def mean_sd(values: list[float]) -> tuple[float, float]:
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--negatives", type=int, default=1)
    parser.add_argument("--name", default="kge", help="results/<name>.json and .md")
    parser.add_argument(
        "--stock-gc", action="store_true", help="keep PyKEEN's gc.collect() after every epoch"
    )
    args = parser.parse_args()

    import pykeen
    import pykeen.datasets
    import pykeen.pipeline
    import pykeen.training.training_loop as pykeen_loop
    import torch

    import drugscreen.repurpose.kge  # noqa: F401  (loaded before the gc timing below)

    torch.set_num_threads(1)
    logging.getLogger("pykeen").setLevel(logging.ERROR)
    logging.getLogger("torch_max_mem").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    gc.collect()
    gc_seconds = time.perf_counter() - t0
    if not args.stock_gc:
        pykeen_loop.gc = types.SimpleNamespace(collect=lambda *a: 0)  # type: ignore[assignment]

    rows, runs = [], []
    for name in args.datasets:
        dataset = getattr(pykeen.datasets, name)()
        for model in args.models:
            results: dict[str, list[dict[str, float]]] = {"drugscreen": [], "PyKEEN": []}
            for seed in range(args.seeds):
                for library, fn in (("PyKEEN", run_pykeen), ("drugscreen", run_ours)):
                    record = fn(dataset, model, seed, args)
                    results[library].append(record)
                    runs.append({"dataset": name, "model": model, "seed": seed, "library": library, **record})
                    print(
                        f"{name} {model} seed {seed} {library}: MRR {record['mrr']:.3f} ({record['train_s']:.1f} s)"
                    )
            row: dict[str, Any] = {"dataset": name, "model": model}
            sds = {}
            for key in (*METRICS, "train_s"):
                for library in ("drugscreen", "PyKEEN"):
                    mean, sd = mean_sd([r[key] for r in results[library]])
                    sds[library, key] = (mean, sd)
                    label = {"mrr": "MRR", "train_s": "train s"}.get(key, key.replace("hits_at_", "H@"))
                    row[f"{label} {library}"] = (
                        f"{mean:.2f}" if key == "train_s" else f"{mean:.3f} ± {sd:.3f}"
                    )
            (m_a, s_a), (m_b, s_b) = sds["drugscreen", "mrr"], sds["PyKEEN", "mrr"]
            noise = 2 * ((s_a**2 + s_b**2) / 2) ** 0.5
            row["Δ MRR"] = f"{m_a - m_b:+.3f}"
            row["2 × pooled sd"] = f"{noise:.3f}"
            row["within"] = "yes" if abs(m_a - m_b) <= noise else "no"
            rows.append(row)
    settings = {
        "dim": args.dim,
        "epochs": args.epochs,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "negatives": args.negatives,
        "seeds": args.seeds,
        "optimizer": "Adam",
        "training": "sLCWA, basic (uniform) negatives, head or tail",
        "evaluation": "test split, filtered (train + valid + test), realistic ranks, both sides",
        "torch_threads": 1,
        "pykeen_per_epoch_gc": bool(args.stock_gc),
    }
    extra = {
        "settings": settings,
        "pykeen": pykeen.get_version() if hasattr(pykeen, "get_version") else "1.11.1",
        "torch": torch.__version__,
        "one_gc_collect_s": gc_seconds,
        "runs": runs,
    }
    write_report(args.name, "Knowledge-graph embeddings: drugscreen vs PyKEEN (same settings)", rows, extra)


if __name__ == "__main__":
    main()
