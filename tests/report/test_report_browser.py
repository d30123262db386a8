"""The campaign report in a real browser (headless Chromium over the DevTools protocol).

Skipped when no Chromium is installed (CI installs the Debian package ``chromium``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from report.cdp import BROWSER, Chromium, needs_browser


@pytest.fixture(scope="module")
def page(finished: Any) -> Any:
    assert BROWSER is not None, "no Chromium installed (apt-get install chromium)"
    with Chromium(BROWSER) as browser:
        browser.send("Network.enable")
        browser.open(finished.report_path.as_uri())
        yield browser


def cards(page: Any) -> list[dict[str, str]]:
    """The grid as the reader sees it: per card its title and the values shown."""
    return page.evaluate(
        """[...document.querySelectorAll('#grid .card')].map(c => {
            const o = {id: c.querySelector('.title').textContent};
            c.querySelectorAll('dd').forEach(d => o[d.dataset.col] = d.textContent);
            return o; })"""
    )


def choose(page: Any, select: str, value: str) -> None:
    """Pick ``value`` in the ``<select id=select>`` as a reader would (a change event follows)."""
    page.evaluate(
        f"(() => {{ const s = document.getElementById({select!r}); s.value = {value!r};"
        " s.dispatchEvent(new Event('change')); })()"
    )


def type_in(page: Any, box: str, text: str) -> None:
    page.evaluate(
        f"(() => {{ const q = document.getElementById({box!r}); q.value = {text!r};"
        " q.dispatchEvent(new Event('input')); })()"
    )


@needs_browser
def test_page_loads_from_disk_without_errors_or_network(page: Any, finished: Any) -> None:
    assert page.evaluate("document.body.dataset.ready") == "1"
    assert page.errors() == []
    assert page.requests_outside("file://") == []
    assert finished.report_path.stat().st_size < 15 * 2**20
    # every structure is drawn: one SVG per card
    n = len(finished.shortlist)
    assert page.evaluate("document.querySelectorAll('#grid .card .mol svg').length") == n


@needs_browser
def test_numbers_shown_are_the_parquet_values(page: Any, finished: Any) -> None:
    shown = cards(page)
    short = finished.shortlist
    assert [c["id"] for c in shown] == short["id"].tolist()  # rank order first
    for card, (_, row) in zip(shown, short.iterrows(), strict=True):
        for column in ("score", "similarity", "activity", "herg"):
            value = float(row[column])
            assert card[column] == (str(int(value)) if value.is_integer() else f"{value:.3f}"), column


@needs_browser
def test_sorting_and_search(page: Any, finished: Any) -> None:
    short = finished.shortlist
    choose(page, "sort-key", "herg")
    choose(page, "sort-dir", "desc")
    expected = short.sort_values(["herg", "rank"], ascending=[False, True])["id"].tolist()
    assert [c["id"] for c in cards(page)] == expected
    target = short["id"].iloc[3]
    type_in(page, "search", target)
    found = cards(page)
    assert [c["id"] for c in found] == [i for i in short["id"] if target.lower() in i.lower()]
    assert page.evaluate("document.getElementById('shown-count').textContent") == str(len(found))
    type_in(page, "search", "")
    assert len(cards(page)) == len(short)
    assert page.errors() == []


@needs_browser
def test_detail_shows_properties_admet_and_radar(page: Any, finished: Any) -> None:
    choose(page, "sort-key", "rank")
    choose(page, "sort-dir", "asc")
    page.evaluate("document.querySelector('#grid .card').click()")
    text = page.evaluate("document.getElementById('detail').innerText")
    first = finished.shortlist.iloc[0]
    assert first["id"] in text and "herg" in text and "solubility_aqsoldb" in text
    assert f"{first['mw']:.1f}" in text  # MW is shown with one decimal (above 100)
    assert page.evaluate("document.querySelectorAll('#detail svg.radar polygon').length") == 1
    assert page.errors() == []


@needs_browser
def test_property_scatter_axes_switch(page: Any, finished: Any) -> None:
    n = len(finished.shortlist)
    assert page.evaluate("document.querySelectorAll('#scatter .pt-shortlist').length") == n
    assert page.evaluate("document.querySelectorAll('#scatter .pt-reference').length") > 2000
    choose(page, "scatter-x", "qed")
    assert page.evaluate("document.querySelector('#scatter svg text:last-of-type') !== null")
    assert page.errors() == []


@needs_browser
def test_screenshot(page: Any, tmp_path: Path) -> None:
    shot = page.screenshot(Path(os.environ.get("DRUGSCREEN_SCREENSHOT", tmp_path / "report.png")))
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


@needs_browser
def test_hostile_ids_are_text_not_markup(tmp_path: Path) -> None:
    """An id holding a script tag is shown as text and runs nothing."""
    import pandas as pd

    from drugscreen.report.page import ReportPage, write_report

    evil = "</script><script>window.pwned = 1</script><img src=x onerror='window.pwned=2'>"
    table = pd.DataFrame(
        {"row": [0], "id": [evil], "smiles": ["CCO"], "rank": [1], "score": [np.float64(0.5)]}
    )
    path = write_report(ReportPage("t", "s", table, card_columns=["score"]), tmp_path / "r.html")
    with Chromium(BROWSER) as browser:  # type: ignore[arg-type]
        browser.open(path.as_uri())
        assert browser.evaluate("window.pwned === undefined")
        assert browser.evaluate("document.querySelector('#grid .card .title').textContent") == evil
        assert browser.errors() == []


@needs_browser
def test_alert_atoms_are_highlighted(tmp_path: Path) -> None:
    """Each alert's drawing colours exactly the bonds between its matched atoms."""
    import pandas as pd

    from drugscreen.report.depict import alerts_with_atoms, depict
    from drugscreen.report.page import ReportPage, write_report

    smiles = "O=C1C=CC(=O)C=C1N=Nc1ccccc1"  # a quinone (atoms 0-7) and an azo group (8, 9)
    found = alerts_with_atoms(smiles)
    table = pd.DataFrame({"row": [0], "id": ["q"], "smiles": [smiles], "rank": [1], "score": [1.0]})
    page = ReportPage(
        "t", "s", table, depictions={0: depict(smiles)}, alerts={0: found}, card_columns=["score"]
    )
    path = write_report(page, tmp_path / "r.html")
    with Chromium(BROWSER) as browser:  # type: ignore[arg-type]
        browser.open(path.as_uri())
        browser.evaluate("document.querySelector('#grid .card').click()")
        captions = browser.evaluate(
            "[...document.querySelectorAll('#detail figcaption')].map(f => f.textContent)"
        )
        assert captions == [a["name"] for a in found]
        # per figure, the atoms named by the highlighted bond paths
        hit_atoms = browser.evaluate(
            """[...document.querySelectorAll('#detail figure')].map(f => [...new Set(
                [...f.querySelectorAll('path.alert-hit')].flatMap(p => [...p.classList]
                .filter(c => c.startsWith('atom-')).map(c => Number(c.slice(5)))))].sort((a, b) => a - b))"""
        )
        for atoms, alert in zip(hit_atoms, found, strict=True):
            assert atoms == sorted(alert["atoms"]), alert["name"]
        assert browser.errors() == []
