"""Issue 21, command-line side: ``proximity``, ``repurpose`` and ``targets`` keep ``#`` in fields,
refuse every bad number with one line (exit 1, no traceback), check outputs first, expand ``~``."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest
from hetnet_data import planted_hetnet, write_hetnet

from drugscreen.cli import main
from drugscreen.repurpose.dwpc import dwpc

LIGANDS = {
    "nitrile": ["CCC#N", "CCCC#N", "N#Cc1ccccc1", "CC(C)C#N"],
    "aromatic": ["Oc1ccccc1", "Cc1ccccc1", "CCc1ccccc1", "Oc1ccc(O)cc1"],
    "acid": ["CC(=O)O", "CCC(=O)O", "OC(=O)c1ccccc1"],
}


def _ligand_table():
    return pd.DataFrame([(t, s) for t, group in LIGANDS.items() for s in group], columns=["target", "smiles"])


def _write_table(table, path):
    if path.name.endswith(".parquet"):
        table.to_parquet(path, index=False)
    else:
        sep = "," if ".csv" in path.name else "\t"
        text = "# a whole-line comment\n" + table.to_csv(sep=sep, index=False)
        if path.name.endswith(".gz"):
            with gzip.open(path, "wt") as handle:
                handle.write(text)
        else:
            path.write_text(text)


@pytest.fixture(scope="module")
def kg_files(tmp_path_factory):
    net = planted_hetnet(1, n_compounds=20, n_genes=30, n_diseases=6)
    folder = tmp_path_factory.mktemp("kg")
    nodes, edges = write_hetnet(net, folder)
    values = dwpc(net, "CbGaD")
    i, j = np.unravel_index(np.argmax(values), values.shape)
    return {
        "nodes": nodes,
        "edges": edges,
        "source": net.node_ids("Compound")[i],
        "target": net.node_ids("Disease")[j],
    }


@pytest.fixture(scope="module")
def prox_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prox")
    edges = [(f"g{i}", f"g{(i + 1) % 30}") for i in range(30)] + [("g0", "g15"), ("g5", "g20")]
    (folder / "net.tsv").write_text("".join(f"{a}\t{b}\n" for a, b in edges))
    pd.DataFrame({"drug": ["C#N", "C#N", "y"], "gene": ["g1", "g2", "g16"]}).to_csv(
        folder / "targets.csv", index=False
    )
    (folder / "targets.gmt").write_text("C#N\tcyanide\tg1\tg2\ny\tother\tg16\n")
    (folder / "diseases.gmt").write_text("d#1\tring\tg0\tg3\tg4\nd2\tother\tg20\tg21\n")
    (folder / "pairs.tsv").write_text("# pairs to score\ndrug\tdisease\nC#N\td#1\ny\td2\n")
    (folder / "sets.csv").write_text(_ligand_table().to_csv(index=False))
    return folder


def _one_line_error(capsys, *needles):
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith("drugscreen: error:") and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


# ---------------------------------------------------------------------------- '#' inside fields (item 1)


@pytest.fixture(scope="module")
def expected_hits():
    """What the API gives for the query CCC#N against the ligand sets, nothing read from files."""
    from drugscreen.repurpose.sea import SEA

    table = SEA(_ligand_table(), progress=False).fit().predict(["CCC#N"])
    return table.set_index("target")[["raw_score", "z", "max_tc", "n_ligands"]]


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".tsv.gz", ".parquet"])
@pytest.mark.parametrize("where", ["query file", "ligand sets", "both"])
def test_targets_keeps_triple_bonds(tmp_path, expected_hits, suffix, where):
    sets = tmp_path / "sets.parquet"
    if where in ("ligand sets", "both"):
        sets = tmp_path / f"sets{suffix}"
    _write_table(_ligand_table(), sets)
    query = "CCC#N"
    if where in ("query file", "both"):
        query = str(tmp_path / f"queries{suffix}")
        _write_table(
            pd.DataFrame({"id": ["propionitrile"], "smiles": ["CCC#N"]}), tmp_path / f"queries{suffix}"
        )
    out = tmp_path / "hits.csv"
    assert main(["-q", "targets", query, "--ligand-sets", str(sets), "-o", str(out)]) == 0
    table = pd.read_csv(out).set_index("target")[expected_hits.columns]
    # read whole on both sides: the same scores as the API's, and CCC#N is its own nearest ligand
    pd.testing.assert_frame_equal(table.sort_index(), expected_hits.sort_index(), check_dtype=False)
    assert table.loc["nitrile", "max_tc"] == pytest.approx(1.0)


def test_targets_smi_query_file_keeps_triple_bonds(tmp_path, prox_files):
    (tmp_path / "q.smi").write_text("# comment\nCCC#N propionitrile\n")
    out = tmp_path / "hits.csv"
    argv = ["-q", "targets", str(tmp_path / "q.smi"), "--ligand-sets", str(prox_files / "sets.csv")]
    assert main([*argv, "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert table["query"].unique().tolist() == ["propionitrile"]
    assert table.set_index("target").loc["nitrile", "max_tc"] == pytest.approx(1.0)


@pytest.mark.parametrize("targets", ["targets.csv", "targets.gmt"])
def test_proximity_keeps_hashes_in_names(tmp_path, prox_files, targets):
    out = tmp_path / "prox.csv"
    argv = ["-q", "proximity", str(prox_files / "net.tsv"), "--targets", str(prox_files / targets)]
    argv += ["--genes", str(prox_files / "diseases.gmt"), "--pairs", str(prox_files / "pairs.tsv")]
    assert main([*argv, "--n-random", "0", "-o", str(out)]) == 0
    table = pd.read_csv(out)
    assert table[["drug", "disease"]].values.tolist() == [["C#N", "d#1"], ["y", "d2"]]
    assert table["d"].notna().all()


# ---------------------------------------------------------------------------- bad numbers (items 3, 6)


def _argv(command, kg, prox, out):
    base = {
        "proximity": ["proximity", str(prox / "net.tsv"), "--targets", str(prox / "targets.csv")]
        + ["--genes", str(prox / "diseases.gmt"), "--min-bin-size", "5", "--n-random", "10"],
        "metapaths": ["repurpose", "metapaths", kg["nodes"], kg["edges"]],
        "dwpc": ["repurpose", "dwpc", kg["nodes"], kg["edges"]],
        "predict": ["repurpose", "predict", kg["nodes"], kg["edges"], "--node", "Disease::0"],
        "explain": ["repurpose", "explain", kg["nodes"], kg["edges"], "--metapath", "CbGaD"]
        + ["--source", kg["source"], "--target", kg["target"]],
        "targets": ["targets", "CCO", "--ligand-sets", str(prox / "sets.csv")],
    }[command]
    if command in ("proximity", "dwpc", "predict", "explain", "targets"):
        base += ["-o", str(out)]
    return base


#: (command, option, name in the message): every numeric option of the three commands.
OPTIONS = [
    ("proximity", "--n-random", "n_random"),
    ("proximity", "--min-bin-size", "min_bin_size"),
    ("proximity", "--seed", "seed"),
    ("metapaths", "--max-length", "max_length"),
    ("metapaths", "--min-length", "min_length"),
    ("dwpc", "--max-length", "max_length"),
    ("dwpc", "--damping", "damping"),
    ("predict", "--max-length", "max_length"),
    ("predict", "--max-metapaths", "max_metapaths"),
    ("predict", "--C", "C must be"),
    ("predict", "--negatives", "n_negatives"),
    ("predict", "--top", "top must be"),
    ("predict", "--cv", "folds"),
    ("predict", "--seed", "random_state"),
    ("explain", "--damping", "damping"),
    ("explain", "--limit", "limit"),
    ("targets", "--threshold", "threshold"),
    ("targets", "--top-k", "top_k"),
    ("targets", "--max-e-value", "max_e_value"),
    ("targets", "--seed", "seed"),
]


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "x"])
@pytest.mark.parametrize("command, option, name", OPTIONS, ids=[f"{c}{o}" for c, o, _ in OPTIONS])
def test_every_bad_number_is_a_one_line_error(
    tmp_path, capsys, kg_files, prox_files, command, option, name, value
):
    out = tmp_path / "out.csv"
    argv = [*_argv(command, kg_files, prox_files, out), option, value]
    assert main(["-q", *argv]) == 1
    _one_line_error(capsys, name)
    assert not out.exists()


@pytest.mark.parametrize(
    "command, extra, message",
    [
        (
            "metapaths",
            ["--min-length", "5", "--max-length", "2"],
            "min_length (5) must not exceed max_length (2)",
        ),
        ("metapaths", ["--max-length", "0"], "max_length must be a whole number >= 1"),
        ("explain", ["--limit", "0"], "limit must be a whole number >= 1"),
        ("explain", ["--limit", "2.5"], "limit must be a whole number >= 1"),
        ("predict", ["--cv", "1"], "at least 2 folds"),
        ("predict", ["--cv", "0"], "at least 2 folds"),
        ("predict", ["--C", "0"], "C must be a number > 0"),
        ("dwpc", ["--damping=-inf"], "damping must be a number >= 0"),
        ("targets", ["--threshold", "1.5"], "threshold must be a number > 0 and <= 1"),
        ("targets", ["--top-k", "0"], "top_k must be a whole number >= 1"),
        ("proximity", ["--n-random", "1"], "n_random must be 0"),
        ("proximity", ["--n-random", "2.5"], "n_random must be a whole number"),
    ],
)
def test_out_of_range_settings(tmp_path, capsys, kg_files, prox_files, command, extra, message):
    out = tmp_path / "out.csv"
    assert main(["-q", *_argv(command, kg_files, prox_files, out), *extra]) == 1
    _one_line_error(capsys, message)
    assert not out.exists()


def test_dwpc_nan_damping_was_accepted_before(tmp_path, capsys, kg_files):
    out = tmp_path / "dwpc.csv"
    argv = ["-q", "repurpose", "dwpc", kg_files["nodes"], kg_files["edges"], "--metapath", "CbGaD"]
    assert main([*argv, "--damping", "nan", "-o", str(out)]) == 1
    _one_line_error(capsys, "damping must be a number >= 0, got nan")
    assert main([*argv, "--damping", "0", "-o", str(out)]) == 0
    assert np.isfinite(pd.read_csv(out)["CbGaD"]).all()


# ---------------------------------------------------------------------------- a bad direct query (item 4)


@pytest.mark.parametrize("query", ["C1CC(", "x", "CC(C"])
def test_a_bad_smiles_on_the_command_line_is_one_line(tmp_path, capsys, prox_files, query):
    out = tmp_path / "t.csv"
    assert main(["-q", "targets", query, "--ligand-sets", str(prox_files / "sets.csv"), "-o", str(out)]) == 1
    _one_line_error(capsys, repr(query), "neither a file nor a usable SMILES")
    assert not out.exists()


def test_a_smiles_with_slashes_is_a_query_not_a_file(tmp_path, capsys, prox_files):
    out = tmp_path / "t.csv"
    argv = ["-q", "targets", "C/C=C/C#N", "--ligand-sets", str(prox_files / "sets.csv"), "-o", str(out)]
    assert main(argv) == 0
    assert pd.read_csv(out)["target"].notna().all()
    assert main(["-q", "targets", "no/such/file.smi", "--ligand-sets", str(prox_files / "sets.csv")]) == 1
    _one_line_error(capsys, "no such query file")


# ---------------------------------------------------------------------------- outputs and '~' (item 7)


@pytest.mark.parametrize("command", ["proximity", "dwpc", "predict", "explain", "targets"])
def test_outputs_are_checked_before_any_work(tmp_path, capsys, kg_files, prox_files, command):
    argv = _argv(command, kg_files, prox_files, tmp_path / "x.csv")
    if command == "dwpc":
        argv += ["--metapath", "CbGaD"]
    folder = tmp_path / "a_folder"
    folder.mkdir()
    assert main(["-q", *argv, "-o", str(folder)]) == 1
    _one_line_error(capsys, "is a directory")
    assert main(["-q", *argv, "-o", str(tmp_path / "out.txt")]) == 1
    _one_line_error(capsys, "use a .csv, .tsv or .parquet file name")


def test_predict_outputs_must_differ(tmp_path, capsys, kg_files):
    out = tmp_path / "same.csv"
    argv = ["-q", "repurpose", "predict", kg_files["nodes"], kg_files["edges"], "--cv", "2"]
    assert main([*argv, "--cv-output", str(out), "-o", str(out)]) == 1
    _one_line_error(capsys, "same file")


def test_paths_expand_the_home_directory(tmp_path, monkeypatch, capsys, kg_files, prox_files):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    for name in ("net.tsv", "targets.csv", "diseases.gmt", "pairs.tsv", "sets.csv"):
        (home / name).write_bytes((prox_files / name).read_bytes())
    argv = ["-q", "proximity", "~/net.tsv", "--targets", "~/targets.csv", "--genes", "~/diseases.gmt"]
    argv += ["--pairs", "~/pairs.tsv", "--n-random", "0", "--cache-dir", "~/cache", "-o", "~/out/prox.csv"]
    assert main(argv) == 0
    assert len(pd.read_csv(home / "out" / "prox.csv")) == 2
    assert len(list((home / "cache").glob("distances-*.npy"))) == 1
    (home / "q.smi").write_text("CCC#N nitrile\n")
    argv = ["-q", "targets", "~/q.smi", "--ligand-sets", "~/sets.csv", "--top-k", "1", "-o", "~/hits.csv"]
    assert main(argv) == 0
    assert pd.read_csv(home / "hits.csv")["target"].tolist() == ["nitrile"]
    argv = ["-q", "repurpose", "dwpc", kg_files["nodes"], kg_files["edges"], "--metapath", "CbGaD"]
    assert main([*argv, "-o", "~/dwpc.csv"]) == 0 and (home / "dwpc.csv").is_file()
    assert not (tmp_path / "~").exists()
