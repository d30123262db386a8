"""``drugscreen proximity`` and ``drugscreen synergy`` end to end, against the API."""

from __future__ import annotations

import pandas as pd
import pytest

import drugscreen as ds
from drugscreen.cli import main
from drugscreen.screen.toy_data import toy_blocks


@pytest.fixture
def network(tmp_path):
    edges = [(f"g{i}", f"g{(i + 1) % 30}") for i in range(30)] + [("g0", "g15"), ("g5", "g20"), ("g3", "g3")]
    path = tmp_path / "net.tsv"
    path.write_text("# toy ring\n" + "".join(f"{a}\t{b}\tlit\n" for a, b in edges))
    return path


def test_proximity_command_equals_the_api(tmp_path, network):
    targets = pd.DataFrame({"drug": ["x", "x", "y", "z"], "gene": ["g1", "g2", "g16", "nowhere"]})
    targets.to_csv(tmp_path / "targets.csv", index=False)
    (tmp_path / "diseases.gmt").write_text("d1\tring part\tg0\tg3\tg4\nd2\tother\tg20\tg21\n")
    out = tmp_path / "out" / "prox.parquet"
    argv = [
        "-q",
        "proximity",
        str(network),
        "--targets",
        str(tmp_path / "targets.csv"),
        "--genes",
        str(tmp_path / "diseases.gmt"),
        "--distance",
        "closest",
        "separation",
        "--n-random",
        "50",
        "--min-bin-size",
        "5",
        "--seed",
        "3",
        "--degree",
        "networkx",
        "-o",
        str(out),
    ]
    assert main(argv) == 0
    got = pd.read_parquet(out)
    net = ds.network.Interactome.from_file(network)
    expect = ds.repurpose.proximity(
        net,
        targets,
        {"d1": ["g0", "g3", "g4"], "d2": ["g20", "g21"]},
        distance=["closest", "separation"],
        n_random=50,
        min_bin_size=5,
        seed=3,
        degree="networkx",
        progress=False,
    )
    pd.testing.assert_frame_equal(got, expect, check_dtype=False)
    assert (got[got.drug == "z"].note == "no drug target in the network").all()
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("drug\tdisease\ny\td2\n")
    assert (
        main(
            [
                "-q",
                "proximity",
                str(network),
                "--targets",
                str(tmp_path / "targets.csv"),
                "--genes",
                str(tmp_path / "diseases.gmt"),
                "--pairs",
                str(pairs),
                "--n-random",
                "0",
                "-o",
                str(tmp_path / "one.csv"),
            ]
        )
        == 0
    )
    assert len(pd.read_csv(tmp_path / "one.csv")) == 1


def test_proximity_command_errors_are_one_line(tmp_path, network, capsys):
    assert (
        main(
            [
                "proximity",
                str(network),
                "--targets",
                str(tmp_path / "none.csv"),
                "--genes",
                "x.gmt",
                "-o",
                str(tmp_path / "o.csv"),
            ]
        )
        == 1
    )
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_synergy_command(tmp_path, capsys, caplog):
    blocks = toy_blocks()
    bad = blocks[(blocks.block_id == 3) & ~((blocks.conc_row == 0) & (blocks.conc_col > 0))]
    table = pd.concat([blocks[blocks.block_id < 3], bad]).rename(columns={"conc_row": "dose_a"})
    table.to_csv(tmp_path / "blocks.csv", index=False)
    out = tmp_path / "scores.csv"
    argv = [
        "synergy",
        str(tmp_path / "blocks.csv"),
        "--column",
        "conc_row=dose_a",
        "--models",
        "bliss",
        "loewe",
        "--surface",
        str(tmp_path / "cells.parquet"),
        "-o",
        str(out),
    ]
    assert main(argv) == 0
    scores = pd.read_csv(out)
    assert sorted(scores.block_id.unique()) == [1, 2] and set(scores.model) == {"bliss", "loewe"}
    expect = ds.combos.synergy(blocks[blocks.block_id < 3], models=("bliss", "loewe")).summary
    assert scores.score.to_numpy() == pytest.approx(expect.score.to_numpy())
    assert len(pd.read_parquet(tmp_path / "cells.parquet")) == 2 * 2 * 36
    assert "block 3 not scored: 5 single-drug wells missing" in caplog.text
    bad.to_csv(tmp_path / "bad.csv", index=False)
    assert main(["synergy", str(tmp_path / "bad.csv"), "-o", str(tmp_path / "none.csv")]) == 1
    assert "no block" in capsys.readouterr().err and not (tmp_path / "none.csv").exists()
    assert main(["synergy", str(tmp_path / "blocks.csv"), "--column", "oops", "-o", str(out)]) == 1
    musyc_out = tmp_path / "musyc.csv"
    argv = [
        "-q",
        "synergy",
        str(tmp_path / "blocks.csv"),
        "--column",
        "conc_row=dose_a",
        "--models",
        "bliss",
        "--musyc",
        str(musyc_out),
        "-o",
        str(out),
    ]
    assert main(argv) == 0
    fits = pd.read_csv(musyc_out)
    assert list(fits.block_id) == [1, 2, 3] and {"alpha12", "gamma21", "beta", "error"} <= set(fits.columns)
    api = ds.combos.musyc(table.rename(columns={"dose_a": "conc_row"}))
    assert (fits.error.isna() | fits.error.eq("")).all()
    assert fits.alpha12.to_numpy() == pytest.approx(api.alpha12.to_numpy(), rel=1e-9)
