"""MuSyC: the surface against the synergy package and Bliss, parameter recovery on known truth."""

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import drugscreen as ds
from drugscreen.combos.musyc import MusycParams, fit_musyc, musyc_surface
from drugscreen.errors import InputError

SHARED = Path(os.environ.get("DRUGSCREEN_SHARED", Path(__file__).resolve().parents[3] / "shared"))
SYNTHETIC = SHARED / "data" / "combinations" / "synthetic_musyc"
needs_data = pytest.mark.skipif(not SYNTHETIC.is_dir(), reason=f"shared data not found at {SYNTHETIC}")


def random_params(rng, gamma=True):
    return MusycParams(
        E0=1.0,
        E1=rng.uniform(0, 0.8),
        E2=rng.uniform(0, 0.8),
        E3=rng.uniform(0, 0.5),
        h1=rng.uniform(0.5, 2),
        h2=rng.uniform(0.5, 2),
        C1=10 ** rng.uniform(-1, 1),
        C2=10 ** rng.uniform(-1, 1),
        alpha12=10 ** rng.uniform(-1, 1),
        alpha21=10 ** rng.uniform(-1, 1),
        gamma12=10 ** rng.uniform(-0.5, 0.5) if gamma else 1.0,
        gamma21=10 ** rng.uniform(-0.5, 0.5) if gamma else 1.0,
    )


def test_surface_equals_the_synergy_package():
    synergy = pytest.importorskip(
        "synergy.combination", reason="the GPL `synergy` package is a test-only extra"
    )
    rng = np.random.default_rng(0)
    for _ in range(10):
        p = random_params(rng)
        d1, d2 = 10 ** rng.uniform(-2, 2, 30), 10 ** rng.uniform(-2, 2, 30)
        d1[:5] = 0
        d2[3:8] = 0
        theirs = synergy.MuSyC(**vars(p)).E(d1, d2)
        assert np.abs(musyc_surface(d1, d2, p) - theirs).max() < 1e-12


def test_bliss_is_the_special_case_alpha_gamma_one():
    rng = np.random.default_rng(1)
    p = random_params(rng, gamma=False)
    p = MusycParams(**{**vars(p), "alpha12": 1.0, "alpha21": 1.0, "E3": p.E1 * p.E2})
    d1, d2 = 10 ** rng.uniform(-2, 2, 50), 10 ** rng.uniform(-2, 2, 50)

    def hill(d, e, c, h):
        return e + (1 - e) / (1 + (d / c) ** h)

    assert np.allclose(
        musyc_surface(d1, d2, p), hill(d1, p.E1, p.C1, p.h1) * hill(d2, p.E2, p.C2, p.h2), atol=1e-12
    )
    assert musyc_surface(0, 0, p)[0] == pytest.approx(1.0)


@pytest.mark.parametrize("gamma", [False, True])
def test_noiseless_parameters_are_recovered(gamma):
    true = MusycParams(
        1, 0.5, 0.2, 0.05, 1.2, 0.8, 0.7, 2.0, 2.8, 0.6, 1.6 if gamma else 1.0, 0.7 if gamma else 1.0
    )
    doses = np.r_[0, np.logspace(-2, 2, 7)]
    d1, d2 = (a.ravel() for a in np.meshgrid(doses, doses))
    fit = fit_musyc(d1, d2, musyc_surface(d1, d2, true), fit_gamma=gamma)
    for name, value in vars(true).items():
        assert getattr(fit.params, name) == pytest.approx(value, rel=1e-4, abs=1e-6), name
    assert fit.r2 == pytest.approx(1.0) and fit.converged


def _close(fit, **truth):
    """The upstream test suite's tolerance: |log(obs/true)| <= 0.25 (absolute 0.25 for E)."""
    for name, value in truth.items():
        got = getattr(fit.params, name)
        if name.startswith("E"):
            assert abs(got - value) <= 0.25, (name, got, value)
        else:
            assert abs(math.log(got / value)) <= 0.25, (name, got, value)


@needs_data
@pytest.mark.parametrize(
    "name,gamma,truth",
    [
        ("synthetic_musyc_reference_1", False, dict(E1=0.5, E2=0.0, E3=0.0, alpha12=1.0, alpha21=1.0)),
        ("synthetic_musyc_potency_1", True, dict(alpha12=0.5, alpha21=2.0, gamma12=1.0, gamma21=1.0)),
        ("synthetic_musyc_cooperativity_1", True, dict(gamma12=0.5, gamma21=2.0, alpha12=1.0, alpha21=1.0)),
        ("2d", True, dict(E1=0.5, E2=0.2, E3=0.0, h1=1.2, h2=0.8, alpha12=2.8)),
        (
            "synthetic_musyc_bliss_independent_1",
            True,
            dict(E1=0.5, E2=0.3, h1=0.8, h2=1.4, alpha12=1.0, alpha21=1.0),
        ),
    ],
)
def test_parameters_of_the_synthetic_surfaces(name, gamma, truth):
    table = pd.read_csv(SYNTHETIC / f"{name}.csv")
    fit = fit_musyc(table.iloc[:, 0], table.iloc[:, 1], table.iloc[:, 2], fit_gamma=gamma)
    _close(fit, **truth)
    assert fit.r2 > 0.99


@needs_data
def test_efficacy_synergy_has_the_right_sign():
    beta = {}
    for name in ("synthetic_musyc_efficacy_1", "synthetic_musyc_efficacy_2"):
        table = pd.read_csv(SYNTHETIC / f"{name}.csv")
        beta[name] = fit_musyc(table.iloc[:, 0], table.iloc[:, 1], table.iloc[:, 2]).params.beta
    # 1: E3 beyond the stronger drug (synergistic efficacy); 2: E3 short of it
    assert beta["synthetic_musyc_efficacy_1"] > 0.2 and beta["synthetic_musyc_efficacy_2"] < -0.2


def long_block(block, d1, d2, effect):
    """One block of the long table ``ds.combos.musyc`` reads (drug A in rows, B in columns)."""
    return pd.DataFrame(
        {
            "block_id": block,
            "drug_row": "A",
            "drug_col": "B",
            "conc_row": d1,
            "conc_col": d2,
            "response": effect,
        }
    )


def test_musyc_on_a_long_table_and_bad_blocks():
    """Blocks made from MuSyC itself in % inhibition: no potency synergy, then alpha = 3."""
    rng = np.random.default_rng(3)
    doses = np.r_[0, np.logspace(-1.5, 1.5, 6)]
    d1, d2 = (a.ravel() for a in np.meshgrid(doses, doses))
    rows = []
    for block, alpha in ((1, 1.0), (2, 3.0)):
        p = MusycParams(0, 80, 60, 95, 1.0, 1.5, 1.0, 2.0, alpha, alpha)
        effect = musyc_surface(d1, d2, p) + rng.normal(0, 0.5, d1.size)
        rows.append(long_block(block, d1, d2, effect))
    blocks = pd.concat(rows)
    tiny = blocks[(blocks.block_id == 2) & (blocks.conc_row < 0.1) & (blocks.conc_col < 0.1)].assign(
        block_id=3
    )
    table = ds.combos.musyc(pd.concat([blocks, tiny]), fit_gamma=False).set_index("block_id")
    assert list(table.index) == [1, 2, 3]
    for block, alpha in ((1, 1.0), (2, 3.0)):
        row = table.loc[block]
        assert row.error == "" and row.r2 > 0.99
        assert abs(math.log(row.alpha12 / alpha)) < 0.25 and abs(math.log(row.alpha21 / alpha)) < 0.25
    assert "needs more than" in table.loc[3, "error"] and math.isnan(table.loc[3, "alpha12"])
    viability = ds.combos.musyc(
        blocks.assign(response=100 - blocks.response), response="viability", fit_gamma=False
    ).set_index("block_id")
    assert viability.alpha12.to_numpy() == pytest.approx(table.alpha12.iloc[:2].to_numpy(), rel=1e-6)
    with pytest.raises(InputError, match="same length"):
        fit_musyc([0, 1], [0], [1, 2])


def test_potent_drugs_in_large_dose_units_do_not_overflow():
    """EC50s far below the dose unit (sub-µM drugs in µM) let the solver try rates past floats."""
    rng = np.random.default_rng(5)
    doses = np.r_[0, np.logspace(-3, 1, 6)]
    d1, d2 = (a.ravel() for a in np.meshgrid(doses, doses))
    rows = []
    for block in range(6):
        p = MusycParams(
            0,
            90,
            70,
            95,
            rng.uniform(0.8, 2),
            rng.uniform(0.8, 2),
            10 ** rng.uniform(-3, -1),
            10 ** rng.uniform(-3, -1),
            1.0,
            1.0,
        )
        effect = musyc_surface(d1, d2, p) + rng.normal(0, 2, d1.size)
        rows.append(long_block(block, d1, d2, effect))
    table = ds.combos.musyc(pd.concat(rows))
    assert len(table) == 6 and (table.error == "").all() and (table.r2 > 0.95).all()
    assert list(ds.combos.musyc(pd.concat(rows).iloc[:0]).columns)[-1] == "error"  # empty in, typed table out
