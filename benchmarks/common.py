"""Shared helpers of the benchmark scripts: data, timing, machine facts, reporting."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import platform
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
RESULTS = HERE / "results"
SHARED = Path(os.environ.get("DRUGSCREEN_SHARED", HERE.parent.parent / "shared")) / "data"
MOSES = SHARED / "libraries" / "moses"


def moses_smiles(split: str = "train", n: int | None = None, skip: int = 0) -> list[str]:
    """SMILES of a MOSES split (first ``n`` after ``skip``), from ../shared/data."""
    path = MOSES / f"{split}.csv.gz"
    if not path.is_file():
        raise SystemExit(f"benchmark data not found: {path} (needs ../shared/data beside the repo)")
    with gzip.open(path, "rt") as handle:
        next(handle)
        lines = itertools.islice(handle, skip, None if n is None else skip + n)
        return [line.strip() for line in lines]


def timeit(fn: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> dict[str, float]:
    """Median, best and every wall time of ``fn`` in seconds (after ``warmup`` untimed calls)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return summary(times)


def summary(times: list[float]) -> dict[str, Any]:
    """Median and best of raw times, with the raw times kept (results store every repeat)."""
    return {
        "median_s": statistics.median(times),
        "best_s": min(times),
        "repeat": len(times),
        "times_s": times,
    }


def alternate(
    fn_a: Callable[[], Any], fn_b: Callable[[], Any], repeat: int = 5, warmup: int = 1
) -> tuple[dict[str, float], dict[str, float]]:
    """Time two functions in alternation (a, b, a, b, ...) so both see the same machine noise.

    On a shared virtual machine the speed drifts by 20 % and more within minutes; timing one
    tool completely before the other would turn that drift into a false ratio. Each timed call
    follows an untimed call of the same function, so what the other tool left behind (OpenMP
    threads still spinning, cold caches) is not charged to it.
    """
    times_a, times_b = [], []
    for _ in range(repeat):
        for fn, times in ((fn_a, times_a), (fn_b, times_b)):
            for _ in range(warmup):
                fn()
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return summary(times_a), summary(times_b)


def machine() -> dict[str, Any]:
    """CPU model, cores and library versions, recorded with every result."""
    import numba
    import numpy
    import rdkit

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "cpu": model,
        "cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "rdkit": rdkit.__version__,
    }
    try:
        import FPSim2

        info["fpsim2"] = FPSim2.__version__
    except ImportError:
        pass
    return info


def write_report(name: str, title: str, rows: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    """Write ``results/<name>.json`` and ``results/<name>.md`` (a markdown table)."""
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "benchmark": name,
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "rows": rows,
        **extra,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=1))
    # raw repeats go to the JSON only; the table shows the summaries
    cols = [c for c in rows[0] if not c.endswith("raw s")]
    lines = [
        f"### {title}",
        "",
        f"Machine: {payload['machine']}",
        "",
        "| " + " | ".join(cols) + " |",
        "|" + "---|" * len(cols),
    ]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row[c]) for c in cols) + " |")
    text = "\n".join(lines) + "\n"
    (RESULTS / f"{name}.md").write_text(text)
    print(text)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


class PeakRSS:
    """Samples resident memory while a block runs: ``start`` (bytes before), ``main`` (peak of this
    process) and ``total`` (peak of it plus its children, e.g. joblib workers)."""

    def __init__(self, interval: float = 0.02) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self.start = self.main = self.total = self._process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _sample(self) -> None:
        import psutil

        try:
            main = self._process.memory_info().rss
            children = sum(c.memory_info().rss for c in self._process.children(recursive=True))
        except psutil.Error:
            return
        self.main = max(self.main, main)
        self.total = max(self.total, main + children)

    def _poll(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
