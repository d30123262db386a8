"""Runs inside benchmarks/.venv-admetai: time ADMET-AI's ADMETModel on a SMILES file.

    .venv-admetai/bin/python admetai_peer.py SMILES_FILE OUT_JSON

Prints nothing; writes model-load and predict wall times, the column count and the first rows'
values (so the run can be checked) to OUT_JSON.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    import torch

    torch.set_num_threads(2)
    smiles = [line.split()[0] for line in open(sys.argv[1]) if line.strip()]
    t0 = time.perf_counter()
    from admet_ai import ADMETModel

    model = ADMETModel(num_workers=0)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    preds = model.predict(smiles=smiles)
    seconds = time.perf_counter() - t0
    json.dump(
        {"load_s": load, "predict_s": seconds, "n": len(smiles), "columns": int(preds.shape[1])},
        open(sys.argv[2], "w"),
    )


if __name__ == "__main__":
    main()
