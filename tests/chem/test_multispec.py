"""Several specs from one parse equal ds.fingerprint spec by spec."""

from __future__ import annotations

import numpy as np
import pytest

import drugscreen as ds
from drugscreen.chem.multispec import fingerprint_specs
from drugscreen.errors import InputError

SPECS = [
    ds.FingerprintSpec(),
    ds.FingerprintSpec("maccs"),
    ds.FingerprintSpec("atom-pair", nbits=1000),
    ds.FingerprintSpec("morgan", radius=3, nbits=512, counts=True),
]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_equal_to_fingerprint_per_spec(demo_smiles, n_jobs):
    smiles = demo_smiles[:2500] + ["not a smiles", "", "C1CC"] + demo_smiles[2500:2600]
    arrays, parsed = fingerprint_specs(smiles, SPECS, n_jobs=n_jobs)
    assert parsed.tolist() == [True] * 2500 + [False, False, False] + [True] * 100
    for spec, array in zip(SPECS, arrays, strict=True):
        expected = ds.fingerprint(smiles, spec, on_error="zeros", n_jobs=1)
        assert array.spec == spec
        if spec.counts:
            assert (array.data != expected.data).nnz == 0
        else:
            np.testing.assert_array_equal(array.data, expected.data)


def test_empty_input_and_bad_specs():
    arrays, parsed = fingerprint_specs([], SPECS[:2])
    assert [a.data.shape for a in arrays] == [(0, 32), (0, 3)] and parsed.shape == (0,)
    with pytest.raises(InputError, match="FingerprintSpec"):
        fingerprint_specs(["CCO"], ["morgan"])
