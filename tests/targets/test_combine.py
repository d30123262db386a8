"""``combine``: network, genetic and tractability evidence in one ranked table, checked by hand."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from drugscreen.errors import InputError
from drugscreen.targets.combine import TRACTABILITY, WEIGHTS, combine


def network_table(seeds: list[str], ranked: list[str], **extra: Any) -> pd.DataFrame:
    """A prioritize()-shaped table: seeds (no rank) first, then ``ranked`` in rank order."""
    table = pd.DataFrame(
        {
            "gene": seeds + ranked,
            "is_seed": [True] * len(seeds) + [False] * len(ranked),
            "rank": pd.array([pd.NA] * len(seeds) + list(range(1, len(ranked) + 1)), dtype="Int64"),
        }
    )
    for column, value in extra.items():
        table[column] = value
    return table


@pytest.fixture
def parts() -> dict[str, pd.DataFrame]:
    # seed A; ranked B, C, D, E (n = 4): network parts A 1, B 1, C 0.75, D 0.5, E 0.25
    return {
        "network": network_table(["A"], ["B", "C", "D", "E"], set="disease"),
        # C has two rows (the larger counts); X is not in the network (ignored)
        "genetics": pd.DataFrame({"gene": ["B", "C", "C", "D", "X"], "score": [0.2, 0.3, 0.6, 1.0, 0.9]}),
        # C: an approved drug ("zeta") and another ("alpha"); D: a drug that is not approved
        "drugs": pd.DataFrame(
            {"drug": ["alpha", "zeta", "d3"], "gene": ["C", "C", "D"], "approved": [False, True, False]}
        ),
        # E: two library compounds (one listed twice); D: one (its drug class wins)
        "library": pd.DataFrame({"compound": ["c1", "c2", "c2", "c1"], "gene": ["E", "E", "E", "D"]}),
    }


def by_gene(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("gene")


def test_every_part_by_hand(parts: dict[str, pd.DataFrame]) -> None:
    out = combine(parts["network"], parts["genetics"], drug_targets=parts["drugs"],
                  library_targets=parts["library"])  # fmt: skip
    # default weights network 1, genetics 1, tractability 0.5: sum 2.5
    # A: (1 + 0 + 0.5 * 0) / 2.5 = 0.4      B: (1 + 0.2 + 0) / 2.5 = 0.48
    # C: (0.75 + 0.6 + 0.5 * 1) / 2.5 = 0.74  D: (0.5 + 1.0 + 0.5 * 0.75) / 2.5 = 0.75
    # E: (0.25 + 0 + 0.5 * 0.5) / 2.5 = 0.2
    expected = {"D": 0.75, "C": 0.74, "B": 0.48, "A": 0.4, "E": 0.2}
    assert out["gene"].tolist() == list(expected)
    assert out["rank"].tolist() == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(out["score"], list(expected.values()), rtol=1e-12)
    g = by_gene(out)
    np.testing.assert_allclose(g.loc[list("ABCDE"), "network"], [1.0, 1.0, 0.75, 0.5, 0.25])
    np.testing.assert_allclose(g.loc[list("ABCDE"), "genetics"], [0.0, 0.2, 0.6, 1.0, 0.0])
    np.testing.assert_allclose(g.loc[list("ABCDE"), "tractability"], [0.0, 0.0, 1.0, 0.75, 0.5])
    # each contribution is weight x part / sum of weights, and they add up to the score
    assert g.loc["C", "contribution_network"] == pytest.approx(0.75 / 2.5)
    assert g.loc["C", "contribution_genetics"] == pytest.approx(0.6 / 2.5)
    assert g.loc["C", "contribution_tractability"] == pytest.approx(0.5 * 1.0 / 2.5)
    total = out[["contribution_network", "contribution_genetics", "contribution_tractability"]].sum(axis=1)
    np.testing.assert_allclose(total, out["score"], rtol=1e-12)
    assert g["is_seed"].to_dict() == {"A": True, "B": False, "C": False, "D": False, "E": False}
    assert set(out.columns) == {
        "rank", "gene", "score", "is_seed", "network", "genetics", "tractability", "tractability_class",
        "drugs", "n_compounds", "contribution_network", "contribution_genetics", "contribution_tractability",
    }  # fmt: skip
    assert "X" not in set(out["gene"])  # genetic evidence never adds a gene


def test_tractability_classes_and_drugs_column(parts: dict[str, pd.DataFrame]) -> None:
    out = by_gene(combine(parts["network"], drug_targets=parts["drugs"], library_targets=parts["library"]))
    assert out["tractability_class"].to_dict() == {
        "A": "none", "B": "none", "C": "approved_drug", "D": "drug", "E": "library",
    }  # fmt: skip
    assert TRACTABILITY == {"approved_drug": 1.0, "drug": 0.75, "library": 0.5, "none": 0.0}
    assert out["tractability"].to_dict() == {"A": 0.0, "B": 0.0, "C": 1.0, "D": 0.75, "E": 0.5}
    assert out.loc["C", "drugs"] == "zeta;alpha"  # approved first, though 'alpha' sorts first
    assert out.loc["D", "drugs"] == "d3" and out.loc["E", "drugs"] == "" and out.loc["A", "drugs"] == ""
    assert out["n_compounds"].to_dict() == {"A": 0, "B": 0, "C": 0, "D": 1, "E": 2}
    # several approved drugs: sorted by name among themselves, before the others
    drugs = pd.DataFrame({"drug": ["m", "b", "a", "z", "b"], "gene": ["C"] * 5,
                          "approved": [True, False, False, True, False]})  # fmt: skip
    assert by_gene(combine(parts["network"], drug_targets=drugs)).loc["C", "drugs"] == "m;z;a;b"
    # no approved column: every listed drug is a drug (0.75), none approved
    plain = combine(parts["network"], drug_targets=parts["drugs"][["drug", "gene"]])
    assert set(plain.loc[plain["gene"].isin(["C", "D"]), "tractability_class"]) == {"drug"}
    # library only: no drug, the library class
    library = by_gene(combine(parts["network"], library_targets=parts["library"]))
    assert library["tractability_class"].to_dict() == {
        "A": "none", "B": "none", "C": "none", "D": "library", "E": "library",
    }  # fmt: skip


def test_approved_given_as_text_or_blank(parts: dict[str, pd.DataFrame]) -> None:
    # a CSV's approved column as text ("no", "yes") or with blanks: "no" and blank are not approved
    drugs = pd.DataFrame({"drug": ["x", "y", "z"], "gene": ["B", "C", "D"], "approved": ["no", "yes", None]})
    out = by_gene(combine(parts["network"], drug_targets=drugs))
    assert out["tractability_class"].to_dict() == {
        "A": "none", "B": "drug", "C": "approved_drug", "D": "drug", "E": "none",
    }  # fmt: skip


def test_weights_and_parts_left_out(parts: dict[str, pd.DataFrame]) -> None:
    network, genetics = parts["network"], parts["genetics"]
    assert WEIGHTS == {"network": 1.0, "genetics": 1.0, "tractability": 0.5}
    # only the network given: the score is the network part; no other part's columns
    alone = combine(network)
    np.testing.assert_allclose(alone["score"], alone["network"])
    assert alone["gene"].tolist() == ["A", "B", "C", "D", "E"]
    assert not {"genetics", "tractability", "contribution_genetics", "drugs"} & set(alone.columns)
    # genetics weighted 3: B (1 + 3 * 0.2) / 4 = 0.4, D (0.5 + 3 * 1.0) / 4 = 0.875
    heavy = by_gene(combine(network, genetics, weights={"genetics": 3}))
    assert heavy.loc["B", "score"] == pytest.approx(0.4)
    assert heavy.loc["D", "score"] == pytest.approx(0.875)
    assert heavy.loc["D", "contribution_genetics"] == pytest.approx(0.75)
    # tractability's default weight does not count when no tractability table is given
    assert heavy.loc["C", "score"] == pytest.approx((0.75 + 3 * 0.6) / 4)
    # a part weighted 0 is left out of the mean (and has no contribution column)
    zero = by_gene(combine(network, genetics, drug_targets=parts["drugs"], weights={"genetics": 0}))
    assert "contribution_genetics" not in zero.columns and "genetics" in zero.columns
    assert zero.loc["C", "score"] == pytest.approx((0.75 + 0.5 * 1.0) / 1.5)
    assert zero.loc["D", "score"] == pytest.approx((0.5 + 0.5 * 0.75) / 1.5)
    # network weighted 0: genetics (and tractability) alone rank
    genetic = combine(network, genetics, weights={"network": 0})
    np.testing.assert_allclose(genetic["score"], genetic["genetics"])
    assert genetic["gene"].tolist()[:3] == ["D", "C", "B"]


def test_seed_and_gene_ids() -> None:
    # Entrez ids read as numbers (7157.0) are the same genes as the network's text ids
    network = network_table(["7157"], ["672", "675"])
    genetics = pd.DataFrame({"gene": [672.0, 675], "score": [0.5, 1.0]})
    out = by_gene(combine(network, genetics))
    assert out.loc["672", "genetics"] == 0.5 and out.loc["675", "genetics"] == 1.0
    assert out.loc["7157", "network"] == 1.0 and out.loc["7157", "genetics"] == 0.0


def test_tie_order_score_then_network_rank_then_gene_id() -> None:
    # seeds Z, Y; ranked B (1), A (2), D (3), C (4): network parts 1, 0.75, 0.5, 0.25 (seeds 1)
    network = network_table(["Z", "Y"], ["B", "A", "D", "C"])
    # genetics makes A tie with B (0.75 + 0.25 = 1 + 0) and C tie with D (0.25 + 0.25 = 0.5 + 0)
    genetics = pd.DataFrame({"gene": ["A", "C"], "score": [0.25, 0.25]})
    out = combine(network, genetics)
    np.testing.assert_array_equal(out["score"], [0.5, 0.5, 0.5, 0.5, 0.25, 0.25])
    # equal scores: a seed (network part 1, no rank) first, seeds by id; then the better
    # network rank (B before A, D before C, whatever their ids)
    assert out["gene"].tolist() == ["Y", "Z", "B", "A", "D", "C"]
    assert out["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    # the input's row order does not matter
    shuffled = network.sample(frac=1.0, random_state=3)
    assert combine(shuffled, genetics)["gene"].tolist() == out["gene"].tolist()


@pytest.mark.parametrize(
    "weights, message",
    [
        ({"expression": 1.0}, "unknown weight 'expression'"),
        ({"network": -1.0}, "weight 'network' must be a finite number >= 0"),
        ({"genetics": math.nan}, "weight 'genetics' must be a finite number >= 0"),
        ({"tractability": math.inf}, "weight 'tractability' must be a finite number >= 0"),
        ({"network": "1"}, "weight 'network' must be a finite number"),
        ({"network": True}, "weight 'network' must be a finite number"),
        ({"network": 0, "genetics": 0, "tractability": 0}, "every part given has weight 0"),
        ({"network": 0}, "every part given has weight 0"),  # only the network is given
    ],
)
def test_bad_weights(parts: dict[str, pd.DataFrame], weights: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        combine(parts["network"], weights=weights)  # type: ignore[arg-type]


@pytest.mark.parametrize("score", [1.5, -0.1, math.nan, "high"])
def test_genetics_score_outside_unit_interval(parts: dict[str, pd.DataFrame], score: object) -> None:
    genetics = pd.DataFrame({"gene": ["B", "C"], "score": [0.5, score]}, dtype=object)
    with pytest.raises(InputError, match=r"genetics score of gene 'C' is not in \[0, 1\]"):
        combine(parts["network"], genetics)


def test_several_sets_and_missing_columns(parts: dict[str, pd.DataFrame]) -> None:
    network = parts["network"]
    two = pd.concat([network, network.assign(set="other")], ignore_index=True)
    with pytest.raises(InputError, match="several seed sets"):
        combine(two)
    combine(network.assign(set="disease"))  # one set named: fine
    for column in ("gene", "is_seed", "rank"):
        with pytest.raises(InputError, match=f"network table has no column '{column}'"):
            combine(network.drop(columns=column))
    with pytest.raises(InputError, match="genetics table has no column 'score'"):
        combine(network, parts["genetics"].rename(columns={"score": "value"}))
    with pytest.raises(InputError, match="genetics table has no column 'gene'"):
        combine(network, parts["genetics"].drop(columns="gene"))
    with pytest.raises(InputError, match="drug_targets has no column 'drug'"):
        combine(network, drug_targets=parts["drugs"].rename(columns={"drug": "name"}))
    with pytest.raises(InputError, match="library_targets has no column 'compound'"):
        combine(network, library_targets=parts["library"].rename(columns={"compound": "id"}))
    with pytest.raises(InputError) as info:
        combine(network.drop(columns="rank"))
    assert "\n" not in str(info.value)  # one line


def test_sea_output_is_read_as_library_hits() -> None:
    network = pd.DataFrame({"gene": ["A", "B"], "is_seed": [False, False], "rank": [1, 2]})
    sea = pd.DataFrame(
        {"query": ["mol1", "mol2", "mol1"], "target": ["B", "B", "B"], "e_value": [1e-9, 1e-7, 1e-9]}
    )
    table = combine(network, library_targets=sea).set_index("gene")
    assert table.loc["B", "n_compounds"] == 2 and table.loc["B", "tractability_class"] == "library"
    assert table.loc["A", "n_compounds"] == 0
