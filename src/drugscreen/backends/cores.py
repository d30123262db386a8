"""How many workers: the joblib-style ``n_jobs`` convention, resolved against the cores this
process may use. Its own module so that every backend (threads, processes, Dask) can use it
without importing the others."""

from __future__ import annotations

import os

from drugscreen.validate import check_n_jobs


def available_cores() -> int:
    """CPU cores this process may use (respects affinity masks and cgroup-limited sched sets)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def resolve_n_jobs(n_jobs: int | None) -> int:
    """Turn a joblib-style ``n_jobs`` into a positive worker count.

    ``None`` and ``-1`` mean all cores, ``-2`` all but one, and so on.

    Examples
    --------
    >>> resolve_n_jobs(1)
    1
    >>> resolve_n_jobs(-1) == available_cores()
    True
    """
    cores = available_cores()
    n = check_n_jobs(n_jobs)  # one message for a bad n_jobs, whichever entry point takes it
    if n is None:
        return cores
    if n < 0:
        return max(1, cores + 1 + n)
    return n
