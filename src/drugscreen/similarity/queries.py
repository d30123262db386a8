"""Query coercion: SMILES, molecules, arrays or fingerprints into a checked FingerprintArray."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from drugscreen.chem.fingerprints import FingerprintArray, fingerprint
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import SpecError


def as_fingerprints(obj: Any, spec: FingerprintSpec, what: str = "queries") -> FingerprintArray:
    """Coerce queries to a :class:`FingerprintArray` of ``spec``.

    Accepts a FingerprintArray (its spec must match), SMILES strings, RDKit molecules, a
    ``uint64[n, words]`` array (bits specs) or a CSR matrix (counts specs). Raw arrays carry
    no spec, so only their shape can be checked.
    """
    if isinstance(obj, FingerprintArray):
        spec.check_compatible(obj.spec, what)
        return obj
    if isinstance(obj, str):
        obj = [obj]
    if isinstance(obj, np.ndarray) and obj.dtype != object and obj.dtype.kind != "U":
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
    return fingerprint(list(obj), spec, n_jobs=1)
