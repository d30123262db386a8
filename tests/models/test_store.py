"""Saving and loading models: exact round trips, and clear errors for anything else."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

import drugscreen as ds
from drugscreen.errors import InputError

SMILES = ["CCO", "CCN", "CCC", "c1ccccc1", "CC(=O)O", "CCCl", "CCBr", "c1ccncc1", "CC(C)O", "OCCO"] * 2
Y = np.arange(20.0)
FAST = {"epochs": 2, "hidden_size": 16, "ffn_hidden_size": 16}


@pytest.mark.parametrize(
    "make",
    [
        lambda: ds.models.DMPNN(**FAST, ensemble_size=2, uncertainty="ensemble").fit(SMILES, Y),
        lambda: ds.models.GIN(**FAST, uncertainty="mve").fit(SMILES, Y),
        lambda: ds.models.AttentiveFP(**FAST, task="classification").fit(SMILES, Y % 2),
        lambda: ds.models.DMPNN(**FAST, descriptors=True).fit(SMILES, Y),
        lambda: ds.models.FingerprintModel(estimator="rf", n_estimators=5).fit(SMILES, Y),
        lambda: ds.models.FingerprintModel(task="classification", max_iter=5, descriptors=False).fit(
            SMILES, Y % 2
        ),
    ],
)
def test_round_trip_predicts_identically(tmp_path, make):
    model = make()
    if model.task == "regression":
        model.calibrate(SMILES, Y)
    model.save(tmp_path / "m")
    back = ds.models.load(tmp_path / "m")
    assert type(back) is type(model) and back.get_params() == model.get_params()
    test = SMILES + ["not a smiles"]
    a, b = model.predict_table(test), back.predict_table(test)
    assert a.equals(b)
    if model.task == "regression":
        np.testing.assert_array_equal(model.predict_interval(test)[0], back.predict_interval(test)[0])
    assert not list(tmp_path.glob(".m*")), "no temporary directory left behind"


def test_overwrite_and_not_fitted(tmp_path):
    model = ds.models.DMPNN(**FAST).fit(SMILES, Y)
    model.save(tmp_path / "m")
    with pytest.raises(InputError, match="exists"):
        model.save(tmp_path / "m")
    model.save(tmp_path / "m", overwrite=True)
    with pytest.raises(InputError, match="not fitted"):
        ds.models.save(ds.models.GIN(), tmp_path / "g")


def test_bad_directories_are_clear_errors(tmp_path):
    model = ds.models.DMPNN(**FAST).fit(SMILES, Y)
    path = model.save(tmp_path / "m")
    with pytest.raises(InputError, match="not a drugscreen model"):
        ds.models.load(tmp_path)
    config = json.loads((path / "config.json").read_text())
    for change, message in [
        ({"featurizer": "graph-v0"}, "featurizer"),
        ({"format_version": 99}, "model format 99"),
        ({"class": "os.system"}, "unknown model class"),
    ]:
        (path / "config.json").write_text(json.dumps({**config, **change}))
        with pytest.raises(InputError, match=message):
            ds.models.load(path)
    wider = {
        **config,
        "state": {**config["state"], "network": {**config["state"]["network"], "hidden_size": 32}},
    }
    (path / "config.json").write_text(json.dumps(wider))
    with pytest.raises(InputError, match="changed after it was saved"):
        ds.models.load(path)
    _reseal(path, wider)  # consistent but wrong: the weights' shapes decide, in one line
    with pytest.raises(InputError, match="do not fit the network") as info:
        ds.models.load(path)
    assert "\n" not in str(info.value)
    (path / "weights.safetensors").write_bytes(b"garbage")
    with pytest.raises(InputError, match="changed after it was saved"):
        ds.models.load(path)
    _reseal(path, config)
    with pytest.raises(InputError, match="unreadable weights"):
        ds.models.load(path)
    (path / "config.json").write_text("{")
    with pytest.raises(InputError, match="unreadable model config"):
        ds.models.load(path)
    (path / "config.json").write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(InputError, match="config.json: unreadable model config"):
        ds.models.load(path)


def _reseal(path, config):
    """Write ``config`` with the checksum save() would give it over the files now there."""
    from drugscreen.models.store import _checksum

    (path / "config.json").write_text(json.dumps({**config, "checksum": _checksum(config, path)}))


@pytest.mark.parametrize("edit", ["depth", "aggregation", "weights-byte"])
def test_edited_model_is_refused_not_used(tmp_path, edit):
    """Editing state.network.depth changed every prediction and kept the model's digest."""
    path = ds.models.DMPNN(**FAST).fit(SMILES, Y).save(tmp_path / "m")
    config = json.loads((path / "config.json").read_text())
    if edit == "weights-byte":
        data = bytearray((path / "weights.safetensors").read_bytes())
        data[-3] ^= 1
        (path / "weights.safetensors").write_bytes(bytes(data))
    else:
        network = config["state"]["network"]
        network[edit] = network[edit] + 1 if edit == "depth" else "sum"
        (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(InputError, match="changed after it was saved"):
        ds.models.load(path)


def test_run_time_parameters_may_be_edited(tmp_path):
    path = ds.models.DMPNN(**FAST).fit(SMILES, Y).save(tmp_path / "m")
    config = json.loads((path / "config.json").read_text())
    config["params"].update(n_jobs=1, progress=False, device="cpu")
    (path / "config.json").write_text(json.dumps(config))
    assert ds.models.load(path).n_jobs == 1


@pytest.mark.parametrize("state", ["missing", [], "text", {"targets": 3}])
def test_damaged_state_is_one_clear_error(tmp_path, state):
    path = ds.models.DMPNN(**FAST).fit(SMILES, Y).save(tmp_path / "m")
    config = json.loads((path / "config.json").read_text())
    if state == "missing":
        del config["state"]
    else:
        config["state"] = state
    _reseal(path, config)
    with pytest.raises(InputError, match="damaged model config"):
        ds.models.load(path)


@pytest.mark.parametrize("content", ["pickle", "truncated", "empty"])
def test_damaged_trees_file_is_one_clear_error(tmp_path, content):
    model = ds.models.FingerprintModel(estimator="rf", n_estimators=3, descriptors=False).fit(SMILES, Y)
    path = model.save(tmp_path / "b")
    trees = path / "trees.skops"
    data = trees.read_bytes()
    trees.write_bytes(
        {"pickle": pickle.dumps(model.models_), "truncated": data[: len(data) // 2], "empty": b""}[content]
    )
    config = json.loads((path / "config.json").read_text())
    _reseal(path, config)
    with pytest.raises(InputError, match="trees.skops: unreadable trees"):
        ds.models.load(path)


def test_overwrite_replaces_only_a_model_directory(tmp_path):
    model = ds.models.FingerprintModel(estimator="rf", n_estimators=3, descriptors=False).fit(SMILES, Y)
    user_dir = tmp_path / "mine"
    user_dir.mkdir()
    (user_dir / "notes.txt").write_text("precious")
    with pytest.raises(InputError, match="not a model's"):
        model.save(user_dir, overwrite=True)
    assert (user_dir / "notes.txt").read_text() == "precious"
    a_file = tmp_path / "file.txt"
    a_file.write_text("precious")
    with pytest.raises(InputError, match="not a directory"):
        model.save(a_file, overwrite=True)
    assert a_file.read_text() == "precious" and sorted(p.name for p in tmp_path.iterdir()) == [
        "file.txt",
        "mine",
    ]
    saved = model.save(tmp_path / "m")
    (tmp_path / "link").symlink_to(saved)
    with pytest.raises(InputError, match="symbolic link"):
        model.save(tmp_path / "link", overwrite=True)
    (saved / "extra.csv").write_text("mine")
    with pytest.raises(InputError, match="extra.csv"):
        model.save(saved, overwrite=True)


def test_baseline_file_with_foreign_types_is_refused(tmp_path, monkeypatch):
    import skops.io

    model = ds.models.FingerprintModel(estimator="rf", n_estimators=3, descriptors=False).fit(SMILES, Y)
    path = model.save(tmp_path / "b")
    real = skops.io.get_untrusted_types  # (the reference list comes from a probe file)
    monkeypatch.setattr(
        skops.io,
        "get_untrusted_types",
        lambda file: (
            ["builtins.eval", "sklearn.tree.X"] if Path(file).name == "trees.skops" else real(file=file)
        ),
    )
    with pytest.raises(InputError, match="builtins.eval"):
        ds.models.load(path)


def test_digests_are_stable_and_saved_architecture_wins(tmp_path, monkeypatch):
    from drugscreen.models.store import model_digest

    base = ds.models.FingerprintModel(estimator="rf", n_estimators=3, descriptors=False).fit(SMILES, Y)
    assert model_digest(base) == model_digest(base)
    path = base.save(tmp_path / "b")
    assert model_digest(ds.models.load(path)) == model_digest(ds.models.load(path))
    net = ds.models.DMPNN(**FAST).fit(SMILES, Y)
    net.save(tmp_path / "n")
    expected = net.predict(SMILES)
    # a later version with other defaults for unset parameters still rebuilds the saved network
    monkeypatch.setattr(ds.models.DMPNN, "_defaults", {**ds.models.DMPNN._defaults, "aggregation": "sum"})
    np.testing.assert_array_equal(ds.models.load(tmp_path / "n").predict(SMILES), expected)


def test_baseline_types_are_trusted_by_exact_name(tmp_path, monkeypatch):
    import skops.io

    model = ds.models.FingerprintModel(estimator="gbm", max_iter=3, descriptors=False).fit(SMILES, Y)
    path = model.save(tmp_path / "b")
    real = skops.io.get_untrusted_types
    monkeypatch.setattr(
        skops.io,
        "get_untrusted_types",
        lambda file: [
            *real(file=file),
            *(["numpy.testing._private.utils.runstring"] if Path(file).name == "trees.skops" else []),
        ],
    )
    with pytest.raises(InputError, match="runstring"):
        ds.models.load(path)
