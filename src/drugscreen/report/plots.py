"""The report's static plots as inline SVG (matplotlib), deterministic byte for byte."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

_HEADER = re.compile(r"^.*?(?=<svg)", re.S)
#: The report's palette: library, shortlist, actives, reference.
COLOURS = {"library": "#9aa5b1", "shortlist": "#d9480f", "actives": "#1c7ed6", "other": "#495057"}


def _figure(width: float = 5.0, height: float = 3.2) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def to_svg(fig: Any) -> str:
    """The figure as an SVG element: no date, fixed ids, so that reruns are byte-identical."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "drugscreen", "svg.fonttype": "none"}):
        fig.tight_layout()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _HEADER.sub("", buffer.getvalue()).strip()


def score_histogram(library: tuple[np.ndarray, np.ndarray] | None, shortlist: np.ndarray, xlabel: str) -> str:
    """Density of the library's scores (pre-binned ``(edges, counts)``) against the shortlist's."""
    fig, ax = _figure()
    if library is not None and library[1].sum() > 0:
        edges, counts = library
        ax.stairs(counts / counts.sum() / np.diff(edges), edges, fill=True, alpha=0.5,
                  color=COLOURS["library"], label=f"library (n={int(counts.sum()):,})")  # fmt: skip
    if len(shortlist):
        ax.hist(shortlist, bins=20, density=True, alpha=0.7, color=COLOURS["shortlist"],
                label=f"shortlist (n={len(shortlist):,})")  # fmt: skip
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.legend(frameon=False, fontsize=8)
    return to_svg(fig)


def chemical_space(xy: np.ndarray, groups: Sequence[str], explained: Sequence[float]) -> str:
    """The 2-D embedding of library sample, actives and shortlist."""
    fig, ax = _figure(5.0, 4.0)
    group = np.asarray(groups)
    for name, size in (("library", 8), ("actives", 30), ("shortlist", 18)):
        at = group == name
        if at.any():
            ax.scatter(xy[at, 0], xy[at, 1], s=size, alpha=0.6 if name == "library" else 0.9,
                       color=COLOURS[name], label=f"{name} ({int(at.sum())})", linewidths=0)  # fmt: skip
    ax.set_xlabel(f"PC1 ({100 * explained[0]:.0f} % of variance)")
    ax.set_ylabel(f"PC2 ({100 * explained[1]:.0f} % of variance)")
    ax.legend(frameon=False, fontsize=8)
    return to_svg(fig)


def cluster_sizes(sizes: np.ndarray, selected: np.ndarray) -> str:
    """Sizes of the clusters of the ranked molecules, the shortlist's picks per cluster on top."""
    fig, ax = _figure(5.0, 3.0)
    order = np.argsort(-sizes, kind="stable")[:40]
    x = np.arange(len(order))
    ax.bar(x, sizes[order], color=COLOURS["library"], label="ranked molecules")
    ax.bar(x, selected[order], color=COLOURS["shortlist"], label="in the shortlist")
    ax.set_xlabel(f"cluster (largest {len(order)} of {len(sizes)})")
    ax.set_ylabel("molecules")
    ax.set_xticks([])
    ax.legend(frameon=False, fontsize=8)
    return to_svg(fig)


def roc_and_enrichment(fpr: np.ndarray, tpr: np.ndarray, frac: np.ndarray, found: np.ndarray) -> str:
    """ROC curve and enrichment curve (fraction of actives found against fraction screened)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, 3.4))
    a, b = fig.subplots(1, 2)
    a.plot(fpr, tpr, color=COLOURS["shortlist"])
    a.plot([0, 1], [0, 1], ls=":", color=COLOURS["other"])
    a.set_xlabel("false-positive rate")
    a.set_ylabel("true-positive rate")
    a.set_title("ROC", fontsize=10)
    b.plot(frac, found, color=COLOURS["shortlist"])
    b.plot([0, 1], [0, 1], ls=":", color=COLOURS["other"])
    b.set_xscale("symlog", linthresh=0.01)
    b.set_xlim(0, 1)
    b.set_xlabel("fraction of the library screened")
    b.set_ylabel("fraction of actives found")
    b.set_title("enrichment", fontsize=10)
    return to_svg(fig)


def funnel(labels: Sequence[str], counts: Sequence[int]) -> str:
    """Counts through the steps as horizontal bars (log scale: a library to a shortlist)."""
    fig, ax = _figure(6.0, 0.4 + 0.32 * len(labels))
    y = np.arange(len(labels))[::-1]
    values = np.maximum(np.asarray(counts, dtype=float), 0.8)
    ax.barh(y, values, color=COLOURS["shortlist"], alpha=0.8)
    for yi, c in zip(y, counts, strict=True):
        ax.text(max(c, 1) * 1.1, yi, f"{c:,}", va="center", fontsize=8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlim(0.8, max(values) * 6)
    ax.spines[["top", "right"]].set_visible(False)
    return to_svg(fig)
