"""Synergy scores (Bliss, HSA, Loewe, ZIP) and single-drug Hill fits.

Generated blocks give exact checks; ../shared/data/combinations (see its README.md) gives
noisy synthetic surfaces with known truth and real SynergyFinder / NCATS screening blocks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from drugscreen.combos.hill import fit_hill
from drugscreen.combos.synergy import MODELS, synergy
from drugscreen.errors import InputError

ONEIL_COLUMNS = {"drug_row": "drug1", "drug_col": "drug2", "conc_row": "conc1", "conc_col": "conc2"}
DOSES = np.r_[0.0, 0.1 * 3.0 ** np.arange(6)]


def hill(x, e0, emax, ec50, h):
    return e0 + (emax - e0) * x**h / (x**h + ec50**h)


def block(fun, block_id="b", rows=DOSES, cols=DOSES, reps=1):
    """A full dose matrix ``response = fun(conc_row, conc_col)`` as a long table."""
    r, c = np.meshgrid(rows, cols, indexing="ij")
    one = pd.DataFrame(
        {"block_id": block_id, "drug_row": "A", "drug_col": "B", "conc_row": r.ravel(), "conc_col": c.ravel()}
    )
    one["response"] = fun(one["conc_row"].to_numpy(), one["conc_col"].to_numpy())
    return pd.concat([one] * reps, ignore_index=True)


def bliss_surface(fa, fb):
    return lambda a, b: fa(a) + fb(b) - fa(a) * fb(b) / 100.0


def scores(res):
    return res.summary.set_index(["block_id", "model"])["score"]


@pytest.fixture(scope="module")
def combos(shared_data) -> Path:
    path = shared_data / "combinations"
    if not path.is_dir():
        pytest.skip(f"{path} not found")
    return path


def musyc(combos, name, shift=0.0):
    """A synergy-package surface (E fraction, 1 = no effect) as % inhibition, one block."""
    raw = pd.read_csv(combos / "synthetic_musyc" / name)
    raw.columns = ["conc_row", "conc_col", "E"]
    return pd.DataFrame(
        {
            "block_id": name,
            "drug_row": "A",
            "drug_col": "B",
            "conc_row": raw["conc_row"] - shift,
            "conc_col": raw["conc_col"] - shift,
            "response": 100.0 * (1.0 - raw["E"]),
        }
    )


# --------------------------------------------------------------------------- Hill fits
@pytest.mark.parametrize(
    "params", [(0, 100, 1.0, 1.0), (5, 80, 0.3, 2.5), (0, 50, 3.0, 0.8), (10, -20, 1, 1)]
)
def test_fit_hill_recovers_noiseless_parameters(params):
    fit = fit_hill(DOSES, hill(DOSES, *params))
    assert fit.converged
    assert np.allclose([fit.e0, fit.emax, fit.ec50, fit.hill], params, rtol=1e-6, atol=1e-6)
    assert fit.r2 == pytest.approx(1.0)
    x = DOSES[1:]
    assert np.allclose(fit.inverse(fit.predict(x)), x, rtol=1e-8)


def test_fit_hill_viability_and_bad_input():
    y = hill(DOSES, 0, 90, 1.0, 1.5)
    a, b = fit_hill(DOSES, y), fit_hill(DOSES, 100 - y, response_kind="viability")
    assert (a.e0, a.emax, a.ec50, a.hill) == pytest.approx((b.e0, b.emax, b.ec50, b.hill))
    with pytest.raises(InputError, match="response has 2"):
        fit_hill([0, 1, 2], [1, 2])
    with pytest.raises(InputError, match="two distinct non-zero"):
        fit_hill([0, 1, 1], [0, 5, 6])


def test_fit_hill_shared_hill_csv(combos):
    # 3 replicates of a Hill curve with E0=1, Emax=0, C=1, h=1 in E units (upstream truth);
    # measured: e0 5.1, emax 97.3, ec50 1.035, h 1.17 (noise ~0.03 in E).
    d = pd.read_csv(combos / "synthetic_musyc" / "hill.csv")
    fit = fit_hill(d["drug.conc"], 100.0 * (1.0 - d["E"]))
    assert fit.converged and fit.r2 > 0.99
    assert abs(np.log(fit.ec50)) <= 0.25 and abs(np.log(fit.hill)) <= 0.25  # README's tolerance
    assert abs(fit.e0) < 10 and abs(fit.emax - 100) < 10


# --------------------------------------------------------------------------- generated blocks
def test_bliss_and_zip_zero_on_generated_bliss_surface():
    partial = block(
        bliss_surface(lambda a: hill(a, 0, 60, 0.5, 1.3), lambda b: hill(b, 0, 90, 2, 0.8)), "partial"
    )
    full = block(
        bliss_surface(lambda a: hill(a, 0, 100, 0.5, 1.3), lambda b: hill(b, 0, 100, 2, 0.8)), "full"
    )
    res = synergy(pd.concat([partial, full]))
    surf = res.surface
    assert np.abs(surf.loc[surf.model == "bliss", "excess"]).max() < 1e-9
    # ZIP's delta is 0 on a Bliss surface only when both drugs reach 100 % (cross fits have emax 100)
    zip_full = surf.loc[(surf.model == "zip") & (surf.block_id == "full"), "excess"]
    assert np.abs(zip_full).max() < 1e-6
    assert 0 < scores(res)["partial", "zip"] < 1  # measured 0.38
    assert set(res.summary.model) == set(MODELS) and res.errors.empty
    assert (res.summary.n_cells == 36).all()


@pytest.mark.parametrize("h", [1.0, 2.0])
def test_sham_generated(h):
    res = synergy(block(lambda a, b: hill(a + b, 0, 100, 1.0, h)))
    surf = res.surface
    assert np.abs(surf.loc[surf.model == "loewe", "excess"]).max() < 1e-6
    assert not surf.flagged.any() and (res.summary.flag == "").all()
    s = scores(res)["b"]
    assert s["hsa"] > 0  # measured 3.2 (h=1), 3.6 (h=2)
    if h == 1.0:
        assert s["bliss"] < 0  # measured -3.1: Bliss reads a sham as antagonism for h = 1


def test_replicates_are_averaged_and_counted():
    res = synergy(block(lambda a, b: hill(a + b, 0, 100, 1.0, 1.0), reps=3))
    assert (res.surface.n_replicates == 3).all()
    assert len(res.surface) == 4 * DOSES.size**2


def test_bad_blocks_are_reported_and_skipped():
    good = block(lambda a, b: hill(a + b, 0, 100, 1.0, 1.0), "good")
    no_zero = block(lambda a, b: hill(a + b, 0, 100, 1.0, 1.0), "no_zero", rows=DOSES[1:])
    nan = block(lambda a, b: hill(a + b, 0, 100, 1.0, 1.0), "nan")
    nan.loc[5, "response"] = np.nan
    two = block(lambda a, b: hill(a + b, 0, 100, 1.0, 1.0), "two", cols=DOSES[:3])
    text = block(lambda a, b: hill(a + b, 0, 100, 1.0, 1.0), "text").astype({"conc_col": object})
    text.loc[3, "conc_col"] = "1 uM"
    table = pd.concat([good, no_zero, nan, two, text], ignore_index=True)
    res = synergy(table)
    assert set(res.summary.block_id) == {"good"} and set(res.fits.block_id) == {"good"}
    reasons = res.errors.set_index("block_id")["reason"]
    assert list(reasons.index) == ["no_zero", "nan", "two", "text"]
    assert "conc_row == 0" in reasons["no_zero"]
    assert reasons["nan"] == "response has 1 NaN or infinite values"
    assert "2 non-zero doses" in reasons["two"]
    assert "conc_col" in reasons["text"] and "non-numeric" in reasons["text"]
    par = synergy(table, n_jobs=2)
    pd.testing.assert_frame_equal(par.summary, res.summary)
    pd.testing.assert_frame_equal(par.errors, res.errors)


def test_input_errors():
    table = block(lambda a, b: a + b)
    with pytest.raises(InputError, match="'dose_b'"):
        synergy(table, columns={"conc_col": "dose_b"})
    with pytest.raises(InputError, match="unknown models"):
        synergy(table, models=["bliss", "musyc"])
    with pytest.raises(InputError, match="response must be"):
        synergy(table, response="percent")
    with pytest.raises(InputError, match="'response'"):
        synergy(table.drop(columns="response"))


# --------------------------------------------------------------------------- shared synthetic surfaces
def test_bliss_near_zero_on_bliss_independent(combos):
    res = synergy(musyc(combos, "synthetic_musyc_bliss_independent_1.csv"), models=["bliss"])
    assert abs(res.summary.score.iloc[0]) < 2  # measured -0.39 pp (noise 1 pp)


def test_loewe_near_zero_on_linear_isobole(combos):
    res = synergy(musyc(combos, "synthetic_musyc_linear_isobole_1.csv"), models=["loewe"])
    surf = res.surface
    comb = surf[(surf.conc_row > 0) & (surf.conc_col > 0)]
    # Drug 1 only reaches ~80 % (E1 = 0.2): Loewe is undefined above that, 10 of the 25 cells
    # take SynergyFinder's fallback (flagged). On the 15 solvable cells Loewe excess is noise.
    solved = comb.loc[~comb.flagged, "excess"]
    assert len(solved) == 15 and res.summary.flag.iloc[0] == "loewe not invertible in 10 cells"
    assert abs(solved.mean()) < 1 and np.abs(solved).max() < 2  # measured mean -0.008, max 0.83
    assert abs(res.summary.score.iloc[0]) < 3  # all 25 cells: measured -1.7 (fallback cells -4.3)


def test_loewe_near_zero_on_shared_sham(combos):
    # sham_2d has no dose 0; its lowest dose 0.05 of each drug is a background. For h = 1
    # f(x + 0.1) is again a 4PL curve (e0 = 9.1 %), so subtracting 0.05 from both doses
    # leaves an exact sham of a drug with itself, with true single-drug rows at dose 0.
    res = synergy(musyc(combos, "sham_2d.csv", shift=0.05), models=["loewe", "bliss", "hsa"])
    s = scores(res)["sham_2d.csv"]
    assert abs(s["loewe"]) < 1  # measured -0.25
    assert s["bliss"] < 0 < s["hsa"]  # measured -3.6 and 2.4


# --------------------------------------------------------------------------- real screens
def test_real_screens_run_with_replicates(combos):
    # mathews_screening_data.csv holds % viability (its untreated cells read ~100-123), not
    # % inhibition as the README table says; ONEIL has 4 replicates per dose pair.
    mathews = pd.read_csv(combos / "synergyfinder" / "mathews_screening_data.csv")
    m = synergy(mathews, response="viability")  # conc_r / conc_c picked up as they are
    oneil = pd.read_csv(combos / "synergyfinder" / "ONEIL_screening_data.csv")
    o = synergy(oneil, columns=ONEIL_COLUMNS)
    for res, n_cells in ((m, 25), (o, 16)):
        assert res.errors.empty and len(res.summary) == 2 * len(MODELS)
        assert np.isfinite(res.summary.score).all() and (res.summary.n_cells == n_cells).all()
        assert np.isfinite(res.surface[["response", "reference", "excess"]].to_numpy()).all()
    assert (o.surface.n_replicates == 4).all()
    # block 1 (MK-1775 + niraparib) is the synergistic one, block 2 the antagonistic one
    s = scores(o)
    assert s[1, "bliss"] > 20 and s[2, "bliss"] < -20  # measured 35.3 and -77.7


def test_viability_input_equals_inhibition_input(combos):
    mathews = pd.read_csv(combos / "synergyfinder" / "mathews_screening_data.csv")
    inhibition = mathews.assign(response=100.0 - mathews["response"])
    a = synergy(mathews, response="viability")
    b = synergy(inhibition, response="inhibition")
    pd.testing.assert_frame_equal(a.summary, b.summary, rtol=1e-12)
    pd.testing.assert_frame_equal(a.surface, b.surface, rtol=1e-12)


def ncats_blocks(combos):
    """NCATS matrix 10023 as a long table: Row/Col index the metadata's dose lists (high to low)."""
    folder = combos / "synergyfinder"
    resp = pd.read_csv(folder / "NCATS_10023_responses.csv")
    meta = pd.read_csv(folder / "NCATS_10023_metadata.csv").set_index("BlockId")
    parts = []
    for bid, g in resp.groupby("BlockId"):
        rc = np.array(meta.loc[bid, "RowConcs"].split(","), dtype=float)
        cc = np.array(meta.loc[bid, "ColConcs"].split(","), dtype=float)
        parts.append(
            pd.DataFrame(
                {
                    "block_id": bid,
                    "drug_row": meta.loc[bid, "RowName"],
                    "drug_col": meta.loc[bid, "ColName"],
                    "conc_row": rc[g["Row"].astype(int) - 1],
                    "conc_col": cc[g["Col"].astype(int) - 1],
                    "response": g["Value"].to_numpy(),  # % viability of the parasites
                }
            )
        )
    calc = pd.read_csv(folder / "NCATS_10023_calc.csv").set_index("BlockId")["ExcessHSA"]
    return pd.concat(parts, ignore_index=True), calc


def test_hsa_against_ncats_excess_hsa(combos):
    table, excess_hsa = ncats_blocks(combos)
    hsa = synergy(table, models=["hsa"], response="viability").summary.set_index("block_id")
    rho = spearmanr(hsa["score"], excess_hsa[hsa.index])[0]
    # NCATS' ExcessHSA is in viability units, so its sign is ours reversed (> 0 = antagonism)
    assert rho < -0.95  # measured -0.993 over the 12 blocks
    # It is exactly the sum over the 81 combination cells of (viability - min single viability)
    # with viabilities clipped to [0, 100]: -n_cells * score of our HSA on the clipped table.
    clipped = synergy(
        table.assign(response=table.response.clip(0, 100)), models=["hsa"], response="viability"
    )
    total = (clipped.summary.set_index("block_id").eval("-score * n_cells"))[excess_hsa.index]
    assert np.allclose(total, excess_hsa, atol=1e-3)


def test_against_synergy_package(combos):
    pytest.importorskip("synergy", reason="the GPL `synergy` package is a test-only extra")
    from synergy.combination import Bliss, Loewe
    from synergy.single import Hill

    oneil = pd.read_csv(combos / "synergyfinder" / "ONEIL_screening_data.csv")
    one = oneil[oneil.block_id == 1]
    res = synergy(one, models=["bliss", "loewe"], columns=ONEIL_COLUMNS)
    mean = one.groupby(["conc1", "conc2"])["response"].mean().reset_index()
    d1, d2 = mean["conc1"].to_numpy(), mean["conc2"].to_numpy()
    e = 1.0 - mean["response"].to_numpy() / 100.0  # synergy works in E (1 = no effect)
    surf = res.surface.set_index(["model", "conc_row", "conc_col"])

    def ours(model):
        return surf.loc[model].reindex(list(zip(d1, d2, strict=True)))

    assert np.allclose(ours("bliss")["excess"], 100 * Bliss().fit(d1, d2, e), atol=1e-10)
    fits = res.fits.set_index("role")
    models = [
        Hill(E0=1 - f.e0 / 100, Emax=1 - f.emax / 100, h=f.hill, C=f.ec50)
        for f in fits.loc[["row", "col"]].itertuples()
    ]
    theirs = 100 * Loewe(mode="delta_hsa", drug1_model=models[0], drug2_model=models[1]).fit(d1, d2, e)
    lo = ours("loewe")
    solved = ~lo["flagged"].to_numpy() & (d1 > 0) & (d2 > 0) & (lo["reference"].to_numpy() < 100)
    assert solved.sum() == 12  # the other 4 cells exceed niraparib's Emax: fallbacks differ
    assert np.allclose(lo["excess"].to_numpy()[solved], theirs[solved], atol=1e-3)  # measured 1.6e-4
