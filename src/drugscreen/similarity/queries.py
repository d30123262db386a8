"""Query coercion: SMILES, molecules, arrays or fingerprints into a checked FingerprintArray."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from drugscreen.chem.fingerprints import FingerprintArray, fingerprint
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import InputError, SpecError


def as_fingerprints(obj: Any, spec: FingerprintSpec, what: str = "queries") -> FingerprintArray:
    """Coerce queries to a :class:`FingerprintArray` of ``spec``.

    Accepts a FingerprintArray (its spec must match), SMILES strings, RDKit molecules, a
    ``uint64[n, words]`` array (bits specs) or a CSR matrix (counts specs). Raw arrays carry
    no spec, so only their shape can be checked.
    """
    if isinstance(obj, FingerprintArray):
        spec.check_compatible(obj.spec, what)
        return obj
    if obj is None:
        raise InputError(f"{what} is None: give SMILES strings, RDKit molecules or fingerprints")
    if isinstance(obj, str):
        obj = [obj]
    if isinstance(obj, np.ndarray) and obj.dtype.kind in "biuf":  # numbers: fingerprints (checked)
        if spec.counts:
            raise SpecError(f"{what}: pass count fingerprints as a scipy.sparse matrix or a FingerprintArray")
        return FingerprintArray(spec, np.atleast_2d(obj))
    if sp.issparse(obj):
        if not spec.counts:
            raise SpecError(f"{what}: a sparse matrix was given but the spec is binary ({spec.label})")
        return FingerprintArray(spec, obj)
    if isinstance(obj, np.ndarray):
        obj = obj.tolist()
    if hasattr(obj, "tolist") and not isinstance(obj, Sequence):
        obj = obj.tolist()
    if not isinstance(obj, Iterable):
        raise InputError(
            f"{what} must be SMILES strings, RDKit molecules or fingerprints, got {type(obj).__name__}"
        )
    items = list(obj)
    if items:
        _check_items(items, what)
    return fingerprint(items, spec, n_jobs=1)


def _check_items(items: list[Any], what: str) -> None:
    """All SMILES strings or all RDKit molecules, else an error naming the first odd item."""
    from rdkit import Chem

    expected = "SMILES strings or RDKit molecules"
    kind: type | None = None
    if isinstance(items[0], str):
        kind, expected = str, "SMILES strings"
    elif isinstance(items[0], Chem.Mol):
        kind, expected = Chem.Mol, "RDKit molecules"
    for i, item in enumerate(items):
        if kind is None or not isinstance(item, kind):
            raise InputError(
                f"{what}[{i}] is {type(item).__name__} ({item!r:.40}); expected {expected}, "
                "or pass fingerprints as a FingerprintArray"
            )


def require_fingerprint_array(obj: Any, what: str) -> FingerprintArray:
    """``obj`` itself if it is a :class:`FingerprintArray`, else an error saying how to make one."""
    if not isinstance(obj, FingerprintArray):
        raise InputError(
            f"{what} must be a FingerprintArray (it carries the fingerprint spec), got "
            f"{type(obj).__name__}: make one with ds.fingerprint(smiles, spec)"
        )
    return obj
