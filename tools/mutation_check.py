"""Put small realistic bugs into the code one at a time and check that the tests catch each.

The bugs are the ones issue 13 named (a mutation check of the tests found that half of the
README's claims survived them) and, from issue 21, bugs in the newer code: the training batcher,
label masking, the conformal quantile, job resume bookkeeping, degree bins of proximity, XSwap,
Loewe inversion and SEA E-values; from issue 22 the ADMET panel's nearest-neighbour
search, percentiles, scaffold folds and log10 back-transform; from issue 23 the campaign's score, cluster cap, candidate ties, step keys
and the report's sorting; from issue 24 the repurposing harness's tie-fair hits and disease
splits, cross-fitted features, the zero-shot head and the one-standard-error rule; and the repurposing campaign's combined score, shortlist, tie order,
step key and page escaping; from issue 25 the random walk's damping, AUROC ties, the
permutation p, complex-aware folds, the harmonic sum, MR-Egger's orientation, the combined
contributions, the targets campaign's rank key and the targets page's escaping. Each mutation is a literal text replacement; the file is
restored afterwards whatever happens. Run from the repository root::

    CI=true .venv/bin/python tools/mutation_check.py           # all
    CI=true .venv/bin/python tools/mutation_check.py tie-rule   # one, by name

Exit status 0 when every mutation makes its tests fail ("killed"), 1 otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTATIONS = [
    Mutation(
        "bound-margin",
        "src/drugscreen/similarity/engine.py",
        "low = int(np.ceil(lo.min() - 1e-6))\n    high = hi.max() + 1e-6",
        "low = int(np.ceil(lo.min()))\n    high = hi.max()",
        ("tests/similarity/test_readme_claims.py",),
    ),
    Mutation(
        "tie-rule",
        "kernels/topk_cpu.py",
        "return s1 < s2 or (s1 == s2 and r1 > r2)",
        "return s1 < s2 or (s1 == s2 and r1 < r2)",
        ("tests/similarity/test_readme_claims.py",),
    ),
    Mutation(
        "heap-floor-strict",
        "kernels/topk_cpu.py",
        "                if s >= floor[q]:\n                    hn[q] = _heap_offer(hs, hr, q, hn[q], s, rows[rt])",
        "                if s > floor[q]:\n                    hn[q] = _heap_offer(hs, hr, q, hn[q], s, rows[rt])",
        ("tests/similarity/test_readme_claims.py",),
    ),
    Mutation(
        "chunk-merge-order",
        "src/drugscreen/similarity/hits.py",
        "best = np.lexsort((r, -s))[:k]",
        "best = np.lexsort((-r, -s))[:k]",
        ("tests/similarity/test_readme_claims.py",),
    ),
    Mutation(
        "sdf-last-record",
        "src/drugscreen/chem/io.py",
        "if any(part.strip() for part in block):  # last record without a terminating $$$$",
        "if False:  # last record without a terminating $$$$",
        ("tests/chem/test_readers_hostile.py", "tests/chem/test_chem_io.py"),
    ),
    Mutation(
        "verify-first-shard-only",
        "src/drugscreen/similarity/manifest.py",
        'if verify and sha256_file(fpath) != info["sha256"]:',
        'if verify and shard is manifest["shards"][0] and sha256_file(fpath) != info["sha256"]:',
        ("tests/similarity/test_db_reliability.py", "-k", "every_shard"),
    ),
    Mutation(
        "build-in-place",
        "src/drugscreen/similarity/writes.py",
        'tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"\n        tmp.mkdir()',
        "tmp = path\n        tmp.mkdir(exist_ok=True)",
        ("tests/similarity/test_db_reliability.py", "-k", "sigkill and fresh"),
    ),
    Mutation(
        "upper-triangle-pair-path",
        "kernels/search_cpu.py",
        "if s >= threshold and col >= first_col[q]:",
        "if s >= threshold:",
        ("tests/similarity/test_readme_claims.py", "-k", "symmetric"),
    ),
    # issue 21: the newer code (models, jobs, network medicine, combinations, SEA)
    Mutation(
        "batch-merge-pop-first",
        "src/drugscreen/models/training.py",
        "        single = batches.pop()\n        batches[-1] = np.concatenate([batches[-1], single])",
        "        batches[-2] = np.concatenate([batches[-2], batches.pop()])",
        ("tests/models/test_training_reliability.py", "-k", "batches or once_per_epoch"),
    ),
    Mutation(
        "label-mask-ignored",
        "src/drugscreen/models/training.py",
        "    return (per * weight).sum() / weight.sum().clamp_min(1.0)",
        "    return per.mean()",
        ("tests/models/test_training_reliability.py", "-k", "present_labels"),
    ),
    Mutation(
        "conformal-rank-off-by-one",
        "src/drugscreen/models/uncertainty.py",
        "    rank = math.ceil((len(scores) + 1) * (1 - alpha))",
        "    rank = math.ceil(len(scores) * (1 - alpha))",
        ("tests/models/test_uncertainty.py",),
    ),
    Mutation(
        "resume-deletes-foreign-names",
        "src/drugscreen/screen/job.py",
        "            if match is None or part.is_dir() or part.is_symlink():\n                continue",
        "            if part.is_dir():\n                continue",
        ("tests/screen/test_job_reliability.py", "-k", "only_the_names"),
    ),
    Mutation(
        "resume-skips-part-verification",
        "src/drugscreen/screen/job.py",
        "        for name, size in counted.items():\n            self._verify_part(self.path / PARTS / name, size)",
        "        pass",
        ("tests/screen/test_job_reliability.py", "-k", "damaged_counted_part"),
    ),
    Mutation(
        "resume-counts-one-chunk-less",
        "src/drugscreen/screen/job.py",
        '            uncounted = int(match["chunk"]) >= done or',
        '            uncounted = int(match["chunk"]) >= done - 1 or',
        ("tests/screen/test_pipeline.py",),
    ),
    Mutation(
        "degree-bin-short-last-bin-kept",
        "src/drugscreen/network/randomize.py",
        "    if filled and current > 0:  # a short last bin joins the previous one",
        "    if False:  # a short last bin joins the previous one",
        ("tests/repurpose/test_proximity.py", "-k", "degree_bins"),
    ),
    Mutation(
        "xswap-allows-self-loops",
        "kernels/graph_cpu.py",
        "        if same_kind and (a == d or c == b):\n            continue",
        "        if False:\n            continue",
        ("tests/network/test_permute.py",),
    ),
    Mutation(
        "loewe-inverse-wrong-exponent",
        "src/drugscreen/combos/hill.py",
        "            out = self.ec50 * (r / (1.0 - r)) ** (1.0 / self.hill)",
        "            out = self.ec50 * (r / (1.0 - r)) ** self.hill",
        ("tests/combos/test_synergy.py",),
    ),
    Mutation(
        "sea-e-value-not-multiplied",
        "src/drugscreen/repurpose/sea_scoring.py",
        "    e = p * compared.sum(axis=1)[s]",
        "    e = p",
        ("tests/repurpose/test_sea.py",),
    ),
    Mutation(
        "admet-domain-first-member",
        "src/drugscreen/admet/domain.py",
        "first = np.unique(qj, return_index=True)[1]",
        "first = len(qj) - 1 - np.unique(qj[::-1], return_index=True)[1]",
        ("tests/admet/test_building_blocks.py",),
    ),
    Mutation(
        "admet-percentile-strict",
        "src/drugscreen/admet/reference.py",
        'np.searchsorted(column, values[known, j], side="right")',
        'np.searchsorted(column, values[known, j], side="left")',
        ("tests/admet/test_building_blocks.py",),
    ),
    Mutation(
        "admet-folds-split-groups",
        "src/drugscreen/admet/training.py",
        "        group_fold[g] = fold\n",
        "        group_fold[g] = (fold + int(counts[g] > 1)) % n_folds\n",
        ("tests/admet/test_building_blocks.py",),
    ),
    Mutation(
        "tree-threshold-strict",
        "kernels/trees_cpu.py",
        "elif value <= threshold[k]:",
        "elif value < threshold[k]:",
        ("tests/admet/test_trees.py",),
    ),
    Mutation(
        "tree-nan-not-zero",
        "kernels/trees_cpu.py",
        "if value != value and missing != 2:",
        "if value != value and missing == 1:",
        ("tests/admet/test_trees.py",),
    ),
    Mutation(
        "admet-log10-not-undone",
        "src/drugscreen/admet/training.py",
        "return np.power(10.0, values) if endpoint.log10 else values",
        "return values",
        ("tests/admet/test_predict.py::test_values_are_the_members_mean_in_the_endpoint_units",),
    ),
    # issue 23: the campaign's ranking, selection, reruns and the report page
    Mutation(
        "mpo-weight-normalisation",
        "src/drugscreen/campaign/scoring.py",
        "w = weights / weights.sum()",
        "w = weights / len(weights)",
        ("tests/campaign/test_scoring.py",),
    ),
    Mutation(
        "desirability-direction",
        "src/drugscreen/campaign/scoring.py",
        "d = (np.asarray(values, dtype=np.float64) - term.worst) / (term.best - term.worst)",
        "d = (np.asarray(values, dtype=np.float64) - term.worst) / abs(term.best - term.worst)",
        ("tests/campaign/test_scoring.py",),
    ),
    Mutation(
        "cluster-cap-off-by-one",
        "src/drugscreen/campaign/steps_rank.py",
        "if per.get(c, 0) < sel.max_per_cluster:",
        "if per.get(c, 0) <= sel.max_per_cluster:",
        ("tests/campaign/test_runner.py",),
    ),
    Mutation(
        "butina-cluster-order",
        "src/drugscreen/campaign/steps_rank.py",
        'cluster = clusters.sort_values("row")["cluster"].to_numpy(np.int64)',
        'cluster = clusters["cluster"].to_numpy(np.int64)',
        ("tests/campaign/test_runner.py",),
    ),
    Mutation(
        "candidate-tie-order",
        "src/drugscreen/campaign/steps_screen.py",
        'order = np.lexsort((both["row"].to_numpy(), -both["similarity"].to_numpy()))',
        'order = np.argsort(-both["similarity"].to_numpy())',
        ("tests/campaign/test_scoring.py",),
    ),
    Mutation(
        "step-key-ignores-rules",
        "src/drugscreen/campaign/runner.py",
        'keys["rules"] = digest({"activity": keys["activity"], "admet": keys["admet"], "rules": rules})',
        'keys["rules"] = digest({"activity": keys["activity"], "admet": keys["admet"]})',
        ("tests/campaign/test_runner.py",),
    ),
    Mutation(
        "report-sort-direction",
        "src/drugscreen/report/static/report.js",
        'const sign = sortDir.value === "asc" ? 1 : -1;',
        "const sign = 1;",
        ("tests/report/test_report_browser.py",),
    ),
    Mutation(
        "interrupt-forgotten",
        "src/drugscreen/campaign/runner.py",
        "    if watch.seen:\n",
        "    if False:\n",
        ("tests/campaign/test_runner.py",),
    ),
    Mutation(
        "hits-ties-optimistic",
        "src/drugscreen/repurpose/harness_metrics.py",
        "return float(truth[above].sum() + room * truth[tied].sum() / tied.sum())",
        "return float(truth[above].sum() + min(room, truth[tied].sum()))",
        ("tests/repurpose/test_harness.py",),
    ),
    Mutation(
        "disease-split-leak",
        "src/drugscreen/repurpose/harness.py",
        "train = labels & ~held[None, :]",
        "train = labels.copy()",
        ("tests/repurpose/test_harness.py",),
    ),
    Mutation(
        "crossfit-own-edge",
        "src/drugscreen/repurpose/rephetio_pairs.py",
        "held = rows[in_fold & positive]",
        "held = rows[~in_fold & positive]",
        ("tests/repurpose/test_rephetio.py",),
    ),
    Mutation(
        "zero-shot-head-unused",
        "src/drugscreen/repurpose/rephetio.py",
        "if self.zero_shot_ is not None and self.unseen_targets_.any():",
        "if False:",
        ("tests/repurpose/test_rephetio.py",),
    ),
    Mutation(
        "c-best-not-one-se",
        "src/drugscreen/repurpose/rephetio_classifier.py",
        "np.flatnonzero(mean >= mean[best] - error[best])[0]",
        "np.flatnonzero(mean >= mean[best])[0]",
        ("tests/repurpose/test_rephetio.py",),
    ),
    Mutation(
        "repurpose-proximity-sign",
        "src/drugscreen/campaign/repurpose_rank.py",
        'parts.append((w_prox, _percentile(-table["z"], table["disease"])))',
        'parts.append((w_prox, _percentile(table["z"], table["disease"])))',
        ("tests/campaign/test_repurpose_campaign.py",),
    ),
    Mutation(
        "repurpose-missing-part-counted",
        "src/drugscreen/campaign/repurpose_rank.py",
        "den = sum((w * p.notna() for w, p in parts)",
        "den = sum((w + 0 * p.notna() for w, p in parts)",
        ("tests/campaign/test_repurpose_campaign.py",),
    ),
    Mutation(
        "repurpose-known-shortlisted",
        "src/drugscreen/campaign/repurpose_rank.py",
        'eligible = table["rank"].notna() & (cfg.rank.include_known | ~table["known"])',
        'eligible = table["rank"].notna()',
        ("tests/campaign/test_repurpose_campaign.py",),
    ),
    Mutation(
        "repurpose-tie-order",
        "src/drugscreen/campaign/repurpose_rank.py",
        'sort_values(["disease", "_s", "drug"], ascending=[True, False, True])',
        'sort_values(["disease", "_s", "drug"], ascending=[True, False, False])',
        ("tests/campaign/test_repurpose_campaign.py",),
    ),
    Mutation(
        "repurpose-rank-key",
        "src/drugscreen/campaign/repurpose_steps.py",
        '"rank": asdict(cfg.rank)})',
        '"rank": None})',
        ("tests/campaign/test_repurpose_campaign.py",),
    ),
    Mutation(
        "repurpose-page-unescaped",
        "src/drugscreen/report/repurpose_page.py",
        'return f"<td>{html.escape(str(value))}</td>"',
        'return f"<td>{str(value)}</td>"',
        ("tests/campaign/test_repurpose_campaign.py",),
    ),
    Mutation(
        "targets-rwr-damping",
        "src/drugscreen/targets/propagation.py",
        "nxt *= 1.0 - restart",
        "nxt *= restart",
        ("tests/targets/test_prioritize.py",),
    ),
    Mutation(
        "targets-auroc-ties",
        "src/drugscreen/targets/validation.py",
        "ranks = rankdata(score[nodes])",
        'ranks = rankdata(score[nodes], method="ordinal")',
        ("tests/targets/test_validation.py",),
    ),
    Mutation(
        "targets-permutation-p",
        "src/drugscreen/targets/prioritize.py",
        "return z, (1.0 + at_least) / (1.0 + n_random)",
        "return z, at_least / n_random",
        ("tests/targets/test_prioritize.py",),
    ),
    Mutation(
        "targets-folds-split-complexes",
        "src/drugscreen/targets/folds.py",
        "    if links is None:",
        "    if True:",
        ("tests/targets/test_validation.py",),
    ),
    Mutation(
        "targets-harmonic-index",
        "src/drugscreen/targets/evidence.py",
        "return float(np.sum(values / np.arange(1, values.size + 1, dtype=float) ** 2))",
        "return float(np.sum(values / np.arange(1, values.size + 1, dtype=float)))",
        ("tests/targets/test_evidence.py",),
    ),
    Mutation(
        "targets-egger-orientation",
        "src/drugscreen/targets/mr.py",
        "by, bx = np.sign(bx) * by, np.abs(bx)",
        "by, bx = by, np.abs(bx)",
        ("tests/targets/test_mr.py",),
    ),
    Mutation(
        "targets-contribution-weight",
        "src/drugscreen/targets/combine.py",
        'out[f"contribution_{part}"] = weight * out[part] / total',
        'out[f"contribution_{part}"] = out[part] / total',
        ("tests/targets/test_combine.py",),
    ),
    Mutation(
        "targets-rank-key",
        "src/drugscreen/campaign/targets_steps.py",
        '"rank": asdict(cfg.rank),',
        '"rank": None,',
        ("tests/campaign/test_targets_campaign.py",),
    ),
    Mutation(
        "targets-page-unescaped-title",
        "src/drugscreen/report/targets_page.py",
        "<header><h1>{e(page.title)}</h1>",
        "<header><h1>{page.title}</h1>",
        ("tests/report/test_targets_browser.py",),
    ),
]


def run(mutation: Mutation) -> tuple[bool, float]:
    path = REPO / mutation.file
    original = path.read_text()
    if original.count(mutation.old) != 1:
        raise SystemExit(f"{mutation.name}: the text to mutate is not found exactly once in {mutation.file}")
    start = time.perf_counter()
    try:
        path.write_text(original.replace(mutation.old, mutation.new))
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutation.tests],
            cwd=REPO,
            env={**os.environ, "CI": "true", "NUMBA_CACHE_DIR": str(REPO / ".mutation-numba-cache")},
            capture_output=True,
            text=True,
        )
    finally:
        path.write_text(original)
    return result.returncode != 0, time.perf_counter() - start


def main(argv: list[str]) -> int:
    chosen = [m for m in MUTATIONS if not argv or m.name in argv]
    survived = []
    print("| mutation | file | tests | result | seconds |\n|---|---|---|---|---|")
    for mutation in chosen:
        killed, seconds = run(mutation)
        if not killed:
            survived.append(mutation.name)
        tests = " ".join(mutation.tests)
        print(
            f"| {mutation.name} | `{mutation.file}` | `{tests}` | {'killed' if killed else 'SURVIVED'} | {seconds:.0f} |"
        )
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
