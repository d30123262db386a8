"""Write the small intersphinx inventories the offline docs build resolves references with.

Each entry is a real object of the project's documentation with its real URL, so the links
work when the pages are read online. Add a line here when a page references a new name, then
run ``python docs/_inventories/make_inventories.py``.
"""

from __future__ import annotations

import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

INVENTORIES: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "python": (
        "Python",
        [
            ("int", "py:class", "library/functions.html#int"),
            ("float", "py:class", "library/functions.html#float"),
            ("str", "py:class", "library/stdtypes.html#str"),
            ("bool", "py:class", "library/functions.html#bool"),
            ("list", "py:class", "library/stdtypes.html#list"),
            ("dict", "py:class", "library/stdtypes.html#dict"),
            ("tuple", "py:class", "library/stdtypes.html#tuple"),
            ("pathlib.Path", "py:class", "library/pathlib.html#pathlib.Path"),
            ("os.PathLike", "py:class", "library/os.html#os.PathLike"),
            ("ValueError", "py:exc", "library/exceptions.html#ValueError"),
            ("Exception", "py:exc", "library/exceptions.html#Exception"),
            ("logging", "py:module", "library/logging.html#module-logging"),
        ],
    ),
    "numpy": (
        "NumPy",
        [
            ("numpy.ndarray", "py:class", "reference/generated/numpy.ndarray.html#numpy.ndarray"),
            ("numpy.uint64", "py:attribute", "reference/arrays.scalars.html#numpy.uint64"),
            ("numpy.memmap", "py:class", "reference/generated/numpy.memmap.html#numpy.memmap"),
            ("numpy.load", "py:function", "reference/generated/numpy.load.html#numpy.load"),
        ],
    ),
    "pandas": (
        "pandas",
        [
            ("pandas.DataFrame", "py:class", "reference/api/pandas.DataFrame.html#pandas.DataFrame"),
        ],
    ),
    "scipy": (
        "SciPy",
        [
            (
                "scipy.sparse.csr_matrix",
                "py:class",
                "reference/generated/scipy.sparse.csr_matrix.html#scipy.sparse.csr_matrix",
            ),
        ],
    ),
    "rdkit": (
        "RDKit",
        [
            ("rdkit.Chem.rdchem.Mol", "py:class", "source/rdkit.Chem.rdchem.html#rdkit.Chem.rdchem.Mol"),
            (
                "rdkit.DataStructs.cDataStructs.ExplicitBitVect",
                "py:class",
                "source/rdkit.DataStructs.cDataStructs.html#rdkit.DataStructs.cDataStructs.ExplicitBitVect",
            ),
            (
                "rdkit.Chem.rdFingerprintGenerator",
                "py:module",
                "source/rdkit.Chem.rdFingerprintGenerator.html#module-rdkit.Chem.rdFingerprintGenerator",
            ),
        ],
    ),
}


def write(name: str, project: str, entries: list[tuple[str, str, str]]) -> None:
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        "# Version: \n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(f"{obj} {role} 1 {uri} -\n" for obj, role, uri in entries)
    (HERE / f"{name}.inv").write_bytes(header.encode() + zlib.compress(body.encode()))


if __name__ == "__main__":
    for inv_name, (project_name, items) in INVENTORIES.items():
        write(inv_name, project_name, items)
