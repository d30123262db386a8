"""Dask plumbing: validate a ``client=``, run tasks on its workers, stream ordered results.

This is the only module that imports ``dask`` / ``distributed``, and only inside functions, so
``import drugscreen`` (and every CPU or GPU path) never pays for it. It knows nothing of
molecules or databases: the domain side (:mod:`drugscreen.similarity.distributed`) decides
what a task is; this module submits tasks, keeps their results in input order and turns a
failed task into one :class:`DistributedError` that names the task.

Tasks run where dask schedules them, with dask's own fault tolerance: a task whose worker dies
is rerun elsewhere (up to ``distributed.scheduler.allowed-failures`` times), after which dask's
``KilledWorker`` surfaces here as a ``DistributedError`` naming the task.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from typing import Any

from drugscreen.backends.cores import available_cores, resolve_n_jobs
from drugscreen.errors import DrugscreenError

INSTALL_HINT = 'pip install "drugscreen[dask]"'


class DistributedError(DrugscreenError):
    """A task failed on the Dask cluster (its own error, dead workers, a closed client)."""


def _distributed() -> Any:
    """The ``distributed`` package, or a clear error saying how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise DrugscreenError(
            f"client= needs Dask's distributed scheduler, which is not installed: {INSTALL_HINT}"
        ) from exc
    return distributed


def check_client(client: Any) -> None:
    """Raise a one-line :class:`~drugscreen.errors.DrugscreenError` unless ``client`` is usable.

    Parameters
    ----------
    client : dask.distributed.Client
        The client work will be submitted through.

    Raises
    ------
    DrugscreenError
        If Dask is not installed, ``client`` is not a ``dask.distributed.Client``, or it has
        been closed.

    Examples
    --------
    >>> check_client(object())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    drugscreen.errors.DrugscreenError: client=...
    """
    distributed = _distributed()
    if not isinstance(client, distributed.Client):
        raise DrugscreenError(
            "client= must be a Dask client (dask.distributed.Client), "
            f"got {type(client).__module__}.{type(client).__qualname__}; "
            "for work on this machine leave client=None and use n_jobs= / device="
        )
    if client.status in ("closing", "closed"):
        raise DrugscreenError("client= is a closed Dask client: create a new Client(...) and pass it")


def connect(address: str, timeout: float = 30.0) -> Any:
    """A ``dask.distributed.Client`` of the scheduler at ``address`` (``tcp://host:8786``).

    A scheduler that cannot be reached is a one-line :class:`DistributedError` naming it.
    """
    distributed = _distributed()
    try:
        return distributed.Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise DistributedError(f"cannot connect to the Dask scheduler at {address}: {exc}") from exc


def total_threads(client: Any) -> int:
    """Worker threads of the cluster right now (at least 1, so that callers can size batches)."""
    return max(1, sum(client.nthreads().values()))


def worker_threads(n_jobs: int | None) -> int:
    """``n_jobs`` resolved where a task runs: negative counts are relative to the Dask worker's
    own thread count (``-1`` = all the threads the worker was started with), not to the
    machine's cores, so two workers sharing a machine do not each take all of it."""
    count = resolve_n_jobs(n_jobs)  # validates the type and value the same way as locally
    if n_jobs is not None and n_jobs > 0:
        return count
    try:
        worker = _distributed().get_worker()
    except ValueError:  # not inside a task: the local machine's rule
        return count
    nthreads = int(getattr(worker, "state", worker).nthreads)
    return max(1, min(available_cores(), nthreads) + 1 + int(-1 if n_jobs is None else n_jobs))


def scatter(client: Any, obj: Any, *, broadcast: bool = False) -> Any:
    """Send one object to the workers once and return its future.

    ``hash=False``: dask would otherwise hash every byte of large arrays to name them.
    A list is sent as one object, not element by element.
    """
    return client.scatter([obj], broadcast=broadcast, hash=False)[0]


def _failure(exc: BaseException, label: str) -> DrugscreenError:
    """One error naming the task; drugscreen's own error types are kept (e.g. DatabaseError)."""
    why = f"{type(exc).__name__}: {exc}"  # dask's KilledWorker already says which workers died
    if type(exc).__name__ in ("FutureCancelledError", "CancelledError"):
        why = "cancelled (the client was closed or the cluster shut down)"
    message = f"{label} failed on the Dask cluster: {why}"
    if isinstance(exc, DrugscreenError):
        try:
            return type(exc)(message)
        except Exception:  # a subclass with another constructor: fall back to the generic type
            pass
    return DistributedError(message)


def _result(future: Any, label: str) -> Any:
    try:
        return future.result()
    except Exception as exc:  # the task's own error, KilledWorker, or a cancelled future
        raise _failure(exc, label) from exc


def _labeller(fn: Callable[..., Any], name_of: Callable[[Any], str] | None) -> Callable[[int, Any], str]:
    name = getattr(fn, "__name__", "task")

    def label(i: int, item: Any) -> str:
        return f"task {i} ({name_of(item) if name_of else name})"

    return label


def map_tasks(
    client: Any,
    fn: Callable[..., Any],
    items: Iterable[Any],
    *,
    progress: bool = False,
    name_of: Callable[[Any], str] | None = None,
    **kwargs: Any,
) -> list[Any]:
    """``[fn(item, **kwargs) for item in items]`` on the cluster's workers, in input order.

    Parameters
    ----------
    client : dask.distributed.Client
    fn : callable
        Importable on the workers (a module-level function of an installed package).
    items : iterable
        One task per item; items may be futures (from :func:`scatter`).
    progress : bool
        Show a progress bar over finished tasks.
    name_of : callable, optional
        Describes an item in error messages (default: the function's name).
    kwargs
        Passed to every call (futures among them are resolved on the worker); names of
        ``Client.map``'s own arguments (``key``, ``workers``, ``pure``, ...) cannot be used.

    Returns
    -------
    list
        The results, in the order of ``items``.

    Raises
    ------
    DistributedError
        As soon as a task fails, naming it (drugscreen's own errors keep their type); the
        other tasks are cancelled.
    """
    distributed = _distributed()
    items = list(items)
    if not items:
        return []
    label = _labeller(fn, name_of)
    futures = client.map(fn, items, pure=False, **kwargs)
    try:
        if progress:
            from drugscreen.backends.progress import progress_bar

            with progress_bar(total=len(futures), desc="tasks", unit=" task") as bar:
                for future in distributed.as_completed(futures):
                    if future.status != "finished":
                        break  # the gather below raises it, named
                    bar.update(1)
        # one round trip for all results; gather raises as soon as any task has failed
        return list(client.gather(futures))
    except Exception as exc:
        # look up the failed task before cancelling: a cancelled future forgets its error
        failed = next((i for i, f in enumerate(futures) if f.status == "error"), None)
        cause = exc if failed is None else futures[failed].exception()
        client.cancel(futures)
        if failed is None:  # cancelled or lost, not a task's own error: name the batch
            raise _failure(exc, f"one of {len(items)} tasks ({label(0, items[0])}, ...)") from exc
        raise _failure(cause, label(failed, items[failed])) from cause
    except BaseException:  # KeyboardInterrupt: stop the cluster's work too
        client.cancel(futures)
        raise


def map_ordered_stream(
    client: Any,
    fn: Callable[..., Any],
    items_iterable: Iterable[Any],
    *,
    max_in_flight: int,
    name_of: Callable[[Any], str] | None = None,
    **kwargs: Any,
) -> Generator[Any, None, None]:
    """Yield ``fn(item, **kwargs)`` for each item, computed on the workers, in input order.

    The input is read lazily and at most ``max_in_flight`` tasks are submitted and not yet
    consumed, so memory stays flat however long the input is (a build of 100 M molecules
    holds a few chunks, not the library). The next task is submitted before a result is
    yielded, so the workers stay busy while the caller processes it.

    Parameters
    ----------
    client : dask.distributed.Client
    fn : callable
        Importable on the workers.
    items_iterable : iterable
        Read one item ahead of each submission.
    max_in_flight : int
        Most tasks pending at once (e.g. twice the cluster's threads).
    name_of : callable, optional
        Describes an item in error messages.
    kwargs
        Passed to every call.

    Yields
    ------
    object
        Each task's result, in the order of ``items_iterable``.

    Raises
    ------
    DistributedError
        When the next result in order comes from a failed task, naming it; pending tasks are
        cancelled (also when the consumer stops early).
    """
    if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or max_in_flight < 1:
        raise DrugscreenError(f"max_in_flight must be a positive integer, got {max_in_flight!r}")
    label = _labeller(fn, name_of)
    items = iter(items_iterable)
    pending: deque[tuple[str, Any]] = deque()
    submitted = 0

    def submit_next() -> None:
        nonlocal submitted
        for item in items:
            # the label is made now: the item itself need not be kept until its result arrives
            pending.append((label(submitted, item), client.submit(fn, item, pure=False, **kwargs)))
            submitted += 1
            return

    try:
        while len(pending) < max_in_flight:
            before = len(pending)
            submit_next()
            if len(pending) == before:
                break
        while pending:
            name, future = pending.popleft()
            result = _result(future, name)
            del future  # released on the cluster as soon as its result is here
            submit_next()
            yield result
    finally:
        if pending:
            client.cancel([future for _, future in pending])


def _marker_digest(path: str, marker: str) -> str | None:
    """sha256 of ``path/marker`` as this process sees it; None if it cannot be read."""
    try:
        return hashlib.sha256((Path(path) / marker).read_bytes()).hexdigest()
    except OSError:
        return None


def workers_share_path(client: Any, path: str | Path, marker: str = "manifest.json") -> bool:
    """Whether every worker sees the same ``path/marker`` as this process (a shared file system).

    The file's content is compared (its sha256), so a worker with a stale copy, or a different
    directory at the same path, counts as not sharing it.

    Parameters
    ----------
    client : dask.distributed.Client
    path : path
        A directory, e.g. a fingerprint database.
    marker : str
        The file under ``path`` that identifies its current state.

    Returns
    -------
    bool
        False also when the cluster has no workers or a worker cannot run the check.
    """
    path = str(Path(path).resolve())
    local = _marker_digest(path, marker)
    if local is None:
        return False
    answers = client.run(_marker_digest, path, marker, on_error="return")
    return bool(answers) and all(answer == local for answer in answers.values())
