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

from drugscreen.chem.batches import Text, map_batches, parse_texts
from drugscreen.chem.fingerprints import FingerprintArray, _fingerprinter, words_from_hex
from drugscreen.chem.io import iter_records
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.errors import InputError


def fingerprint_specs(
    smiles: Sequence[str],
    specs: Sequence[FingerprintSpec],
    *,
    n_jobs: int | None = -1,
    progress: bool = False,
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
    progress : bool
        Show a progress bar.

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
    records = list(iter_records([str(s) for s in smiles]))
    dicts = [spec.to_dict() for spec in specs]
    parsed = np.zeros(len(records), dtype=np.bool_)
    rows: list[np.ndarray] = []
    parts: list[list[Any]] = []
    for batch, (ok, data) in map_batches(
        _batch, records, (dicts,), n_jobs=n_jobs, progress=progress, desc="fingerprinting"
    ):
        rows.append(np.asarray([batch[i].row for i in ok], dtype=np.int64))
        parts.append(data)
    where = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    parsed[where] = True
    arrays = []
    for s, spec in enumerate(specs):
        pieces = [data[s] for data in parts]
        if spec.counts:
            out: Any = sp.lil_matrix((len(records), spec.nbits), dtype=np.uint32)
            if len(where):
                out[where] = sp.vstack(pieces)
            arrays.append(FingerprintArray(spec, sp.csr_matrix(out)))
        else:
            bits = np.zeros((len(records), spec.words), dtype=np.uint64)
            if len(where):
                bits[where] = np.concatenate(pieces)
            arrays.append(FingerprintArray(spec, bits))
    return arrays, parsed


def _batch(items: list[Text], spec_dicts: list[dict[str, Any]]) -> tuple[list[int], list[Any]]:
    """Worker task: parse each record once, fingerprint it with every spec."""
    specs = [FingerprintSpec.from_dict(d) for d in spec_dicts]
    fpers = [_fingerprinter(spec) for spec in specs]
    ok: list[int] = []
    rows: list[list[Any]] = [[] for _ in specs]
    for pos, (mol, _) in enumerate(parse_texts(items)):
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
