"""Several fingerprint kinds of the same molecules from one parse of each molecule.

Comparing fingerprint kinds (a virtual-screening benchmark, a feature search) needs every
kind of every molecule. Parsing and sanitising a SMILES often costs as much as one
fingerprint, so each molecule is parsed once in a worker process and all specs are computed
from that molecule.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from drugscreen.backends.parallel import resolve_n_jobs
from drugscreen.chem.fingerprints import FingerprintArray, _fingerprinter, words_from_hex
from drugscreen.chem.io import parse_record
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import InputError

#: Molecules per worker task: large enough to amortise the task, small enough to balance load.
CHUNK = 2_000


def fingerprint_specs(
    smiles: Sequence[str], specs: Sequence[FingerprintSpec], *, n_jobs: int | None = -1
) -> tuple[list[FingerprintArray], npt.NDArray[np.bool_]]:
    """Fingerprints of ``smiles`` for each spec, and which SMILES parsed.

    Parameters
    ----------
    smiles : sequence of str
        SMILES strings.
    specs : sequence of FingerprintSpec
        The kinds wanted.
    n_jobs : int
        Worker processes (-1 = all cores); inputs under 2,000 molecules run in this process.

    Returns
    -------
    arrays : list of FingerprintArray
        One per spec, one row per SMILES (all zero where it did not parse).
    parsed : ndarray of bool
        Which SMILES parsed. Rows of every array equal :func:`drugscreen.fingerprint`'s.

    Examples
    --------
    >>> arrays, parsed = fingerprint_specs(["CCO", "not a smiles"], [FingerprintSpec(), FingerprintSpec("maccs")])
    >>> [a.data.shape for a in arrays], parsed.tolist()
    ([(2, 32), (2, 3)], [True, False])
    """
    if not all(isinstance(s, FingerprintSpec) for s in specs):
        raise InputError("specs must be FingerprintSpec objects")
    texts = [str(s) for s in smiles]
    dicts = [spec.to_dict() for spec in specs]
    chunks = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
    workers = min(resolve_n_jobs(n_jobs), len(chunks))
    if workers <= 1:
        results = [_batch(dicts, chunk) for chunk in chunks]
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=workers)(delayed(_batch)(dicts, chunk) for chunk in chunks)
    parsed = np.zeros(len(texts), dtype=np.bool_)
    arrays = []
    offsets = np.cumsum([0] + [len(c) for c in chunks])
    for s, spec in enumerate(specs):
        rows = [offsets[i] + np.asarray(ok, dtype=np.int64) for i, (ok, _) in enumerate(results)]
        parts = [data[s] for _, data in results]
        where = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        if spec.counts:
            out: Any = sp.lil_matrix((len(texts), spec.nbits), dtype=np.uint32)
            if len(where):
                out[where] = sp.vstack(parts)
            arrays.append(FingerprintArray(spec, sp.csr_matrix(out)))
        else:
            bits = np.zeros((len(texts), spec.words), dtype=np.uint64)
            if len(where):
                bits[where] = np.concatenate(parts)
            arrays.append(FingerprintArray(spec, bits))
        parsed[where] = True
    return arrays, parsed


def _batch(spec_dicts: list[dict[str, Any]], texts: list[str]) -> tuple[list[int], list[Any]]:
    """Worker task: parse each text once, fingerprint it with every spec."""
    specs = [FingerprintSpec.from_dict(d) for d in spec_dicts]
    fpers = [_fingerprinter(spec) for spec in specs]
    ok: list[int] = []
    rows: list[list[Any]] = [[] for _ in specs]
    for pos, text in enumerate(texts):
        mol, _ = parse_record(text)
        if mol is None:
            continue
        ok.append(pos)
        for s, (spec, fper) in enumerate(zip(specs, fpers, strict=True)):
            rows[s].append(fper.counts(mol) if spec.counts else fper.hex_words(mol))
    data: list[Any] = []
    for spec, spec_rows in zip(specs, rows, strict=True):
        if spec.counts:
            dense = np.stack(spec_rows) if spec_rows else np.zeros((0, spec.nbits), dtype=np.uint32)
            data.append(sp.csr_matrix(dense.astype(np.uint32, copy=False)))
        else:
            data.append(words_from_hex(spec_rows, spec.words))
    return ok, data
