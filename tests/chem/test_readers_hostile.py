"""Readers given what a hostile but fair user gives them, plus property-based tests."""

from __future__ import annotations

import gzip
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdkit import Chem

import drugscreen as ds
from drugscreen.chem.io import iter_records
from drugscreen.chem.parse import read_molecules
from drugscreen.errors import InputError


def test_sdf_last_record_without_terminator_is_kept(tmp_path):
    # catches: dropping the last record of an SDF that does not end in $$$$
    blocks = [Chem.MolToMolBlock(Chem.MolFromSmiles(s)) for s in ("CCO", "c1ccccc1", "CCN")]
    p = tmp_path / "lib.sdf"
    p.write_text("$$$$\n".join(blocks))  # no $$$$ after the last block
    recs = list(read_molecules(p))
    assert [Chem.MolToSmiles(r.mol) for r in recs] == ["CCO", "c1ccccc1", "CCN"]
    assert recs[-1].line is not None and recs[-1].line > recs[1].line


def test_binary_file_is_refused_not_stored(tmp_path):
    p = tmp_path / "lib.smi"
    p.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InputError, match="looks like a binary file"):
        list(iter_records(p))
    gz = tmp_path / "lib.smi.gz"
    with gzip.open(gz, "wb") as handle:
        handle.write(b"CCO a\n\x00\x01\x02" * 10)
    with pytest.raises(InputError, match="looks like a binary file"):
        list(iter_records(gz))


def test_control_characters_make_a_reject_not_a_row(tmp_path):
    p = tmp_path / "lib.smi"
    p.write_bytes(b"CCO good\nC\x1bC esc\nCC\xff\xfeO latin\nCCN fine\n")
    recs = list(iter_records(p))
    assert [r.error is None for r in recs] == [True, False, False, True]
    assert "not text" in recs[1].error and recs[1].id == "esc"  # the id is fine; the SMILES is not
    db = ds.FingerprintDB.build(tmp_path / "a.dsdb", p, progress=False, n_jobs=1)
    assert len(db) == 2 and db.last_report.n_failed == 2
    meta = db.metadata([0, 1])
    assert meta["id"].tolist() == ["good", "fine"]


def test_directory_none_and_non_iterables_are_clear_errors(tmp_path):
    with pytest.raises(InputError, match="is a directory, not a molecule file"):
        list(iter_records(tmp_path))
    with pytest.raises(InputError, match="source is None"):
        list(iter_records(None))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="got int"):
        list(iter_records(42))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="source is None"):
        ds.fingerprint(None)  # type: ignore[arg-type]


def test_standard_input(tmp_path):
    code = "import drugscreen as ds; print([(r.id, r.text) for r in ds.iter_records('-')])"
    out = subprocess.run(
        [sys.executable, "-c", code], input="CCO ethanol\nc1ccccc1 benzene\n", capture_output=True, text=True
    )
    assert out.stdout.strip() == "[('ethanol', 'CCO'), ('benzene', 'c1ccccc1')]", out.stderr
    code = "import drugscreen as ds; print([r.id for r in ds.iter_records('-', fmt='csv', id_column='n')])"
    out = subprocess.run(
        [sys.executable, "-c", code], input="smiles,n\nCCO,a\nCCN,b\n", capture_output=True, text=True
    )
    assert out.stdout.strip() == "['a', 'b']", out.stderr
    with pytest.raises(InputError, match="Parquet cannot be read from standard input"):
        list(iter_records("-", fmt="parquet"))


# ---------------------------------------------------------------- properties
# '#' may appear inside a SMILES (triple bond) but a line that starts with it is a comment
_smiles_like = st.text(alphabet="CNOcn()=#[]@+-123456789Hl", min_size=1, max_size=30).filter(
    lambda s: not s.startswith("#")
)
_ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-.", min_size=1, max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_smiles_like, _ids), min_size=0, max_size=30))
def test_smi_roundtrip_keeps_every_record_in_order(tmp_path_factory, rows):
    p = tmp_path_factory.mktemp("smi") / "lib.smi"
    p.write_text("".join(f"{s} {i}\n" for s, i in rows))
    recs = list(iter_records(p))
    assert [(r.text, r.id) for r in recs] == [(s, i) for s, i in rows]
    assert [r.row for r in recs] == list(range(len(recs)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.tuples(_smiles_like, _ids), min_size=1, max_size=20), sep=st.sampled_from([",", "\t"])
)
def test_table_roundtrip_with_line_numbers(tmp_path_factory, rows, sep):
    p = tmp_path_factory.mktemp("tab") / ("lib.csv" if sep == "," else "lib.tsv")
    p.write_text(f"id{sep}smiles\n" + "".join(f"{i}{sep}{s}\n" for s, i in rows))
    recs = list(iter_records(p, id_column="id"))
    assert [(r.text, r.id) for r in recs] == rows
    assert [r.line for r in recs] == list(range(2, len(rows) + 2))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(min_value=0, max_value=6), terminate=st.booleans())
def test_sdf_record_count(tmp_path_factory, n, terminate):
    blocks = [Chem.MolToMolBlock(Chem.MolFromSmiles("C" * (i + 1))) for i in range(n)]
    text = "$$$$\n".join(blocks) + ("$$$$\n" if terminate and n else "")
    p = tmp_path_factory.mktemp("sdf") / "lib.sdf"
    p.write_text(text)
    recs = list(read_molecules(p))
    assert [r.mol.GetNumAtoms() for r in recs] == list(range(1, n + 1))


def test_only_the_smiles_field_decides(tmp_path):
    p = tmp_path / "lib.smi"
    p.write_bytes(b"CCO M\xfcller\nCCN tab\x0bbed\n")  # Latin-1 id; a control character in an id
    recs = list(iter_records(p))
    assert [r.error for r in recs] == [None, None]
    assert recs[0].id == "M\ufffdller" and recs[1].id == "tab\\x0bbed"
    csv = tmp_path / "lib.csv"
    csv.write_bytes(b"smiles,comment\nCCO,caf\xe9\nC\x07C,fine\n")
    recs = list(iter_records(csv))
    assert recs[0].error is None and "not text" in recs[1].error


def test_gzip_on_standard_input(tmp_path):
    data = gzip.compress(b"CCO a\nCCN b\n")
    code = "import drugscreen as ds; print([r.id for r in ds.iter_records('-')])"
    out = subprocess.run([sys.executable, "-c", code], input=data, capture_output=True)
    assert out.stdout.decode().strip() == "['a', 'b']", out.stderr


def test_corrupt_gzip_names_the_file(tmp_path):
    p = tmp_path / "lib.smi.gz"
    p.write_bytes(b"\x1f\x8bnot really gzip at all")
    with pytest.raises(InputError, match=r"lib\.smi\.gz: cannot be read"):
        list(iter_records(p))
