"""``drugscreen campaign run | status`` from the shell's side."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from campaign_data import small_config

from drugscreen.cli.main import main


def _toml(config: dict[str, Any], path: Path) -> Path:
    lines = []
    for section, values in config.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            if isinstance(value, dict):
                inner = ", ".join(f"{k} = {v!r}".replace("'", '"') for k, v in value.items())
                lines.append(f"{key} = {{ {inner} }}")
            elif isinstance(value, str):
                lines.append(f'{key} = "{value}"')
            elif isinstance(value, list):
                lines.append(f"{key} = {value!r}".replace("'", '"'))
            else:
                lines.append(f"{key} = {str(value).lower() if isinstance(value, bool) else value}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_run_resumes_and_status_lists_steps(
    finished: Any, campaign_inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    shutil.copytree(finished.directory, out)
    config = _toml(small_config(campaign_inputs), tmp_path / "campaign.toml")
    assert main(["-q", "campaign", "run", str(config), "-o", str(out), "-j", "1"]) == 0
    printed = capsys.readouterr().out
    assert printed.strip() == f"15 compounds shortlisted; report: {out / 'report.html'}"
    assert main(["campaign", "status", str(out)]) == 0
    table = capsys.readouterr().out
    for step in ("screen", "candidates", "activity", "admet", "rules", "rank", "select", "report"):
        assert step in table
    assert "False" not in table


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[library]\npath = "library.csv"\n[select]\nn = 0\n', "config: select.n must be a whole number"),
        ('[library]\npath = "nowhere.csv"\n', "config: library.path: file not found"),
        ("[library\n", "not a readable TOML file"),
        ('[library]\npath = "library.csv"\nbogus = 1\n', "library: unknown key 'bogus'"),
    ],
)
def test_bad_config_is_one_line_and_writes_nothing(
    campaign_inputs: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    config = campaign_inputs / f"bad-{abs(hash(text))}.toml"
    config.write_text(text)
    out = tmp_path / "out"
    assert main(["campaign", "run", str(config), "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("drugscreen: error: ") and message in err and "\n" not in err
    assert not out.exists()


def test_status_of_a_directory_that_is_not_a_campaign(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["campaign", "status", str(tmp_path)]) == 1
    assert "is not a campaign directory" in capsys.readouterr().err


def test_notebook_view_shows_funnel_and_grid(finished: Any) -> None:
    page = finished._repr_html_()
    assert page.count("<svg") >= 12 and finished.shortlist["id"].iloc[0] in page
    assert "report.html" in repr(finished)
