"""Where work runs: resolution of ``n_jobs`` and numba thread control (the *backends* layer)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from drugscreen.errors import DrugscreenError


def available_cores() -> int:
    """CPU cores this process may use (respects affinity masks and cgroup-limited sched sets)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def resolve_n_jobs(n_jobs: int | None) -> int:
    """Turn a joblib-style ``n_jobs`` into a positive worker count.

    ``None`` and ``-1`` mean all cores, ``-2`` all but one, and so on.
    """
    cores = available_cores()
    if n_jobs is None:
        return cores
    if n_jobs == 0:
        raise DrugscreenError("n_jobs=0 is not valid: use a positive count or -1 for all cores")
    if n_jobs < 0:
        return max(1, cores + 1 + n_jobs)
    return n_jobs


def check_device(device: str) -> str:
    """Validate the ``device`` switch. Only the CPU backend exists in this release."""
    if device in ("cpu", "auto"):
        return "cpu"
    if device == "cuda":
        raise DrugscreenError(
            "device='cuda' is not available in this release of drugscreen: the CUDA kernels are not "
            "implemented yet. Use device='cpu' (numba threads on all cores)."
        )
    raise DrugscreenError(f"unknown device {device!r}: expected 'cpu', 'cuda' or 'auto'")


@contextmanager
def numba_threads(n_jobs: int | None) -> Iterator[int]:
    """Run the enclosed numba kernels on ``n_jobs`` threads, restoring the previous count after."""
    import numba

    wanted = min(resolve_n_jobs(n_jobs), numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    previous = numba.get_num_threads()
    numba.set_num_threads(wanted)
    try:
        yield wanted
    finally:
        numba.set_num_threads(previous)
