"""Issue 21, classes "numeric options" and "outputs", across every command. Every numeric option
of every command reaches the API, which refuses a bad value (text, NaN, a fraction where a count is meant) with one line naming
it; never a traceback, never argparse's usage dump. A new option is covered automatically: the
test enumerates the parser."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest
from conftest import SMALL_MOLECULES, train_fingerprint_argv

from drugscreen.cli import main
from drugscreen.cli.main import build_parser
from drugscreen.cli.options import number


def _numeric_options() -> list[tuple[str, str]]:
    """``(command path, option)`` of every option parsed as a number, by walking the parser."""
    found = []

    def walk(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{path} {name}".strip())
            elif action.option_strings and action.type is not None:
                found.append((path, max(action.option_strings, key=len), action.type, action.nargs))

    walk(build_parser(), "")
    wrong = [(c, o) for c, o, t, _ in found if t in (int, float)]
    assert not wrong, f"options parsed by argparse's int/float (usage dump, not the API's check): {wrong}"
    return [(c, o) for c, o, t, _ in found if t is number]


NUMERIC = _numeric_options()
#: The network commands have their own fixtures and tests (tests/repurpose/test_cli_repurpose_hardening.py).
ELSEWHERE = (
    "proximity",
    "repurpose metapaths",
    "repurpose dwpc",
    "repurpose predict",
    "repurpose explain",
    "targets",
)


@pytest.fixture(scope="module")
def files(tmp_path_factory, demo_smiles):
    import drugscreen as ds
    from drugscreen.screen.toy_data import toy_blocks

    root = tmp_path_factory.mktemp("numeric")
    lib = root / "lib.smi"
    lib.write_text("".join(f"{s} m{i}\n" for i, s in enumerate(demo_smiles[:60])))
    assert main(["-q", "db", "build", str(lib), str(root / "lib.dsdb"), "-j", "1"]) == 0
    table = pd.DataFrame({"smiles": demo_smiles[:80], "y": [len(s) for s in demo_smiles[:80]]})
    table.to_csv(root / "train.csv", index=False)
    frame = pd.DataFrame(
        {
            "target": ["a"] * 40 + ["b"] * 40,
            "smiles": demo_smiles[:80],
            "hit": [int("O" in s) for s in demo_smiles[:80]],
        }
    )
    frame.to_csv(root / "bench.csv", index=False)
    toy_blocks().to_csv(root / "blocks.csv", index=False)
    (root / "campaign.toml").write_text('[library]\npath = "lib.smi"\n')
    (root / "net.tsv").write_text(
        "".join(f"g{i}\tg{j}\n" for i in range(40) for j in (i + 1, i + 7) if j < 40)
    )
    (root / "genes.gmt").write_text("d\t\t" + "\t".join(f"g{i}" for i in range(0, 40, 3)) + "\n")
    pd.DataFrame(
        {"bx": [0.1, 0.2, 0.3, 0.15], "bx_se": 0.01, "by": [0.05, 0.1, 0.16, 0.07], "by_se": 0.02}
    ).to_csv(root / "mr.csv", index=False)
    model = ds.models.FingerprintModel(n_estimators=3, descriptors=False)
    model.fit(SMALL_MOLECULES, [len(s) for s in SMALL_MOLECULES]).save(root / "model")
    return root


def _base(command: str, f, out) -> list[str]:
    return {
        "prepare": ["prepare", f"{f}/lib.smi", "-o", f"{out}/p.csv"],
        "fingerprint": ["fingerprint", f"{f}/lib.smi", "-o", f"{out}/fp.parquet"],
        "db build": ["db", "build", f"{f}/lib.smi", f"{out}/x.dsdb"],
        "db append": ["db", "append", f"{out}/copy.dsdb", f"{f}/lib.smi"],
        "search": ["search", f"{f}/lib.dsdb", "CCO", "-k", "1"],
        "screen": ["screen", f"{f}/lib.smi", "--query", "CCO", "-k", "2", "-o", f"{out}/job"],
        "cluster": ["cluster", f"{f}/lib.dsdb", "-o", f"{out}/c.csv"],
        "pick": ["pick", f"{f}/lib.dsdb", "-n", "3", "-o", f"{out}/p.csv"],
        "vs-eval": ["vs-eval", f"{f}/bench.csv", "--active-column", "hit", "-o", f"{out}/vs.csv"],
        "train": ["train", f"{f}/train.csv", "--target-columns", "y", "--model", "dmpnn", "-o", f"{out}/m"],
        "predict": ["predict", f"{f}/model", f"{f}/lib.smi", "-o", f"{out}/p.parquet"],
        "admet": ["admet", f"{f}/lib.smi", "-o", f"{out}/a.parquet", "--endpoints", "herg", "-j", "1"],
        "synergy": ["synergy", f"{f}/blocks.csv", "-o", f"{out}/s.csv"],
        "demo": ["demo", "--out", f"{out}/demo"],
        "campaign run": ["campaign", "run", f"{f}/campaign.toml", "-o", f"{out}/campaign"],
        "genes rank": ["genes", "rank", f"{f}/net.tsv", f"{f}/genes.gmt", "-o", f"{out}/r.csv"],
        "genes validate": ["genes", "validate", f"{f}/net.tsv", f"{f}/genes.gmt", "--min-genes", "10"],
        "genes mr": ["genes", "mr", f"{f}/mr.csv"],
    }[command]


@pytest.mark.parametrize("value", ["x", "nan", "1e400"])
@pytest.mark.parametrize(
    "command, option",
    [o for o in NUMERIC if o[0] not in ELSEWHERE],
    ids=[f"{c}{o}" for c, o in NUMERIC if c not in ELSEWHERE],
)
def test_bad_number_is_one_line_from_the_api(tmp_path, files, capsys, command, option, value):
    import shutil

    shutil.copytree(files / "lib.dsdb", tmp_path / "copy.dsdb")
    argv = _base(command, files, tmp_path)
    capsys.readouterr()
    # an option taking several numbers (train --sizes) gets one bad one among good ones
    extra = [option, "0.8", "0.1", value] if option == "--sizes" else [f"{option}={value}"]
    assert main(["-q", *argv, *extra]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("drugscreen: error:"), err
    assert "unexpected" not in err[0], err


def test_every_command_with_numbers_is_covered():
    commands = {c for c, _ in NUMERIC}
    covered = set(ELSEWHERE) | {"prepare", "fingerprint", "db build", "db append", "search", "screen"}
    covered |= {"cluster", "pick", "vs-eval", "train", "predict", "admet", "synergy", "demo", "campaign run"}
    covered |= {"genes rank", "genes validate", "genes mr"}
    assert commands <= covered, commands - covered


#: Commands whose -o names a directory (a job, a model, the demo's output) rather than a file.
DIRECTORY_OUTPUTS = {"screen", "train", "demo"}


@pytest.mark.parametrize(
    "command",
    [
        "prepare",
        "fingerprint",
        "search",
        "screen",
        "cluster",
        "pick",
        "vs-eval",
        "train",
        "predict",
        "admet",
        "synergy",
    ],
)
def test_output_in_the_way_is_refused_before_any_work_and_left_alone(tmp_path, files, capsys, command):
    """Class "outputs": a directory where a file goes (or a file where a directory goes) is one
    line naming it, and what is there is not touched."""
    argv = _base(command, files, tmp_path)
    if command == "search":
        argv += ["-o", f"{tmp_path}/hits.csv"]
    flag = "-o"
    index = argv.index(flag) + 1
    target = tmp_path / "in-the-way"
    if command in DIRECTORY_OUTPUTS:
        target.write_text("precious")
    else:
        target.mkdir()
        (target / "keep.txt").write_text("precious")
    argv[index] = str(target)
    capsys.readouterr()
    assert main(["-q", *argv]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(target) in err[0] and "unexpected" not in err[0], err
    if command in DIRECTORY_OUTPUTS:
        assert target.read_text() == "precious"
    else:
        assert [p.name for p in target.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize("what", ["user directory", "regular file", "symlink to a model"])
def test_train_overwrite_never_replaces_what_is_not_a_model(tmp_path, files, capsys, what):
    """`drugscreen train -o DIR --overwrite` deleted any directory; on a file it hid it as .NAME.old-PID."""
    target = tmp_path / "out"
    if what == "user directory":
        target.mkdir()
        (target / "notes.txt").write_text("precious")
    elif what == "regular file":
        target.write_text("precious")
    else:
        target.symlink_to(files / "model", target_is_directory=True)
    before = sorted(p.name for p in tmp_path.iterdir())
    argv = train_fingerprint_argv(files / "train.csv", target)
    assert main(["-q", *argv, "--overwrite"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(target) in err[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    if what == "user directory":
        assert (target / "notes.txt").read_text() == "precious"
    elif what == "regular file":
        assert target.read_text() == "precious"
    else:
        assert (files / "model" / "config.json").is_file()
