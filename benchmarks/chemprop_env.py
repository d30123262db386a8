"""A separate virtual environment with chemprop v2, the message-passing peer of the model benchmarks.

chemprop pins its own torch, lightning and rdkit ranges, which must not leak into drugscreen's
``.venv``; the benchmark scripts therefore run chemprop as a subprocess with the python of
``benchmarks/.venv-chemprop`` (see ``chemprop_peer.py``, the script that runs there).

torch is installed first and pinned to the CPU build: left to resolve on its own, chemprop's
``torch>=2.1`` requirement pulls the newest torch, whose Linux wheels are multi-GB CUDA builds.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

log = logging.getLogger("drugscreen.bench")

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

TORCH = "torch==2.13.0"
CHEMPROP = "chemprop==2.3.1"
STAMP = ".drugscreen-chemprop-stamp.json"


def _run(cmd: list[str], what: str) -> subprocess.CompletedProcess[str]:
    log.info("chemprop venv: %s: %s", what, " ".join(cmd))
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as exc:
        tail = "\n".join((exc.stdout + "\n" + exc.stderr).strip().splitlines()[-25:])
        raise RuntimeError(
            f"chemprop venv: {what} failed (exit {exc.returncode}): {' '.join(cmd)}\n{tail}"
        ) from exc


def ensure_chemprop_venv(path: str | Path = "benchmarks/.venv-chemprop") -> Path:
    """Create (once) the chemprop venv and return the path of its python.

    Parameters
    ----------
    path
        Folder of the venv; a relative path is taken from the repository root, not the
        current directory.

    Returns
    -------
    Path
        ``<path>/bin/python``, with ``chemprop`` importable.

    Raises
    ------
    RuntimeError
        When ``venv`` or ``pip`` fails; the message holds the command and pip's last lines.

    Notes
    -----
    A stamp file in the venv records the pins after a successful install; a later call with
    the same pins returns at once. Delete the folder (or the stamp) to reinstall.
    """
    venv = Path(path)
    if not venv.is_absolute():
        venv = REPO / venv
    python = venv / "bin" / "python"
    stamp = venv / STAMP
    wanted = {"torch": TORCH, "chemprop": CHEMPROP}
    if python.exists() and stamp.is_file():
        try:
            if json.loads(stamp.read_text()).get("pins") == wanted:
                return python
        except (OSError, ValueError):
            pass
    if not python.exists():
        _run(["python3", "-m", "venv", str(venv)], "create venv")
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
    _run([*pip, "--upgrade", "pip"], "upgrade pip")
    _run([*pip, TORCH], "install torch (CPU) first")
    # torch named again so that resolving chemprop can neither upgrade nor swap it.
    _run([*pip, CHEMPROP, TORCH], "install chemprop")
    probe = _run(
        [
            str(python),
            "-c",
            "import json, chemprop, torch, rdkit, lightning; print(json.dumps({"
            "'chemprop': chemprop.__version__, 'torch': torch.__version__, "
            "'cuda': torch.version.cuda, 'rdkit': rdkit.__version__, "
            "'lightning': lightning.__version__}))",
        ],
        "check imports",
    )
    versions = json.loads(probe.stdout.strip().splitlines()[-1])
    if versions["cuda"] is not None:
        log.warning("chemprop venv: torch %s is a CUDA build (expected CPU)", versions["torch"])
    stamp.write_text(json.dumps({"pins": wanted, "versions": versions}, indent=1) + "\n")
    log.info("chemprop venv ready: %s", versions)
    return python


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    print(ensure_chemprop_venv(*sys.argv[1:2]))
