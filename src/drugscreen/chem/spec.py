"""Fingerprint specifications: what a fingerprint array or database was computed with."""

from __future__ import annotations

import logging
import numbers
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from drugscreen.errors import SpecError

logger = logging.getLogger("drugscreen")

#: Canonical kind names and the aliases users type.
KIND_ALIASES = {
    "morgan": "morgan",
    "ecfp": "morgan",
    "feature-morgan": "feature-morgan",
    "fcfp": "feature-morgan",
    "rdkit": "rdkit",
    "path": "rdkit",
    "atom-pair": "atom-pair",
    "atompair": "atom-pair",
    "ap": "atom-pair",
    "torsion": "torsion",
    "topological-torsion": "torsion",
    "tt": "torsion",
    "maccs": "maccs",
}
KINDS = ("morgan", "feature-morgan", "rdkit", "atom-pair", "torsion", "maccs")
MACCS_NBITS = 167


@dataclass(frozen=True)
class FingerprintSpec:
    """How fingerprints are computed; stored with every array and database.

    Parameters
    ----------
    kind : str
        ``"morgan"`` (ECFP), ``"feature-morgan"`` (FCFP), ``"rdkit"`` (path), ``"atom-pair"``,
        ``"torsion"`` (topological torsion) or ``"maccs"``. Aliases such as ``"ecfp"`` work.
    radius : int
        Morgan radius (2 gives ECFP4). Ignored (stored as 0) for other kinds.
    nbits : int
        Folded length. MACCS keys always have 167 bits.
    counts : bool
        Count fingerprints (sum-of-minima Tanimoto) instead of bits. Not for MACCS.
    chirality : bool
        Include chirality in atom invariants (Morgan, atom pair, torsion).
    min_path, max_path : int
        Path lengths of the RDKit path fingerprint. Ignored (stored as 0) for other kinds.
    rdkit_version : str or None
        RDKit version the fingerprints were made with. Informational: a different version
        is logged as a warning but does not block comparison.

    Examples
    --------
    >>> FingerprintSpec("ecfp", radius=2, nbits=2048)
    FingerprintSpec(kind='morgan', radius=2, nbits=2048, counts=False, chirality=False, min_path=0, max_path=0, rdkit_version=None)
    """

    kind: str = "morgan"
    radius: int = 2
    nbits: int = 2048
    counts: bool = False
    chirality: bool = False
    min_path: int = 1
    max_path: int = 7
    rdkit_version: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for name in ("radius", "nbits", "min_path", "max_path"):
            value = getattr(self, name)
            # 2.5 or "2048" would otherwise be truncated or parsed silently
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise SpecError(f"FingerprintSpec {name} must be an integer, got {value!r}")
        for name in ("counts", "chirality"):
            value = getattr(self, name)
            # 0 and 1 are fine (a grid search's [0, 1]); "yes" or 2 are mistakes
            if not isinstance(value, bool | np.bool_) and not (
                isinstance(value, numbers.Integral) and value in (0, 1)
            ):
                raise SpecError(f"FingerprintSpec {name} must be True or False, got {value!r}")
        if not isinstance(self.kind, str):
            raise SpecError(f"FingerprintSpec kind must be a string such as 'morgan', got {self.kind!r}")
        kind = KIND_ALIASES.get(str(self.kind).lower())
        if kind is None:
            raise SpecError(f"unknown fingerprint kind {self.kind!r}; choose one of {', '.join(KINDS)}")
        set_ = object.__setattr__
        set_(self, "kind", kind)
        if kind not in ("morgan", "feature-morgan"):
            set_(self, "radius", 0)
        elif int(self.radius) < 0:
            raise SpecError(f"Morgan radius must be >= 0, got {self.radius}")
        if kind != "rdkit":
            set_(self, "min_path", 0)
            set_(self, "max_path", 0)
        elif self.chirality:
            raise SpecError("the RDKit path fingerprint has no chirality option")
        elif not 1 <= int(self.min_path) <= int(self.max_path):
            raise SpecError(f"need 1 <= min_path <= max_path, got {self.min_path}, {self.max_path}")
        if kind == "maccs":
            if self.counts:
                raise SpecError("MACCS keys are bits only: counts=True is not available")
            set_(self, "nbits", MACCS_NBITS)
            set_(self, "chirality", False)
        if not 1 <= int(self.nbits) <= 2**20:
            raise SpecError(f"nbits must be between 1 and 2**20, got {self.nbits}")
        for name in ("radius", "nbits", "min_path", "max_path"):
            set_(self, name, int(getattr(self, name)))
        set_(self, "counts", bool(self.counts))
        set_(self, "chirality", bool(self.chirality))

    @property
    def words(self) -> int:
        """Number of 64-bit words of one packed binary fingerprint."""
        return -(-self.nbits // 64)

    @property
    def label(self) -> str:
        """Short human-readable name, e.g. ``morgan r2 2048 bits``."""
        parts = [self.kind]
        if self.radius:
            parts.append(f"r{self.radius}")
        if self.kind == "rdkit":
            parts.append(f"paths {self.min_path}-{self.max_path}")
        parts.append(f"{self.nbits} {'counts' if self.counts else 'bits'}")
        if self.chirality:
            parts.append("chiral")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (inverse of :meth:`from_dict`)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FingerprintSpec:
        """Build a spec from :meth:`to_dict` output; unknown keys are an error."""
        if not isinstance(data, dict):
            raise SpecError(f"a fingerprint spec must be a mapping of its fields, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise SpecError(f"unknown fingerprint spec field(s): {', '.join(sorted(unknown))}")
        return cls(**data)

    def check_compatible(self, other: FingerprintSpec, what: str = "fingerprints") -> None:
        """Raise :class:`SpecError` unless ``other`` describes the same fingerprint."""
        if self != other:
            raise SpecError(
                f"{what} were computed with a different fingerprint spec: "
                f"expected {self.label!r}, got {other.label!r}. Recompute them with the database's spec."
            )
        if self.rdkit_version and other.rdkit_version and self.rdkit_version != other.rdkit_version:
            logger.warning(
                "comparing fingerprints made with RDKit %s and %s; bits may differ slightly",
                self.rdkit_version,
                other.rdkit_version,
            )
