"""Per-record RDKit work over a stream of raw records: in chunks, in worker processes, in order.

The shared engine of :func:`drugscreen.standardize`, :func:`drugscreen.filter_molecules` and
:func:`drugscreen.descriptors`. Records are read lazily and sent to workers as plain text, a
few chunks per worker at a time, so neither the input nor RDKit molecules are ever held for the
whole library; what comes back is plain values (strings, floats), not molecules.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any

from drugscreen.backends.parallel import exit_with_parent, resolve_n_jobs
from drugscreen.chem.io import RawRecord
from drugscreen.chem.parse import parse_record

logger = logging.getLogger("drugscreen")

#: Records per task sent to a worker process: large enough that process overhead is small
#: next to ~1 ms of RDKit work per molecule, small enough that the progress bar moves.
CHUNK = 2_000

#: What a worker task receives per record: (text, fmt, the reader's error or None).
Text = tuple[str, str, str | None]


def texts(batch: list[RawRecord]) -> list[Text]:
    """The picklable part of records, for a worker."""
    return [(r.text, r.fmt, r.error) for r in batch]


def parse_texts(items: list[Text]) -> Iterator[tuple[Any, str | None]]:
    """``(mol, None)`` or ``(None, reason)`` per item, in order (inside a worker)."""
    for text, fmt, error in items:
        if error:
            yield None, error
        else:
            yield parse_record(text, fmt)


def _batched(records: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    it = iter(records)
    while batch := list(islice(it, size)):
        yield batch


def _in_worker(parent: int, task: Callable[..., Any], items: list[Text], args: tuple[Any, ...]) -> Any:
    """``task(items, *args)`` in a worker process that exits when its parent dies.

    joblib's workers otherwise outlive a SIGKILLed parent for many minutes (the same guard as
    the fingerprinting workers have); no watchdog where the task runs in the parent itself.
    """
    exit_with_parent(parent)
    return task(items, *args)


def map_batches(
    task: Callable[..., Any],
    records: Iterable[RawRecord],
    args: tuple[Any, ...] = (),
    *,
    n_jobs: int | None = -1,
    chunk_size: int | None = None,
    progress: bool = True,
    desc: str = "molecules",
) -> Iterator[tuple[list[RawRecord], Any]]:
    """Yield ``(batch, task(texts(batch), *args))`` for consecutive batches, in input order.

    ``task`` must be a module-level function (it is pickled to the workers). Input that fits in
    one chunk, or ``n_jobs=1``, runs in this process: starting workers would cost more than the
    work. The progress bar appears only when there is more than one chunk.
    """
    size = chunk_size or CHUNK
    batches = _batched(records, size)
    head = list(islice(batches, 2))
    if not head:
        return
    workers = resolve_n_jobs(n_jobs)
    many = len(head) > 1
    from drugscreen.backends.progress import progress_bar

    bar = progress_bar(unit=" mol", desc=desc, enabled=progress and many)
    stream = chain(head, batches)
    try:
        if workers == 1 or not many:
            for batch in stream:
                result = task(texts(batch), *args)
                bar.update(len(batch))
                yield batch, result
            return
        from joblib import Parallel, delayed

        pending: list[list[RawRecord]] = []

        def tasks() -> Iterator[Any]:
            for batch in stream:
                pending.append(batch)
                yield delayed(_in_worker)(os.getpid(), task, texts(batch), args)

        results = Parallel(n_jobs=workers, return_as="generator", pre_dispatch="2*n_jobs")(tasks())
        for result in results:
            batch = pending.pop(0)
            bar.update(len(batch))
            yield batch, result
    finally:
        bar.close()


def log_failures(table: Any, done: str) -> None:
    """One log line for a finished table: how many records, how many failed, the first reasons."""
    failed = table[table["error"].notna()]
    if len(failed):
        first = "; ".join(
            f"row {r}: {e}" for r, e in zip(failed["row"].iloc[:3], failed["error"].iloc[:3], strict=True)
        )
        logger.warning(
            "%d of %d records could not be %s (see the error column), e.g. %s",
            len(failed),
            len(table),
            done,
            first,
        )
    else:
        logger.info("%d records %s", len(table), done)
