"""The one device / n_jobs / client switch every capability resolves."""

from __future__ import annotations

import os

import pytest

from drugscreen.backends.parallel import available_cores, resolve_backend, resolve_n_jobs
from drugscreen.errors import DrugscreenError


def test_n_jobs_follows_joblib():
    cores = available_cores()
    assert resolve_n_jobs(None) == resolve_n_jobs(-1) == cores
    assert resolve_n_jobs(-2) == max(1, cores - 1)
    assert resolve_n_jobs(-1000) == 1
    assert resolve_n_jobs(3) == 3


@pytest.mark.parametrize("bad", [0, 1.5, "2", True])
def test_bad_n_jobs_is_one_clear_error(bad):
    with pytest.raises(DrugscreenError, match="n_jobs"):
        resolve_n_jobs(bad)


def test_resolve_backend(monkeypatch):
    import drugscreen.backends.cuda as cuda

    monkeypatch.setattr(cuda, "gpu_available", lambda: (False, "numba.cuda found no CUDA driver or GPU"))
    assert resolve_backend("auto", 1).device == "cpu"
    with pytest.raises(
        DrugscreenError, match="device='cuda' needs a CUDA GPU.*no CUDA driver.*device='auto'"
    ):
        resolve_backend("cuda")
    monkeypatch.setattr(cuda, "gpu_available", lambda: (True, ""))
    assert resolve_backend("auto", 1).device == resolve_backend("cuda", 1).device == "cuda"
    with pytest.raises(DrugscreenError, match="unknown device 'gpu'"):
        resolve_backend("gpu")
    with pytest.raises(DrugscreenError, match="Dask"):
        resolve_backend("cpu", client=object())


def _alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited; it only waits to be reaped


@pytest.mark.skipif(
    not os.path.isdir("/proc") or not hasattr(os, "fork"), reason="needs Linux /proc and fork"
)
def test_worker_exits_when_its_parent_dies():
    import subprocess
    import sys
    import time

    code = (
        "import os, time\n"
        "from drugscreen.backends.parallel import exit_with_parent\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    exit_with_parent(os.getppid())\n"
        "    time.sleep(60)\n"
        "    os._exit(0)\n"
        "print(pid, flush=True)\n"
        "os._exit(0)\n"  # the parent dies at once, as after a SIGKILL
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    worker = int(out.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker), "the worker outlived its parent"


def test_no_watchdog_in_the_submitting_process():
    from drugscreen.backends import parallel

    before = list(parallel._WATCHED)
    parallel.exit_with_parent(os.getpid())
    assert parallel._WATCHED == before
