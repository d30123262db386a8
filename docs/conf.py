"""Sphinx configuration of the drugscreen documentation (``make docs``).

The build is offline and warning-free: every cross-reference must resolve (``-n -W``).
References into Python, NumPy, pandas, SciPy and RDKit resolve through the small inventories
in ``_inventories/`` (written by ``_inventories/make_inventories.py``; they list only the names
these pages use, with the URLs of the projects' own documentation), since the build machine
has no internet to fetch the full ones.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import drugscreen  # noqa: E402

project = "drugscreen"
author = "drugscreen developers"
copyright = "2026, drugscreen developers"
release = drugscreen.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "numpydoc",
]

autosummary_generate = True
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
nitpicky = True

intersphinx_mapping = {
    name: (url, str(HERE / "_inventories" / f"{name}.inv"))
    for name, url in {
        "python": "https://docs.python.org/3/",
        "numpy": "https://numpy.org/doc/stable/",
        "pandas": "https://pandas.pydata.org/docs/",
        "scipy": "https://docs.scipy.org/doc/scipy/",
        "rdkit": "https://www.rdkit.org/docs/",
    }.items()
}

html_theme = "furo"
html_title = f"drugscreen {release}"
templates_path = ["_templates"]
exclude_patterns = ["_build", "_inventories", "_generated/*.txt"]


def _write_cli_help(app: object) -> None:
    """Write ``--help`` of every command, so the CLI page always shows the real options."""
    import contextlib
    import io

    from drugscreen.cli.main import build_parser

    out = HERE / "_generated"
    out.mkdir(exist_ok=True)
    commands = [
        [],
        ["prepare"],
        ["fingerprint"],
        ["db", "build"],
        ["db", "append"],
        ["db", "info"],
        ["db", "verify"],
        ["search"],
        ["screen"],
        ["cluster"],
        ["pick"],
        ["vs-eval"],
        ["train"],
        ["predict"],
        ["proximity"],
        ["repurpose"],
        ["repurpose", "metapaths"],
        ["repurpose", "dwpc"],
        ["repurpose", "predict"],
        ["repurpose", "explain"],
        ["targets"],
        ["synergy"],
        ["demo"],
    ]
    for argv in commands:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.suppress(SystemExit):
            build_parser().parse_args([*argv, "--help"])
        name = "-".join(argv) or "drugscreen"
        text = buffer.getvalue()
        target = out / f"{name}.txt"
        if not target.exists() or target.read_text() != text:
            target.write_text(text)


def _skip_metadata_routing(
    app: object, what: str, name: str, obj: object, skip: bool, options: object
) -> bool | None:
    """scikit-learn adds ``set_*_request`` methods to every estimator subclass: not our API."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app: object) -> None:
    app.connect("builder-inited", _write_cli_help)  # type: ignore[attr-defined]
    app.connect("autodoc-skip-member", _skip_metadata_routing)  # type: ignore[attr-defined]
