"""Issue 21, class "signals": Ctrl-C (SIGINT) and SIGTERM stop every long command quickly,
with drugscreen's one line only (joblib's "tasks cancelled" warning used to follow it)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest


@pytest.fixture(scope="module")
def big_library(tmp_path_factory, demo_smiles):
    path = tmp_path_factory.mktemp("big") / "lib.smi"
    path.write_text("".join(f"{s} m{i}\n" for i, s in enumerate(demo_smiles * 4)))
    return path


COMMANDS = {
    "db build": lambda lib, out: ["db", "build", str(lib), str(out / "x.dsdb"), "-j", "2"],
    "screen": lambda lib, out: (
        ["screen", str(lib), "--query", "CCO", "-k", "5", "-o", str(out / "job")]
        + ["-j", "2", "--chunk-size", "2000"]
    ),
    "prepare": lambda lib, out: ["prepare", str(lib), "-o", str(out / "p.csv"), "--standardize", "-j", "2"],
    "fingerprint": lambda lib, out: ["fingerprint", str(lib), "-o", str(out / "fp.parquet"), "-j", "2"],
}


@pytest.mark.slow
@pytest.mark.parametrize("sig, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_interrupt_is_quick_and_one_line(tmp_path, big_library, command, sig, status):
    argv = [sys.executable, "-m", "drugscreen", *COMMANDS[command](big_library, tmp_path)]
    # a shell starts background jobs with SIGINT ignored, and Python then never raises
    # KeyboardInterrupt: give the child the default disposition, as a terminal would
    proc = subprocess.Popen(
        argv,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(4.0)  # the work has started (imports take about 2 s)
    if proc.poll() is not None:
        pytest.skip(f"{command} finished before the signal (a faster machine)")
    sent = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    took = time.monotonic() - sent
    assert proc.returncode == status, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("drugscreen: "), err
    assert took < 5.0, f"{command} took {took:.1f} s to stop"  # about 1 s; slack for a loaded CI machine
