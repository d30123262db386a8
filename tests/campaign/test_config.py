"""The campaign configuration: every bad key is one line naming it, before any work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from campaign_data import small_config

from drugscreen.campaign.config import CampaignConfig, load_config, parse_rule
from drugscreen.errors import InputError


@pytest.fixture()
def inputs(tmp_path: Path, demo_smiles: list[str]) -> Path:
    from campaign_data import write_inputs

    write_inputs(tmp_path, demo_smiles, n_library=20)
    return tmp_path


def test_a_full_config_loads_typed(inputs: Path) -> None:
    cfg = load_config(small_config(inputs))
    assert isinstance(cfg, CampaignConfig)
    assert cfg.actives is not None and cfg.actives.top_n == 120 and cfg.actives.fusion == "max"
    assert [str(r) for r in cfg.admet.rules] == ["herg <= 0.8"]
    assert cfg.select.n == 15 and cfg.run.seed == 0
    assert cfg.to_dict()["admet"]["rules"] == ["herg <= 0.8"]


def test_toml_paths_are_relative_to_the_file(inputs: Path, tmp_path: Path) -> None:
    (inputs / "c.toml").write_text('[library]\npath = "library.csv"\n[actives]\npath = "assayed.csv"\n')
    cfg = load_config(inputs / "c.toml")
    assert cfg.resolve(cfg.library.path) == inputs / "library.csv"


def test_the_shipped_example_loads(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "campaign.toml"
    (tmp_path / "campaign.toml").write_bytes(example.read_bytes())
    (tmp_path / "library.smi.gz").write_bytes(b"")
    (tmp_path / "actives.csv").write_text("smiles,id,active\nCCO,a,1\n")
    cfg = load_config(tmp_path / "campaign.toml")
    assert cfg.actives is not None and len(cfg.rank.terms) == 5 and len(cfg.admet.rules) == 4


BAD: list[tuple[Any, str]] = [
    (lambda c: c.update(screening={}), "config: unknown key 'screening'"),
    (lambda c: c["select"].update(nn=3), "select: unknown key 'nn'"),
    (lambda c: c["select"].update(n=0), "select.n must be a whole number"),
    (lambda c: c["select"].update(n="5"), "select.n must be a whole number"),
    (lambda c: c["select"].update(n=True), "select.n must be a whole number"),
    (lambda c: c["select"].update(method="random"), "select.method must be one of butina, maxmin"),
    (lambda c: c["select"].update(method="maxmin", pool=5), r"select.pool \(5\) must be at least select.n"),
    (lambda c: c["select"].update(cutoff=float("nan")), "select.cutoff must be a finite number"),
    (lambda c: c["actives"].update(fusion="min"), "actives.fusion must be one of max, mean"),
    (lambda c: c["actives"].update(metric="euclid"), "actives.metric must be one of"),
    (lambda c: c["actives"].update(fingerprint="ecfp9"), "actives.fingerprint"),
    (lambda c: c["actives"].update(threshold=1.5), r"actives.threshold must lie in \[0.0, 1.0\]"),
    (lambda c: c["actives"].update(path="missing.smi"), "actives.path: file not found"),
    (lambda c: c["library"].update(path="/nowhere/lib.smi"), "library.path: file not found"),
    (lambda c: c["library"].update(filters={"pains": "maybe"}), "library.filters.pains must be one of"),
    (lambda c: c["library"].update(filters={"nofilter": "drop"}), "library.filters.nofilter"),
    (lambda c: c["library"].update(chunk_size=0), "library.chunk_size must be a whole number"),
    (lambda c: c["admet"].update(rules=["herg =< 0.3"]), r"admet.rules\[0\]: 'herg =< 0.3' is not a rule"),
    (lambda c: c["admet"].update(rules=["herg <= inf"]), "the bound must be finite"),
    (lambda c: c["admet"].update(rules="herg <= 0.3"), "admet.rules must be a list"),
    (lambda c: c["admet"].update(endpoints=["hergg"]), "admet.endpoints"),
    (
        lambda c: c.update(rank={"terms": [{"column": "qed", "worst": 1, "best": 1}]}),
        "worst and best must differ",
    ),
    (
        lambda c: c.update(rank={"terms": [{"column": "qed", "best": 1}]}),
        r"rank.terms\[0\].worst is required",
    ),
    (
        lambda c: c.update(rank={"terms": [{"column": "qed", "worst": 0, "best": 1, "weight": -1}]}),
        "weight must lie",
    ),
    (lambda c: c.update(rank={"combine": "harmonic"}), "rank.combine must be one of"),
    (lambda c: c["model"].update(family="svm"), "model.family must be one of"),
    (lambda c: c["run"].update(n_jobs=0), "run.n_jobs must be -1"),
    (lambda c: c.update(kind="docking"), "kind must be 'screening', 'repurpose' or 'targets'"),
    (lambda c: c.pop("library"), r"the \[library\] section is required"),
    (lambda c: c.update(select=[1]), r"select must be a table"),
    (
        lambda c: c.update(rank={"terms": [{"column": "qed", "worst": 0, "best": 1, "weight": 1e308}]}),
        "weight must lie",
    ),
    (
        lambda c: c.update(rank={"terms": [{"column": "qed", "worst": 0, "best": 1, "weight": 0}]}),
        "positive weight",
    ),
    (
        lambda c: c.update(
            rank={
                "terms": [{"column": "qed", "worst": 0, "best": 1}, {"column": "qed", "worst": 1, "best": 0}]
            }
        ),
        "column 'qed' already has a term",
    ),
    (lambda c: c["library"].update(label_column="nosuch"), "library.label_column: .* has no column 'nosuch'"),
    (lambda c: c.pop("actives"), r"library.label_column scores the similarity screen retrospectively"),
    (lambda c: c["library"].update(path="."), "is a directory, neither a file nor a drugscreen database"),
    (lambda c: c["select"].update(bogus=1), "^config: select: unknown key 'bogus'"),
]


@pytest.mark.parametrize(("change", "message"), BAD)
def test_bad_configs_name_the_key(inputs: Path, change: Any, message: str) -> None:
    config = small_config(inputs)
    change(config)
    with pytest.raises(InputError, match=message) as info:
        load_config(config)
    assert "\n" not in str(info.value)


def test_python_values_are_taken(inputs: Path) -> None:
    import numpy as np

    config = small_config(inputs)
    config["library"]["path"] = inputs / "library.csv"
    config["select"]["n"] = np.int64(7)
    cfg = load_config(config)
    assert cfg.library.path == str(inputs / "library.csv") and cfg.select.n == 7 and type(cfg.select.n) is int


def test_rule_text_keeps_every_digit() -> None:
    assert str(parse_rule("mw <= 300.3101")) != str(parse_rule("mw <= 300.3099"))


def test_unreadable_toml_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[library\npath = 1")
    with pytest.raises(InputError, match="bad.toml: not a readable TOML file"):
        load_config(bad)
    with pytest.raises(InputError, match="campaign config not found"):
        load_config(tmp_path / "none.toml")
    with pytest.raises(InputError, match="is a directory: give the TOML file"):
        load_config(tmp_path)


def test_similarity_term_needs_actives(inputs: Path) -> None:
    config = small_config(inputs)
    del config["actives"]
    del config["library"]["label_column"]
    config["rank"] = {"terms": [{"column": "similarity", "worst": 0, "best": 1}]}
    with pytest.raises(InputError, match="names 'similarity' but there is no \\[actives\\]"):
        load_config(config)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("herg <= 0.3", ("herg", "<=", 0.3)),
        ("qed>0.5", ("qed", ">", 0.5)),
        (" mw < 5e2 ", ("mw", "<", 500.0)),
    ],
)
def test_rules_parse(text: str, expected: tuple[str, str, float]) -> None:
    rule = parse_rule(text)
    assert (rule.column, rule.op, rule.value) == expected
