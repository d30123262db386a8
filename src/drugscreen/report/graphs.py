"""Small network drawings as inline SVG, written by hand (no layout engine): knowledge-graph
paths from a drug to a disease, a drug's targets beside the disease genes nearest them, and a
heat map of drug-pair classes. Deterministic: the same input gives the same bytes.
"""

from __future__ import annotations

import html
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

#: Node colours of the usual Hetionet kinds (others get one from a fixed palette by name).
KIND_COLOURS = {
    "Compound": "#1c7ed6",
    "Disease": "#d9480f",
    "Gene": "#2b8a3e",
    "Anatomy": "#862e9c",
    "Side Effect": "#e67700",
    "Symptom": "#c2255c",
    "Pharmacologic Class": "#0b7285",
    "Pathway": "#5c940d",
}
_PALETTE = ("#495057", "#5f3dc4", "#a61e4d", "#087f5b", "#364fc7", "#e8590c", "#66a80f")
#: Exposure classes (Cheng et al. 2019) and their heat-map colours, the efficacious class first.
CLASS_COLOURS = {
    "complementary": "#2b8a3e",
    "overlapping": "#74b816",
    "indirect": "#fab005",
    "single": "#ffd8a8",
    "non-overlapping": "#ced4da",
    "independent": "#f1f3f5",
}


def kind_colour(kind: str) -> str:
    """The colour of a node kind (stable across runs for kinds outside the table)."""
    return KIND_COLOURS.get(kind) or _PALETTE[zlib.crc32(kind.encode()) % len(_PALETTE)]


def _label(text: str, width: int = 16) -> str:
    text = str(text)
    return html.escape(text if len(text) <= width else text[: width - 1] + "…")


def path_graph(paths: Sequence[Mapping[str, Any]], *, step: int = 120, row: int = 54) -> str:
    """Paths drawn as chains, one per row, left (the drug) to right (the disease).

    Each path is ``{"nodes": [{"id", "name", "kind"}, ...], "relations": [...], "share": float}``
    (as :func:`drugscreen.repurpose.explain` gives them); a node's colour is its kind's, the
    edge label its relation, the share of the DWPC is written at the row's end.
    """
    if not paths:
        return ""
    length = max(len(p["nodes"]) for p in paths)
    width, height = 40 + step * (length - 1) + 90, 20 + row * len(paths)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="paths" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="knowledge-graph paths">']  # fmt: skip
    for r, path in enumerate(paths):
        y = 22 + row * r
        xs = [30 + step * i for i in range(len(path["nodes"]))]
        for i, relation in enumerate(path["relations"]):
            parts.append(
                f'<line x1="{xs[i]}" y1="{y}" x2="{xs[i + 1]}" y2="{y}" stroke="#adb5bd" stroke-width="2"/>'
            )
            parts.append(f'<text x="{(xs[i] + xs[i + 1]) / 2:.0f}" y="{y - 6}" font-size="10" '
                         f'text-anchor="middle" fill="#6c757d">{html.escape(str(relation))}</text>')  # fmt: skip
        for x, n in zip(xs, path["nodes"], strict=True):
            title = html.escape(f"{n['name']} ({n['kind']}, {n['id']})")
            parts.append(f'<g class="node"><title>{title}</title><circle cx="{x}" cy="{y}" r="8" '
                         f'fill="{kind_colour(n["kind"])}"/><text x="{x}" y="{y + 22}" font-size="11" '
                         f'text-anchor="middle">{_label(n["name"])}</text></g>')  # fmt: skip
        share = path.get("share")
        if share is not None:
            parts.append(
                f'<text x="{xs[-1] + 16}" y="{y + 4}" font-size="10" fill="#6c757d">{100 * share:.0f} %</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def target_graph(targets: Sequence[Mapping[str, Any]], *, row: int = 26) -> str:
    """A drug's targets (left) joined to the disease genes nearest each (right), with the distance.

    ``targets`` is ``[{"target", "distance", "nearest_genes": [...]}, ...]``; a target at
    distance 0 is itself a disease gene (drawn filled in the disease's colour).
    """
    if not targets:
        return ""
    genes = list(dict.fromkeys(g for t in targets for g in t["nearest_genes"]))
    n = max(len(targets), len(genes))
    width, height = 360, 16 + row * n
    y_target = {t["target"]: 16 + row * i for i, t in enumerate(targets)}
    y_gene = {g: 16 + row * i for i, g in enumerate(genes)}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="targets" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="targets and nearest disease genes">']  # fmt: skip
    for t in targets:
        for g in t["nearest_genes"]:
            y1, y2 = y_target[t["target"]], y_gene[g]
            parts.append(f'<line x1="110" y1="{y1}" x2="250" y2="{y2}" stroke="#adb5bd"/>')
            parts.append(f'<text x="180" y="{(y1 + y2) / 2 - 3:.0f}" font-size="10" text-anchor="middle" '
                         f'fill="#6c757d">{t["distance"]:g}</text>')  # fmt: skip
    for t in targets:
        fill = KIND_COLOURS["Disease"] if t["distance"] == 0 else KIND_COLOURS["Gene"]
        parts.append(f'<circle cx="110" cy="{y_target[t["target"]]}" r="6" fill="{fill}"/>'
                     f'<text x="98" y="{y_target[t["target"]] + 4}" font-size="11" text-anchor="end">'
                     f'{_label(t["target"], 14)}</text>')  # fmt: skip
    for g, y in y_gene.items():
        parts.append(f'<circle cx="250" cy="{y}" r="6" fill="{KIND_COLOURS["Disease"]}"/>'
                     f'<text x="262" y="{y + 4}" font-size="11">{_label(g, 14)}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


def class_heatmap(drugs: Sequence[str], pairs: Sequence[tuple[str, str, str]], *, cell: int = 18) -> str:
    """Drug × drug grid coloured by each pair's exposure class, with a legend.

    ``pairs`` holds ``(drug_a, drug_b, class)``; the grid is symmetric, the diagonal empty.
    """
    if not drugs or not pairs:
        return ""
    index = {d: i for i, d in enumerate(drugs)}
    margin = 8 + 6 * max(len(_label(d, 18)) for d in drugs)
    size = margin + cell * len(drugs)
    legend_y = size + 14
    height = legend_y + 16 * len(CLASS_COLOURS)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" width="{size + 10}" height="{height}" '
             f'viewBox="0 0 {size + 10} {height}" role="img" aria-label="exposure classes of drug pairs">']  # fmt: skip
    for d, i in index.items():
        y = margin + cell * i + cell * 0.7
        parts.append(
            f'<text x="{margin - 4}" y="{y:.0f}" font-size="10" text-anchor="end">{_label(d, 18)}</text>'
        )
        x = margin + cell * i + cell * 0.7
        parts.append(f'<text x="{x:.0f}" y="{margin - 4}" font-size="10" transform="rotate(-60 {x:.0f} '
                     f'{margin - 4})">{_label(d, 18)}</text>')  # fmt: skip
    for a, b, name in pairs:
        if a not in index or b not in index:
            continue
        colour = CLASS_COLOURS.get(name, "#ffffff")
        for i, j in ((index[a], index[b]), (index[b], index[a])):
            parts.append(f'<rect x="{margin + cell * j}" y="{margin + cell * i}" width="{cell - 1}" '
                         f'height="{cell - 1}" fill="{colour}"><title>{html.escape(f"{a} + {b}: {name}")}'
                         "</title></rect>")  # fmt: skip
    for k, (name, colour) in enumerate(CLASS_COLOURS.items()):
        y = legend_y + 16 * k
        parts.append(f'<rect x="8" y="{y - 10}" width="12" height="12" fill="{colour}" stroke="#adb5bd"/>'
                     f'<text x="26" y="{y}" font-size="11">{name}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


#: Colours of a target neighbourhood's genes: the target, known disease genes, other top
#: candidates, and the rest.
ROLE_COLOURS = {"target": "#1c7ed6", "seed": "#d9480f", "candidate": "#2b8a3e", "other": "#adb5bd"}


def neighbourhood_graph(center: str, neighbours: Sequence[Mapping[str, Any]], *, radius: int = 120) -> str:
    """A gene (centre) and its network neighbours on a circle, coloured by role.

    ``neighbours`` is ``[{"gene", "label", "role"}, ...]`` with roles of :data:`ROLE_COLOURS`
    (``seed``: a known disease gene; ``candidate``: another shortlisted gene).
    """
    import math

    size = 2 * radius + 120
    mid = size / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="neighbourhood" width="{size}" height="{size}" '
             f'viewBox="0 0 {size} {size}" role="img" aria-label="network neighbourhood of {html.escape(center)}">']  # fmt: skip
    points = []
    for i, n in enumerate(neighbours):
        angle = 2 * math.pi * i / max(len(neighbours), 1) - math.pi / 2
        points.append((mid + radius * math.cos(angle), mid + radius * math.sin(angle), n))
    for x, y, _ in points:
        parts.append(f'<line x1="{mid:.0f}" y1="{mid:.0f}" x2="{x:.0f}" y2="{y:.0f}" stroke="#dee2e6"/>')
    for x, y, n in points:
        colour = ROLE_COLOURS.get(n.get("role", "other"), ROLE_COLOURS["other"])
        title = html.escape(f"{n.get('label') or n['gene']} ({n.get('role', 'other')})")
        parts.append(f'<g class="node"><title>{title}</title><circle cx="{x:.0f}" cy="{y:.0f}" r="7" '
                     f'fill="{colour}"/><text x="{x:.0f}" y="{y + 19:.0f}" font-size="10" '
                     f'text-anchor="middle">{_label(n.get("label") or n["gene"], 12)}</text></g>')  # fmt: skip
    parts.append(f'<circle cx="{mid:.0f}" cy="{mid:.0f}" r="10" fill="{ROLE_COLOURS["target"]}"/>'
                 f'<text x="{mid:.0f}" y="{mid + 24:.0f}" font-size="12" font-weight="bold" '
                 f'text-anchor="middle">{_label(center, 14)}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)
