"""Run a campaign: steps keyed by digest, checkpointed, resumed; and ``campaign status``.

Layout of the campaign directory::

    campaign.json              the configuration, versions, when it was started
    steps/<step>.parquet       each step's table (the screen's is steps/screen-job/hits.parquet)
    steps/<step>.json          the step's key, output sizes, counts, seconds, facts
    report.html  shortlist.csv  shortlist.sdf  all_scores.parquet     the report step's files

A step's key is the digest of its own options and of the keys of the steps before it. On a
rerun a step whose key and outputs are unchanged is read back instead of run; the first whose
key changed runs again, and so does every step after it (a repurposing campaign's keys name
every step they read, so there only the steps whose key changed run). A killed campaign resumes: finished
steps are kept, the screen resumes after its last finished chunk, and since every step is
deterministic the outputs equal an uninterrupted run's.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

import drugscreen
from drugscreen.campaign.config import CampaignConfig, load_config
from drugscreen.campaign.context import StepOutput
from drugscreen.campaign.keys import step_keys
from drugscreen.campaign.plans import OWN_FILES, Plan, plan_for
from drugscreen.errors import InputError
from drugscreen.report.page import plain_json
from drugscreen.screen.job import read_json
from drugscreen.similarity.lock import take_lock_file
from drugscreen.similarity.manifest import sha256_file, write_json_atomic
from drugscreen.validate import user_path

logger = logging.getLogger("drugscreen")

CAMPAIGN = "campaign.json"
STEPS_DIR = "steps"
__all__ = ["OWN_FILES", "run", "status", "step_keys"]


def run(config: Any, out_dir: str | os.PathLike[str], *, client: Any = None, progress: bool = True) -> Any:
    """Run (or resume) a campaign (screening or repurposing) and write its report.

    Parameters
    ----------
    config : path, dict or CampaignConfig
        The campaign's TOML file or the same as a dict (:func:`~drugscreen.campaign.load_config`).
    out_dir : path
        The campaign directory: created if missing; a rerun with it resumes, reusing every step
        whose inputs and options are unchanged.
    client : dask.distributed.Client, optional
        Screen a database library on this Dask cluster (``run.scheduler`` in the configuration
        names one by address instead); the outputs equal a local run's.
    progress : bool
        Progress bars of the heavy steps.

    Returns
    -------
    CampaignResult
        The shortlist, all scores, the funnel and the report's path.

    Raises
    ------
    InputError
        For a bad configuration (before any work), a directory holding other files or being
        used by another process, and a step that cannot go on (no candidate passes the rules,
        a shortlist larger than the ranked molecules).
    """
    from drugscreen.campaign.result import CampaignResult

    cfg = load_config(config)
    directory = _check_directory(out_dir)
    lock = take_lock_file(
        directory.parent / f".{directory.name}.lock",
        f"another process is running the campaign in {directory} right now; wait for it or stop it",
        InputError,
    )
    own_client = None
    try:
        plan = plan_for(cfg.kind)
        keys = plan.keys(cfg)
        _check_kind(directory, cfg.kind)
        _write_campaign(directory, cfg)
        if isinstance(cfg, CampaignConfig):
            if client is None and cfg.run.scheduler:
                from drugscreen.backends.dask import connect

                client = own_client = connect(cfg.run.scheduler)
            if client is not None and not cfg.library_is_database():
                raise InputError(
                    "a Dask client screens a database library (drugscreen db build ...): "
                    "a library file is screened by this machine's processes"
                )
        elif client is not None:
            raise InputError("a Dask client screens a database library: a repurposing campaign runs here")
        ctx = plan.context(cfg, directory, progress, client)
        rerun_from = None
        for name in plan.steps:
            state = _state(directory, name)
            if (
                (rerun_from is None or plan.keys_name_inputs)
                and state is not None
                and state.get("key") == keys[name]
                and _intact(directory, state)
            ):
                _load(ctx, directory, name, state)
                logger.info("step %s: up to date (%s)", name, _counts_text(state["counts"]))
                continue
            if rerun_from is None:
                rerun_from = name
                if state is not None and state.get("key") != keys[name]:
                    logger.info(
                        "step %s: its inputs or options changed; running it and the steps after it", name
                    )
            _execute(plan, ctx, directory, name, keys[name])
        if rerun_from is None:
            logger.info("%s: the campaign is complete and up to date", directory)
    finally:
        os.close(lock)
        if own_client is not None:
            own_client.close()
    return CampaignResult(directory)


def _check_directory(out_dir: str | os.PathLike[str]) -> Path:
    # every kind's files count as a campaign's: a directory is a campaign's whatever its kind
    directory = user_path(out_dir).resolve()
    if directory.exists() and not directory.is_dir():
        raise InputError(f"campaign directory {directory} exists and is not a directory")
    if directory.is_dir():
        entries = [e for e in directory.iterdir() if not e.name.startswith(".")]
        others = sorted(e.name for e in entries if e.name not in OWN_FILES)
        steps = directory / STEPS_DIR
        started = (directory / CAMPAIGN).is_file() or (steps.is_dir() and not any(steps.iterdir()))
        if entries and not others and not started:
            # a report.html or shortlist.csv of the user's own, in a directory no campaign made
            raise InputError(
                f"{directory} holds {', '.join(sorted(e.name for e in entries)[:3])} but no {CAMPAIGN}: "
                "not a campaign's directory; choose a new or empty one"
            )
        if others:
            raise InputError(
                f"{directory} holds files that are not a campaign's ({', '.join(others[:3])}); "
                "choose a new or empty directory"
            )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / STEPS_DIR).mkdir(exist_ok=True)
    return directory


def _check_kind(directory: Path, kind: str) -> None:
    """A directory of one kind of campaign is not reused for another (their files differ)."""
    path = directory / CAMPAIGN
    record = read_json(path, "the campaign description", missing_ok=True) if path.is_file() else None
    if isinstance(record, dict):
        before = (record.get("config") or {}).get("kind", "screening")
        if before != kind:
            raise InputError(
                f"{directory} holds a {before} campaign; a {kind} campaign needs a new or empty directory"
            )


def _write_campaign(directory: Path, cfg: Any) -> None:
    """``campaign.json``: the configuration and versions; the start date stays that of the first
    run of this configuration (so a resumed run writes the same report)."""
    from rdkit import __version__ as rdkit_version

    path = directory / CAMPAIGN
    previous = read_json(path, "the campaign description", missing_ok=True) if path.is_file() else None
    record = {
        "format": "drugscreen-campaign",
        "format_version": 1,
        "config": cfg.to_dict(),
        "base_dir": cfg.base_dir,
        "versions": {"drugscreen": drugscreen.__version__, "rdkit": rdkit_version},
    }
    before: dict[str, Any] = previous if isinstance(previous, dict) else {}
    unchanged = {k: before.get(k) for k in record} == record
    record["started"] = (
        before["started"]
        if unchanged and before.get("started")
        else datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    )
    if not unchanged:
        write_json_atomic(path, record)


def _state(directory: Path, name: str) -> dict[str, Any] | None:
    path = directory / STEPS_DIR / f"{name}.json"
    state = read_json(path, f"step {name}'s record", missing_ok=True) if path.is_file() else None
    return state if isinstance(state, dict) else None


def _intact(directory: Path, state: dict[str, Any], quiet: bool = False) -> bool:
    """The step's recorded outputs are all there with the size and SHA-256 they had (a damaged
    table of the same size was read back and failed with a bare decoder error on every rerun)."""
    hashes = state.get("sha256", {})
    for rel, size in state.get("outputs", {}).items():
        path = directory / rel
        damaged = not path.is_file() or path.stat().st_size != size
        if not damaged and rel in hashes:
            damaged = sha256_file(path) != hashes[rel]
        if damaged:
            if not quiet:
                logger.warning("%s is missing or changed since its step wrote it; the step runs again", path)
            return False
    return True


def _load(ctx: Any, directory: Path, name: str, state: dict[str, Any]) -> None:
    if state.get("table"):
        ctx.files[name] = directory / state["table"]
    ctx.infos[name] = state.get("info", {}) | {"counts": state.get("counts", {})}


class _InterruptWatch:
    """Remembers a Ctrl-C (SIGINT) seen while a step runs, even if code inside the step catches
    the KeyboardInterrupt: a step that was interrupted is never recorded as done.

    A hostile try found a campaign that finished with exit 0 after Ctrl-C during the ADMET
    step, once with one molecule's values changed: something below swallowed the interrupt.
    """

    def __init__(self) -> None:
        self.seen = False

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signals reach the main thread only
            return
        previous = signal.getsignal(signal.SIGINT)

        def handler(signum: int, frame: Any) -> None:
            self.seen = True
            if callable(previous):
                previous(signum, frame)  # Python's default raises KeyboardInterrupt
            else:
                raise KeyboardInterrupt

        signal.signal(signal.SIGINT, handler)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


def _execute(plan: Plan, ctx: Any, directory: Path, name: str, key: str) -> None:
    watch = _InterruptWatch()
    with watch.watching():
        _run_step(plan, ctx, directory, name, key, watch)


def _run_step(plan: Plan, ctx: Any, directory: Path, name: str, key: str, watch: _InterruptWatch) -> None:
    logger.info("step %s: running", name)
    started = time.perf_counter()
    if name == "report":
        files = plan.write_outputs(ctx)
        output = StepOutput(None, counts=plan.report_counts(ctx))
        outputs = {str(f.relative_to(directory)): f.stat().st_size for f in files}
        table_rel = None
    else:
        output = plan.runners[name](ctx)
        if output.file is not None:
            path = output.file
        else:
            assert output.table is not None
            path = directory / STEPS_DIR / f"{name}.parquet"
            from drugscreen.chem.tables import write_table

            write_table(output.table.reset_index(drop=True), path, durable=True)
        table_rel = str(path.relative_to(directory))
        outputs = {table_rel: path.stat().st_size}
        ctx.files[name] = path
    if watch.seen:
        # interrupted, and the interrupt was swallowed below: the outputs may be partial
        raise KeyboardInterrupt(f"step {name} was interrupted; its outputs are not recorded")
    seconds = time.perf_counter() - started
    info: dict[str, Any] = plain_json(output.info)  # JSON-safe facts: NaN as null, full precision
    state = {
        "key": key,
        "table": table_rel,
        "outputs": outputs,
        "sha256": {rel: sha256_file(directory / rel) for rel in outputs},
        "counts": output.counts,
        "info": info,
        "seconds": round(seconds, 3),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    write_json_atomic(directory / STEPS_DIR / f"{name}.json", state)
    ctx.infos[name] = info | {"counts": output.counts}
    logger.info("step %s: done in %.1f s (%s)", name, seconds, _counts_text(output.counts))


def _counts_text(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in counts.items()) or "-"


def _current_keys(directory: Path) -> dict[str, str] | None:
    """The step keys of the configuration in ``campaign.json`` (None when its inputs are gone)."""
    record = read_json(directory / CAMPAIGN, "the campaign description", missing_ok=True)

    def given(value: Any) -> Any:  # campaign.json lists defaults left unset as null
        if isinstance(value, dict):
            return {k: given(v) for k, v in value.items() if v is not None}
        return value

    try:
        config = load_config(given(record["config"]), base_dir=record.get("base_dir", "."))
        return plan_for(config.kind).keys(config)
    except (InputError, KeyError, TypeError, OSError):
        return None


def status(out_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """The steps of a campaign directory: done or not, counts, seconds, when each finished.

    A step is done when its outputs are intact and were written for the options now in
    ``campaign.json`` (after a failed rerun with new options, the steps from the change on are
    not done: their files are the previous options' until a rerun replaces them).

    Raises
    ------
    InputError
        When ``out_dir`` is not a campaign directory.
    """
    directory = user_path(out_dir).resolve()
    if not (directory / CAMPAIGN).is_file():
        raise InputError(f"{directory} is not a campaign directory (it has no {CAMPAIGN})")
    keys = _current_keys(directory)
    record = read_json(directory / CAMPAIGN, "the campaign description", missing_ok=True)
    kind = (record.get("config") or {}).get("kind", "screening") if isinstance(record, dict) else "screening"
    rows = []
    for name in plan_for(kind).steps:
        state = _state(directory, name)
        done = state is not None and _intact(directory, state, quiet=True)
        if done and keys is not None and state is not None and state.get("key") != keys.get(name):
            done = False  # written for other options than campaign.json's: a rerun replaces it
        rows.append(
            {
                "step": name,
                "done": done,
                "counts": _counts_text(state["counts"]) if state else "",
                "seconds": state.get("seconds") if state else None,
                "finished": state.get("finished") if state else None,
            }
        )
    return pd.DataFrame(rows)
