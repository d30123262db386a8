"""VS metrics against rdkit.ML.Scoring on random ranked lists with many ties."""

from __future__ import annotations

import numpy as np
import pytest
from rdkit.ML.Scoring import Scoring

import drugscreen as ds
from drugscreen.errors import InputError
from drugscreen.vs import ranked_labels


def _ranked(scores, labels, ties):
    """The list RDKit is given: [score, label] rows in drugscreen's ranked order."""
    y = ranked_labels(scores, labels, ties)
    return [[0.0, int(v)] for v in y]


def _cases(rng):
    for n in (1, 2, 7, 100, 1001):
        for p_active in (0.0, 0.05, 0.5, 1.0):
            for levels in (3, 20, None):  # few distinct scores: many ties
                scores = rng.integers(0, levels, n).astype(float) if levels else rng.random(n)
                labels = rng.random(n) < p_active
                yield scores, labels


@pytest.mark.parametrize("ties", ["stable", "pessimistic", "optimistic"])
def test_equal_to_rdkit(rng, ties):
    for scores, labels in _cases(rng):
        ranked = _ranked(scores, labels, ties)
        assert ds.vs.auroc(scores, labels, ties) == Scoring.CalcAUC(ranked, 1)
        for alpha in (0.5, 20.0, 80.5):
            assert ds.vs.rie(scores, labels, alpha, ties) == Scoring.CalcRIE(ranked, 1, alpha)
            assert ds.vs.bedroc(scores, labels, alpha, ties) == Scoring.CalcBEDROC(ranked, 1, alpha)
        n = len(scores)
        fractions = [f for f in (0.01, 0.05, 0.1, 0.5) if np.ceil(n * f) < n]
        # RDKit reports a fraction only when its cut is before the last rank and distinct
        cuts = [max(1, int(np.ceil(n * f))) for f in fractions]
        fractions = [f for i, f in enumerate(fractions) if cuts[i] not in cuts[:i]]
        if fractions:
            assert ds.vs.enrichment_factor(scores, labels, fractions, ties) == Scoring.CalcEnrichment(
                ranked, 1, fractions
            )


def test_tie_rules_bound_the_metric(rng):
    scores = rng.integers(0, 4, 500).astype(float)
    labels = rng.random(500) < 0.2
    low, mid, high = (ds.vs.auroc(scores, labels, t) for t in ("pessimistic", "average", "optimistic"))
    assert low < mid < high
    from sklearn.metrics import roc_auc_score

    assert mid == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
    assert ds.vs.bedroc(scores, labels, ties="pessimistic") <= ds.vs.bedroc(scores, labels, ties="optimistic")


def test_perfect_and_worst_rankings():
    labels = np.array([1, 1, 0, 0, 0])
    best = np.array([5, 4, 3, 2, 1.0])
    assert ds.vs.auroc(best, labels) == 1.0 and ds.vs.auroc(-best, labels) == 0.0
    assert ds.vs.bedroc(best, labels) == pytest.approx(1.0)
    assert ds.vs.enrichment_factor(best, labels, 0.4) == 2.5


def test_bad_input_is_a_clear_error():
    with pytest.raises(InputError, match="scores has 2 values but labels has 3"):
        ds.vs.auroc([1, 2], [0, 1, 0])
    with pytest.raises(InputError, match="empty"):
        ds.vs.bedroc([], [])
    with pytest.raises(InputError, match="labels must be booleans or 0/1"):
        ds.vs.auroc([1, 2], [0, 2])
    with pytest.raises(InputError, match="unknown tie rule"):
        ds.vs.rie([1, 2], [0, 1], ties="random")
    with pytest.raises(InputError, match="fractions must be in"):
        ds.vs.enrichment_factor([1, 2], [0, 1], 0.0)
    with pytest.raises(InputError, match="alpha must be"):
        ds.vs.bedroc([1, 2], [0, 1], alpha=0)
    with pytest.raises(InputError, match="NaN"):
        ds.vs.auroc([np.nan, 1], [0, 1])
