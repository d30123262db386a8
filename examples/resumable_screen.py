"""A screening job killed with SIGKILL and resumed: the output equals an uninterrupted run's.

Usage: python examples/resumable_screen.py [WORKDIR]

Writes a 25,000-molecule library (the bundled MOSES sample), screens it for the 20 nearest
neighbours of six drugs with ``drugscreen screen`` in chunks of 2,500 records, kills the command
once two chunks are checkpointed, runs the same command again (it resumes), and compares the
result with a run that was never interrupted.
"""

from __future__ import annotations

import gzip
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from drugscreen.screen.demo import DEMO_DRUGS, demo_library

DRUGSCREEN = [sys.executable, "-m", "drugscreen", "-q"]


def command(library: Path, queries: Path, out: Path) -> list[str]:
    return [
        *DRUGSCREEN,
        "screen",
        str(library),
        "--queries",
        str(queries),
        "--top-k",
        "20",
        "--chunk-size",
        "2500",
        "-o",
        str(out),
    ]


def main(workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    library = workdir / "library.smi"
    with gzip.open(demo_library(), "rt") as src, open(library, "w") as dst:
        shutil.copyfileobj(src, dst)
    queries = workdir / "queries.smi"
    queries.write_text("".join(f"{smiles} {name}\n" for name, smiles in DEMO_DRUGS.items()))

    clean, out = workdir / "uninterrupted", workdir / "killed-and-resumed"
    subprocess.run(command(library, queries, clean), check=True)

    job = subprocess.Popen(command(library, queries, out))
    progress = out / "progress.json"
    while job.poll() is None:
        if progress.is_file() and json.loads(progress.read_text())["chunks_done"] >= 2:
            job.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    job.wait()
    done = json.loads(progress.read_text())["chunks_done"]
    print(
        f"killed with {done} of 10 chunks checkpointed" if job.returncode < 0 else "finished before the kill"
    )

    subprocess.run(command(library, queries, out), check=True)  # the same command resumes
    resumed, expected = pd.read_parquet(out / "hits.parquet"), pd.read_parquet(clean / "hits.parquet")
    pd.testing.assert_frame_equal(resumed, expected)
    summary = json.loads((out / "summary.json").read_text())
    print(
        f"resumed output identical to the uninterrupted run: {len(resumed)} hits, "
        f"{summary['records']} records, {summary['rejects']} rejects"
    )
    print(resumed.groupby("query").head(2)[["query", "id", "score"]].to_string(index=False))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="drugscreen-resume-")))
