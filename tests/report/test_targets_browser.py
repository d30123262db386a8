"""The target-discovery campaign's report in a real browser (headless Chromium over the DevTools protocol).

Skipped when no Chromium is installed (CI installs the Debian package ``chromium``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from report.cdp import BROWSER, Chromium, needs_browser

EVIL = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">&amp;"\''


@pytest.fixture(scope="module")
def page(targeted: Any) -> Any:
    assert BROWSER is not None, "no Chromium installed (apt-get install chromium)"
    with Chromium(BROWSER) as browser:
        browser.send("Network.enable")
        browser.open(targeted.report_path.as_uri())
        yield browser


TABLE = "table.candidates"


def column(page: Any, i: int) -> list[str]:
    return page.evaluate(
        f"[...document.querySelectorAll('{TABLE} tbody tr')].map(r => r.cells[{i}].textContent)"
    )


def genes(page: Any) -> list[str]:
    return page.evaluate(f"[...document.querySelectorAll('{TABLE} tbody tr')].map(r => r.dataset.gene)")


def header_index(page: Any, label: str) -> int:
    labels = page.evaluate(f"[...document.querySelectorAll('{TABLE} thead th')].map(th => th.textContent)")
    return labels.index(label)


def click_header(page: Any, label: str) -> None:
    page.evaluate(f"document.querySelectorAll('{TABLE} thead th')[{header_index(page, label)}].click()")


@needs_browser
def test_loads_without_errors_or_network(page: Any) -> None:
    assert page.evaluate("document.body.dataset.ready") == "1"
    assert page.errors() == []
    assert page.requests_outside("file://") == []


@needs_browser
def test_rows_are_the_shortlist_in_rank_order(page: Any, targeted: Any) -> None:
    short = targeted.shortlist
    assert genes(page) == short["gene"].tolist()
    assert column(page, header_index(page, "rank")) == [str(r) for r in short["rank"]]
    assert page.evaluate("document.title") == "drugscreen demo: targets for a generated disease"


@needs_browser
def test_clicking_a_header_sorts_the_rows(page: Any, targeted: Any) -> None:
    before = genes(page)
    score = header_index(page, "score")
    click_header(page, "score")  # ascending
    ascending = [float(v) for v in page.evaluate(
        f"[...document.querySelectorAll('{TABLE} tbody tr')].map(r => r.cells[{score}].dataset.v)"
    )]  # fmt: skip
    assert ascending == sorted(ascending) and ascending[0] < ascending[-1]
    assert genes(page) != before and sorted(genes(page)) == sorted(before)  # reordered, not changed
    click_header(page, "score")  # descending: the rank order again
    assert genes(page)[0] == before[0]
    assert page.evaluate(f"document.querySelectorAll('{TABLE} thead th')[{score}].className") == "sorted-desc"
    click_header(page, "gene")  # text: ascending by id
    assert genes(page) == sorted(before)
    click_header(page, "rank")  # back to rank order
    assert genes(page) == before
    assert page.errors() == []


@needs_browser
def test_evidence_link_opens_the_targets_panel_with_its_neighbourhood(page: Any, targeted: Any) -> None:
    opened = json.loads(page.evaluate(
        """(() => { const row = document.querySelectorAll('table.candidates tbody tr')[2];
        const a = row.querySelector('a.evidence-link');
        const p = document.getElementById(a.getAttribute('href').slice(1));
        const closed = p.open; a.click();
        return JSON.stringify({gene: row.dataset.gene, closed: closed, open: p.open, tag: p.tagName,
            summary: p.querySelector('summary').textContent,
            svg: p.querySelectorAll('svg.neighbourhood').length,
            nodes: p.querySelectorAll('svg.neighbourhood g.node').length,
            width: p.querySelector('svg.neighbourhood').getBoundingClientRect().width}); })()"""
    ))  # fmt: skip
    gene = targeted.shortlist["gene"].iloc[2]
    assert opened["gene"] == gene and opened["summary"] == gene
    assert opened["closed"] is False and opened["open"] is True and opened["tag"] == "DETAILS"
    assert opened["svg"] == 1 and opened["nodes"] >= 1
    assert opened["width"] > 50  # drawn: laid out with a real size
    # every shortlisted gene has its link and panel
    n = page.evaluate("document.querySelectorAll('details.evidence').length")
    links = page.evaluate("document.querySelectorAll('table.candidates a.evidence-link').length")
    assert n == links == len(targeted.shortlist)


@needs_browser
def test_validation_table_is_shown(page: Any) -> None:
    shown = json.loads(page.evaluate(
        """(() => { const t = document.querySelector('#validation table');
        return JSON.stringify({height: t.getBoundingClientRect().height,
            methods: [...t.querySelectorAll('tbody tr')].map(r => r.cells[0].textContent),
            heads: [...t.querySelectorAll('thead th')].map(th => th.textContent)}); })()"""
    ))  # fmt: skip
    assert shown["height"] > 0
    assert shown["methods"] == ["heat", "degree"]
    assert shown["heads"] == ["method", "AUROC", "recall@20", "recall@100", "folds"]


@needs_browser
def test_special_characters_are_escaped(tmp_path: Path) -> None:
    from drugscreen.report.targets_page import TargetsPage, TargetView, render_targets

    assert BROWSER is not None
    view = TargetView(gene=EVIL, neighbours=[{"gene": EVIL, "label": EVIL, "role": "seed"},
                                             {"gene": "G2", "label": "G2", "role": "other"}],
                      evidence=[{"source": EVIL, "score": 0.5, "table": EVIL}], drugs=[EVIL], n_compounds=1,
                      facts=[(EVIL, EVIL)])  # fmt: skip
    columns = [("rank", "rank"), ("gene", "gene"), ("score", EVIL), ("drugs", "drugs")]
    page_data = TargetsPage(
        title=EVIL, subtitle=EVIL, provenance=[(EVIL, EVIL)], columns=columns,
        rows=[{"rank": 1, "gene": EVIL, "score": 0.9, "drugs": EVIL}, {"rank": 2, "gene": "G2", "score": 0.5}],
        targets=[view], validation=[{"method": EVIL, "auroc": 0.8, "folds": 5}], validation_caption=EVIL,
        next_steps=[EVIL], limitations=[EVIL], config_text=EVIL,
    )  # fmt: skip
    text = render_targets(page_data)
    assert "<script>window.pwned" not in text and "<img src=x" not in text
    assert text.count("<script>") == 1  # the page's own script only
    path = tmp_path / "evil.html"
    path.write_text(text, encoding="utf-8")
    with Chromium(BROWSER) as browser:
        browser.send("Network.enable")
        browser.open(path.as_uri())
        assert browser.evaluate("document.body.dataset.ready") == "1"
        assert browser.evaluate("typeof window.pwned") == "undefined"  # no injected script ran
        assert browser.evaluate("document.title") == EVIL
        assert browser.evaluate("document.querySelector('h1').textContent") == EVIL
        assert browser.evaluate("document.querySelector('table.candidates tbody tr').dataset.gene") == EVIL
        assert (
            browser.evaluate("document.querySelector('table.candidates tbody td:nth-child(2)').textContent")
            == EVIL
        )
        assert browser.evaluate("document.querySelector('details.evidence summary').textContent") == EVIL
        assert browser.evaluate("document.querySelectorAll('img').length") == 0
        label = browser.evaluate("document.querySelector('svg.neighbourhood').getAttribute('aria-label')")
        assert label == f"network neighbourhood of {EVIL}"
        # the link of the odd name still opens its panel
        assert browser.evaluate(
            "(() => { document.querySelector('a.evidence-link').click();"
            " return document.querySelector('details.evidence').open; })()"
        )
        assert browser.errors() == []
        assert browser.requests_outside("file://") == []
