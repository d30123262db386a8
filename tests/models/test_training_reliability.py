"""Issue 21: the training batcher sees every row once per epoch; labels no model can learn refused."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL_MOLECULES, heavy_atoms
from hypothesis import given
from hypothesis import strategies as st

import drugscreen as ds
from drugscreen.errors import InputError
from drugscreen.models import training
from drugscreen.models.training import _batches

FAST = {"epochs": 2, "hidden_size": 8, "ffn_hidden_size": 8}


@given(n=st.integers(0, 700), size=st.integers(1, 130), seed=st.integers(0, 2**32 - 1))
def test_batches_cover_every_row_exactly_once(n, size, seed):
    order = np.random.default_rng(seed).permutation(n)
    batches = _batches(order, size)
    joined = np.concatenate(batches) if batches else np.array([], dtype=order.dtype)
    np.testing.assert_array_equal(joined, order)  # every row once, in the shuffled order
    assert all(len(b) >= 1 for b in batches)
    assert all(len(b) <= size for b in batches[:-1])
    if n > 1:  # a lone last molecule joins the batch before it (batch norm needs two)
        assert len(batches[-1]) >= 2 or size == 1 and len(batches) == 1
        assert len(batches[-1]) <= size + 1


@pytest.mark.parametrize("n", [2 * 64 + 1, 64 + 1, 3 * 64 + 1, 64, 63])
def test_batches_at_the_sizes_that_lost_a_batch(n):
    sizes = [len(b) for b in _batches(np.arange(n), 64)]
    assert sum(sizes) == n and len(np.unique(np.concatenate(_batches(np.arange(n), 64)))) == n


@pytest.mark.parametrize(("n", "batch_size"), [(2, 1), (11, 10), (21, 10), (20, 10)])
def test_every_training_row_is_seen_once_per_epoch(monkeypatch, n, batch_size):
    """Spy on the forward pass: each epoch trains on each training row exactly once."""
    seen: list[np.ndarray] = []
    forward = training._forward

    def spy(net, data, index, device):
        if net.training:
            seen.append(np.asarray(index).copy())
        return forward(net, data, index, device)

    monkeypatch.setattr(training, "_forward", spy)
    smiles = (SMALL_MOLECULES + ["C" * k for k in range(4, 20)])[:n]
    model = ds.models.DMPNN(**FAST, batch_size=batch_size, val_fraction=0.0).fit(smiles, heavy_atoms(smiles))
    assert model.n_train_ == n
    rows = np.concatenate(seen)
    assert len(rows) == 2 * n
    for epoch in np.split(rows, 2):
        np.testing.assert_array_equal(np.sort(epoch), np.arange(n))


@pytest.mark.parametrize("model", [ds.models.DMPNN(**FAST), ds.models.FingerprintModel(n_estimators=5)])
@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinite_labels_refused_before_training(model, bad):
    y = heavy_atoms(SMALL_MOLECULES).astype(float)
    y[4] = bad
    with pytest.raises(InputError, match=r"row 4 .* is -?inf: labels must be finite"):
        model.fit(SMALL_MOLECULES, y)


def test_infinite_validation_labels_refused():
    y = heavy_atoms(SMALL_MOLECULES).astype(float)
    y_val = y[:3].copy()
    y_val[1] = np.inf
    with pytest.raises(InputError, match="inf"):
        ds.models.DMPNN(**FAST).fit(SMALL_MOLECULES, y, X_val=SMALL_MOLECULES[:3], y_val=y_val)


@pytest.mark.parametrize("cls", [ds.models.DMPNN, ds.models.FingerprintModel])
@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.full(20, np.nan), "has no labels"),
        (np.ones(20), "one class only"),
        (np.where(np.arange(20) < 19, np.nan, 0.0), "one class only"),
    ],
)
def test_classifier_without_two_classes_refused(cls, labels, message):
    with pytest.raises(InputError, match=message):
        cls(task="classification").fit(SMALL_MOLECULES, labels)


def test_one_class_task_among_several_is_a_warning(caplog):
    y = np.column_stack([np.arange(20) % 2, np.ones(20)]).astype(float)
    ds.models.DMPNN(**FAST, task="classification").fit(SMALL_MOLECULES, y)
    assert "task 'task_1' has one class only" in caplog.text


def test_regression_task_without_labels_refused():
    y = np.column_stack([heavy_atoms(SMALL_MOLECULES), np.full(20, np.nan)])
    with pytest.raises(InputError, match="task 'task_1' has no labels"):
        ds.models.DMPNN(**FAST).fit(SMALL_MOLECULES, y)


BAD_VALUES = [float("nan"), float("inf"), -1, 0, "3", True, 2.5]
GRAPH_OPTIONS = {
    "epochs": 1, "batch_size": 1, "ensemble_size": 1, "mc_samples": 1, "hidden_size": 1, "depth": 1,
    "ffn_hidden_size": 1, "ffn_layers": 1, "patience": 1, "dropout": None, "learning_rate": None,
    "val_fraction": None, "warmup_epochs": None, "grad_clip": None,
}  # fmt: skip


def _is_valid(name, value):
    if isinstance(value, bool) or isinstance(value, str) or value != value or value in (float("inf"),):
        return False
    if name == "dropout":
        return 0 <= value < 1
    if name == "val_fraction":
        return 0 <= value < 1
    if name in ("learning_rate", "grad_clip"):
        return value > 0
    if name == "warmup_epochs":
        return value >= 0
    return float(value).is_integer() and value >= GRAPH_OPTIONS[name]


@pytest.mark.parametrize("name", list(GRAPH_OPTIONS))
@pytest.mark.parametrize("value", BAD_VALUES)
def test_every_numeric_option_is_validated_before_training(name, value):
    """NaN, inf, negative, zero, text, a boolean, a fraction: refused with the option's name."""
    if _is_valid(name, value):
        pytest.skip("a valid value for this option")
    with pytest.raises(InputError, match=name):
        ds.models.DMPNN(**{**FAST, name: value}).fit(SMALL_MOLECULES, heavy_atoms(SMALL_MOLECULES))


@pytest.mark.parametrize(
    "name", ["radius", "nbits", "max_iter", "n_estimators", "ensemble_size", "random_state"]
)
@pytest.mark.parametrize("value", [float("nan"), -1, "3", 2.5])
def test_baseline_numeric_options_are_validated(name, value):
    with pytest.raises(InputError, match=name):
        ds.models.FingerprintModel(**{name: value}).fit(SMALL_MOLECULES, heavy_atoms(SMALL_MOLECULES))


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_loss_is_the_mean_over_present_labels_only(task, rng):
    """Against NumPy: missing labels weigh nothing, in the sum and in the count."""
    import torch

    from drugscreen.models.training import TrainConfig, loss_of

    out = rng.normal(size=(7, 3))
    target = (
        rng.integers(0, 2, size=(7, 3)).astype(float) if task != "regression" else rng.normal(size=(7, 3))
    )
    mask = rng.random((7, 3)) < 0.6
    target[~mask] = 0.0  # as Targets.encode leaves them
    cfg = TrainConfig(task, 1, 7, 1e-3, 0, None, None, "loss", 2, None, "cpu", False)
    got = float(loss_of(torch.tensor(out), torch.tensor(target), torch.tensor(mask), cfg, mve=False))
    if task == "regression":
        per = (out - target) ** 2
    else:
        per = np.logaddexp(0, out) - target * out  # binary cross-entropy with logits
    np.testing.assert_allclose(got, per[mask].mean(), rtol=1e-12)
