#!/usr/bin/env bash
# A command-line screening job with drugscreen:
#   build a fingerprint database from the bundled demo library, describe it, and screen it
#   with three known drugs, once by top-k (CSV) and once by similarity threshold (Parquet).
#
# Usage: examples/screen_cli.sh [WORKDIR]
#   WORKDIR  where the database, queries and results go [a new temporary directory]
#
# Uses the `drugscreen` and `python` found on PATH (e.g. after `source .venv/bin/activate`).
set -euo pipefail

workdir="${1:-$(mktemp -d "${TMPDIR:-/tmp}/drugscreen-cli.XXXXXX")}"
mkdir -p "$workdir"
echo "== working in $workdir"

# The bundled 25,000-molecule MOSES subset (.smi.gz, SMILES + id per line).
library="$(python -c "from drugscreen.screen.demo import demo_library; print(demo_library())")"
db="$workdir/moses-25k.dsdb"

echo "== building $db from $library"
drugscreen -q db build "$library" "$db" --kind morgan --radius 2 --nbits 2048 --overwrite

echo "== database summary"
drugscreen db info "$db"

# Query molecules: one per line, SMILES then id.
queries="$workdir/queries.smi"
cat >"$queries" <<'SMI'
CC(=O)Nc1ccc(O)cc1 paracetamol
CC(C)Cc1ccc(cc1)C(C)C(=O)O ibuprofen
CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21 diazepam
SMI

echo "== top 5 hits per query -> $workdir/top5.csv"
drugscreen -q search "$db" --queries "$queries" --top-k 5 -o "$workdir/top5.csv"

echo "== hits with Tanimoto >= 0.4 -> $workdir/hits_t040.parquet"
drugscreen -q search "$db" --queries "$queries" --threshold 0.4 -o "$workdir/hits_t040.parquet"

echo "== head of $workdir/top5.csv"
head -n 8 "$workdir/top5.csv"
