"""One self-contained HTML page: the report's sections, its data as inline JSON, its script.

Nothing is fetched when the page opens (no server, no CDN, no font): depictions and plots are
inline SVG, the grid is drawn by ``static/report.js`` from the JSON in the page, and styles are
inline. The page is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import html
import json
import math
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from drugscreen.durable import atomic_path


@dataclass
class ReportPage:
    """What a report shows (built by a campaign; every part optional but the compounds).

    Attributes
    ----------
    title : str
    subtitle : str
        One line under the title (library, date).
    compounds : pandas.DataFrame
        The shortlist, one row per compound, with ``row``, ``id``, ``smiles``, ``rank``,
        ``score`` and any other columns named below.
    depictions : dict
        ``row`` → SVG of the compound.
    alerts : dict
        ``row`` → list of ``{"name", "atoms"}``: each structural alert and the atoms it matched,
        which the page highlights in the compound's depiction (RDKit's SVG names every path by
        its atoms).
    card_columns, score_columns, physchem, radar, export_columns : list of str
        Columns on each grid card, in the detail's score table, the property table, the radar
        (as ``<column>_pct``) and in exported CSV.
    endpoints : list of dict
        ``{"name", "label", "unit"}`` of the ADMET endpoints to show.
    labels : dict
        Column → readable label.
    provenance : list of (str, str)
        Header facts: library, sizes, versions, seed, date.
    funnel : list of (str, int)
        Counts through the steps.
    plots : list of (str, str, str)
        ``(title, svg, caption)``.
    metrics : list of (str, str)
        Retrospective figures (AUROC, BEDROC, EF 1 %), when the library carries labels.
    reference : dict
        Column → values of the reference drugs, for the property scatter.
    scatter_axes : list of str
        Columns the scatter's axes can take.
    config_text : str
        Every option, as text.
    limitations : list of str
    notes : list of str
        What the steps said (model metrics, skipped steps).
    """

    title: str
    subtitle: str
    compounds: pd.DataFrame
    depictions: dict[int, str] = field(default_factory=dict)
    alerts: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    card_columns: list[str] = field(default_factory=list)
    score_columns: list[str] = field(default_factory=list)
    physchem: list[str] = field(default_factory=list)
    radar: list[str] = field(default_factory=list)
    export_columns: list[str] = field(default_factory=list)
    endpoints: list[dict[str, str]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    provenance: list[tuple[str, str]] = field(default_factory=list)
    funnel: list[tuple[str, int]] = field(default_factory=list)
    plots: list[tuple[str, str, str]] = field(default_factory=list)
    metrics: list[tuple[str, str]] = field(default_factory=list)
    reference: dict[str, list[float]] = field(default_factory=dict)
    scatter_axes: list[str] = field(default_factory=list)
    config_text: str = ""
    limitations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


#: Significant digits of the page's numbers (it shows at most 3 decimals; full precision is in
#: the Parquet files, and fewer digits keep the inline JSON small).
PAGE_DIGITS = 7


def plain_json(value: Any, digits: int | None = None) -> Any:
    """A value that :func:`json.dumps` writes as strict JSON: NaN, infinities and NA become null.

    Parameters
    ----------
    value : Any
        A scalar, or a dict, list or tuple of them (converted recursively; a tuple becomes a
        list). NumPy scalars, and other objects with an ``item()`` method, become Python ones.
    digits : int, optional
        Round finite floats to this many significant digits; by default they are kept whole.

    Returns
    -------
    Any
        ``None`` for ``None``, ``pandas.NA``, NaN and infinities; the converted value otherwise
        (anything else unchanged).

    Examples
    --------
    >>> plain_json({"auc": float("nan"), "n": [1, 2.0]})
    {'auc': None, 'n': [1, 2.0]}
    >>> plain_json(2 / 3, digits=3)
    0.667
    """
    # one converter for the page's data and the campaign's step facts (steps/<name>.json)
    if value is None or value is pd.NA:
        return None
    if isinstance(value, dict):
        return {k: plain_json(x, digits) for k, x in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(x, digits) for x in value]
    if hasattr(value, "item"):  # NumPy scalars (np.float32 is no float: it converts first)
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return float(f"{value:.{digits}g}") if digits is not None else value
    return value


def _columns(table: pd.DataFrame) -> dict[str, Any]:
    """A table as ``{"columns": [...], "rows": [[...], ...]}`` (names once, not once per row)."""
    rows = [[plain_json(v, PAGE_DIGITS) for v in row] for row in table.itertuples(index=False, name=None)]
    return {"columns": [str(c) for c in table.columns], "rows": rows}


def page_json(page: ReportPage) -> str:
    """The data the page's script reads, safe to inline in ``<script>``."""
    data = {
        "compounds": _columns(page.compounds),
        "depictions": {str(k): v for k, v in page.depictions.items()},
        "alerts": {str(k): v for k, v in page.alerts.items()},
        "card_columns": page.card_columns,
        "score_columns": page.score_columns,
        "physchem": page.physchem,
        "radar": page.radar,
        "export_columns": page.export_columns,
        "endpoints": page.endpoints,
        "labels": page.labels,
        "reference": {k: [plain_json(x, PAGE_DIGITS) for x in v] for k, v in page.reference.items()},
    }
    text = json.dumps(data, separators=(",", ":"), allow_nan=False, sort_keys=True)
    # "</script>" or "<!--" inside a string would end or hide the script element
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


def _static(name: str) -> str:
    return resources.files("drugscreen.report").joinpath("static", name).read_text(encoding="utf-8")


def _kv(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f'<table class="kv">{cells}</table>'


def _options(page: ReportPage, selected: str) -> str:
    e = html.escape
    return "".join(
        f'<option value="{e(c)}"{" selected" if c == selected else ""}>{e(page.labels.get(c, c))}</option>'
        for c in page.scatter_axes
    )


def render(page: ReportPage) -> str:
    """The page as one HTML string."""
    e = html.escape
    sort_options = "".join(
        f'<option value="{e(c)}">{e(page.labels.get(c, c))}</option>'
        for c in ["rank", "score", *[c for c in page.card_columns if c not in ("rank", "score")]]
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(page.title)}</title>",
        f"<style>{_static('report.css')}</style></head><body>",
        f'<header><h1>{e(page.title)}</h1><div class="sub">{e(page.subtitle)}</div></header><main>',
        '<section id="summary"><h2>Campaign</h2><div class="flex">',
        f"<div>{_kv(page.provenance)}</div>",
    ]
    if page.funnel:
        from drugscreen.report.plots import funnel

        parts.append(
            f'<div class="plot" id="funnel"><h3>Funnel</h3>{funnel(*zip(*page.funnel, strict=True))}'
            f"{_kv([(k, f'{v:,}') for k, v in page.funnel])}</div>"
        )
    parts.append("</div>")
    if page.notes:
        parts.append("<ul>" + "".join(f"<li>{e(n)}</li>" for n in page.notes) + "</ul>")
    parts.append("</section>")
    if page.limitations:
        items = "".join(f"<li>{e(x)}</li>" for x in page.limitations)
        parts.append(
            f'<section id="limitations" class="box"><strong>Limitations</strong><ul>{items}</ul></section>'
        )
    parts += [
        f'<section id="shortlist"><h2>Shortlist ({len(page.compounds):,} compounds)</h2>',
        '<div class="toolbar"><input type="search" id="search" placeholder="search id or SMILES">',
        f'<label>sort by <select id="sort-key">{sort_options}</select></label>',
        '<select id="sort-dir"><option value="asc">ascending</option><option value="desc">descending</option></select>',
        '<span><span id="shown-count">0</span> shown · <span id="picked-count">0</span> picked</span>',
        '<button id="pick-visible">pick shown</button><button id="pick-none">clear picks</button>',
        '<button id="export-csv">export CSV</button><button id="export-smi">export SMILES</button>',
        '<span class="muted">(exports the picked compounds, or all shown when none is picked)</span></div>',
        '<div id="grid"></div><div id="detail" hidden></div></section>',
    ]
    if page.metrics:
        parts.append(
            f'<section id="retrospective"><h2>Retrospective evaluation</h2>{_kv(page.metrics)}</section>'
        )
    parts.append('<section id="plots"><h2>Plots</h2><div class="flex">')
    for title, svg, caption in page.plots:
        parts.append(
            f'<figure class="plot"><h3>{e(title)}</h3>{svg}<figcaption class="muted">{e(caption)}</figcaption></figure>'
        )
    if page.scatter_axes:
        x0, y0 = page.scatter_axes[0], page.scatter_axes[min(1, len(page.scatter_axes) - 1)]
        parts.append(
            '<figure class="plot"><h3>Properties of the shortlist over approved drugs</h3>'
            f'<div class="toolbar"><label>x <select id="scatter-x">{_options(page, x0)}</select></label>'
            f'<label>y <select id="scatter-y">{_options(page, y0)}</select></label></div>'
            '<div id="scatter"></div><figcaption class="muted">orange: shortlist; grey: approved drugs (ChEMBL)</figcaption></figure>'
        )
    parts.append("</div></section>")
    parts.append(
        '<section id="config"><h2>Every option</h2><details><summary>configuration</summary>'
        f'<pre class="config">{e(page.config_text)}</pre></details></section>'
    )
    parts += [
        "</main>",
        f'<script type="application/json" id="report-data">{page_json(page)}</script>',
        f"<script>{_static('report.js')}</script>",
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(page: ReportPage, path: str | os.PathLike[str]) -> Path:
    """Write the page to ``path`` atomically (a temporary name, then renamed)."""
    return write_html(render(page), path)


def write_html(text: str, path: str | os.PathLike[str]) -> Path:
    """Write a rendered page to ``path`` atomically (a temporary name, then renamed)."""
    target = Path(path)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
