"""One unparsed input record, and the text checks every reader applies to it (binary junk,
control characters in ids), kept apart from the readers so that any module can take records
without importing them."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Control characters (tab, newline and carriage return excepted) and U+FFFD, which stands for
#: bytes that were not UTF-8: no SMILES or mol block contains them; a binary file read as
#: text does.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class RawRecord:
    """One unparsed input record.

    Attributes
    ----------
    row : int
        0-based record number in the source (bad records count too).
    line : int or None
        1-based line of the file where the record starts (None for in-memory input and Parquet).
    id : str or None
        Identifier from the source, if it has one.
    text : str
        SMILES string or MDL mol block.
    fmt : str
        ``"smiles"`` or ``"molblock"``.
    error : str or None
        Why the record is unusable before any parsing (e.g. a malformed CSV row).
    """

    row: int
    line: int | None
    id: str | None
    text: str
    fmt: str = "smiles"
    error: str | None = None

    @property
    def where(self) -> str:
        """Location for messages, e.g. ``row 12 (line 14)``."""
        return f"row {self.row}" + (f" (line {self.line})" if self.line is not None else "")


def escaped(text: str) -> str:
    """Printable form of unusable text for the rejects file (first 80 characters)."""
    return text[:80].encode("unicode_escape").decode("ascii")


def clean_id(ident: str) -> str:
    """An id with control characters escaped (as backslash codes) so it prints and stores
    safely; ids with bytes that were not UTF-8 keep U+FFFD in their place."""
    return escaped(ident) if _CONTROL.search(ident) else ident


def text_error(text: str) -> str | None:
    """Why ``text`` cannot be a molecule record (binary bytes), or None."""
    bad = _NOT_TEXT.search(text)
    if bad is None:
        return None
    return f"not text: character {bad.group()!r} at position {bad.start()} (binary data or not UTF-8)"
