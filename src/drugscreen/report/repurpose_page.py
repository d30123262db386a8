"""A repurposing campaign's page: per disease, the ranked drugs with their evidence, the drug
pairs and the formulas; the model's validation figures beside them. One self-contained file.

The tables are HTML (readable without the script); ``static/repurpose.js`` only sorts a table
when its header is clicked and switches the disease shown. Evidence panels are ``<details>``
elements under the table, opened from a row's *evidence* link.
"""

from __future__ import annotations

import hashlib
import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from drugscreen.report.graphs import class_heatmap, kind_colour, path_graph, target_graph
from drugscreen.report.page import write_html


@dataclass
class DiseaseView:
    """What the page shows for one disease.

    ``candidates`` rows are dicts with the keys of ``columns``; ``evidence`` maps a drug id to
    ``{"metapaths": [...], "targets_near": [...]}`` (see :mod:`drugscreen.report.graphs`);
    ``combinations`` rows have ``drug_a, drug_b, exposure, s_ab, z_a, z_b``; ``formulas`` rows
    ``formula, d, z, p, ...`` with ``ingredients`` and ``warnings`` lists.
    """

    id: str
    name: str
    facts: list[tuple[str, str]]
    candidates: list[dict[str, Any]]
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    combinations: list[dict[str, Any]] = field(default_factory=list)
    formulas: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RepurposePage:
    """The page: header facts, validation figures, one view per disease, options, limitations."""

    title: str
    subtitle: str
    provenance: list[tuple[str, str]]
    columns: list[tuple[str, str]]
    diseases: list[DiseaseView]
    validation: list[dict[str, Any]] = field(default_factory=list)
    validation_caption: str = ""
    notes: list[str] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)
    config_text: str = ""


def _static(name: str) -> str:
    return resources.files("drugscreen.report").joinpath("static", name).read_text(encoding="utf-8")


def _cell(value: Any) -> str:
    """A table cell: numbers right-aligned with 3 significant decimals, booleans as yes/blank."""
    if value is None or (isinstance(value, float) and value != value):
        return "<td></td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else ''}</td>"
    if isinstance(value, float):
        return f'<td class="num" data-v="{value!r}">{value:.3g}</td>'
    if isinstance(value, int):
        return f'<td class="num" data-v="{value}">{value}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _table(
    rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], css: str = "data sortable"
) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in columns)
    body = "".join("<tr>" + "".join(_cell(r.get(key)) for key, _ in columns) + "</tr>" for r in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _kv(rows: Sequence[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f'<table class="kv">{cells}</table>'


def _anchor(disease: str, drug: str) -> str:
    """A unique element id for a (disease, drug) panel (names with odd characters never collide)."""
    return "ev-" + hashlib.blake2s(f"{disease}\0{drug}".encode(), digest_size=8).hexdigest()


def _candidates(view: DiseaseView, columns: Sequence[tuple[str, str]]) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in columns) + "<th></th>"
    rows = []
    for r in view.candidates:
        cells = "".join(_cell(r.get(key)) for key, _ in columns)
        link = (f'<td><a href="#{_anchor(view.id, r["drug"])}" class="evidence-link">evidence</a></td>'
                if r["drug"] in view.evidence else "<td></td>")  # fmt: skip
        rows.append(f'<tr data-drug="{html.escape(r["drug"])}">{cells}{link}</tr>')
    return f'<table class="data sortable candidates"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _evidence(view: DiseaseView, names: dict[str, str]) -> str:
    e = html.escape
    parts = []
    for drug, ev in view.evidence.items():
        inner = []
        for m in ev.get("metapaths", []):
            inner.append(
                f"<h4>{e(m['metapath'])} <span class='muted'>(adds {m['contribution']:.2f} to the log-odds)</span></h4>"
            )
            inner.append(path_graph(m.get("paths", [])) or "<p class='muted'>no path drawn</p>")
        near = ev.get("targets_near", [])
        if near:
            inner.append("<h4>Targets and the disease genes nearest them (interactome distance)</h4>")
            inner.append(target_graph(near))
        if not inner:
            inner.append("<p class='muted'>no knowledge-graph or network evidence for this drug</p>")
        parts.append(f'<details class="evidence" id="{_anchor(view.id, drug)}"><summary>{e(names.get(drug, drug))} '
                     f'<span class="muted">{e(drug)}</span></summary>{"".join(inner)}</details>')  # fmt: skip
    return "".join(parts)


def _formulas(view: DiseaseView) -> str:
    e = html.escape
    columns = [("formula", "formula"), ("n_ingredients", "ingredients"), ("n_targets", "targets"),
               ("d", "d"), ("z", "z"), ("p", "p"), ("druglike_fraction", "drug-like fraction")]  # fmt: skip
    parts = [_table(view.formulas, columns)]
    for f in view.formulas:
        warnings = "".join(f"<li>{e(w)}</li>" for w in f.get("warnings", []))
        rows = f.get("ingredients", [])
        cols = [
            (k, k) for k in ("ingredient", "n_targets", "d", "z", "contribution") if rows and k in rows[0]
        ]
        parts.append(f'<details class="formula"><summary>{e(str(f["formula"]))}</summary>'
                     f'{f"<ul class=box>{warnings}</ul>" if warnings else ""}{_table(rows, cols, "data")}</details>')  # fmt: skip
    return "".join(parts)


def _disease(view: DiseaseView, columns: Sequence[tuple[str, str]], hidden: bool) -> str:
    e = html.escape
    names = {r["drug"]: str(r.get("drug_name") or r["drug"]) for r in view.candidates}
    parts = [f'<section class="disease" data-disease="{e(view.id)}"{" hidden" if hidden else ""}>',
             f"<h2>{e(view.name)} <span class='muted'>{e(view.id)}</span></h2>", _kv(view.facts),
             f"<h3>Ranked candidates ({len(view.candidates)})</h3>", _candidates(view, columns),
             "<h3>Evidence</h3>", _evidence(view, names) or "<p class='muted'>none</p>"]  # fmt: skip
    if view.combinations:
        drugs = list(
            dict.fromkeys([r["drug_a"] for r in view.combinations] + [r["drug_b"] for r in view.combinations])
        )
        pairs = [(r["drug_a"], r["drug_b"], r["exposure"]) for r in view.combinations]
        columns_c = [("rank", "rank"), ("drug_a", "drug A"), ("drug_b", "drug B"), ("exposure", "exposure class"),
                     ("s_ab", "s_AB"), ("z_a", "z A"), ("z_b", "z B"), ("a_is_treatment", "A treats"),
                     ("b_is_treatment", "B treats")]  # fmt: skip
        parts += ["<h3>Drug pairs: top candidates and current treatments (Cheng et al. 2019 exposure "
                  "classes, complementary first; the best pairs here, all in combinations.csv)</h3>",
                  f'<div class="flex"><div class="plot">{class_heatmap(drugs, pairs)}</div>'
                  f"<div>{_table(view.combinations, columns_c)}</div></div>"]  # fmt: skip
    if view.formulas:
        parts += ["<h3>Formulas</h3>", _formulas(view)]
    parts.append("</section>")
    return "".join(parts)


def render_repurpose(page: RepurposePage) -> str:
    """The page as one HTML string."""
    e = html.escape
    legend = "".join(f'<span class="key"><i style="background:{kind_colour(k)}"></i>{e(k)}</span>'
                     for k in ("Compound", "Gene", "Disease", "Anatomy", "Pharmacologic Class"))  # fmt: skip
    options = "".join(f'<option value="{e(d.id)}">{e(d.name)} ({e(d.id)})</option>' for d in page.diseases)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">', f"<title>{e(page.title)}</title>",
        f"<style>{_static('report.css')}{_static('repurpose.css')}</style></head><body>",
        f'<header><h1>{e(page.title)}</h1><div class="sub">{e(page.subtitle)}</div></header><main>',
        f'<section id="summary"><h2>Campaign</h2><div class="flex"><div>{_kv(page.provenance)}</div>',
    ]  # fmt: skip
    if page.validation:
        columns = [("protocol", "protocol"), ("metric", "metric"), ("model", "model"),
                   ("baseline", "best baseline"), ("its value", "its value"), ("model wins", "model wins")]  # fmt: skip
        parts.append(f'<div id="validation"><h3>How well the model ranks indications it never saw</h3>'
                     f"{_table(page.validation, columns, 'data')}<p class='muted'>{e(page.validation_caption)}</p></div>")  # fmt: skip
    parts.append("</div>")
    if page.notes:
        parts.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in page.notes) + "</ul>")
    parts.append("</section>")
    if page.limitations:
        items = "".join(f"<li>{e(x)}</li>" for x in page.limitations)
        parts.append(
            f'<section id="limitations" class="box"><strong>Limitations</strong><ul>{items}</ul></section>'
        )
    parts.append(f'<div class="toolbar"><label>disease <select id="disease-select">{options}</select></label>'
                 f'<span class="legend">{legend}</span></div>')  # fmt: skip
    parts += [_disease(d, page.columns, hidden=i > 0) for i, d in enumerate(page.diseases)]
    parts += [
        '<section id="config"><h2>Every option</h2><details><summary>configuration</summary>'
        f'<pre class="config">{e(page.config_text)}</pre></details></section>',
        "</main>", f"<script>{_static('repurpose.js')}</script>", "</body></html>",
    ]  # fmt: skip
    return "\n".join(parts)


def write_repurpose_report(page: RepurposePage, path: str | os.PathLike[str]) -> Path:
    """Write the page to ``path`` atomically (a temporary name, then renamed)."""
    return write_html(render_repurpose(page), path)
