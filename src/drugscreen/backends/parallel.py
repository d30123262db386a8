"""Where work runs: one switch (``device``, ``n_jobs``, ``client``) resolved the same way everywhere.

Every capability that computes calls :func:`resolve_backend` once with the user's arguments
and passes the resulting :class:`Backend` down, so a wrong ``device`` or ``n_jobs`` gives the
same one-line error from ``db.search``, ``ds.similarity_matrix`` or a build.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from drugscreen.backends.cores import available_cores as available_cores  # re-exported
from drugscreen.backends.cores import resolve_n_jobs
from drugscreen.errors import DrugscreenError

DEVICES = ("cpu", "cuda", "auto")


def check_device(device: str) -> str:
    """Validate the ``device`` switch; returns the device work will run on.

    ``"auto"`` takes the GPU when numba.cuda finds one (or runs under its simulator,
    ``NUMBA_ENABLE_CUDASIM=1``) and the CPU otherwise; ``"cuda"`` without a GPU is a clear error.
    numba.cuda is imported only when a GPU is asked for, so CPU work never pays for it.
    """
    if device == "cpu":
        return "cpu"
    if device in ("cuda", "auto"):
        from drugscreen.backends.cuda import gpu_available

        found, reason = gpu_available()
        if found:
            return "cuda"
        if device == "auto":
            return "cpu"
        raise DrugscreenError(
            f"device='cuda' needs a CUDA GPU, and none is available here ({reason}). "
            "Use device='cpu' (numba threads on all cores) or device='auto'."
        )
    raise DrugscreenError(f"unknown device {device!r}: expected one of {', '.join(map(repr, DEVICES))}")


@dataclass(frozen=True)
class Backend:
    """Resolved execution settings.

    Attributes
    ----------
    device : str
        ``"cpu"`` or ``"cuda"``.
    n_jobs : int
        Positive number of threads or processes.
    client : object or None
        A ``dask.distributed.Client`` that distributes the work, or ``None``.
    """

    device: str
    n_jobs: int
    client: Any = None


def resolve_backend(device: str = "cpu", n_jobs: int | None = -1, client: Any = None) -> Backend:
    """Resolve the ``device`` / ``n_jobs`` / ``client`` switch shared by every capability.

    Parameters
    ----------
    device : {"cpu", "cuda", "auto"}
        Where numeric kernels run.
    n_jobs : int or None
        joblib convention: ``-1`` (or ``None``) all cores, ``-2`` all but one, ``n > 0`` exactly n.
    client : dask.distributed.Client, optional
        Distribute over a Dask cluster (``pip install "drugscreen[dask]"``); anything that is
        not a ``dask.distributed.Client`` is a clear error.

    Returns
    -------
    Backend

    Examples
    --------
    >>> resolve_backend("cpu", n_jobs=1)
    Backend(device='cpu', n_jobs=1, client=None)
    """
    if client is not None:
        from drugscreen.backends.dask import check_client

        check_client(client)
        if device not in DEVICES:
            check_device(device)  # the one-line error for an unknown name
        # the kernels run on the workers, which resolve the device themselves (a client
        # machine without a GPU may drive workers that have one)
        return Backend(device, resolve_n_jobs(n_jobs), client)
    return Backend(check_device(device), resolve_n_jobs(n_jobs), client)


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


_WATCHED: list[int] = []


def exit_with_parent(parent: int) -> None:
    """In a worker process: exit as soon as ``parent`` (the submitting process) is gone.

    joblib's loky workers otherwise outlive a SIGKILLed parent for many minutes (~100 MB each).
    Call it at the start of every worker task with the submitter's pid; it starts one daemon
    thread per process, and nothing where the task runs in the submitting process itself.
    """
    if _WATCHED or os.getpid() == parent:
        return
    _WATCHED.append(parent)
    threading.Thread(target=_watch, args=(parent,), daemon=True).start()


def _watch(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:  # reparented: the process that started us is gone
            os._exit(1)
