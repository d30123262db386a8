"""Two-sample Mendelian randomisation against the MendelianRandomization R package's outputs."""

from __future__ import annotations

import numpy as np
import pytest

from drugscreen.errors import InputError
from drugscreen.targets import mr
from drugscreen.targets.mr import MRResult, mendelian_randomization

# The R package's example data (28 lipid variants; Waterworth et al. 2010), re-typed from
# cran/MendelianRandomization R/1Data.R: ldlc/ldlcse, hdlc/hdlcse, trig/trigse, chdlodds/chdloddsse.
# fmt: off
LDLC = [0.026, -0.044, -0.038, -0.023, -0.017, -0.031, -0.018, 0.046, 0.059, 0.004, 0.011, -0.005, 0.004,
        0.022, -0.005, -0.002, -0.002, 0.004, 0.011, 0.009, -0.011, -0.003, -0.012, 0.0003, -0.015, -0.008,
        0.009, -0.036]
LDLCSE = [0.004, 0.004, 0.004, 0.003, 0.003, 0.006, 0.004, 0.007, 0.004, 0.003, 0.004, 0.005, 0.005, 0.005,
          0.004, 0.004, 0.003, 0.004, 0.004, 0.003, 0.004, 0.003, 0.004, 0.003, 0.003, 0.004, 0.003, 0.007]
HDLC = [0.002, 0.005, 0.003, 0.001, 0.011, 0.031, -0.003, -0.007, -0.021, 0.018, -0.017, -0.047, 0.022, -0.029,
        0.016, 0.034, 0.035, 0.019, 0.028, 0.0001, 0.016, 0.005, -0.01, -0.023, 0.012, 0.018, -0.006, 0.004]
HDLCSE = [0.004, 0.004, 0.004, 0.003, 0.003, 0.006, 0.004, 0.006, 0.004, 0.003, 0.003, 0.005, 0.004, 0.004,
          0.003, 0.004, 0.003, 0.004, 0.004, 0.003, 0.003, 0.003, 0.004, 0.003, 0.003, 0.003, 0.003, 0.006]
TRIG = [0.016, -0.004, -0.009, 0.003, -0.039, -0.142, 0.007, 0.095, 0.042, -0.023, 0.036, 0.097, 0.013, 0.142,
        -0.005, 0.019, 0.003, -0.018, -0.02, 0.035, -0.036, -0.054, 0.054, 0.067, -0.04, -0.067, 0.028, -0.07]
TRIGSE = [0.008, 0.008, 0.008, 0.006, 0.006, 0.012, 0.007, 0.013, 0.008, 0.006, 0.007, 0.01, 0.009, 0.009,
          0.007, 0.007, 0.006, 0.008, 0.008, 0.007, 0.007, 0.006, 0.008, 0.006, 0.006, 0.007, 0.006, 0.013]
CHD = [0.0677, -0.1625, -0.1054, -0.0619, -0.0834, -0.1278, -0.0408, 0.0770, 0.1570, -0.0305, 0.0100, 0.1823,
       -0.0408, 0.1989, 0.0100, 0.0488, 0.0100, -0.0408, -0.0305, -0.0408, -0.0202, -0.0619, 0.0296, 0.0677,
       -0.0726, -0.0726, 0.0000, 0.0198]
CHDSE = [0.0286, 0.0300, 0.0310, 0.0243, 0.0222, 0.0667, 0.0373, 0.0543, 0.0306, 0.0236, 0.0277, 0.0403, 0.0344,
         0.0335, 0.0378, 0.0292, 0.0253, 0.0319, 0.0316, 0.0241, 0.0285, 0.0217, 0.0298, 0.0239, 0.0220, 0.0246,
         0.0255, 0.0647]
# fmt: on

METHODS_NO_MEDIAN = ["ivw_fixed", "ivw_random", "egger"]


def _printed(value, published, decimals=3):
    """``value`` shows as ``published`` when R prints it to ``decimals`` places."""
    assert abs(value - published) <= 0.5 * 10**-decimals + 1e-12, (value, published)


@pytest.fixture(scope="module")
def ldl_chd():
    return mendelian_randomization(LDLC, LDLCSE, CHD, CHDSE).set_index("method")


def test_ivw_matches_published(ldl_chd):
    # mr_ivw(mr_input(ldlc, ldlcse, chdlodds, chdloddsse)), random effects (R's default for > 3
    # variants); printed in the package's Univariable_MR_Methods vignette and ?mr_ivw examples
    # (sb452/MendelianRandomizationVignette, articles/ and reference/mr_ivw.html, v0.9.0)
    row = ldl_chd.loc["ivw_random"]
    for field, published in [("estimate", 2.834), ("se", 0.530), ("ci_low", 1.796), ("ci_high", 3.873)]:
        _printed(row[field], published)
    _printed(row["residual_se"], 1.920)
    _printed(row["cochran_q"], 99.5304, 4)
    assert row["q_df"] == 27 and row["n_variants"] == 28 and row["p_value"] < 5e-4
    fixed = ldl_chd.loc["ivw_fixed"]
    assert fixed["estimate"] == row["estimate"] and fixed["cochran_q"] == row["cochran_q"]
    # random = fixed x residual standard error when that is above 1
    assert fixed["se"] * fixed["residual_se"] == pytest.approx(row["se"])


def test_egger_matches_published(ldl_chd):
    # mr_egger(...) in the same vignette and ?mr_allmethods (method = "main")
    row = ldl_chd.loc["egger"]
    for field, published in [("estimate", 3.253), ("se", 0.770), ("ci_low", 1.743), ("ci_high", 4.762)]:
        _printed(row[field], published)
    _printed(row["intercept"], -0.011)
    _printed(row["intercept_se"], 0.015)
    _printed(row["intercept_p"], 0.451)
    _printed(row["intercept"] - 1.959964 * row["intercept_se"], -0.041)
    _printed(row["intercept"] + 1.959964 * row["intercept_se"], 0.018)
    _printed(row["residual_se"], 1.935)
    _printed(row["cochran_q"], 97.3975, 4)  # Rücker's Q'
    assert row["q_df"] == 26


def test_weighted_median_matches_published(ldl_chd):
    # mr_median(...) in the vignette: 2.683 (SE 0.419 with R's 10000 draws, seed 314159265). The
    # estimate has no randomness; the SE comes from numpy draws, so it agrees to Monte Carlo error.
    row = ldl_chd.loc["weighted_median"]
    _printed(row["estimate"], 2.683)
    assert row["se"] == pytest.approx(0.419, abs=0.02)
    assert row["ci_low"] == pytest.approx(row["estimate"] - 1.959964 * row["se"])
    assert np.isnan(row[["intercept", "cochran_q", "q_df", "residual_se"]].astype(float)).all()


def _bowden(theta, weights):
    """R's weighted.median (MendelianRandomization R/mr_median-methods.R), 1-based loop and all."""
    order = np.argsort(theta)
    theta, weights = np.asarray(theta)[order], np.asarray(weights)[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    k = sum(c < 0.5 for c in cumulative)  # R's k, 1-based: cumulative[k - 1] is the last below 0.5
    ratio = (0.5 - cumulative[k - 1]) / (cumulative[k] - cumulative[k - 1])
    return theta[k - 1] + (theta[k] - theta[k - 1]) * ratio


@pytest.mark.parametrize("seed", range(20))
def test_weighted_median_is_bowdens_interpolation(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 40))
    bx = rng.normal(0, 1, n)
    by = rng.normal(0, 1, n)
    by_se = rng.uniform(0.1, 2, n)
    table = mendelian_randomization(bx, np.full(n, 0.1), by, by_se, methods=["weighted_median"], n_boot=10)
    assert table["estimate"][0] == pytest.approx(_bowden(by / bx, (bx / by_se) ** 2), rel=1e-12)


def test_bootstrap_seeded_and_chunked(monkeypatch):
    def se(seed):
        return mendelian_randomization(
            LDLC, LDLCSE, CHD, CHDSE, methods="weighted_median", n_boot=400, seed=seed
        )["se"][0]

    assert se(1) == se(1)
    assert se(1) != se(2)
    monkeypatch.setattr(mr, "_BOOT_CELLS", 100)  # 3 draws at a time: many chunks, same distribution
    assert se(1) == se(1) == pytest.approx(0.419, abs=0.08)


def _wls(design, y, w):
    # the regression R's lm(..., weights = w) fits, by plain least squares on rescaled rows
    root = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(design * root[:, None], y * root, rcond=None)
    residuals = (y - design @ coef) * root
    cov = np.linalg.inv((design * root[:, None]).T @ (design * root[:, None]))
    sigma = np.sqrt(residuals @ residuals / (len(y) - design.shape[1]))
    return coef, np.sqrt(np.diag(cov)) * sigma, sigma  # lm's standard errors scale by sigma


@pytest.mark.parametrize(
    "exposure", [(LDLC, LDLCSE), (HDLC, HDLCSE), (TRIG, TRIGSE)], ids=["ldl", "hdl", "trig"]
)
def test_ivw_and_egger_are_weighted_regressions(exposure):
    bx, by, by_se = np.array(exposure[0]), np.array(CHD), np.array(CHDSE)
    table = mendelian_randomization(bx, exposure[1], by, by_se, methods=METHODS_NO_MEDIAN).set_index("method")
    (slope,), (se,), sigma = _wls(bx[:, None], by, by_se**-2)
    assert table.loc["ivw_fixed", "estimate"] == pytest.approx(slope)
    assert table.loc["ivw_fixed", "se"] == pytest.approx(se / sigma)  # lm's se with sigma set to 1
    assert table.loc["ivw_random", "se"] == pytest.approx(se / min(sigma, 1))
    assert table.loc["ivw_fixed", "residual_se"] == pytest.approx(sigma)
    flip = np.sign(bx)
    coef, ses, sigma = _wls(np.column_stack([np.ones(len(bx)), np.abs(bx)]), flip * by, by_se**-2)
    egger = table.loc["egger"]
    assert [egger["intercept"], egger["estimate"]] == pytest.approx(coef)
    assert [egger["intercept_se"], egger["se"]] == pytest.approx(ses / min(sigma, 1))
    assert egger["cochran_q"] == pytest.approx(sigma**2 * (len(bx) - 2))


def test_hand_computed_two_variants():
    # bx = (1, 2), by = (1, 3), by_se = 1: estimate = (1 + 6) / (1 + 4) = 1.4, fixed se = 1 / sqrt(5);
    # residuals (-0.4, 0.2), Q = 0.2 on 1 df, so random = fixed (residual se below 1)
    table = mendelian_randomization([1, 2], [0.1, 0.1], [1, 3], [1, 1], methods=["ivw_fixed", "ivw_random"])
    for row in table.itertuples():
        assert row.estimate == pytest.approx(1.4)
        assert row.se == pytest.approx(5**-0.5)
        assert row.cochran_q == pytest.approx(0.2) and row.q_df == 1
        assert row.ci_high == pytest.approx(1.4 + 1.959964 * 5**-0.5, rel=1e-6)
    for method in ("egger", "weighted_median"):
        with pytest.raises(InputError, match=f"{method} needs at least 3 variants, got 2"):
            mendelian_randomization([1, 2], [0.1, 0.1], [1, 3], [1, 1], methods=[method])


def test_equal_ratios_have_no_heterogeneity():
    bx = np.array([0.1, -0.2, 0.3, 0.05])
    table = mendelian_randomization(bx, [0.01] * 4, 2.5 * bx, [0.02, 0.03, 0.01, 0.02]).set_index("method")
    assert table["estimate"].to_numpy() == pytest.approx(2.5)
    assert table.loc["ivw_fixed", "cochran_q"] == pytest.approx(0, abs=1e-20)
    assert table.loc["ivw_fixed", "q_p"] == pytest.approx(1)
    assert table.loc["ivw_random", "se"] == table.loc["ivw_fixed", "se"]  # never narrower than fixed
    assert table.loc["egger", "intercept"] == pytest.approx(0, abs=1e-12)


def test_egger_is_invariant_to_allele_coding():
    # recoding a variant's effect allele negates both its associations; orienting bx > 0 undoes it
    rng = np.random.default_rng(5)
    bx, by = rng.uniform(0.05, 0.5, 12), rng.normal(0.1, 0.1, 12)
    bx_se, by_se = np.full(12, 0.02), rng.uniform(0.02, 0.1, 12)
    flip = np.where(rng.random(12) < 0.5, -1, 1)
    plain = mendelian_randomization(bx, bx_se, by, by_se, methods=METHODS_NO_MEDIAN)
    flipped = mendelian_randomization(flip * bx, bx_se, flip * by, by_se, methods=METHODS_NO_MEDIAN)
    numeric = ["estimate", "se", "intercept", "intercept_se", "cochran_q"]
    np.testing.assert_allclose(plain[numeric].to_numpy(), flipped[numeric].to_numpy(), rtol=1e-10)
    assert plain["intercept"][2] != pytest.approx(0, abs=1e-3)  # the test has an intercept to lose


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"by": [0.1, float("nan"), 0.3]}, r"by of variant 1 \(rs2\) is nan; every value must be finite"),
        ({"bx": [0.1, 0.2, float("inf")]}, r"bx of variant 2 \(rs3\) is inf"),
        ({"by_se": [0.1, 0.0, 0.1]}, r"by_se of variant 1 \(rs2\) is 0.0; standard errors must be > 0"),
        ({"bx_se": [-0.1, 0.1, 0.1]}, r"bx_se of variant 0 \(rs1\) is -0.1"),
        ({"bx": [0.1, 0.0, 0.3]}, r"bx of variant 1 \(rs2\) is 0"),
        ({"by": [0.1, 0.2]}, "by has 2 values but bx has 3"),
        ({"by": [[0.1, 0.2, 0.3]]}, "by must be one-dimensional"),
        ({"by": ["a", "b", "c"]}, "by must be numbers"),
        ({"snps": ["rs1"]}, "snps has 1 ids but bx has 3"),
        ({"methods": ["ivw", "egger"]}, "unknown method 'ivw'"),
        ({"methods": []}, "methods is empty"),
        ({"n_boot": 1}, "n_boot must be a whole number >= 2"),
        ({"seed": -1}, "seed must be a whole number >= 0"),
    ],
)
def test_bad_input_is_refused_before_work(change, message):
    kwargs = {"bx": [0.1, 0.2, 0.3], "bx_se": [0.1] * 3, "by": [0.1, 0.2, 0.3], "by_se": [0.1] * 3}
    kwargs.update({"snps": ["rs1", "rs2", "rs3"], **change})
    with pytest.raises(InputError, match=message):
        mendelian_randomization(**kwargs)


def test_variants_without_ids_are_numbered():
    with pytest.raises(InputError, match="by_se of variant 3 is"):
        mendelian_randomization([1, 2, 3, 4], [1] * 4, [1, 2, 3, 4], [1, 1, 1, 0])


def test_egger_refuses_equal_exposure_associations():
    with pytest.raises(InputError, match="egger needs variants with different"):
        mendelian_randomization([0.1, -0.1, 0.1], [0.01] * 3, [0.2, 0.1, 0.3], [0.1] * 3, methods=["egger"])


def test_table_follows_requested_methods():
    table = mendelian_randomization(LDLC, LDLCSE, CHD, CHDSE, methods=["egger", "ivw_random"])
    assert table["method"].tolist() == ["egger", "ivw_random"]
    assert table.columns.tolist() == list(MRResult.__dataclass_fields__)
    assert table["n_variants"].tolist() == [28, 28]
    assert np.isnan(table.loc[1, "intercept"])
