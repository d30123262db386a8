"""Write the ADMET panel's cross-validation table from its shipped model cards.

    python tools/admet_cv_table.py

Writes ``benchmarks/results/admet_cv.md`` (markdown, for benchmarks/README.md) and
``docs/guide/admet_cv.inc`` (reStructuredText, included by the guide page): per endpoint the
training rows, TDC's metric, every candidate's scaffold-CV mean +- sd over the five folds, the
shipped model, and the TDC leaderboard anchors (Chemprop-RDKit, #1) beside them.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from drugscreen.admet import panel_files  # noqa: E402
from drugscreen.admet.endpoints import ENDPOINTS  # noqa: E402

CANDIDATES = ("baseline", "lgbm", "lgbm_small")


def _cell(candidate: dict | None) -> str:
    return "" if candidate is None else f"{candidate['mean']:.3f} ± {candidate['sd']:.3f}"


def _verdict(card: dict) -> str:
    chemprop, first = card["leaderboard"]["chemprop_rdkit"], card["leaderboard"]["tdc_first"]
    if chemprop is None:
        return ""
    better = (lambda a, b: a <= b) if card["metric"] == "mae" else (lambda a, b: a >= b)
    marks = ["≥ Chemprop-RDKit" if better(card["cv_metric"], chemprop) else "< Chemprop-RDKit"]
    if first is not None and better(card["cv_metric"], first):
        marks.append("≥ #1")
    return ", ".join(marks)


def rows() -> list[list[str]]:
    cards = panel_files.cards()
    out = []
    for name in ENDPOINTS:
        card = cards[name]
        lb = card["leaderboard"]
        out.append(
            [
                name,
                str(card["training_rows"]),
                card["metric"].upper() + (" ↓" if card["metric"] == "mae" else " ↑"),
                *[_cell(card["candidates"].get(c)) for c in CANDIDATES],
                card["model"].split(" ")[1].strip("()"),
                "" if lb["chemprop_rdkit"] is None else f"{lb['chemprop_rdkit']:.3f}",
                "" if lb["tdc_first"] is None else f"{lb['tdc_first']:.3f}",
                _verdict(card),
                f"{card['domain']['threshold']:.2f}",
            ]
        )
    return out


HEADER = [
    "endpoint",
    "rows",
    "metric",
    "baseline (HGB)",
    "lgbm",
    "lgbm_small",
    "shipped",
    "Chemprop-RDKit (TDC board)",
    "TDC #1",
    "vs anchors",
    "domain cut-off",
]


def main() -> int:
    table = rows()
    md = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    md += ["| " + " | ".join(r) + " |" for r in table]
    (ROOT / "benchmarks" / "results" / "admet_cv.md").write_text("\n".join(md) + "\n")
    rst = [".. list-table::", "   :header-rows: 1", ""]
    for r in [HEADER, *table]:
        rst.append("   * - " + (r[0] or " "))
        rst += ["     - " + (c or " ") for c in r[1:]]
    (ROOT / "docs" / "guide" / "admet_cv.inc").write_text("\n".join(rst) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
