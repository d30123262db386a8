"""The one progress helper every long loop in drugscreen uses.

Where the progress goes depends on who is watching:

- a terminal (or a Jupyter kernel): a tqdm bar;
- anything else (CI logs, pipelines, ``2> file``): no carriage-return updates, only a log line
  (``logging``, level INFO, logger ``drugscreen``) at most every :data:`LOG_EVERY` seconds, and
  none at all for work that ends sooner;
- ``progress=False``, the command line's ``-q``, or the environment variable
  ``DRUGSCREEN_PROGRESS=0``: nothing.

>>> bar = progress_bar(total=3, desc="demo", enabled=False)
>>> for _ in range(3):
...     bar.update(1)
>>> bar.n
3
>>> bar.close()
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import Any

logger = logging.getLogger("drugscreen")

#: Environment variable that switches every progress display off when set to ``0``.
PROGRESS_ENV = "DRUGSCREEN_PROGRESS"
#: Seconds between two progress log lines when standard error is not a terminal.
LOG_EVERY = 30.0

__all__ = ["LOG_EVERY", "PROGRESS_ENV", "progress_bar", "progress_enabled"]


def progress_enabled(enabled: bool = True) -> bool:
    """``enabled``, unless ``DRUGSCREEN_PROGRESS=0`` switches progress off everywhere."""
    return bool(enabled) and os.environ.get(PROGRESS_ENV, "1").strip().lower() not in ("0", "false", "no")


def _interactive() -> bool:
    """A person is watching: standard error is a terminal, or this is a Jupyter kernel."""
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False
    return "ipykernel" in sys.modules


def progress_bar(
    iterable: Iterable[Any] | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    enabled: bool = True,
    initial: int = 0,
    leave: bool = True,
) -> Any:
    """A progress display for a loop: a tqdm bar, a rate-limited log or nothing (see the module).

    Parameters
    ----------
    iterable : iterable, optional
        Wrapped and yielded from, as ``tqdm(iterable)`` would.
    total, desc, unit, initial, leave
        As for tqdm.
    enabled : bool
        False for no display at all (a library caller's ``progress=False``).

    Returns
    -------
    object
        Has tqdm's ``update``, ``close``, ``set_postfix``, ``n`` and ``total``, and iterates
        over ``iterable`` when one was given; usable as a context manager.
    """
    if progress_enabled(enabled) and _interactive():
        from tqdm.auto import tqdm

        return tqdm(iterable, total=total, desc=desc, unit=unit, initial=initial, leave=leave, smoothing=0.1)
    # switched off: counts like the others (callers may read ``n``), never draws or logs
    quiet = not progress_enabled(enabled)
    return LogProgress(iterable, total=total, desc=desc, unit=unit, initial=initial, quiet=quiet)


class LogProgress:
    """Progress for a log file: one INFO line at most every :data:`LOG_EVERY` seconds (none
    with ``quiet``: progress switched off)."""

    def __init__(
        self,
        iterable: Iterable[Any] | None = None,
        *,
        total: int | None = None,
        desc: str = "",
        unit: str = "it",
        initial: int = 0,
        clock: Any = time.monotonic,
        quiet: bool = False,
    ) -> None:
        self.iterable = iterable
        self.total = total
        self.desc = desc or "progress"
        self.unit = unit.strip() or "it"
        self.n = initial
        self._clock = clock
        self._start = self._last = clock()
        self._lines = 0
        self._postfix = ""
        self.quiet = quiet
        self.disable = quiet  # tqdm's name for it

    def __iter__(self) -> Iterator[Any]:
        if self.iterable is None:
            raise TypeError("this progress display wraps no iterable")
        for item in self.iterable:
            yield item
            self.update(1)

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, n: int = 1) -> None:
        self.n += n
        now = self._clock()
        if not self.quiet and now - self._last >= LOG_EVERY:
            self._last = now
            self._log(now)

    def set_postfix(self, ordered_dict: Any = None, refresh: bool = True, **kwargs: Any) -> None:
        values = dict(ordered_dict or {}, **kwargs)
        self._postfix = ", ".join(f"{k}={v}" for k, v in values.items())

    def close(self) -> None:
        # a closing line only when the work was long enough to be logged at all
        if self._lines:
            self._log(self._clock())
            self._lines = 0

    def _log(self, now: float) -> None:
        self._lines += 1
        done = f"{self.n:,}" + (f" of {self.total:,}" if self.total else "")
        share = f" ({100 * self.n / self.total:.0f} %)" if self.total else ""
        extra = f", {self._postfix}" if self._postfix else ""
        logger.info("%s: %s %s%s, %.0f s%s", self.desc, done, self.unit, share, now - self._start, extra)
