"""Numeric options of clustering and picking are checked in the API, before any work (issue 21).

RDKit's MaxMin ``seed`` is a C ``int``: seeds from 2**31 overflow there, and the old modulo
2**32 made seed 2**32 + 7 silently repeat seed 7's picks.
"""

from __future__ import annotations

import math

import pytest
from rdkit import DataStructs
from rdkit.SimDivFilters import rdSimDivPickers

import drugscreen as ds
from drugscreen.cluster import pick as pick_module
from drugscreen.errors import InputError

SMILES = ["CCO", "CCCO", "CCCCO", "c1ccccc1", "c1ccccc1O", "CC(=O)O", "CCN", "CCCN", "c1ccncc1", "OCCO"]


@pytest.fixture(scope="module")
def fps():
    return ds.fingerprint(SMILES)


def _bvs(fps):
    return [DataStructs.CreateFromFPSText(row.tobytes().hex()) for row in fps.data]


@pytest.mark.parametrize("seed", [0, 7, 2**31 - 1])
def test_seeds_rdkit_takes_give_rdkits_picks(fps, seed):
    expected = rdSimDivPickers.MaxMinPicker().LazyBitVectorPick(_bvs(fps), len(SMILES), 4, seed=seed)
    assert ds.cluster.maxmin(fps, 4, seed=seed)["row"].tolist() == list(expected)


@pytest.mark.parametrize("seed", [-1, 2**31, 2**32 + 7, 2**63, 1.5, math.nan, math.inf, True, "7"])
def test_seeds_rdkit_cannot_take_are_refused(fps, seed):
    with pytest.raises(InputError, match=r"^seed must be a whole number from 0 to 2147483647"):
        ds.cluster.maxmin(fps, 3, seed=seed)


def test_a_whole_float_seed_is_that_seed(fps):
    assert (
        ds.cluster.maxmin(fps, 3, seed=7.0)["row"].tolist()
        == ds.cluster.maxmin(fps, 3, seed=7)["row"].tolist()
    )


BAD = [math.nan, math.inf, -math.inf, -1, "0.3", True, None]


@pytest.mark.parametrize(
    "call, message",
    [
        *[(lambda f, v=v: ds.cluster.butina(f, v), "cutoff must be a distance") for v in [*BAD, 1.0, 1.5]],
        (lambda f: ds.cluster.butina(f, 0.3, n_jobs=0), "n_jobs=0 is not valid"),
        (lambda f: ds.cluster.butina(f, 0.3, n_jobs=math.nan), "n_jobs must be a whole number"),
        (lambda f: ds.cluster.butina(f, 0.3, n_jobs=1.5), "n_jobs must be a whole number"),
        (lambda f: ds.cluster.butina(f, 0.3, reordering="yes"), "reordering must be True or False"),
        *[(lambda f, v=v: ds.cluster.sphere_exclusion(f, v), "cutoff must be a distance") for v in BAD],
        *[
            (lambda f, v=v: ds.cluster.sphere_exclusion(f, 0.3, block=v), "block must be a positive whole")
            for v in [0, -3, 2.5, math.nan, math.inf, True, "8"]
        ],
        (lambda f: ds.cluster.sphere_exclusion(f, 0.3, n_jobs=-math.inf), "n_jobs must be a whole number"),
        (lambda f: ds.cluster.sphere_exclusion(f, 0.3, progress="no"), "progress must be True or False"),
        *[(lambda f, v=v: ds.cluster.leader(f, v), "threshold must be a distance") for v in [*BAD, 1.01]],
        *[
            (lambda f, v=v: ds.cluster.leader(f, 0.5, n=v), "n must be a whole number")
            for v in [-1, 2.5, math.nan, math.inf, True, "3", 11]
        ],
        (lambda f: ds.cluster.leader(f, 0.5, pool_size=-2), "pool_size must be a whole number"),
        (lambda f: ds.cluster.leader(f, 0.5, first_picks=3), "first_picks must be"),
        *[
            (lambda f, v=v: ds.cluster.maxmin(f, v), "n must be a whole number")
            for v in [-1, 2.5, math.nan, math.inf, True, "3", None, 11]
        ],
        *[
            (lambda f, v=v: ds.cluster.maxmin(f, 3, threshold=v), "threshold must be a distance")
            for v in [math.nan, math.inf, -0.1, 1.5, "0.2", True]
        ],
        (lambda f: ds.cluster.maxmin(f, 3, pool_size=math.nan), "pool_size must be a whole number"),
        (lambda f: ds.cluster.maxmin(f, 3, n_jobs=0), "n_jobs=0 is not valid"),
        (lambda f: ds.cluster.maxmin(f, 3, n_jobs="4"), "n_jobs must be a whole number"),
        (lambda f: ds.cluster.maxmin(f, 3, first_picks=[0.5]), "first_picks must be row numbers"),
    ],
)
def test_bad_numeric_options_are_one_line_input_errors(fps, call, message):
    with pytest.raises(InputError, match=message) as info:
        call(fps)
    assert "\n" not in str(info.value)


def test_options_are_checked_before_the_fingerprints_are_read(fps, monkeypatch):
    def no_work(obj):
        raise AssertionError("fingerprints read before the options were checked")

    monkeypatch.setattr(pick_module, "fingerprints_and_ids", no_work)
    for kwargs in ({"seed": 2**31}, {"threshold": math.nan}, {"n_jobs": 0}, {"pool_size": -1}):
        with pytest.raises(InputError):
            ds.cluster.maxmin(fps, 3, **kwargs)
    with pytest.raises(InputError, match="n must be"):
        ds.cluster.maxmin(fps, math.nan)
    with pytest.raises(InputError, match="threshold must be"):
        ds.cluster.leader(fps, math.inf)
