"""A campaign killed with SIGKILL at several moments resumes to the outputs of an uninterrupted run."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from campaign_data import small_config


def _started(report: bytes) -> bytes:
    """The report without its start date (the one thing two separate campaigns differ in)."""
    return re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", b"DATE", report)


@pytest.mark.slow
def test_sigkill_at_any_moment_then_resume(finished: Any, campaign_inputs: Path, tmp_path: Path) -> None:
    config = tmp_path / "campaign.json"
    config.write_text(json.dumps(small_config(campaign_inputs)))
    out = tmp_path / "out"
    script = (
        "import json, sys, drugscreen as ds; "
        "ds.campaign.run(json.load(open(sys.argv[1])), sys.argv[2], progress=False)"
    )
    kills = 0
    for delay in (3.0, 6.0, 9.0, 12.0, 15.0, 18.0):
        process = subprocess.Popen([sys.executable, "-c", script, str(config), str(out)])
        time.sleep(delay)
        if process.poll() is not None:
            break  # finished before the kill
        process.send_signal(signal.SIGKILL)
        process.wait()
        kills += 1
    assert kills >= 2, "the campaign finished before it could be killed twice: lengthen it"
    done = subprocess.run([sys.executable, "-c", script, str(config), str(out)], timeout=600)
    assert done.returncode == 0
    for name in ("all_scores.parquet", "shortlist.csv", "shortlist.sdf"):
        same = (out / name).read_bytes() == (finished.directory / name).read_bytes()
        assert same, f"{name} differs from the uninterrupted run's"  # (no diff of megabytes of bytes)
    same = _started((out / "report.html").read_bytes()) == _started(
        (finished.directory / "report.html").read_bytes()
    )
    assert same, "report.html differs from the uninterrupted run's (beyond the start date)"
    assert not list(out.rglob(".*tmp*")), "temporary files left behind"
