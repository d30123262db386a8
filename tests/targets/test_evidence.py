"""Evidence aggregation against hand arithmetic and a plain-Python reference (OT harmonic sums)."""

from __future__ import annotations

import gzip
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drugscreen.errors import InputError
from drugscreen.targets.evidence import (
    OT_WEIGHTS,
    aggregate_evidence,
    harmonic_sum,
    max_harmonic_sum,
    read_evidence,
    score_from_pvalue,
)

PI2_6 = math.pi**2 / 6  # 1.6449340668...: the divisor without max_terms


def _table(rows: list[tuple[object, object, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["disease", "gene", "source", "score"])


# --- harmonic sums by hand -------------------------------------------------------------------


def test_harmonic_sum_by_hand() -> None:
    # sorted [1, 0.5, 0.5]: 1/1 + 0.5/4 + 0.5/9 = 1 + 0.125 + 0.0555... = 1.180555...
    assert harmonic_sum([0.5, 1.0, 0.5]) == pytest.approx(1.1805555555555556, abs=1e-15)
    # capped at 2 terms: 1 + 0.5/4 = 1.125
    assert harmonic_sum([0.5, 1.0, 0.5], max_terms=2) == pytest.approx(1.125, abs=1e-15)
    assert harmonic_sum([]) == 0.0
    assert max_harmonic_sum() == pytest.approx(PI2_6, abs=1e-15)
    assert max_harmonic_sum(3) == pytest.approx(1 + 1 / 4 + 1 / 9, abs=1e-15)  # 1.3611...


def test_one_source_matches_the_ot_documentation_example() -> None:
    # OT docs: evidence 1, 0.9, 0.8 -> (1/1 + 0.9/4 + 0.8/9) / 1.644... = 1.31389 / 1.64493 = 0.79875
    out = aggregate_evidence(_table([("D", "G", "s", 0.9), ("D", "G", "s", 1.0), ("D", "G", "s", 0.8)]))
    assert out.loc[0, "score_s"] == pytest.approx(0.7987486643804295, abs=1e-12)
    # one source: overall = source score / 1.64493 (the source is the only, first, term)
    assert out.loc[0, "score"] == pytest.approx(0.7987486643804295 / PI2_6, abs=1e-12)
    assert out.loc[0, "n_evidence"] == 3 and out.loc[0, "top_source"] == "s"


def test_source_weights_by_hand() -> None:
    rows = [("D", "G", "gwas", 1.0), ("D", "G", "europepmc", 0.8), ("D", "G", "europepmc", 0.6)]
    # gwas: 1 / 1.64493 = 0.607927; europepmc: (0.8 + 0.6/4) / 1.64493 = 0.95 / 1.64493 = 0.577532
    gwas, lit = 1 / PI2_6, 0.95 / PI2_6
    out = aggregate_evidence(_table(rows), weights=OT_WEIGHTS)
    # weighted: gwas 0.607927, europepmc 0.2 * 0.577532 = 0.115506 ->
    # (0.607927 + 0.115506/4) / 1.64493 = 0.636804 / 1.64493 = 0.387131
    assert out.loc[0, "score"] == pytest.approx((gwas + 0.2 * lit / 4) / PI2_6, abs=1e-12)
    assert out.loc[0, "score"] == pytest.approx(0.387131, abs=1e-6)
    assert out.loc[0, "score_gwas"] == pytest.approx(gwas) and out.loc[0, "score_europepmc"] == pytest.approx(
        lit
    )
    assert out.loc[0, "top_source"] == "gwas"
    # Unweighted: (0.607927 + 0.577532/4) / 1.64493 = 0.457347
    assert aggregate_evidence(_table(rows)).loc[0, "score"] == pytest.approx((gwas + lit / 4) / PI2_6)
    # Down-weighting gwas below europepmc's score makes europepmc the top source
    flipped = aggregate_evidence(_table(rows), weights={"gwas": 0.5})  # 0.303964 < 0.577532
    assert flipped.loc[0, "top_source"] == "europepmc"
    assert flipped.loc[0, "score"] == pytest.approx((lit + 0.5 * gwas / 4) / PI2_6)


def test_max_terms_caps_and_renormalises() -> None:
    rows = [("D", "G", "s", v) for v in (0.5, 1.0, 0.9)]
    out = aggregate_evidence(_table(rows), max_terms=2)
    # source: (1 + 0.9/4) / (1 + 1/4) = 1.225 / 1.25 = 0.98; the 0.5 is past the cap
    assert out.loc[0, "score_s"] == pytest.approx(0.98, abs=1e-12)
    # overall: 0.98 / 1.25 = 0.784; n_evidence still counts all three rows
    assert out.loc[0, "score"] == pytest.approx(0.784, abs=1e-12)
    assert out.loc[0, "n_evidence"] == 3
    # max_terms ones score exactly 1 at the source level, never above (round-off clipped)
    ones = aggregate_evidence(_table([("D", "G", "s", 1.0)] * 5), max_terms=5)
    assert ones.loc[0, "score_s"] == pytest.approx(1.0) and ones.loc[0, "score"] <= 1.0


def test_gene_ids_are_normalised_and_merged() -> None:
    rows = [("D", 7157, "a", 0.2), ("D", 7157.0, "a", 0.3), ("D", "7157.0", "b", 0.4), ("D", "TP53", "a", 1)]
    out = aggregate_evidence(_table(rows))
    assert out["gene"].tolist() == ["TP53", "7157"]  # sorted by score, TP53's is higher
    assert out.set_index("gene").loc["7157", "n_evidence"] == 3


def test_output_columns_and_order() -> None:
    rows = [("D2", "g1", "a", 0.5), ("D1", "g2", "b", 0.5), ("D1", "g1", "b", 0.5), ("D1", "g3", "a", 0.9)]
    out = aggregate_evidence(_table(rows))
    assert list(out.columns) == ["disease", "gene", "score", "score_a", "score_b", "n_evidence", "top_source"]
    # disease ascending, then score descending, then gene for equal scores
    assert list(zip(out["disease"], out["gene"], strict=True)) == [
        ("D1", "g3"),
        ("D1", "g1"),
        ("D1", "g2"),
        ("D2", "g1"),
    ]
    assert out.loc[0, "score_b"] == 0.0  # no evidence from b for (D1, g3)


def test_custom_column_names() -> None:
    table = pd.DataFrame({"efo": ["D"], "entrez": [7157.0], "ds": ["x"], "l2g": [1.0]})
    out = aggregate_evidence(table, disease_col="efo", gene_col="entrez", source_col="ds", score_col="l2g")
    assert out.loc[0, "gene"] == "7157" and out.loc[0, "score_x"] == pytest.approx(1 / PI2_6)


# --- against a plain-Python reference --------------------------------------------------------


def _reference(rows: list[tuple[str, str, str, float]], weights: dict[str, float], cap: int | None) -> dict:
    norm = PI2_6 if cap is None else sum(1 / i**2 for i in range(1, cap + 1))

    def hs(values: list[float]) -> float:
        top = sorted(values, reverse=True)[:cap]
        return sum(v / (i + 1) ** 2 for i, v in enumerate(top)) / norm

    groups: dict[tuple[str, str], dict[str, list[float]]] = {}
    for d, g, s, v in rows:
        groups.setdefault((d, g), {}).setdefault(s, []).append(v)
    out = {}
    for pair, by_source in groups.items():
        per = {s: hs(v) for s, v in by_source.items()}
        weighted = {s: per[s] * weights.get(s, 1.0) for s in per}
        out[pair] = (hs(list(weighted.values())), per, weighted, sum(map(len, by_source.values())))
    return out


_rows = st.lists(
    st.tuples(
        st.sampled_from(["D1", "D2"]),
        st.sampled_from(["1", "2", "3"]),
        st.sampled_from(["a", "b", "c"]),
        st.floats(0, 1),
    ),
    min_size=1,
    max_size=40,
)


@given(_rows, st.dictionaries(st.sampled_from(["a", "b"]), st.floats(0, 1)), st.none() | st.integers(1, 4))
@settings(max_examples=150, deadline=None)
def test_matches_reference(rows: list, weights: dict[str, float], cap: int | None) -> None:
    expected = _reference(rows, weights, cap)
    out = aggregate_evidence(_table(rows), weights=weights, max_terms=cap).set_index(["disease", "gene"])
    assert len(out) == len(expected)
    for pair, (score, per, weighted, n) in expected.items():
        got = out.loc[pair]
        assert got["score"] == pytest.approx(score, abs=1e-12)
        assert got["n_evidence"] == n
        for source in "abc":
            if f"score_{source}" in out.columns:
                assert got[f"score_{source}"] == pytest.approx(per.get(source, 0.0), abs=1e-12)
        ranked = sorted(weighted.items(), key=lambda kv: (-kv[1], kv[0]))
        if len(ranked) == 1 or ranked[0][1] - ranked[1][1] > 1e-9 or ranked[0][1] == ranked[1][1]:
            assert got["top_source"] == ranked[0][0]  # near-ties depend on float summation order
    assert (out["score"].between(0, 1)).all()


def test_row_order_does_not_matter() -> None:
    rng = np.random.default_rng(7)
    n = 300
    table = pd.DataFrame(
        {
            "disease": rng.choice(["D1", "D2", "D3"], n),
            "gene": rng.choice([str(g) for g in range(20)], n),
            "source": rng.choice(["a", "b", "c", "d"], n),
            "score": rng.choice([0.1, 0.25, 0.5, 0.75, 1.0], n),  # many exact ties
        }
    )
    expected = aggregate_evidence(table, weights={"a": 0.2}, max_terms=3)
    for seed in range(3):
        shuffled = table.sample(frac=1, random_state=seed).reset_index(drop=True)
        got = aggregate_evidence(shuffled, weights={"a": 0.2}, max_terms=3)
        pd.testing.assert_frame_equal(got, expected)  # bit-for-bit, not approximately


# --- p-values --------------------------------------------------------------------------------


def test_score_from_pvalue() -> None:
    # OT's default: -log10(p) / 10, clipped to [0, 1]
    assert score_from_pvalue(1e-5) == pytest.approx(0.5)
    assert score_from_pvalue(5e-8) == pytest.approx(-math.log10(5e-8) / 10)  # 0.7301
    got = score_from_pvalue([1.0, 1e-10, 1e-30, 0.0])
    np.testing.assert_allclose(got, [0.0, 1.0, 1.0, 1.0])
    # IntOGen's range: p 0.1 -> 0.25, p 1e-10 -> 1; p 1e-4 -> 0.25 + 0.75 * 3/9 = 0.5
    assert score_from_pvalue(1e-4, p_low=0.1, p_high=1e-10, low=0.25) == pytest.approx(0.5)
    with pytest.raises(InputError, match=r"p-values must be in \[0, 1\], got 1\.5"):
        score_from_pvalue([0.5, 1.5])
    with pytest.raises(InputError, match="p_high < p_low"):
        score_from_pvalue(0.5, p_high=0.1, p_low=0.01)


# --- validation and errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (float("nan"), "is not a number"),
        (1.5, r"is outside \[0, 1\]"),
        (-0.1, "outside"),
        (np.inf, "outside"),
    ],
)
def test_bad_scores_name_row_ids_and_column(value: float, why: str) -> None:
    table = _table([("D", "G", "s", 0.5), ("EFO_1", 7157.0, "gwas", value)])
    with pytest.raises(
        InputError,
        match=rf"evidence table, row 1 \(disease 'EFO_1', gene '7157', source 'gwas'\), column 'score': .* {why}",
    ):
        aggregate_evidence(table)


def test_missing_column_lists_those_present() -> None:
    with pytest.raises(
        InputError, match=r"no column 'score' \(columns: \['disease', 'gene', 'source', 'p'\]\)"
    ):
        aggregate_evidence(pd.DataFrame(columns=["disease", "gene", "source", "p"]))


def test_empty_id_is_an_error() -> None:
    with pytest.raises(InputError, match=r"row 0, column 'gene': empty gene id"):
        aggregate_evidence(_table([("D", None, "s", 0.5)]))


@pytest.mark.parametrize("weight", [-0.1, float("nan"), float("inf"), 1.5, "heavy"])
def test_bad_weights(weight: object) -> None:
    with pytest.raises(InputError, match=r"weights: source 's' has weight .*; weights must be in \[0, 1\]"):
        aggregate_evidence(_table([("D", "G", "s", 0.5)]), weights={"s": weight})  # type: ignore[dict-item]


def test_weights_for_unknown_sources_warn(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="drugscreen"):
        out = aggregate_evidence(_table([("D", "G", "s", 0.5)]), weights={"s": 1.0, "nope": 0.5})
    assert "['nope']" in caplog.text and len(out) == 1


@pytest.mark.parametrize("cap", [0, -1, 1.5, True])
def test_bad_max_terms(cap: object) -> None:
    with pytest.raises(InputError, match="max_terms must be a positive integer"):
        aggregate_evidence(_table([("D", "G", "s", 0.5)]), max_terms=cap)  # type: ignore[arg-type]


def test_empty_table_gives_empty_result() -> None:
    out = aggregate_evidence(_table([]))
    assert list(out.columns) == ["disease", "gene", "score", "n_evidence", "top_source"] and out.empty


def test_harmonic_sum_rejects_nan() -> None:
    with pytest.raises(InputError, match="finite"):
        harmonic_sum([0.5, float("nan")])


# --- files -----------------------------------------------------------------------------------


def test_read_evidence_files(tmp_path: Path) -> None:
    text = "efo,entrez,ds,l2g\nEFO_1,7157.0,gwas,0.8\nEFO_1,672,gwas,1\n"
    (tmp_path / "ev.csv").write_text(text)
    with gzip.open(tmp_path / "ev.tsv.gz", "wt") as handle:
        handle.write(text.replace(",", "\t"))
    names = {"disease_col": "efo", "gene_col": "entrez", "source_col": "ds", "score_col": "l2g"}
    csv = read_evidence(tmp_path / "ev.csv", **names)
    assert list(csv.columns) == ["disease", "gene", "source", "score"]
    assert csv["gene"].tolist() == ["7157", "672"] and csv["score"].tolist() == [0.8, 1.0]
    pd.testing.assert_frame_equal(read_evidence(tmp_path / "ev.tsv.gz", **names), csv)
    pd.DataFrame({"efo": ["EFO_1"], "entrez": [7157.0], "ds": ["gwas"], "l2g": [0.8]}).to_parquet(
        tmp_path / "ev.parquet"
    )
    assert read_evidence(tmp_path / "ev.parquet", **names)["gene"].tolist() == ["7157"]


def test_read_evidence_errors_name_the_file_and_data_row(tmp_path: Path) -> None:
    path = tmp_path / "ev.csv"
    path.write_text("disease,gene,source,score\nD,1,s,0.5\nD,2,s,high\n")
    with pytest.raises(
        InputError,
        match=r"evidence file '.*ev\.csv', row 2 \(.*gene '2'.*\), column 'score': 'high' is not a number",
    ):
        read_evidence(path)
    with pytest.raises(InputError, match=r"evidence file '.*ev\.csv': no column 'p'"):
        read_evidence(path, score_col="p")
    with pytest.raises(InputError, match="does not exist"):
        read_evidence(tmp_path / "missing.csv")
