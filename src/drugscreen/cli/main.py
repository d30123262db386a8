"""Command line: ``drugscreen prepare | fingerprint | db build|append|info|verify | search | screen | cluster | pick | vs-eval | train | predict | admet | campaign | proximity | repurpose | targets | genes | synergy | demo``.

Thin by design: parse arguments, call the library, write results. Each command lives in its
own module (``drugscreen.cli.<command>``) with a ``register`` function that adds its parser.
Errors from the library end the program with exit status 1 and a one-line reason on stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from drugscreen.cli import (
    admet,
    campaign,
    cluster,
    db,
    demo,
    fingerprint,
    genes,
    pick,
    predict,
    prepare,
    proximity,
    repurpose,
    screen,
    search,
    synergy,
    targets,
    train,
    vs,
)

EPILOG = """examples:
  drugscreen prepare library.smi -o prepared.parquet --standardize --filters ro5,pains --dedup inchikey
  drugscreen db build library.smi library.dsdb --kind morgan --radius 2 --nbits 2048
  drugscreen search library.dsdb "CC(=O)Oc1ccccc1C(=O)O" --top-k 10
  drugscreen search library.dsdb --queries actives.smi --threshold 0.7 -o hits.parquet
  drugscreen screen huge_library.smi.gz --queries actives.smi --top-k 100 -o screen-out
  drugscreen train esol.csv --target-columns logSolubility --model dmpnn -o esol-model
  drugscreen predict esol-model huge_library.smi.gz -o predictions.parquet
  drugscreen admet huge_library.smi.gz -o admet.parquet --endpoints herg,ames,solubility_aqsoldb
  drugscreen campaign run campaign.toml -o campaign-out
"""

#: Command modules in the order ``--help`` lists them.
COMMANDS = (
    prepare,
    fingerprint,
    db,
    search,
    screen,
    cluster,
    pick,
    vs,
    train,
    predict,
    admet,
    campaign,
    proximity,
    repurpose,
    targets,
    genes,
    synergy,
    demo,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``drugscreen`` argument parser with every command registered."""
    from drugscreen import __version__

    parser = argparse.ArgumentParser(
        prog="drugscreen",
        description="Screening of compound libraries: fingerprint similarity, property models, repurposing.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"drugscreen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars, warnings and errors only"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``drugscreen`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s", stream=sys.stderr)
    logging.getLogger("drugscreen").setLevel(level)
    # SIGTERM (a scheduler's kill, a pipeline's timeout) unwinds like Ctrl-C, so working files
    # are removed; worker processes also exit when they see their parent gone. Signals can only
    # be set from the main thread (main() may be called from another one, e.g. by a server).
    from drugscreen.backends.progress import PROGRESS_ENV
    from drugscreen.errors import DrugscreenError

    # -q switches every progress display off, in this process and the workers it starts
    quiet_before = os.environ.get(PROGRESS_ENV)
    if args.quiet:
        os.environ[PROGRESS_ENV] = "0"
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if in_main else None
    try:
        _refuse_outputs_that_are_inputs(args)
        return int(args.handler(args))
    except (DrugscreenError, OSError, ValueError) as exc:
        # ValueError covers malformed inputs reported by pandas/pyarrow/RDKit
        text = " ".join(str(exc).split()) or type(exc).__name__  # one line, whatever the library wrote
        print(f"drugscreen: error: {text}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        _quiet_shutdown()
        print("drugscreen: interrupted; no partial output was left behind", file=sys.stderr)
        return 130
    except Terminated:
        _quiet_shutdown()
        print("drugscreen: terminated; no partial output was left behind", file=sys.stderr)
        return 143
    except Exception as exc:
        # the last resort: one line, never a traceback (unless asked for with -v), so that a
        # pipeline's log says what broke; every known failure has its own message above
        if args.verbose:
            logging.getLogger("drugscreen").exception("unexpected error")
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        print(
            f"drugscreen: error: unexpected {type(exc).__name__}{': ' + first if first else ''} "
            "(run with -v for the traceback, and please report it)",
            file=sys.stderr,
        )
        return 1
    finally:
        if args.quiet:
            if quiet_before is None:
                os.environ.pop(PROGRESS_ENV, None)
            else:
                os.environ[PROGRESS_ENV] = quiet_before
        if in_main:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


#: Arguments that name what a command writes (files or directories).
OUTPUT_ARGUMENTS = ("output", "out_dir", "out", "surface", "fits", "musyc")


def _refuse_outputs_that_are_inputs(args: argparse.Namespace) -> None:
    """An output naming an existing file or directory that another argument also names (an
    input) would replace the input with the results: refused before any work, for every command."""
    from drugscreen.errors import InputError
    from drugscreen.validate import user_path

    named: list[tuple[str, str]] = []
    for dest, value in vars(args).items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, str | os.PathLike) and item != "-":
                named.append((dest, os.fspath(item)))
    for dest in OUTPUT_ARGUMENTS:
        value = getattr(args, dest, None)
        if not isinstance(value, str | os.PathLike):
            continue
        out = user_path(value)
        if not out.exists():
            continue
        for other, item in named:
            if other == dest:
                continue
            try:
                same = user_path(item).exists() and os.path.samefile(out, user_path(item))
            except (OSError, ValueError):
                same = False
            if same:
                flag = "--" + dest.replace("_", "-")
                raise InputError(
                    f"{flag} {value} is also an input ({other.replace('_', ' ')}): writing it would "
                    "replace that input with the results; give another name"
                )


def _quiet_shutdown() -> None:
    """After an interrupt, joblib warns that its cancelled tasks were cancelled, after drugscreen's
    own clean message: that is expected, and said once by drugscreen."""
    import warnings

    warnings.filterwarnings("ignore", category=UserWarning, module=r"joblib\..*")
    warnings.filterwarnings("ignore", message=r".*tasks? .*cancel", category=UserWarning)


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM (a BaseException, like KeyboardInterrupt)."""


def _terminated(signum: int, frame: object) -> None:
    # schedulers often send SIGTERM more than once: a second one must not cut the cleanup short
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
