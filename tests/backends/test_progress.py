"""Issue 21: one progress helper; a bar on a terminal, a log line at most every 30 s elsewhere,
nothing with -q or DRUGSCREEN_PROGRESS=0."""

from __future__ import annotations

import io
import logging
import subprocess
import sys

import pytest

from drugscreen.backends import progress
from drugscreen.backends.progress import LogProgress, progress_bar


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_log_progress_logs_at_most_every_30_seconds(caplog):
    clock = Clock()
    caplog.set_level(logging.INFO, logger="drugscreen")
    bar = LogProgress(total=1000, desc="screening", unit=" mol", clock=clock)
    for step in range(1000):
        clock.now = step * 0.1  # 100 s in all
        bar.update(1)
    bar.close()
    lines = [r.getMessage() for r in caplog.records if r.name == "drugscreen"]
    assert len(lines) == 4  # at 30, 60 and 90 s, and the closing line
    assert lines[0].startswith("screening: 301 of 1,000 mol (30 %)") and "\r" not in "".join(lines)


def test_short_work_logs_nothing(caplog):
    caplog.set_level(logging.INFO, logger="drugscreen")
    bar = LogProgress(range(50), desc="fast", clock=Clock())
    assert list(bar) == list(range(50))
    bar.close()
    assert not [r for r in caplog.records if r.name == "drugscreen"]


def test_kind_of_display(monkeypatch):
    monkeypatch.setattr(progress, "_interactive", lambda: False)
    assert isinstance(progress_bar(total=3), LogProgress)
    monkeypatch.setattr(progress, "_interactive", lambda: True)
    assert "tqdm" in type(progress_bar(total=3)).__name__ and not progress_bar(total=3).disable
    assert progress_bar(total=3, enabled=False).disable
    monkeypatch.setenv("DRUGSCREEN_PROGRESS", "0")
    assert progress_bar(total=3).disable


def test_switched_off_counts_and_says_nothing(caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="drugscreen")
    monkeypatch.setattr(progress, "LOG_EVERY", 0.0)  # would log at every update if it could
    bar = progress_bar(range(5), total=5, desc="quiet", enabled=False)
    assert list(bar) == list(range(5)) and bar.n == 5
    bar.close()
    assert not [r for r in caplog.records if r.name == "drugscreen"]


@pytest.mark.parametrize("quiet", [False, True])
def test_a_command_writes_no_carriage_returns_into_a_log(tmp_path, demo_smiles, quiet):
    """stderr redirected to a file (as CI and pipelines do): no bar redraws, whatever the size."""
    lib = tmp_path / "lib.smi"
    lib.write_text("\n".join(demo_smiles[:3000]) + "\n")
    argv = [sys.executable, "-m", "drugscreen", *(["-q"] if quiet else []), "screen", str(lib)]
    argv += ["--query", "CCO", "-k", "3", "-o", str(tmp_path / "job"), "-j", "1", "--chunk-size", "500"]
    with open(tmp_path / "err.log", "w") as err:
        assert subprocess.run(argv, stderr=err, stdout=subprocess.DEVNULL, timeout=300).returncode == 0
    log = (tmp_path / "err.log").read_text()
    assert "\r" not in log and "it/s" not in log and "mol/s" not in log
    if quiet:
        assert log == ""


def test_quiet_flag_switches_progress_off_during_the_command_only(monkeypatch):
    from drugscreen.cli import main

    seen = {}

    def handler(args):
        seen["enabled"] = progress.progress_enabled(True)
        return 0

    import importlib

    cli_main = importlib.import_module("drugscreen.cli.main")

    parser = cli_main.build_parser()
    args = parser.parse_args(["-q", "demo", "--out", "x"])
    args.handler = handler
    monkeypatch.setattr(
        cli_main, "build_parser", lambda: type("P", (), {"parse_args": lambda self, a: args})()
    )
    monkeypatch.delenv("DRUGSCREEN_PROGRESS", raising=False)
    assert main(["-q"]) == 0
    assert seen["enabled"] is False and progress.progress_enabled(True)


def test_tty_detection_survives_a_closed_stream(monkeypatch):
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr(sys, "stderr", closed)
    assert progress._interactive() in (False, True)  # no exception


def test_every_progress_display_goes_through_the_helper():
    """13 call sites each made their own bar; now one helper decides (a new one must use it)."""
    from pathlib import Path

    src = Path(progress.__file__).resolve().parents[1]
    direct = [
        str(p.relative_to(src))
        for p in sorted(src.rglob("*.py"))
        if p.name != "progress.py" and "tqdm" in p.read_text()
    ]
    assert direct == []
