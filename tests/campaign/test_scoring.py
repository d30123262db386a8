"""Desirabilities, the MPO score and hard rules against plain NumPy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drugscreen.campaign.config import Rule, Term
from drugscreen.campaign.scoring import desirability, mpo_score, rule_failures
from drugscreen.errors import InputError


@given(
    st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=30),
    st.floats(-5, 5, allow_nan=False),
    st.floats(-5, 5, allow_nan=False),
)
@settings(max_examples=200, deadline=None)
def test_desirability_is_the_clipped_ramp(values: list[float], worst: float, best: float) -> None:
    if abs(worst - best) < 1e-6:
        return
    x = np.array(values)
    got = desirability(x, Term("c", worst, best))
    expected = [min(1.0, max(0.0, (v - worst) / (best - worst))) for v in values]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert np.all((got >= 0) & (got <= 1))


def test_low_is_good_when_worst_is_above_best() -> None:
    got = desirability(np.array([0.9, 0.7, 0.4, 0.1, 0.0, np.nan]), Term("herg", 0.7, 0.1))
    np.testing.assert_allclose(got, [0, 0, 0.5, 1, 1, 0])


@pytest.mark.parametrize("combine", ["geometric", "arithmetic"])
def test_score_combines_weighted_desirabilities(combine: str) -> None:
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"a": rng.uniform(-1, 2, 50), "b": rng.uniform(0, 1, 50), "c": rng.normal(size=50)})
    table.loc[7, "c"] = np.nan
    terms = [Term("a", 0, 1, 2.0), Term("b", 1, 0, 1.0), Term("c", -1, 1, 0.5)]
    got = mpo_score(table, terms, combine)
    d = np.column_stack(
        [np.nan_to_num(np.clip((table[t.column] - t.worst) / (t.best - t.worst), 0, 1)) for t in terms]
    )
    w = np.array([2.0, 1.0, 0.5]) / 3.5
    expected = np.prod(d**w, axis=1) if combine == "geometric" else d @ w
    np.testing.assert_allclose(got["score"], expected, rtol=1e-12, atol=1e-15)
    assert got.loc[7, "score"] == (0.0 if combine == "geometric" else pytest.approx(expected[7]))
    assert list(got.columns) == ["d_a", "d_b", "d_c", "score"]


def test_zero_weight_term_does_not_zero_the_geometric_score() -> None:
    table = pd.DataFrame({"a": [1.0], "b": [-5.0]})
    got = mpo_score(table, [Term("a", 0, 1, 1.0), Term("b", 0, 1, 0.0)])
    assert got["score"].iloc[0] == 1.0


def test_score_errors() -> None:
    table = pd.DataFrame({"a": [1.0]})
    with pytest.raises(InputError, match="column 'z'"):
        mpo_score(table, [Term("z", 0, 1)])
    with pytest.raises(InputError, match="at least one term"):
        mpo_score(table, [])
    with pytest.raises(InputError, match="positive weight"):
        mpo_score(table, [Term("a", 0, 1, 0.0)])


def test_rule_failures_name_every_failed_rule() -> None:
    table = pd.DataFrame({"herg": [0.1, 0.5, np.nan, 0.3], "mw": [300, 600, 200, 500]})
    rules = [Rule("herg", "<=", 0.3), Rule("mw", "<", 500)]
    got = rule_failures(table, rules).tolist()
    assert got == [None, "herg <= 0.3; mw < 500", "herg <= 0.3", "mw < 500"]
    with pytest.raises(InputError, match="column 'logd'"):
        rule_failures(table, [Rule("logd", ">", 0)])


@given(
    st.lists(st.integers(0, 4), min_size=0, max_size=60),
    st.integers(1, 25),
    st.integers(1, 9),
)
@settings(max_examples=150, deadline=None)
def test_top_candidates_break_ties_by_row_across_batches(levels: list[int], n: int, batch: int) -> None:
    """Few distinct scores (many ties), batches smaller than n: the streamed top n is the
    plain lexsort's (score descending, then row ascending)."""
    import tempfile
    from pathlib import Path

    from drugscreen.campaign.steps import Context, top_by_similarity

    rng = np.random.default_rng(len(levels) * 31 + n)
    rows = rng.permutation(len(levels)) * 3  # not in file order, not contiguous
    table = pd.DataFrame(
        {
            "row": rows.astype(np.int64),
            "id": [f"m{r}" for r in rows],
            "smiles": "C",
            "score": np.array(levels) / 4,
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hits.parquet"
        table.to_parquet(path)
        ctx = Context(config=None, directory=Path(tmp), progress=False, files={"screen": path})  # type: ignore[arg-type]
        got = top_by_similarity(ctx, n, batch_size=batch)
    order = np.lexsort((rows, -table["score"].to_numpy()))[:n]
    assert got["row"].tolist() == rows[order].tolist()
