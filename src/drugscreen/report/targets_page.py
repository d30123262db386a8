"""A target-discovery campaign's page: the ranked targets with each part of their score, and for
each shortlisted target its network neighbourhood, its genetic evidence rows and the drugs and
library compounds that hit it; the method's validation on the disease's own genes beside.

The tables are HTML (readable without the script); ``static/repurpose.js`` sorts a table when
its header is clicked and opens a target's panel from its link.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drugscreen.report.graphs import ROLE_COLOURS, neighbourhood_graph
from drugscreen.report.page import write_html
from drugscreen.report.repurpose_page import _anchor, _cell, _kv, _static, _table


@dataclass
class TargetView:
    """One shortlisted target's panel: ``neighbours`` rows ``gene, label, role``; ``evidence``
    rows ``source, score, table``; ``drugs`` and ``compounds`` lists."""

    gene: str
    neighbours: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    drugs: list[str] = field(default_factory=list)
    n_compounds: int = 0
    facts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class TargetsPage:
    """The page: header facts, validation rows, the ranked table, target panels, limitations."""

    title: str
    subtitle: str
    provenance: list[tuple[str, str]]
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    targets: list[TargetView]
    validation: list[dict[str, Any]] = field(default_factory=list)
    validation_caption: str = ""
    next_steps: list[str] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)
    config_text: str = ""


def _ranked(page: TargetsPage) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in page.columns) + "<th></th>"
    panels = {t.gene for t in page.targets}
    rows = []
    for r in page.rows:
        cells = "".join(_cell(r.get(key)) for key, _ in page.columns)
        link = (f'<td><a href="#{_anchor("target", r["gene"])}" class="evidence-link">evidence</a></td>'
                if r["gene"] in panels else "<td></td>")  # fmt: skip
        rows.append(f'<tr data-gene="{html.escape(r["gene"])}">{cells}{link}</tr>')
    return f'<table class="data sortable candidates"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _panel(view: TargetView) -> str:
    e = html.escape
    inner = [_kv(view.facts), "<h4>Network neighbourhood</h4>"]
    inner.append(
        neighbourhood_graph(view.gene, view.neighbours)
        if view.neighbours
        else "<p class='muted'>no neighbour</p>"
    )
    inner.append("<h4>Genetic evidence</h4>")
    columns = [("source", "source"), ("score", "score"), ("table", "table")]
    inner.append(
        _table(view.evidence, columns, "data") if view.evidence else "<p class='muted'>no evidence row</p>"
    )
    inner.append("<h4>Drugs and library compounds hitting it</h4>")
    hits = ", ".join(view.drugs) if view.drugs else "no listed drug"
    inner.append(f"<p>{e(hits)}; {view.n_compounds} library compound(s)</p>")
    return (f'<details class="evidence" id="{_anchor("target", view.gene)}"><summary>{e(view.gene)}</summary>'
            f'{"".join(inner)}</details>')  # fmt: skip


def render_targets(page: TargetsPage) -> str:
    """The page as one HTML string."""
    e = html.escape
    legend = "".join(
        f'<span class="key"><i style="background:{c}"></i>{e(k)}</span>' for k, c in ROLE_COLOURS.items()
    )
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">', f"<title>{e(page.title)}</title>",
        f"<style>{_static('report.css')}{_static('repurpose.css')}</style></head><body>",
        f'<header><h1>{e(page.title)}</h1><div class="sub">{e(page.subtitle)}</div></header><main>',
        f'<section id="summary"><h2>Campaign</h2><div class="flex"><div>{_kv(page.provenance)}</div>',
    ]  # fmt: skip
    if page.validation:
        columns = [("method", "method"), ("auroc", "AUROC"), ("recall_20", "recall@20"),
                   ("recall_100", "recall@100"), ("folds", "folds")]  # fmt: skip
        parts.append(f'<div id="validation"><h3>Recovery of this disease\'s own held-out genes</h3>'
                     f"{_table(page.validation, columns, 'data')}<p class='muted'>{e(page.validation_caption)}</p></div>")  # fmt: skip
    parts.append("</div></section>")
    if page.limitations:
        items = "".join(f"<li>{e(x)}</li>" for x in page.limitations)
        parts.append(
            f'<section id="limitations" class="box"><strong>Limitations</strong><ul>{items}</ul></section>'
        )
    parts += [f'<section class="disease" data-disease="targets"><h2>Ranked targets ({len(page.rows)})</h2>',
              f'<div class="toolbar"><span class="legend">{legend}</span></div>', _ranked(page),
              "<h3>Evidence</h3>", "".join(_panel(t) for t in page.targets) or "<p class='muted'>none</p>",
              "</section>"]  # fmt: skip
    if page.next_steps:
        items = "".join(f"<li><code>{e(x)}</code></li>" for x in page.next_steps)
        parts.append(f'<section id="next"><h2>Next: screen for the top target</h2><ul>{items}</ul></section>')
    parts += [
        '<section id="config"><h2>Every option</h2><details><summary>configuration</summary>'
        f'<pre class="config">{e(page.config_text)}</pre></details></section>',
        "</main>", f"<script>{_static('repurpose.js')}</script>", "</body></html>",
    ]  # fmt: skip
    return "\n".join(parts)


def write_targets_report(page: TargetsPage, path: str | os.PathLike[str]) -> Path:
    """Write the page to ``path`` atomically (a temporary name, then renamed)."""
    return write_html(render_targets(page), path)


__all__: Sequence[str] = ["TargetView", "TargetsPage", "render_targets", "write_targets_report"]
