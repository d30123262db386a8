"""The ``drugscreen`` command line: :mod:`~drugscreen.cli.main` plus one module per command."""

from drugscreen.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
