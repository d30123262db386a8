"""``drugscreen repurpose`` and ``drugscreen targets`` end to end, against the API."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hetnet_data import planted_hetnet, write_hetnet

from drugscreen.cli import main
from drugscreen.repurpose.dwpc import dwpc, explain
from drugscreen.repurpose.rephetio import Rephetio


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    net = planted_hetnet(1, n_compounds=30, n_genes=40, n_diseases=8)
    return net, write_hetnet(net, tmp_path_factory.mktemp("kg"))


def test_metapaths_and_dwpc_commands(files, tmp_path, capsys):
    net, (nodes, edges) = files
    assert main(["-q", "repurpose", "metapaths", nodes, edges, "--max-length", "2"]) == 0
    listed = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == [str(p) for p in net.metapaths("Compound", "Disease", 2)]
    # an extra edge file adds its edge types (here a new Compound-causes-Side Effect type)
    extra = tmp_path / "extra.sif"
    compound = net.node_ids("Compound")[0]
    extra.write_text(f"source\tmetaedge\ttarget\n{compound}\tCcG\t{net.node_ids('Gene')[0]}\n")
    assert (
        main(["-q", "repurpose", "metapaths", nodes, edges, "--extra-edges", str(extra), "--max-length", "2"])
        == 0
    )
    more = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert set(more) - set(listed) == {"CcGaD"}
    out = tmp_path / "dwpc.csv"
    assert (
        main(["-q", "repurpose", "dwpc", nodes, edges, "--metapath", "CbGaD", "CrCtD", "-o", str(out)]) == 0
    )
    table = pd.read_csv(out, dtype={"source": str, "target": str})
    assert list(table.columns) == ["source", "target", "CbGaD", "CrCtD"]
    expected = dwpc(net, "CbGaD").ravel()
    np.testing.assert_allclose(table["CbGaD"], expected, rtol=1e-12)
    assert (
        table["source"][0] == net.node_ids("Compound")[0] and table["target"][1] == net.node_ids("Disease")[1]
    )


def test_predict_command_equals_the_api(files, tmp_path, capsys):
    net, (nodes, edges) = files
    out, cv, coefficients = tmp_path / "ranked.csv", tmp_path / "cv.csv", tmp_path / "coef.csv"
    argv = ["repurpose", "predict", nodes, edges, "--max-length", "2", "--C", "0.3", "--node", "Disease::0"]
    argv += [
        "--top",
        "5",
        "--cv",
        "2",
        "--cv-output",
        str(cv),
        "--coefficients",
        str(coefficients),
        "-o",
        str(out),
    ]
    assert main(["-q", *argv]) == 0
    assert "rephetio" in capsys.readouterr().out
    expected = Rephetio(max_length=2, C=0.3, progress=False).fit(net).rank("Disease::0", top=5)
    got = pd.read_csv(out)
    assert list(got["compound"]) == list(expected["compound"])
    np.testing.assert_allclose(got["score"], expected["score"], rtol=1e-6)
    assert set(pd.read_csv(cv)["fold"]) == {0, 1}
    assert (pd.read_csv(coefficients)["coef"] != 0).all()


def test_explain_command(files, capsys):
    net, (nodes, edges) = files
    values = dwpc(net, "CbGaD")
    i, j = np.unravel_index(np.argmax(values), values.shape)
    source, target = net.node_ids("Compound")[i], net.node_ids("Disease")[j]
    assert (
        main(
            [
                "-q",
                "repurpose",
                "explain",
                nodes,
                edges,
                "--metapath",
                "CbGaD",
                "--source",
                source,
                "--target",
                target,
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    first = explain(net, "CbGaD", source, target)["path"][0]
    assert first in printed


def test_bad_network_file_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "nodes.tsv"
    bad.write_text("name\tkind\nx\tCompound\n")
    assert main(["repurpose", "metapaths", str(bad), str(bad)]) == 1
    assert "no ['id'] column" in capsys.readouterr().err


def test_targets_command(tmp_path, capsys):
    sets = pd.DataFrame(
        {
            "target": ["COX"] * 3 + ["ADRB"] * 3,
            "smiles": ["CC(=O)Oc1ccccc1C(=O)O", "OC(=O)c1ccccc1O", "CC(C)Cc1ccc(cc1)C(C)C(=O)O"]
            + ["CC(C)NCC(O)COc1cccc2ccccc12", "CC(C)NCC(O)c1ccc(O)c(O)c1", "CC(C)NCC(O)COc1ccc(CC(N)=O)cc1"],
        }
    )
    sets.to_csv(tmp_path / "sets.csv", index=False)
    (tmp_path / "q.smi").write_text("CC(=O)Oc1ccccc1C(=O)OC aspirin_ester\nnot_a_smiles bad\n")
    out = tmp_path / "t.csv"
    assert (
        main(
            [
                "-q",
                "targets",
                str(tmp_path / "q.smi"),
                "--ligand-sets",
                str(tmp_path / "sets.csv"),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    table = pd.read_csv(out)
    best = table[table["query"] == "aspirin_ester"].iloc[0]
    assert best["target"] == "COX"
    assert table[table["query"] == "bad"]["note"].notna().all()
    assert main(["-q", "targets", "CCO", "--ligand-sets", str(tmp_path / "sets.csv"), "--top-k", "1"]) == 0
    assert "raw_score" in capsys.readouterr().out


def test_cli_mistakes_are_one_line_errors(files, tmp_path, capsys):
    net, (nodes, edges) = files
    assert main(["repurpose", "predict", nodes, edges, "--top", "5", "-o", str(tmp_path / "x.csv")]) == 1
    assert "--top needs --disease" in capsys.readouterr().err
    assert (
        main(["repurpose", "dwpc", nodes, edges, "--metapath", "CxGaD", "-o", str(tmp_path / "x.csv")]) == 1
    )
    assert "no metaedge" in capsys.readouterr().err
    sets = tmp_path / "sets.csv"
    pd.DataFrame({"target": ["T"], "smiles": ["CCO"]}).to_csv(sets, index=False)
    assert main(["targets", "missing.smi", "--ligand-sets", str(sets)]) == 1
    assert "no such query file" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()
