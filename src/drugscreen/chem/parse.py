"""Parsing raw records into RDKit molecules, with the reason when a record does not parse.

:func:`parse_record` is what every worker process calls on the text of a
:class:`~drugscreen.chem.io.RawRecord`; :func:`read_molecules` streams parsed molecules
(``MolRecord.mol`` or ``MolRecord.error``) in one process.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from drugscreen.chem.io import iter_records


@dataclass(frozen=True)
class MolRecord:
    """A parsed record: ``mol`` is an RDKit molecule, or None with the reason in ``error``."""

    row: int
    line: int | None
    id: str | None
    mol: Any
    error: str | None


def parse_record(text: str, fmt: str = "smiles") -> tuple[Any, str | None]:
    """Parse one SMILES or mol block; returns ``(mol, None)`` or ``(None, reason)``.

    The fast path is RDKit's normal parse. Only when it fails is the record parsed again
    without sanitisation to find out *why* (syntax error vs. chemistry problem).
    """
    from rdkit import Chem, rdBase

    if not text:
        return None, "empty record"
    # RDKit logs parse errors to stderr; we report them per record instead. BlockLogs silences
    # them only for this call, so the host's own RDKit logging is left as it was.
    with rdBase.BlockLogs():
        return _parse(Chem, text, fmt)


def _parse(Chem: Any, text: str, fmt: str) -> tuple[Any, str | None]:
    if fmt == "smiles":
        mol = Chem.MolFromSmiles(text)
        if mol is not None:
            return mol, None
        raw = Chem.MolFromSmiles(text, sanitize=False)
    else:
        mol = Chem.MolFromMolBlock(text)
        if mol is not None:
            return mol, None
        raw = Chem.MolFromMolBlock(text, sanitize=False)
    if raw is None:
        return None, f"unparseable {'SMILES' if fmt == 'smiles' else 'mol block'}"
    try:
        Chem.SanitizeMol(raw)
    except Exception as exc:  # RDKit raises MolSanitizeException subclasses
        return None, f"sanitization failed: {exc}"
    return None, "RDKit could not build the molecule"


def read_molecules(source: str | os.PathLike[str] | Iterable[str], **kwargs: Any) -> Iterator[MolRecord]:
    """Stream parsed molecules; bad records come back with ``mol=None`` and a reason.

    Takes the same arguments as :func:`iter_records`.

    Examples
    --------
    >>> [r.error for r in read_molecules(["CCO", "C1CC"])]
    [None, 'unparseable SMILES']
    """
    for rec in iter_records(source, **kwargs):
        mol, error = (None, rec.error) if rec.error else parse_record(rec.text, rec.fmt)
        yield MolRecord(rec.row, rec.line, rec.id, mol, error)
