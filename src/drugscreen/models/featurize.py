"""Molecules as graph arrays: atom and bond features, directed edges, in flat NumPy arrays.

A :class:`MolGraphs` holds a whole data set compactly: per atom the *positions* of its
one-hot features (``int16``) and its mass, per bond the positions of its features and its two
atoms, and CSR-style pointers from molecules to their atoms and bonds. That is about 20 bytes
an atom, so a million drug-sized molecules fit in about 600 MB and cache to one ``.npz``.
:meth:`MolGraphs.batch` expands a set of molecules into the float arrays a network reads (the
layout of ARCHITECTURE.md "Molecule graphs") with NumPy indexing, no Python loop per atom.

The features are those of chemprop v2's default featurizer (Yang et al. 2019, Heid et al. 2024):
atoms one-hot over element (H..Kr and I), degree, formal charge, chirality, hydrogen count and
hybridisation, each with an "other" slot, plus aromaticity and mass / 100 (72 values); bonds
one-hot over type, conjugation, ring membership and stereo, plus a leading zero kept for the
"no bond" slot of atom-initialised messages (14 values).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

logger = logging.getLogger("drugscreen")

#: Bumped whenever the features change: models and caches record it, and refuse another.
FEATURIZER_VERSION = "graph-v1"

_ELEMENTS = [*range(1, 37), 53]
_DEGREES = [0, 1, 2, 3, 4, 5]
_CHARGES = [-1, -2, 1, 2, 0]
_CHIRAL = [0, 1, 2, 3]
_HYDROGENS = [0, 1, 2, 3, 4]
_HYBRID_NAMES = ["S", "SP", "SP2", "SP2D", "SP3", "SP3D", "SP3D2"]
_BOND_NAMES = ["SINGLE", "DOUBLE", "TRIPLE", "AROMATIC"]
_STEREO = [0, 1, 2, 3, 4, 5]

#: One-hot blocks of the atom vector, in order; each block has an extra "other" slot.
_ATOM_BLOCKS: tuple[Sequence[Any], ...] = (_ELEMENTS, _DEGREES, _CHARGES, _CHIRAL, _HYDROGENS, _HYBRID_NAMES)


def _offsets(blocks: Sequence[Sequence[Any]]) -> list[int]:
    out, start = [], 0
    for block in blocks:
        out.append(start)
        start += len(block) + 1
    return out + [start]


_ATOM_OFFSETS = _offsets(_ATOM_BLOCKS)
#: Atom feature length: the one-hot blocks, then aromatic, then mass / 100.
ATOM_DIM = _ATOM_OFFSETS[-1] + 2
#: Bond feature length: the "no bond" slot, type (4), conjugated, in ring, stereo (6 + other).
BOND_DIM = 1 + len(_BOND_NAMES) + 2 + len(_STEREO) + 1
_BOND_TYPE0 = 1
_BOND_CONJ = _BOND_TYPE0 + len(_BOND_NAMES)
_BOND_RING = _BOND_CONJ + 1
_BOND_STEREO0 = _BOND_RING + 1


def _lookup(values: Sequence[Any], offset: int) -> dict[Any, int]:
    return {v: offset + i for i, v in enumerate(values)}


class _Tables:
    """Value -> feature position maps, built once per process (RDKit enums need the import)."""

    def __init__(self) -> None:
        from rdkit import Chem

        self.blocks = [_lookup(b, o) for b, o in zip(_ATOM_BLOCKS[:5], _ATOM_OFFSETS, strict=False)]
        self.other = [o + len(b) for b, o in zip(_ATOM_BLOCKS, _ATOM_OFFSETS, strict=False)]
        hybrid = [getattr(Chem.HybridizationType, name) for name in _HYBRID_NAMES]
        self.hybrid = _lookup(hybrid, _ATOM_OFFSETS[5])
        bond_types = [getattr(Chem.BondType, name) for name in _BOND_NAMES]
        self.bond_type = _lookup(bond_types, _BOND_TYPE0)


_tables: _Tables | None = None


def _get_tables() -> _Tables:
    global _tables
    if _tables is None:
        _tables = _Tables()
    return _tables


@dataclass
class GraphBatch:
    """Float arrays of a batch of molecules, as a network reads them.

    ``edge_index[:, 2b]`` is bond *b* from its first to its second atom and ``2b + 1`` the
    reverse, so the reverse of edge ``e`` is ``e ^ 1`` (:attr:`rev_index`).
    """

    atom_features: np.ndarray  # float32[n_atoms, ATOM_DIM]
    bond_features: np.ndarray  # float32[2 * n_bonds, BOND_DIM], one row per directed edge
    edge_index: np.ndarray  # int64[2, 2 * n_bonds]: source atom, target atom
    rev_index: np.ndarray  # int64[2 * n_bonds]
    atom_to_mol: np.ndarray  # int64[n_atoms]
    n_mols: int


@dataclass
class MolGraphs:
    """A data set of molecule graphs, compact; ``batch`` expands a subset to float arrays.

    Molecules that could not be featurised have no atoms; ``errors`` says why (None where
    the molecule is fine) and ``valid`` marks the good ones.
    """

    atom_hot: np.ndarray  # int16[n_atoms, 6]: feature positions of the one-hot blocks
    atom_aromatic: np.ndarray  # bool[n_atoms]
    atom_mass: np.ndarray  # float32[n_atoms], mass / 100
    bond_hot: np.ndarray  # int16[n_bonds, 4]: type, conjugated, ring, stereo (-1 = off)
    bond_atoms: np.ndarray  # int32[n_bonds, 2]: atoms, numbered within their molecule
    atom_ptr: np.ndarray  # int64[n_mols + 1]
    bond_ptr: np.ndarray  # int64[n_mols + 1]
    errors: list[str | None] = field(default_factory=list)
    version: str = FEATURIZER_VERSION

    def __len__(self) -> int:
        return len(self.atom_ptr) - 1

    @property
    def valid(self) -> np.ndarray:
        """bool per molecule: featurised (it has a graph)."""
        return np.array([e is None for e in self.errors], dtype=bool)

    def batch(self, index: Sequence[int] | np.ndarray) -> GraphBatch:
        """The float arrays of molecules ``index`` (in that order)."""
        index = np.asarray(index, dtype=np.int64)
        atoms, atom_counts = _ranges(self.atom_ptr, index)
        bonds, bond_counts = _ranges(self.bond_ptr, index)
        n_atoms, n_bonds = len(atoms), len(bonds)

        x = np.zeros((n_atoms, ATOM_DIM), dtype=np.float32)
        hot = self.atom_hot[atoms]
        x[np.arange(n_atoms)[:, None], hot] = 1.0
        x[:, ATOM_DIM - 2] = self.atom_aromatic[atoms]
        x[:, ATOM_DIM - 1] = self.atom_mass[atoms]

        # each bond twice (both directions), positions -1 send their 1 to a spare column
        edge_attr = np.zeros((2 * n_bonds, BOND_DIM + 1), dtype=np.float32)
        bhot = np.repeat(self.bond_hot[bonds], 2, axis=0)
        edge_attr[np.arange(2 * n_bonds)[:, None], bhot] = 1.0
        edge_attr = edge_attr[:, :BOND_DIM]

        first_atom = np.repeat(np.cumsum(atom_counts) - atom_counts, bond_counts)
        ends = self.bond_atoms[bonds].astype(np.int64) + first_atom[:, None]
        edge_index = np.empty((2, 2 * n_bonds), dtype=np.int64)
        edge_index[0, 0::2], edge_index[1, 0::2] = ends[:, 0], ends[:, 1]
        edge_index[0, 1::2], edge_index[1, 1::2] = ends[:, 1], ends[:, 0]
        rev = np.arange(2 * n_bonds, dtype=np.int64) ^ 1
        atom_to_mol = np.repeat(np.arange(len(index), dtype=np.int64), atom_counts)
        return GraphBatch(
            np.ascontiguousarray(x), np.ascontiguousarray(edge_attr), edge_index, rev, atom_to_mol, len(index)
        )

    def subset(self, keep: Sequence[int] | np.ndarray) -> MolGraphs:
        """The molecules ``keep`` as their own :class:`MolGraphs` (self when all are kept)."""
        keep = np.asarray(keep, dtype=np.int64)
        if len(keep) == len(self) and np.array_equal(keep, np.arange(len(self))):
            return self
        atoms, atom_counts = _ranges(self.atom_ptr, keep)
        bonds, bond_counts = _ranges(self.bond_ptr, keep)
        return MolGraphs(
            atom_hot=self.atom_hot[atoms],
            atom_aromatic=self.atom_aromatic[atoms],
            atom_mass=self.atom_mass[atoms],
            bond_hot=self.bond_hot[bonds],
            bond_atoms=self.bond_atoms[bonds],
            atom_ptr=_pointers(atom_counts),
            bond_ptr=_pointers(bond_counts),
            errors=[self.errors[i] for i in keep],
        )

    def save(self, path: Any) -> None:
        """Write to ``path`` (``.npz``) under a temporary name, then rename."""
        import os

        tmp = f"{os.fspath(path)}.tmp.npz"
        errors = np.array(["" if e is None else e for e in self.errors], dtype=object)
        np.savez(
            tmp,
            atom_hot=self.atom_hot,
            atom_aromatic=self.atom_aromatic,
            atom_mass=self.atom_mass,
            bond_hot=self.bond_hot,
            bond_atoms=self.bond_atoms,
            atom_ptr=self.atom_ptr,
            bond_ptr=self.bond_ptr,
            errors=errors.astype(str),
            has_error=np.array([e is not None for e in self.errors]),
            version=np.array(self.version),
        )
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Any) -> MolGraphs:
        """Read what :meth:`save` wrote; a file of another featurizer version is refused."""
        from drugscreen.errors import InputError

        try:
            with np.load(path, allow_pickle=False) as z:
                version = str(z["version"])
                if version != FEATURIZER_VERSION:
                    raise InputError(
                        f"{path}: graphs of featurizer {version!r}, this drugscreen makes "
                        f"{FEATURIZER_VERSION!r}; delete the cache file to rebuild it"
                    )
                errors = [str(e) if bad else None for e, bad in zip(z["errors"], z["has_error"], strict=True)]
                return cls(
                    z["atom_hot"],
                    z["atom_aromatic"],
                    z["atom_mass"],
                    z["bond_hot"],
                    z["bond_atoms"],
                    z["atom_ptr"],
                    z["bond_ptr"],
                    errors,
                    version,
                )
        except (OSError, KeyError, ValueError) as exc:
            raise InputError(f"{path}: not a readable graph cache ({exc})") from exc


def _ranges(ptr: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated ``arange(ptr[i], ptr[i+1])`` for i in index, and the lengths."""
    starts, counts = ptr[index], ptr[index + 1] - ptr[index]
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), counts
    shift = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    return np.arange(total, dtype=np.int64) + shift, counts


def _pointers(counts: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


def _mol_arrays(mol: Any, t: _Tables) -> tuple[list[tuple[Any, ...]], list[float], list[tuple[Any, ...]]]:
    """Feature positions of one molecule's atoms and bonds (the per-molecule RDKit calls)."""
    el, deg, chg, chi, hyd = t.blocks
    o_el, o_deg, o_chg, o_chi, o_hyd, o_hyb = t.other
    atoms = [
        (
            el.get(a.GetAtomicNum(), o_el),
            deg.get(a.GetTotalDegree(), o_deg),
            chg.get(a.GetFormalCharge(), o_chg),
            chi.get(int(a.GetChiralTag()), o_chi),
            hyd.get(a.GetTotalNumHs(), o_hyd),
            t.hybrid.get(a.GetHybridization(), o_hyb),
            a.GetIsAromatic(),
        )
        for a in mol.GetAtoms()
    ]
    masses = [a.GetMass() * 0.01 for a in mol.GetAtoms()]
    bonds = [
        (
            b.GetBeginAtomIdx(),
            b.GetEndAtomIdx(),
            t.bond_type.get(b.GetBondType(), -1),
            _BOND_CONJ if b.GetIsConjugated() else -1,
            _BOND_RING if b.IsInRing() else -1,
            _BOND_STEREO0 + min(int(b.GetStereo()), len(_STEREO)),
        )
        for b in mol.GetBonds()
    ]
    return atoms, masses, bonds


def graphs_from_mols(mols: Iterable[Any], errors: Iterable[str | None] | None = None) -> MolGraphs:
    """:class:`MolGraphs` of RDKit molecules (None entries are failures, with ``errors``)."""
    t = _get_tables()
    mols = list(mols)
    errs = list(errors) if errors is not None else [None if m is not None else "no molecule" for m in mols]
    atom_rows: list[tuple[int, ...]] = []
    masses: list[float] = []
    bond_rows: list[tuple[int, ...]] = []
    atom_counts = np.zeros(len(mols), dtype=np.int64)
    bond_counts = np.zeros(len(mols), dtype=np.int64)
    for i, mol in enumerate(mols):
        if mol is None:
            continue
        if mol.GetNumAtoms() == 0:
            errs[i] = "molecule has no atoms"
            continue
        a, m, b = _mol_arrays(mol, t)
        atom_rows += a
        masses += m
        bond_rows += b
        atom_counts[i], bond_counts[i] = len(a), len(b)
    atom_arr = np.array(atom_rows, dtype=np.int16).reshape(-1, 7)
    bond_arr = np.array(bond_rows, dtype=np.int32).reshape(-1, 6)
    bond_hot = bond_arr[:, 2:].astype(np.int16)
    bond_hot[bond_hot < 0] = BOND_DIM  # the spare column batch() drops
    return MolGraphs(
        atom_hot=np.ascontiguousarray(atom_arr[:, :6]),
        atom_aromatic=atom_arr[:, 6].astype(bool),
        atom_mass=np.array(masses, dtype=np.float32),
        bond_hot=bond_hot,
        bond_atoms=np.ascontiguousarray(bond_arr[:, :2]),
        atom_ptr=_pointers(atom_counts),
        bond_ptr=_pointers(bond_counts),
        errors=errs,
    )


def concat_graphs(parts: Sequence[MolGraphs]) -> MolGraphs:
    """One :class:`MolGraphs` of several, in order."""
    if not parts:
        return graphs_from_mols([])
    atom_ptr = [np.zeros(1, dtype=np.int64)]
    bond_ptr = [np.zeros(1, dtype=np.int64)]
    for p in parts:
        atom_ptr.append(p.atom_ptr[1:] + atom_ptr[-1][-1])
        bond_ptr.append(p.bond_ptr[1:] + bond_ptr[-1][-1])
    return MolGraphs(
        atom_hot=np.concatenate([p.atom_hot for p in parts]),
        atom_aromatic=np.concatenate([p.atom_aromatic for p in parts]),
        atom_mass=np.concatenate([p.atom_mass for p in parts]),
        bond_hot=np.concatenate([p.bond_hot for p in parts]),
        bond_atoms=np.concatenate([p.bond_atoms for p in parts]),
        atom_ptr=np.concatenate(atom_ptr),
        bond_ptr=np.concatenate(bond_ptr),
        errors=[e for p in parts for e in p.errors],
    )


def _graphs_task(items: list[tuple[str, str, str | None]]) -> MolGraphs:
    """Worker task: parse and featurise a chunk of records."""
    from drugscreen.chem.batches import parse_texts

    mols, errors = [], []
    for mol, error in parse_texts(items):
        mols.append(mol)
        errors.append(error)
    return graphs_from_mols(mols, errors)


def to_graphs(
    smiles: Iterable[str] | Any,
    *,
    n_jobs: int | None = 1,
    chunk_size: int | None = None,
    progress: bool = False,
    **reader_kwargs: Any,
) -> MolGraphs:
    """Graphs of molecules, parsed and featurised in worker processes.

    Parameters
    ----------
    smiles : path or iterable of str
        Molecules, as for :func:`drugscreen.iter_records` (SMILES strings, a DataFrame, a file).
    n_jobs : int, optional
        Worker processes (joblib convention, -1 = all cores). Small inputs stay in this process.
    chunk_size : int, optional
        Records per worker task (default 2,000).
    progress : bool
        Show a progress bar for inputs of several chunks.

    Returns
    -------
    MolGraphs
        One graph per record, in order; a record that does not parse has no atoms and its
        reason in ``errors``.

    Examples
    --------
    >>> g = to_graphs(["CCO", "c1ccccc1", "not a smiles"])
    >>> len(g), g.valid.tolist()
    (3, [True, True, False])
    >>> b = g.batch([0, 1])
    >>> b.atom_features.shape, b.edge_index.shape
    ((9, 72), (2, 16))
    """
    from drugscreen.chem.batches import map_batches
    from drugscreen.chem.io import iter_records

    records = iter_records(smiles, **reader_kwargs)
    parts = [
        result
        for _, result in map_batches(
            _graphs_task, records, n_jobs=n_jobs, chunk_size=chunk_size, progress=progress, desc="graphs"
        )
    ]
    return concat_graphs(parts)
