"""The result of a campaign: its tables, funnel and report, read from the campaign directory."""

from __future__ import annotations

import html
import json
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd


class CampaignResult:
    """A finished campaign (:func:`drugscreen.campaign.run`), read from its directory.

    Attributes
    ----------
    directory : Path
    report_path : Path
        ``report.html``: open it in a browser.
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.report_path = self.directory / "report.html"

    @cached_property
    def all_scores(self) -> pd.DataFrame:
        """Every candidate with every step's columns (``all_scores.parquet``; a target-discovery
        campaign: every gene, ``all_genes.parquet``)."""
        name = "all_genes.parquet" if self.kind == "targets" else "all_scores.parquet"
        return pd.read_parquet(self.directory / name)

    @cached_property
    def kind(self) -> str:
        """``"screening"``, ``"repurpose"`` or ``"targets"`` (from ``campaign.json``)."""
        record = json.loads((self.directory / "campaign.json").read_text(encoding="utf-8"))
        return str(record.get("config", {}).get("kind", "screening"))

    @property
    def shortlist(self) -> pd.DataFrame:
        """The selected compounds in rank order (a repurposing campaign: each disease's
        shortlisted drugs, in rank order within each disease; a target-discovery campaign: the
        shortlisted genes)."""
        table = self.all_scores
        column = {"repurpose": "shortlisted", "targets": "shortlist"}.get(self.kind, "selected")
        return table[table[column]].reset_index(drop=True)

    def steps(self) -> dict[str, dict[str, Any]]:
        """Each step's record: counts, seconds, facts (model metrics, endpoints)."""
        out = {}
        for path in sorted((self.directory / "steps").glob("*.json")):
            out[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        return out

    @property
    def funnel(self) -> pd.DataFrame:
        """Counts in and out of every step."""
        from drugscreen.campaign.plans import plan_for

        steps = self.steps()
        rows = [
            {"step": step, "count": name, "value": value}
            for step in plan_for(self.kind).steps
            if step in steps
            for name, value in steps[step].get("counts", {}).items()
        ]
        return pd.DataFrame(rows, columns=["step", "count", "value"])

    def __repr__(self) -> str:
        return f"CampaignResult({str(self.directory)!r}: {len(self.shortlist)} shortlisted; report {self.report_path})"

    def _repr_html_(self) -> str:
        """In a notebook: the funnel and the top of the shortlist as a structure grid."""
        from drugscreen.report.depict import depict

        if self.kind in ("repurpose", "targets"):
            wanted = ("disease", "rank", "drug", "drug_name", "gene", "score", "is_seed", "network", "genetics",
                      "tractability", "evidence")  # fmt: skip
            columns = [c for c in wanted if c in self.shortlist]
            return (
                f"<div><b>{'Repurposing' if self.kind == 'repurpose' else 'Target discovery'} campaign</b> {html.escape(str(self.directory))}: report "
                f"<code>{html.escape(str(self.report_path))}</code>"
                f"{self.shortlist[columns].head(20).to_html(index=False)}</div>"
            )
        top = self.shortlist.head(12)
        cells = "".join(
            f'<div style="display:inline-block;width:200px;margin:4px;vertical-align:top;font-size:12px">'
            f"{depict(row.smiles, 200, 140)}<br><b>{html.escape(str(row.id))}</b> rank {row.rank}, "
            f"score {row.score:.3f}</div>"
            for row in top.itertuples()
        )
        funnel = self.funnel.to_html(index=False)
        return (
            f"<div><b>Campaign</b> {html.escape(str(self.directory))}: {len(self.shortlist)} shortlisted; "
            f"report <code>{html.escape(str(self.report_path))}</code>{funnel}<div>{cells}</div></div>"
        )
