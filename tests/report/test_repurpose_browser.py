"""The repurposing campaign's report in a real browser (headless Chromium over the DevTools protocol).

Skipped when no Chromium is installed (CI installs the Debian package ``chromium``).
"""

from __future__ import annotations

from typing import Any

import pytest
from report.cdp import BROWSER, Chromium, needs_browser


@pytest.fixture(scope="module")
def page(repurposed: Any) -> Any:
    assert BROWSER is not None, "no Chromium installed (apt-get install chromium)"
    with Chromium(BROWSER) as browser:
        browser.send("Network.enable")
        browser.open(repurposed.report_path.as_uri())
        yield browser


def visible_disease(page: Any) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('section.disease')].filter(s => !s.hidden).map(s => s.dataset.disease)"
    )


def first_column(page: Any, disease: str) -> list[str]:
    return page.evaluate(
        f"[...document.querySelectorAll('section.disease[data-disease=\"{disease}\"] table.candidates tbody tr')]"
        ".map(r => r.cells[0].textContent)"
    )


@needs_browser
def test_loads_without_errors_or_network(page: Any) -> None:
    assert page.evaluate("document.body.dataset.ready") == "1"
    assert page.errors() == []
    assert page.requests_outside("file://") == []
    assert visible_disease(page) == ["DOID:0000001"]


@needs_browser
def test_rows_are_the_shortlist_in_rank_order(page: Any, repurposed: Any) -> None:
    short = repurposed.shortlist
    want = short[short["disease"] == "DOID:0000001"]["rank"].astype(str).tolist()
    assert first_column(page, "DOID:0000001") == want


@needs_browser
def test_disease_selector_and_sorting(page: Any, repurposed: Any) -> None:
    page.evaluate(
        "(() => { const s = document.getElementById('disease-select'); s.value = 'DOID:0000002';"
        " s.dispatchEvent(new Event('change')); })()"
    )
    assert visible_disease(page) == ["DOID:0000002"]
    section = 'section.disease[data-disease="DOID:0000002"] table.candidates'
    page.evaluate(f"document.querySelector('{section} thead th').click()")  # rank: ascending already
    page.evaluate(f"document.querySelector('{section} thead th').click()")  # now descending
    ranks = [int(r) for r in first_column(page, "DOID:0000002")]
    assert ranks == sorted(ranks, reverse=True) and len(ranks) > 1


@needs_browser
def test_evidence_link_opens_a_drawn_panel(page: Any) -> None:
    opened = page.evaluate(
        """(() => { const a = document.querySelector('section.disease:not([hidden]) a.evidence-link');
        a.click(); const p = document.getElementById(a.getAttribute('href').slice(1));
        return [p.open, p.querySelectorAll('svg.paths circle').length, p.querySelectorAll('svg.targets').length]; })()"""
    )
    assert opened[0] is True
    assert opened[1] > 0 or opened[2] > 0
    # a drawn panel has a real size on screen (the SVG is laid out, not empty)
    width = page.evaluate(
        "(() => { const s = document.querySelector('details.evidence[open] svg'); return s.getBoundingClientRect().width; })()"
    )
    assert width > 50
