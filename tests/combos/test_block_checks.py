"""Blocks that would be misread are refused or flagged, the same by the synergy scores and MuSyC
(issue 21): 3-drug tables, responses in another unit or of the other kind, NaN cells, and the
numeric options of the API."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
import pytest

import drugscreen as ds
from drugscreen.combos.hill import fit_hill
from drugscreen.combos.musyc import MusycParams, fit_musyc, musyc, musyc_surface
from drugscreen.combos.synergy import synergy
from drugscreen.errors import InputError

DOSES = np.r_[0.0, 0.1 * 3.0 ** np.arange(5)]


def hill(x, ec50, h=1.0):
    return 100.0 * x**h / (x**h + ec50**h)


def bliss_block(block_id="b", drug_col="B", extra=None, noise=0.0, seed=0):
    """A Bliss-independent 6 x 6 block in % inhibition, one well per dose pair."""
    r, c = (a.ravel() for a in np.meshgrid(DOSES, DOSES, indexing="ij"))
    ya, yb = hill(r, 0.5, 1.3), hill(c, 2.0, 0.9)
    y = ya + yb - ya * yb / 100 + np.random.default_rng(seed).normal(0, noise, r.size)
    table = pd.DataFrame(
        {
            "block_id": block_id,
            "drug_row": "A",
            "drug_col": drug_col,
            "conc_row": r,
            "conc_col": c,
            "response": y,
        }
    )
    for name, value in (extra or {}).items():
        table[name] = value
    return table


def three_drug_table():
    """A SynergyFinder-style 3-drug block: every (dose1, dose2) pair at three doses of drug 3."""
    parts = []
    for d3 in (0.0, 1.0, 5.0):
        part = bliss_block("t").rename(
            columns={"drug_row": "drug1", "drug_col": "drug2", "conc_row": "conc1", "conc_col": "conc2"}
        )
        part["drug3"] = "C"
        part["conc3"] = d3
        part["conc_unit3"] = "uM"
        part["response"] = part["response"] + 0.5 * hill(np.float64(d3), 2.0) * (1 - part["response"] / 100)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


COLS = {"drug_row": "drug1", "drug_col": "drug2", "conc_row": "conc1", "conc_col": "conc2"}


# --------------------------------------------------------------------------- 1. third drug
def test_a_third_dose_column_refuses_the_block_in_both_scores():
    table = three_drug_table()
    res = synergy(table, columns=COLS)
    assert res.summary.empty and list(res.errors.block_id) == ["t"]
    reason = res.errors.reason.iloc[0]
    assert "'conc3'" in reason and "third drug" in reason and "replicates" in reason
    fits = musyc(table, columns=COLS)
    assert fits.error.iloc[0] == reason and math.isnan(fits.alpha12.iloc[0])


def test_a_third_drug_name_column_refuses_the_block():
    res = synergy(three_drug_table().drop(columns="conc3"), columns=COLS)
    assert res.summary.empty
    assert "'drug3' names a third drug (C)" in res.errors.reason.iloc[0]


def test_more_than_two_drugs_in_one_block_names_the_cause():
    table = pd.concat([bliss_block("m", "B"), bliss_block("m", "C")], ignore_index=True)
    reason = synergy(table).errors.set_index("block_id").reason["m"]
    assert "drug_col names 2 drugs (B, C)" in reason and "more than two drugs" in reason
    assert musyc(table).error.iloc[0] == reason


@pytest.mark.parametrize(
    "extra",
    [
        {"drug3": np.nan, "conc3": np.nan},  # a 2-drug block of a 3-drug format
        {"drug3": "", "conc3": 0.0},
        {"drug3": "C", "conc3": 0.0},  # the third drug named but never dosed
        {"dose_c3": 0.0},
        {"conc_unit": "uM", "dose_um": 1.0},  # units and a constant column are not doses
    ],
)
def test_two_drug_blocks_with_empty_third_columns_are_scored(extra):
    res = synergy(bliss_block(extra=extra))
    assert res.errors.empty and (res.summary.flag == "").all()
    assert np.abs(res.surface.loc[res.surface.model == "bliss", "excess"]).max() < 1e-9


def test_a_dose_column_that_follows_the_row_dose_is_not_a_third_drug():
    table = bliss_block()
    table["dose_r"] = table["conc_row"] * 1000  # the row dose in nM
    assert synergy(table).errors.empty


def test_the_shared_three_drug_screen_is_refused(shared_data):
    path = shared_data / "combinations" / "synergyfinder" / "NCATS_screening_data.csv"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    res = synergy(pd.read_csv(path), columns=COLS)
    assert res.summary.empty and len(res.errors) == 2
    assert res.errors.reason.str.contains("'conc3'").all()


# --------------------------------------------------------------------------- 2. units and kind
@pytest.mark.parametrize("response", ["inhibition", "viability"])
def test_fractions_are_refused(response):
    table = bliss_block()
    if response == "viability":
        table["response"] = 100 - table["response"]
    table["response"] /= 100
    res = synergy(table, response=response)
    assert res.summary.empty
    reason = res.errors.reason.iloc[0]
    assert "fractions rather than percent" in reason and response in reason and "by 100" in reason
    assert musyc(table, response=response).error.iloc[0] == reason


def test_an_inactive_block_among_active_ones_is_scored_not_refused_as_fractions():
    """Within ±1.5 % inhibition in one block is an inactive pair when the table's other blocks
    are in percent; only a table that is within ±1.5 everywhere is fractions. (In viability an
    inactive block reads about 100, never like fractions.)"""
    active = bliss_block("active")
    quiet = bliss_block("quiet", drug_col="C")
    quiet["response"] = np.random.default_rng(1).uniform(-1.0, 1.0, len(quiet))
    res = synergy(pd.concat([active, quiet], ignore_index=True))
    assert res.errors.empty and set(res.summary.block_id) == {"active", "quiet"}
    flags = res.summary.groupby("block_id")["flag"].agg(lambda f: " ".join(map(str, f)))
    assert "inactive block" in flags["quiet"] and "inactive" not in flags["active"]
    alone = synergy(quiet)  # on its own, the same block cannot be told from fractions
    assert alone.summary.empty and "fractions rather than percent" in alone.errors.reason.iloc[0]


def test_inhibition_far_outside_the_plausible_range_is_refused():
    table = bliss_block()
    table["response"] = 120 + 3 * table["response"]  # 120 .. 420
    reason = synergy(table).errors.reason.iloc[0]
    assert "beyond full effect" in reason and "not percent inhibition" in reason
    table["response"] = -20 + 4 * bliss_block()["response"]  # -20 .. 380: a third of the wells > 200
    reason = synergy(table).errors.reason.iloc[0]
    assert "outside the plausible -100..200 % inhibition" in reason
    assert musyc(table).error.iloc[0] == reason


def test_one_outlier_well_is_flagged_not_refused(caplog):
    table = bliss_block()
    table.loc[20, "response"] = 250.0
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        res = synergy(table)
    assert res.errors.empty and res.summary.flag.str.contains("1 responses outside -100..200").all()
    assert "block b: 1 responses outside" in caplog.text


@pytest.mark.parametrize("given, said", [("viability", "inhibition"), ("inhibition", "viability")])
def test_the_other_kind_of_response_is_flagged_and_logged(caplog, given, said):
    table = bliss_block(noise=1.0)
    if given == "viability":
        table["response"] = 100 - table["response"]
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        wrong = synergy(table, response=said)
    flag = f"{given} given as {said}?"
    assert wrong.errors.empty and wrong.summary.flag.str.contains(flag, regex=False).all()
    assert flag in caplog.text and "block b" in caplog.text
    right = synergy(table, response=given)
    assert (right.summary.flag == "").all() or not right.summary.flag.str.contains("given as").any()
    assert (musyc(table, response=said).flag.str.contains(flag, regex=False)).all()


def test_real_screens_are_not_flagged(shared_data):
    folder = shared_data / "combinations" / "synergyfinder"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    mathews = synergy(pd.read_csv(folder / "mathews_screening_data.csv"), response="viability")
    oneil = synergy(pd.read_csv(folder / "ONEIL_screening_data.csv"), columns=COLS)
    for res in (mathews, oneil):
        assert res.errors.empty and not res.summary.flag.str.contains("given as|outside|NaN").any()


# --------------------------------------------------------------------------- 3. NaN cells
def test_a_nan_combination_cell_is_left_out_by_both_scores(caplog):
    table = bliss_block(noise=1.0)
    cell = table.index[(table.conc_row == DOSES[3]) & (table.conc_col == DOSES[2])][0]
    table.loc[cell, "response"] = np.nan
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        res = synergy(table)
    assert res.errors.empty and (res.summary.n_cells == 24).all()
    assert res.summary.flag.str.startswith("1 NaN or infinite responses left out").all()
    assert "block b: 1 NaN or infinite responses left out" in caplog.text
    without = synergy(table.drop(index=cell))
    pd.testing.assert_series_equal(res.summary.score, without.summary.score)
    fits = musyc(table)
    assert fits.error.iloc[0] == "" and fits.n_points.iloc[0] == 35
    assert fits.flag.iloc[0] == "1 NaN or infinite responses left out"


def test_a_nan_replicate_leaves_the_other_replicates():
    table = pd.concat([bliss_block(noise=1.0, seed=1), bliss_block(noise=1.0, seed=2)], ignore_index=True)
    table.loc[len(table) - 1, "response"] = np.inf
    res = synergy(table)
    assert res.errors.empty and (res.summary.n_cells == 25).all()
    cell = res.surface[(res.surface.conc_row == DOSES[-1]) & (res.surface.conc_col == DOSES[-1])]
    assert (cell.n_replicates == 1).all() and np.isfinite(cell.response).all()


def test_a_nan_single_drug_well_refuses_the_synergy_scores_only():
    table = bliss_block()
    table.loc[3, "response"] = np.nan  # conc_row 0: drug B alone
    res = synergy(table)
    assert res.summary.empty and res.errors.reason.iloc[0] == "response has 1 NaN or infinite values"
    assert musyc(table).error.iloc[0] == ""  # MuSyC needs no single-drug well, as for absent ones


def test_all_nan_responses():
    table = bliss_block().assign(response=np.nan)
    assert "no measured well" in synergy(table).errors.reason.iloc[0]
    assert "no measured well" in musyc(table).error.iloc[0]


# --------------------------------------------------------------------------- D. options
@pytest.mark.parametrize("n_jobs", [0, math.nan, math.inf, 1.5, "2", True])
def test_synergy_n_jobs_is_checked(n_jobs):
    with pytest.raises(InputError, match="n_jobs"):
        synergy(bliss_block(), n_jobs=n_jobs)


def test_synergy_options_are_checked():
    table = bliss_block()
    with pytest.raises(InputError, match="models must be model names"):
        synergy(table, models=5)
    with pytest.raises(InputError, match="columns must be a mapping"):
        synergy(table, columns="conc_row=dose")
    with pytest.raises(InputError, match="response must be"):
        synergy(table, response=["inhibition"])
    assert len(synergy(table, models=["bliss", "bliss"]).summary) == 1
    assert len(synergy(table, n_jobs=2.0).summary) == 4


@pytest.mark.parametrize("value", [math.nan, math.inf, "10", True])
def test_fit_hill_fixed_plateaus_are_checked(value):
    with pytest.raises(InputError, match="e0 must be a number"):
        fit_hill(DOSES, hill(DOSES, 1.0), e0=value)
    with pytest.raises(InputError, match="emax must be a number"):
        fit_hill(DOSES, hill(DOSES, 1.0), emax=value)


def test_musyc_options_are_checked():
    p = MusycParams(0, 50, 40, 80, 1.0, 1.0, 1.0, 1.0)
    with pytest.raises(InputError, match="fit_gamma must be True or False"):
        musyc(bliss_block(), fit_gamma="no")
    with pytest.raises(InputError, match="fit_gamma must be True or False"):
        fit_musyc([0, 1], [0, 1], [0, 1], fit_gamma=None)
    with pytest.raises(InputError, match="d1 must be doses >= 0"):
        musyc_surface([-1.0], [0.0], p)
    with pytest.raises(InputError, match="d2 must be doses >= 0"):
        musyc_surface([1.0], [math.nan], p)
    with pytest.raises(InputError, match="params.C1 must be a number > 0"):
        musyc_surface([1.0], [1.0], MusycParams(0, 50, 40, 80, 1.0, 1.0, 0.0, 1.0))
    with pytest.raises(InputError, match="params.E3 must be a number"):
        musyc_surface([1.0], [1.0], MusycParams(0, 50, 40, math.nan, 1.0, 1.0, 1.0, 1.0))
    with pytest.raises(InputError, match="r1r must be a number > 0"):
        musyc_surface([1.0], [1.0], p, r1r=math.inf)
    with pytest.raises(InputError, match="params must be MusycParams"):
        musyc_surface([1.0], [1.0], {"E0": 0})
    assert ds.combos.musyc_surface([0.0], [0.0], p).tolist() == [0.0]
