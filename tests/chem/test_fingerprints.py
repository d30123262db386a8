"""Fingerprints are bit-identical to RDKit's generators, serially and in parallel."""

from __future__ import annotations

import gzip

import numpy as np
import numpy.testing as npt
import pandas as pd
import pytest
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator as gen
from rdkit.Chem import rdMolDescriptors

from drugscreen.chem.fingerprints import fingerprint
from drugscreen.chem.spec import FingerprintSpec
from drugscreen.chem.transformer import Fingerprinter
from drugscreen.errors import MoleculeError, SpecError
from drugscreen.kernels.reference import unpack_bits

SPECS = [
    (FingerprintSpec("morgan", 2, 2048), lambda: gen.GetMorganGenerator(radius=2, fpSize=2048)),
    (
        FingerprintSpec("ecfp", 3, 1024, chirality=True),
        lambda: gen.GetMorganGenerator(radius=3, fpSize=1024, includeChirality=True),
    ),
    (
        FingerprintSpec("fcfp", 2, 2048),
        lambda: gen.GetMorganGenerator(
            radius=2, fpSize=2048, atomInvariantsGenerator=gen.GetMorganFeatureAtomInvGen()
        ),
    ),
    (
        FingerprintSpec("rdkit", nbits=2048, min_path=1, max_path=7),
        lambda: gen.GetRDKitFPGenerator(minPath=1, maxPath=7, fpSize=2048),
    ),
    (FingerprintSpec("atom-pair", nbits=2048), lambda: gen.GetAtomPairGenerator(fpSize=2048)),
    (FingerprintSpec("torsion", nbits=1000), lambda: gen.GetTopologicalTorsionGenerator(fpSize=1000)),
    (FingerprintSpec("maccs"), None),
]


def _rdkit_bits(mols, make_gen, nbits):
    out = np.zeros((len(mols), nbits), dtype=bool)
    g = make_gen() if make_gen else None
    for i, m in enumerate(mols):
        fp = g.GetFingerprint(m) if g else rdMolDescriptors.GetMACCSKeysFingerprint(m)
        out[i, list(fp.GetOnBits())] = True
    return out


@pytest.fixture(scope="module")
def sample_smiles(demo_smiles):
    return demo_smiles[:1500]


@pytest.mark.parametrize("spec,make_gen", SPECS, ids=[s.label for s, _ in SPECS])
def test_bits_identical_to_rdkit(sample_smiles, spec, make_gen):
    mols = [Chem.MolFromSmiles(s) for s in sample_smiles]
    fps = fingerprint(sample_smiles, spec, n_jobs=1)
    assert fps.data.dtype == np.uint64 and fps.data.shape == (len(mols), spec.words)
    npt.assert_array_equal(unpack_bits(fps.data, spec.nbits), _rdkit_bits(mols, make_gen, spec.nbits))
    # padding bits beyond nbits stay zero
    assert not unpack_bits(fps.data)[:, spec.nbits :].any()


@pytest.mark.parametrize("kind", ["morgan", "feature-morgan", "atom-pair", "torsion", "rdkit"])
def test_counts_identical_to_rdkit(sample_smiles, kind):
    spec = FingerprintSpec(kind, 2, 2048, counts=True)
    smiles = sample_smiles[:300]
    fps = fingerprint(smiles, spec, n_jobs=1)
    g = {
        "morgan": lambda: gen.GetMorganGenerator(radius=2, fpSize=2048),
        "feature-morgan": lambda: gen.GetMorganGenerator(
            radius=2, fpSize=2048, atomInvariantsGenerator=gen.GetMorganFeatureAtomInvGen()
        ),
        "atom-pair": lambda: gen.GetAtomPairGenerator(fpSize=2048),
        "torsion": lambda: gen.GetTopologicalTorsionGenerator(fpSize=2048),
        "rdkit": lambda: gen.GetRDKitFPGenerator(fpSize=2048),
    }[kind]()
    dense = fps.data.toarray()
    for i, s in enumerate(smiles):
        expected = np.zeros(2048, dtype=np.int64)
        for bit, count in g.GetCountFingerprint(Chem.MolFromSmiles(s)).GetNonzeroElements().items():
            expected[bit] = count
        npt.assert_array_equal(dense[i], expected)


@pytest.mark.slow
def test_bits_identical_on_moleculenet(shared_data):
    """Denser, larger, charged and stereo molecules than MOSES (BBBP, BACE, ClinTox)."""
    smiles = []
    for name, col in (("bbbp.csv", "smiles"), ("bace.csv", "mol"), ("clintox.csv", "smiles")):
        smiles += pd.read_csv(shared_data / "moleculenet" / name)[col].tolist()
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    keep = [s for s, m in zip(smiles, mols, strict=True) if m is not None]
    mols = [m for m in mols if m is not None]
    assert len(keep) > 4000
    for spec, make_gen in SPECS[:3] + SPECS[4:5]:
        fps = fingerprint(keep, spec, n_jobs=2)
        npt.assert_array_equal(unpack_bits(fps.data, spec.nbits), _rdkit_bits(mols, make_gen, spec.nbits))


@pytest.mark.slow
def test_parallel_equals_serial_on_moses(shared_data):
    with gzip.open(shared_data / "libraries" / "moses" / "test.csv.gz", "rt") as handle:
        smiles = handle.read().splitlines()[1:30001]
    spec = FingerprintSpec()
    a = fingerprint(smiles, spec, n_jobs=1)
    b = fingerprint(smiles, spec, n_jobs=2)
    npt.assert_array_equal(a.data, b.data)
    mols = [Chem.MolFromSmiles(s) for s in smiles[:3000]]
    npt.assert_array_equal(
        unpack_bits(a.data[:3000], 2048),
        _rdkit_bits(mols, lambda: gen.GetMorganGenerator(radius=2, fpSize=2048), 2048),
    )


def test_bad_smiles_raise_or_zero():
    with pytest.raises(MoleculeError, match=r"row 1.*unparseable"):
        fingerprint(["CCO", "C1CC", "CCN"])
    fps = fingerprint(["CCO", "C(C)(C)(C)(C)C", "CCN"], on_error="zeros")
    assert fps.data.shape == (3, 32)
    assert not fps.data[1].any() and fps.data[0].any() and fps.data[2].any()


def test_mols_input_and_tanimoto_agrees_with_rdkit():
    mols = [Chem.MolFromSmiles(s) for s in ("CCO", "CCCO")]
    fps = fingerprint(mols)
    g = gen.GetMorganGenerator(radius=2, fpSize=2048)
    assert fps.popcounts().tolist() == [g.GetFingerprint(m).GetNumOnBits() for m in mols]
    expected = DataStructs.TanimotoSimilarity(g.GetFingerprint(mols[0]), g.GetFingerprint(mols[1]))
    a, b = unpack_bits(fps.data).astype(int)
    assert (a & b).sum() / (a | b).sum() == pytest.approx(expected)


def test_fingerprinter_is_a_sklearn_transformer():
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    fper = Fingerprinter(kind="morgan", radius=1, nbits=512, unpack=True)
    clone(fper)
    assert fper.get_params()["radius"] == 1
    out = make_pipeline(fper, FunctionTransformer()).fit_transform(np.array(["CCO", "c1ccccc1"]))
    assert out.shape == (2, 512) and set(np.unique(out)) <= {0, 1}
    assert fper.set_params(nbits=1024).transform(["CCO"]).shape == (1, 1024)
    with pytest.raises(ValueError):
        fper.set_params(colour="red")


def test_spec_validation_and_roundtrip():
    spec = FingerprintSpec("ECFP", radius=3, nbits=1024, counts=True)
    assert spec.kind == "morgan" and FingerprintSpec.from_dict(spec.to_dict()) == spec
    assert FingerprintSpec("maccs").nbits == 167
    with pytest.raises(SpecError):
        FingerprintSpec("nonsense")
    with pytest.raises(SpecError):
        FingerprintSpec("maccs", counts=True)
    with pytest.raises(SpecError):
        FingerprintSpec(nbits=0)
    with pytest.raises(SpecError, match="different fingerprint spec"):
        FingerprintSpec().check_compatible(FingerprintSpec(radius=3))
    with pytest.raises(SpecError, match="unknown fingerprint spec field"):
        FingerprintSpec.from_dict({"kind": "morgan", "colour": 1})


def test_fingerprinter_accepts_a_whole_spec():
    from sklearn.base import clone

    spec = FingerprintSpec("morgan", radius=3, nbits=1024, counts=True)
    by_fields = Fingerprinter(kind="morgan", radius=3, nbits=1024, counts=True)
    for fp in (Fingerprinter(spec=spec), Fingerprinter(spec), clone(Fingerprinter(spec=spec))):
        assert fp.spec == spec
        assert (fp.transform(["CCO", "c1ccccc1O"]) != by_fields.transform(["CCO", "c1ccccc1O"])).nnz == 0
    with pytest.raises(SpecError, match="once"):
        Fingerprinter(spec, spec=spec)
    with pytest.raises(SpecError, match="FingerprintSpec"):
        Fingerprinter(spec="morgan")  # type: ignore[arg-type]


def test_fingerprint_file_format_is_stable(tmp_path):
    # the spec's metadata key is part of the file format: files of 0.1 must stay readable
    import pyarrow.parquet as pq

    from drugscreen.chem.fingerprints import iter_fingerprint_chunks
    from drugscreen.chem.fpfile import read_fingerprints, write_fingerprints
    from drugscreen.chem.io import iter_records

    spec = FingerprintSpec()
    out = tmp_path / "fps.parquet"
    write_fingerprints(
        out, iter_fingerprint_chunks(iter_records(["CCO", "CCN"]), spec, n_jobs=1, progress=False), spec
    )
    assert b"drugscreen.spec" in pq.read_schema(out).metadata
    fa, meta = read_fingerprints(out)
    assert fa.spec == spec and len(meta) == 2


def test_int64_words_are_the_same_bits_and_spec_flags_take_0_and_1():
    fps = fingerprint(["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1"])
    as_int = fps.data.view(np.int64)
    from drugscreen.chem.fingerprints import FingerprintArray

    assert np.array_equal(FingerprintArray(fps.spec, as_int).data, fps.data)
    assert FingerprintSpec(counts=1).counts is True and FingerprintSpec(chirality=0).chirality is False
    with pytest.raises(SpecError, match="True or False"):
        FingerprintSpec(counts=2)


def test_old_module_paths_still_import():
    import importlib
    import pickle
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old_db = importlib.import_module("drugscreen.db")
        old_spec = importlib.import_module("drugscreen.spec")
    import drugscreen.similarity.db as new_db

    assert old_db.FingerprintDB is new_db.FingerprintDB and old_spec.FingerprintSpec is FingerprintSpec
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    from drugscreen.similarity import search as old_search

    assert callable(old_search)
    # a pickle written by 0.1 names drugscreen.spec
    data = pickle.dumps(FingerprintSpec(radius=3), protocol=0).replace(
        b"drugscreen.chem.spec", b"drugscreen.spec"
    )
    assert b"drugscreen.spec\n" in data and pickle.loads(data) == FingerprintSpec(radius=3)
    from drugscreen.fingerprints import Fingerprinter as OldFingerprinter

    assert OldFingerprinter is Fingerprinter
