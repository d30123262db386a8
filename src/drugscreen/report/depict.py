"""Structure depictions as inline SVG (RDKit's drawer), with structural alerts highlighted."""

from __future__ import annotations

import re
from typing import Any

#: Colours of highlighted alert atoms (one per alert, cycling), light enough to read atoms on.
ALERT_COLOURS = ((1.0, 0.6, 0.6), (1.0, 0.8, 0.4), (0.6, 0.8, 1.0), (0.7, 0.9, 0.6), (0.9, 0.7, 1.0))
_HEADER = re.compile(r"<\?xml[^>]*\?>\s*")
#: Coordinates to one decimal (a tenth of a pixel) and runs of spaces.
_DIGITS = re.compile(r"(\d+\.\d)\d+")
_SPACES = re.compile(r"\s+")
_STYLE = re.compile(r"style='([^']*)'")
_COMMENT = re.compile(r"<!--.*?-->")
_ROOT_NOISE = re.compile(r" (?:version|baseProfile|xml:space|xmlns:rdkit|xmlns:xlink)='[^']*'")
#: Style values that are SVG's defaults anyway.
_DEFAULTS = {
    "stroke-linecap": "butt",
    "stroke-linejoin": "miter",
    "stroke-opacity": "1",
    "fill-opacity": "1",
    "opacity": "1.0",
    "font-style": "normal",
    "font-weight": "normal",
}
#: Dropped whatever their value: nothing RDKit draws in a depiction needs them.
_DROPPED = ("fill-rule",)


def _attributes(match: re.Match[str]) -> str:
    """``style='a:b;c:d'`` as presentation attributes ``a='b' c='d'``, defaults dropped: a
    third of the bytes, and a script can recolour one bond by setting its ``stroke``."""
    pairs = (item.split(":", 1) for item in match[1].split(";") if ":" in item)
    return " ".join(f"{k}='{v}'" for k, v in pairs if _DEFAULTS.get(k) != v and k not in _DROPPED)


def compact_svg(text: str) -> str:
    """RDKit's SVG without its XML header, comments, unused namespaces and verbose styles."""
    text = _COMMENT.sub("", _HEADER.sub("", text))
    text = _ROOT_NOISE.sub("", _STYLE.sub(_attributes, text))
    return _SPACES.sub(" ", _DIGITS.sub(r"\1", text)).strip()


def depict(mol: Any, width: int = 220, height: int = 160, highlight: list[list[int]] | None = None) -> str:
    """An SVG of ``mol`` (an RDKit molecule or SMILES); ``highlight``: atom lists, one colour each.

    Returns an empty string for a molecule that cannot be read or drawn.
    """
    from rdkit import Chem, rdBase
    from rdkit.Chem.Draw import rdMolDraw2D

    with rdBase.BlockLogs():
        if isinstance(mol, str):
            mol = Chem.MolFromSmiles(mol)
        if mol is None:
            return ""
        try:
            prepared = rdMolDraw2D.PrepareMolForDrawing(mol)
        except Exception:  # RDKit cannot lay out a few exotic valences: draw nothing, keep going
            return ""
        # noFreetype: atom labels as <text> (the browser's font), not as glyph outlines
        drawer = rdMolDraw2D.MolDraw2DSVG(width, height, -1, -1, True)
        options = drawer.drawOptions()
        options.clearBackground = False  # type: ignore[assignment]  # RDKit's stubs type it wrongly
        options.fixedBondLength = 25  # type: ignore[assignment]
        atoms: list[int] = []
        colours: dict[int, tuple[float, float, float]] = {}
        for i, group in enumerate(highlight or []):
            for atom in group:
                if atom not in colours:
                    colours[atom] = ALERT_COLOURS[i % len(ALERT_COLOURS)]
                    atoms.append(atom)
        bonds, bond_colours = [], {}
        for bond in prepared.GetBonds():
            a, b = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
            if a in colours and colours[a] == colours.get(b):
                bonds.append(bond.GetIdx())
                bond_colours[bond.GetIdx()] = colours[a]
        drawer.DrawMolecule(
            prepared,
            highlightAtoms=atoms,
            highlightAtomColors=colours,
            highlightBonds=bonds,
            highlightBondColors=bond_colours,
        )
        drawer.FinishDrawing()
    return compact_svg(drawer.GetDrawingText())


def alerts_with_atoms(smiles: str) -> list[dict[str, Any]]:
    """PAINS, Brenk and NIH alerts of a molecule with the atoms each matched."""
    from rdkit import Chem, rdBase

    from drugscreen.chem.filters import alert_matches

    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        return []
    return [
        {"name": f"{family}:{name}", "atoms": atoms}
        for family in ("pains", "brenk", "nih")
        for name, atoms in alert_matches(mol, family)
    ]
