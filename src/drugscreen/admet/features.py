"""What the panel computes from each molecule, in one pass inside a worker process.

The models' input is the MapLight recipe (Notwell & Wood, 2023, the TDC ADMET board's leading
gradient-boosting entries): count ECFP4 folded to 1,024, Avalon counts (1,024), the ErG
pharmacophore fingerprint (315) and RDKit's 2D descriptors, concatenated as ``float32``. The
same pass gives the applicability-domain fingerprint (binary Morgan radius 2, 2,048 bits, packed
as the similarity engine stores it), the physicochemical columns and the structural alerts, so
a molecule is parsed once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from drugscreen.chem.batches import Text, parse_texts

ECFP_BITS = 1024
AVALON_BITS = 1024
ERG_SIZE = 315
#: Binary Morgan radius 2 fingerprint of the applicability domain.
DOMAIN_BITS = 2048
#: The physicochemical columns of the panel's output, in order.
PHYSCHEM = (
    "mw",
    "clogp",
    "tpsa",
    "hba",
    "hbd",
    "rotatable_bonds",
    "fsp3",
    "qed",
    "stereocentres",
    "lipinski_violations",
)
#: Which RDKit descriptor gives each physicochemical column (the rest are computed here).
PHYSCHEM_DESCRIPTORS = {
    "mw": "MolWt",
    "clogp": "MolLogP",
    "tpsa": "TPSA",
    "hba": "NumHAcceptors",
    "hbd": "NumHDonors",
    "rotatable_bonds": "NumRotatableBonds",
    "fsp3": "FractionCSP3",
    "qed": "qed",
}
#: Alert catalogs named in the ``alerts`` column (see ``drugscreen.chem.filters``).
ALERT_FILTERS = ("pains", "brenk", "nih")
#: Larger molecules get an error row instead of features: ErG, Avalon and several descriptors
#: grow about cubically with size (1,000 atoms take about 5 s, 2,000 nearly a minute), and no
#: training molecule of the panel comes near (the largest have about 200 heavy atoms).
MAX_HEAVY_ATOMS = 500
#: float32 holds the descriptors; the few astronomically large values (``Ipc``) are capped.
_FLOAT32_CAP = 1e30


#: RDKit descriptors left out of the model input: together about a third of the descriptor
#: time (measured on MOSES molecules) for information the fingerprints and the other
#: descriptors already carry (``Ipc`` is also astronomically large on big molecules).
SLOW_DESCRIPTORS = frozenset(
    {"Ipc", "AvgIpc", "SPS", "BertzCT", "FpDensityMorgan1", "FpDensityMorgan2", "FpDensityMorgan3"}
    | {f"BCUT2D_{part}" for part in ("MWHI", "MWLOW", "CHGHI", "CHGLO", "LOGPHI", "LOGPLOW", "MRHI", "MRLOW")}
)
#: Four descriptors of one computation (the atoms' E-state indices), taken from one call.
_ESTATE = ("MaxEStateIndex", "MinEStateIndex", "MaxAbsEStateIndex", "MinAbsEStateIndex")


def descriptor_names() -> tuple[str, ...]:
    """The RDKit 2D descriptors of the model input, in RDKit's order (all but
    :data:`SLOW_DESCRIPTORS`)."""
    from drugscreen.chem.descriptors import descriptor_names as names

    return tuple(n for n in names() if n not in SLOW_DESCRIPTORS)


def _estate(mol: Any) -> dict[str, float]:
    """The four E-state descriptors as RDKit defines them, from one ``EStateIndices`` call."""
    from rdkit.Chem.EState import EStateIndices

    values = np.asarray(EStateIndices(mol), dtype=np.float64)
    if not len(values):
        return dict.fromkeys(_ESTATE, np.nan)
    absolute = np.abs(values)
    return dict(zip(_ESTATE, (values.max(), values.min(), absolute.max(), absolute.min()), strict=True))


def feature_names() -> list[str]:
    """Name of every model-input column, in order."""
    return (
        [f"ecfp4_{i}" for i in range(ECFP_BITS)]
        + [f"avalon_{i}" for i in range(AVALON_BITS)]
        + [f"erg_{i}" for i in range(ERG_SIZE)]
        + list(descriptor_names())
    )


@dataclass
class PanelFeatures:
    """Everything the panel needs of a batch of molecules (rows in input order).

    ``model`` is NaN and ``domain`` zero for rows whose molecule could not be read
    (``errors[i]`` says why).
    """

    model: np.ndarray  # float32[n, n_features]
    domain: np.ndarray  # uint64[n, DOMAIN_BITS // 64]
    physchem: np.ndarray  # float64[n, len(PHYSCHEM)]
    alerts: list[str | None]
    errors: list[str | None]

    @classmethod
    def concat(cls, parts: list[PanelFeatures]) -> PanelFeatures:
        """The batches one after another."""
        return cls(
            np.concatenate([p.model for p in parts]),
            np.concatenate([p.domain for p in parts]),
            np.concatenate([p.physchem for p in parts]),
            [a for p in parts for a in p.alerts],
            [e for p in parts for e in p.errors],
        )

    @property
    def valid(self) -> np.ndarray:
        """``bool[n]``: rows with a molecule."""
        return np.array([e is None for e in self.errors], dtype=bool)


def _generators() -> tuple[Any, Any]:
    from rdkit.Chem import rdFingerprintGenerator

    return (
        rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=ECFP_BITS),
        rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=DOMAIN_BITS),
    )


def _stereocentres(mol: Any) -> int:
    from rdkit import Chem

    return len(Chem.FindMolChiralCenters(mol, includeUnassigned=True, useLegacyImplementation=False))


def _alert_names(mol: Any) -> str | None:
    from drugscreen.chem.filters import alerts

    found = [f"{name}:{entry}" for name in ALERT_FILTERS for entry in alerts(mol, name)]
    return "; ".join(found) if found else None


def _fill(mol: Any, row: np.ndarray, domain_row: np.ndarray, pc: np.ndarray, context: tuple) -> None:
    """One molecule's model input, domain fingerprint and physicochemical columns, in place."""
    from rdkit.Avalon import pyAvalonTools
    from rdkit.Chem import rdReducedGraphs

    from drugscreen.chem.descriptors import _value

    ecfp, domain_gen, functions, positions, estate_positions, index, n_desc = context
    start_erg, start_desc = ECFP_BITS + AVALON_BITS, ECFP_BITS + AVALON_BITS + ERG_SIZE
    row[:ECFP_BITS] = ecfp.GetCountFingerprintAsNumPy(mol)
    row[ECFP_BITS:start_erg] = 0
    for bit, count in pyAvalonTools.GetAvalonCountFP(mol, nBits=AVALON_BITS).GetNonzeroElements().items():
        row[ECFP_BITS + bit] = count
    row[start_erg:start_desc] = rdReducedGraphs.GetErGFingerprint(mol)
    desc = np.empty(n_desc)
    desc[positions] = [_value(f, mol) for f in functions]
    desc[estate_positions] = list(_estate(mol).values())
    desc[~np.isfinite(desc)] = np.nan
    row[start_desc:] = np.clip(desc, -_FLOAT32_CAP, _FLOAT32_CAP)
    bits = domain_gen.GetFingerprintAsNumPy(mol).astype(np.uint8)
    domain_row[:] = np.packbits(bits, bitorder="little").view("<u8")
    for j, column in enumerate(PHYSCHEM[:8]):
        pc[j] = desc[index[PHYSCHEM_DESCRIPTORS[column]]]
    pc[8] = _stereocentres(mol)
    # Lipinski's own counts: N-H/O-H donors and N/O acceptors
    pc[9] = sum(
        int(desc[index[name]] > limit)  # int: numpy booleans would add as "or"
        for name, limit in (("MolWt", 500), ("MolLogP", 5), ("NHOHCount", 5), ("NOCount", 10))
    )


def panel_features(items: list[Text], with_alerts: bool = True) -> PanelFeatures:
    """Worker task: :class:`PanelFeatures` of a batch of records (BLAS on one thread, as for
    :func:`drugscreen.descriptors`, so ``Ipc`` does not depend on where the batch ran)."""
    from rdkit import rdBase
    from threadpoolctl import threadpool_limits

    from drugscreen.chem.descriptors import _functions

    names = descriptor_names()
    computed = [n for n in names if n not in _ESTATE]
    functions = _functions(tuple(computed))
    positions = np.array([names.index(n) for n in computed])
    estate_positions = np.array([names.index(n) for n in _ESTATE])
    index = {n: i for i, n in enumerate(names)}
    ecfp, domain_gen = _generators()
    n = len(items)
    width = ECFP_BITS + AVALON_BITS + ERG_SIZE + len(names)
    model = np.full((n, width), np.nan, dtype=np.float32)
    domain = np.zeros((n, DOMAIN_BITS // 64), dtype=np.uint64)
    physchem = np.full((n, len(PHYSCHEM)), np.nan)
    alerts: list[str | None] = []
    errors: list[str | None] = []
    context = (ecfp, domain_gen, functions, positions, estate_positions, index, len(names))
    with threadpool_limits(limits=1, user_api="blas"), rdBase.BlockLogs():
        for i, (mol, error) in enumerate(parse_texts(items)):
            errors.append(error)
            if mol is None:
                alerts.append(None)
                continue
            if mol.GetNumHeavyAtoms() > MAX_HEAVY_ATOMS:
                errors[-1] = (
                    f"too large for the ADMET panel ({mol.GetNumHeavyAtoms()} heavy atoms > {MAX_HEAVY_ATOMS})"
                )
                alerts.append(None)
                continue
            try:
                _fill(mol, model[i], domain[i], physchem[i], context)
                alerts.append(_alert_names(mol) if with_alerts else None)
            except Exception as exc:  # RDKit raises assorted types on molecules it cannot describe
                model[i], domain[i], physchem[i] = np.nan, 0, np.nan
                errors[-1] = f"features could not be computed: {type(exc).__name__}: {exc}"
                alerts.append(None)
    return PanelFeatures(model, domain, physchem, alerts, errors)


def featurize(
    molecules: Any,
    *,
    alerts: bool = True,
    n_jobs: int | None = -1,
    progress: bool = True,
    chunk_size: int | None = None,
    **reader_kwargs: Any,
) -> tuple[list[Any], PanelFeatures]:
    """Records and :class:`PanelFeatures` of every molecule, computed in worker processes.

    ``molecules`` is anything :func:`drugscreen.chem.io.iter_records` reads (SMILES strings, a
    file, a DataFrame).
    """
    from drugscreen.chem.batches import map_batches
    from drugscreen.chem.io import iter_records

    records: list[Any] = []
    parts: list[PanelFeatures] = []
    for batch, part in map_batches(
        panel_features,
        iter_records(molecules, **reader_kwargs),
        (alerts,),
        n_jobs=n_jobs,
        chunk_size=chunk_size,
        progress=progress,
        desc="ADMET features",
    ):
        records += batch
        parts.append(part)
    if not parts:
        empty = panel_features([], alerts)
        return [], empty
    return records, PanelFeatures.concat(parts)
